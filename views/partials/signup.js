/* global document, window */
(function () {
  'use strict';
  var form = document.querySelector('form[data-signup]');
  if (!form || !window.fetch) return;
  var email = form.querySelector('input[name="email"]');
  var consent = form.querySelector('input[type="checkbox"][name="consent"]');
  var button = form.querySelector('button[type="submit"]');
  var status = document.getElementById('signup-status');
  var alertBox = document.getElementById('signup-alert');
  var idle = button.textContent;
  var field = function (name) { var input = form.querySelector('input[name="' + name + '"]'); return input ? input.value : ''; };
  // The page's own messages answer when the network or the server cannot.
  var fallback = form.getAttribute('data-error-text');
  // Our messages replace the browser's bubbles, and are announced in the live regions below.
  form.noValidate = true;

  function say(region, other, text) {
    other.textContent = '';
    // Emptied first, then filled on the next frame: the same message twice is announced twice.
    region.textContent = '';
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function done() {
    button.disabled = false;
    button.textContent = idle;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    email.removeAttribute('aria-invalid');
    if (consent) consent.removeAttribute('aria-invalid');
    if (!email.value.trim()) {
      email.setAttribute('aria-invalid', 'true');
      say(alertBox, status, form.getAttribute('data-required-text'));
      email.focus();
      return;
    }
    if (consent && !consent.checked) {
      consent.setAttribute('aria-invalid', 'true');
      say(alertBox, status, form.getAttribute('data-consent-text'));
      consent.focus();
      return;
    }
    button.disabled = true;
    button.textContent = form.getAttribute('data-sending-text');
    var body = { email: email.value, token: field('token'), lang: field('lang'), nickname: field('nickname'), consent: consent ? consent.checked : field('consent') === 'yes' };
    fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        done();
        if (response.ok) {
          form.reset();
          say(status, alertBox, answer.message || '');
          return;
        }
        var input = answer.field === 'consent' ? consent : email;
        if (answer.field && input) {
          input.setAttribute('aria-invalid', 'true');
          input.focus();
        }
        say(alertBox, status, answer.detail || fallback);
      });
    }).catch(function () {
      done();
      say(alertBox, status, fallback);
    });
  });
})();
