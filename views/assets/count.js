// Progressive enhancement: refresh the signature count on the page every few
// seconds from /actions/:slug/count.json. Without JavaScript the page still
// shows the count it was served with.
(function () {
  'use strict';
  var format = new Intl.NumberFormat(document.documentElement.lang || 'en');
  var blocks = document.querySelectorAll('[data-count-url]');
  // A cached count.json can be older than the page the server just rendered;
  // a count only grows, so an answer below what is shown is stale: ignore it.
  function shown(block) {
    return Number(block.getAttribute('data-count-value')) || 0;
  }
  function refresh(block) {
    fetch(block.getAttribute('data-count-url'), { headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || typeof data.count !== 'number' || data.count < shown(block)) return;
        var number = block.querySelector('[data-count]');
        var bar = block.querySelector('[data-bar]');
        var of = Number(block.getAttribute('data-count-of')) || 0;
        block.setAttribute('data-count-value', String(data.count));
        if (number) number.textContent = format.format(data.count);
        // As the page draws it (actions.service.ts): at least 2 % once anyone has signed.
        if (bar && of > 0) bar.setAttribute('width', String(data.count > 0 ? Math.max(2, Math.min(100, (data.count / of) * 100)) : 0));
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
