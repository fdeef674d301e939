// Progressive enhancement of a letter action's page: the letter shown above
// the sign form follows the name, country, town and paragraph as they are
// typed, from /actions/:slug/letter?format=json (the server fills it in, with
// the same code as the letters that are sent). Without JavaScript, the form
// inside the letter's panel asks that page for the letter instead.
(function () {
  'use strict';
  var panels = document.querySelectorAll('[data-letter-url]');
  panels.forEach(function (panel) {
    var form = document.getElementById(panel.getAttribute('data-letter-form'));
    if (!form || !window.fetch) return;
    var noScript = panel.querySelector('[data-letter-nojs]');
    // The sign form's own fields now fill the letter in: the second form would only repeat them.
    if (noScript) noScript.hidden = true;
    var subject = panel.querySelector('[data-letter-subject]');
    var body = panel.querySelector('[data-letter-body]');
    var routed = panel.querySelector('[data-letter-routed]');
    var url = panel.getAttribute('data-letter-url');
    var timer = 0;
    var latest = 0;
    function field(name) {
      var input = form.elements.namedItem(name);
      return input && typeof input.value === 'string' ? input.value : '';
    }
    function show(data) {
      if (subject) subject.textContent = data.subject;
      if (routed && data.routedLine) routed.textContent = data.routedLine;
      if (!body) return;
      // Text only, never markup: a name is whatever a person typed.
      while (body.firstChild) body.removeChild(body.firstChild);
      data.paragraphs.forEach(function (lines) {
        var p = document.createElement('p');
        lines.forEach(function (line, i) {
          if (i > 0) p.appendChild(document.createElement('br'));
          p.appendChild(document.createTextNode(line));
        });
        body.appendChild(p);
      });
    }
    function refresh() {
      var query = new URLSearchParams({ format: 'json', name: field('name'), country: field('country'), town: field('locality'), comment: field('comment') });
      var asked = ++latest;
      fetch(url + '?' + query.toString(), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          // An older answer arriving after a newer one is dropped.
          if (data && asked === latest && Array.isArray(data.paragraphs)) show(data);
        })
        .catch(function () { /* offline: the letter stays as it was */ });
    }
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }
    ['name', 'country', 'locality', 'comment'].forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (!input) return;
      input.addEventListener('input', soon);
      input.addEventListener('change', soon);
    });
  });
})();
