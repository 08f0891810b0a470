/* global document, window */
(function () {
  'use strict';
  var time = document.querySelector('[data-countdown]');
  if (!time) return;
  var target = Date.parse(time.getAttribute('datetime') || '');
  if (isNaN(target)) return;
  var root = time.closest('[data-countdown-root]') || time.parentNode;
  var lang = document.documentElement.lang || 'en';
  var units = ['day', 'hour', 'minute', 'second'];
  var formats = {};

  function format(unit, n, pad) {
    var key = unit + (pad ? '2' : '1');
    if (!formats[key]) {
      var opts = { style: 'unit', unit: unit, unitDisplay: 'long', minimumIntegerDigits: pad ? 2 : 1 };
      try { formats[key] = new Intl.NumberFormat(lang, opts); } catch { formats[key] = new Intl.NumberFormat('en', opts); }
    }
    return formats[key];
  }

  function parts(unit, n) {
    var num = '', label = '';
    format(unit, n, unit !== 'day').formatToParts(n).forEach(function (p) {
      if (p.type === 'unit') label += p.value;
      else if (p.type !== 'literal') num += p.value;
    });
    return { num: num, label: label.trim() };
  }

  function list(items) {
    try { return new Intl.ListFormat(lang, { style: 'long', type: 'unit' }).format(items); } catch { return items.join(', '); }
  }

  function set(selector, text) {
    var el = time.querySelector(selector);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function live() {
    var p = document.createElement('p');
    p.className = 'countdown-live';
    p.setAttribute('role', 'status');
    p.appendChild(document.createTextNode(time.getAttribute('data-live-text') || 'We\u2019re live!'));
    var a = document.createElement('a');
    a.href = window.location.href;
    a.textContent = time.getAttribute('data-reload-text') || 'Reload';
    p.appendChild(a);
    while (root.firstChild) root.removeChild(root.firstChild);
    root.appendChild(p);
  }

  function tick() {
    var left = target - Date.now();
    if (left <= 0) {
      live();
      return;
    }
    var s = Math.floor(left / 1000);
    var values = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60];
    var spoken = [];
    for (var i = 0; i < units.length; i++) {
      var unit = units[i];
      var v = values[i];
      var p = parts(unit, v);
      set('[data-unit="' + unit + '"]', p.num);
      set('[data-unit-label="' + unit + '"]', p.label);
      if (v > 0) spoken.push(format(unit, v, false).format(v));
    }
    set('[data-countdown-text]', list(spoken));
    var seconds = time.querySelector('[data-unit-cell="second"]');
    if (seconds) seconds.hidden = false;
    window.setTimeout(tick, (left % 1000) + 20);
  }

  tick();
})();
