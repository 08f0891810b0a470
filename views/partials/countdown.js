/* global document, window */
(function () {
  'use strict';
  var time = document.querySelector('[data-countdown]');
  if (!time) return;
  var target = Date.parse(time.getAttribute('datetime') || '');
  if (isNaN(target)) return;
  var root = time.closest('[data-countdown-root]') || time.parentNode;
  var announcer = root.querySelector('[data-countdown-announce]');
  var lang = document.documentElement.lang || 'en';
  var MINUTE = 60000;
  var units = ['day', 'hour', 'minute', 'second'];
  var formats = {};
  // Visitors who ask for less motion get a countdown that changes once a minute, not every second.
  var motion = window.matchMedia ? window.matchMedia('(prefers-reduced-motion: reduce)') : null;
  var timer = 0;

  function format(unit, pad) {
    var key = unit + (pad ? '2' : '1');
    if (!formats[key]) {
      var opts = { style: 'unit', unit: unit, unitDisplay: 'long', minimumIntegerDigits: pad ? 2 : 1 };
      try { formats[key] = new Intl.NumberFormat(lang, opts); } catch { formats[key] = new Intl.NumberFormat('en', opts); }
    }
    return formats[key];
  }

  function parts(unit, n) {
    var num = '', label = '';
    format(unit, unit !== 'day').formatToParts(n).forEach(function (p) {
      if (p.type === 'unit') label += p.value;
      else if (p.type !== 'literal') num += p.value;
    });
    return { num: num, label: label.trim() };
  }

  function list(items) {
    try { return new Intl.ListFormat(lang, { style: 'long', type: 'unit' }).format(items); } catch { return items.join(', '); }
  }

  function set(el, text) {
    if (el && el.textContent !== text) el.textContent = text;
  }

  // Screen readers hear the time left at most once a minute, through one polite live region; the
  // ticking numbers are hidden from them. Loading the page counts as the first time they heard it.
  var lastSaid = Date.now();
  var lastSpoken = null;
  var waiting = null;
  var sayTimer = 0;

  function flush() {
    sayTimer = 0;
    if (waiting === null || !announcer) return;
    set(announcer, waiting);
    waiting = null;
    lastSaid = Date.now();
  }

  function say(text) {
    waiting = text;
    var wait = lastSaid + MINUTE - Date.now();
    if (wait <= 0) flush();
    else if (!sayTimer) sayTimer = window.setTimeout(flush, wait);
  }

  function live() {
    var text = time.getAttribute('data-live-text') || 'We\u2019re live \u2014 ';
    var p = document.createElement('p');
    p.className = 'countdown-live';
    p.appendChild(document.createTextNode(text));
    var a = document.createElement('a');
    a.href = window.location.href;
    a.textContent = time.getAttribute('data-reload-text') || 'reload the page';
    p.appendChild(a);
    // Everything but the live region goes: it must stay in the page to be heard.
    for (var i = root.childNodes.length - 1; i >= 0; i--) {
      if (root.childNodes[i] !== announcer) root.removeChild(root.childNodes[i]);
    }
    root.insertBefore(p, announcer);
    // Said only if it happened while the page was open; a page loaded after launch reads it in place.
    if (lastSpoken !== null) say(text + a.textContent);
  }

  /** Days, hours and minutes left, rounded up to the minute as the server does ("1 minute" until launch). */
  function minuteValues(left) {
    var m = Math.ceil(left / MINUTE);
    return [Math.floor(m / 1440), Math.floor((m % 1440) / 60), m % 60, 0];
  }

  function secondValues(left) {
    var s = Math.floor(left / 1000);
    return [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60];
  }

  function spoken(values) {
    var items = [];
    for (var i = 0; i < 3; i++) if (values[i] > 0) items.push(format(units[i], false).format(values[i]));
    return list(items);
  }

  function tick() {
    timer = 0;
    var left = target - Date.now();
    if (left <= 0) {
      live();
      return;
    }
    var reduced = Boolean(motion && motion.matches);
    var shown = reduced ? minuteValues(left) : secondValues(left);
    for (var i = 0; i < units.length; i++) {
      var p = parts(units[i], shown[i]);
      set(time.querySelector('[data-unit="' + units[i] + '"]'), p.num);
      set(time.querySelector('[data-unit-label="' + units[i] + '"]'), p.label);
    }
    var seconds = time.querySelector('[data-unit-cell="second"]');
    if (seconds) seconds.hidden = reduced;

    var text = spoken(minuteValues(left));
    set(time.querySelector('[data-countdown-text]'), text);
    if (lastSpoken !== null && text !== lastSpoken && announcer) {
      var template = announcer.getAttribute('data-countdown-announce') || '{time}';
      say(template.indexOf('{time}') >= 0 ? template.replace('{time}', text) : template + ' ' + text);
    }
    lastSpoken = text;

    // Next change: the next whole second (rounded down), or with reduced motion the next whole minute
    // (rounded up, so at an exact minute the next change is a full minute away).
    var next = reduced ? left % MINUTE || MINUTE : left % 1000;
    timer = window.setTimeout(tick, next + 20);
  }

  if (motion && motion.addEventListener) {
    motion.addEventListener('change', function () {
      if (!timer) return;
      window.clearTimeout(timer);
      tick();
    });
  }
  tick();
})();
