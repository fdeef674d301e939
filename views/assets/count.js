// Progressive enhancement: refresh the signature count on the page every few
// seconds from /actions/:slug/count.json. Without JavaScript the page still
// shows the count it was served with.
(function () {
  'use strict';
  var format = new Intl.NumberFormat(document.documentElement.lang || 'en');
  var blocks = document.querySelectorAll('[data-count-url]');
  function refresh(block) {
    fetch(block.getAttribute('data-count-url'), { headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || typeof data.count !== 'number') return;
        var number = block.querySelector('[data-count]');
        var bar = block.querySelector('progress');
        if (number) number.textContent = format.format(data.count);
        if (bar) bar.value = Math.min(data.count, Number(bar.max));
      })
      .catch(function () { /* offline or slow: keep the last number */ });
  }
  blocks.forEach(function (block) {
    refresh(block);
    setInterval(function () {
      if (!document.hidden) refresh(block);
    }, 5000);
  });
})();
