// Progressive enhancement for Passerelle's forms (templates/partials/form.html).
//
// Without this script every form works: it posts, and the handler answers with the
// confirmation or with the page again, its error summary focused. With it:
// - the answers are posted as JSON with a key made once per page, so a double click or a retry
//   is stored once;
// - errors are shown in place, without reloading: the handler returns the form region drawn
//   again (the same partials), which replaces the old one, and the error summary takes focus;
// - a link in an error summary moves to its field with the field's question in view.
// If anything goes wrong (an old browser, the network, an unexpected answer), the form is
// submitted the ordinary way. No inline script or style: the page's CSP is `default-src 'self'`.
(function () {
  'use strict';

  if (!window.fetch || !window.JSON || !document.querySelector || !window.FormData) {
    return;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ('0' + b.toString(16)).slice(-2);
      })
      .join('');
  }

  // One key per page: the same answers sent twice from this page are one submission.
  var pageKey = newKey();

  // GOV.UK's behaviour: focus the field, and show its question (label or legend) above it.
  function followSummaryLinks(summary) {
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a');
      if (!link || !link.hash) {
        return;
      }
      var input = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!input) {
        return;
      }
      event.preventDefault();
      var fieldset = input.closest('fieldset');
      var legend = fieldset && fieldset.querySelector('legend');
      var label = document.querySelector('label[for="' + input.id + '"]');
      (legend || label || input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  function toJson(form) {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (Object.prototype.hasOwnProperty.call(data, name)) {
        data[name] = [].concat(data[name], value);
      } else {
        data[name] = value;
      }
    });
    data.idempotency_key = pageKey;
    return data;
  }

  // The ordinary post, carrying the page's key so a request that did arrive is not stored twice.
  function submitNormally(form) {
    var key = form.querySelector('input[name="idempotency_key"]');
    if (!key) {
      key = document.createElement('input');
      key.type = 'hidden';
      key.name = 'idempotency_key';
      form.appendChild(key);
    }
    key.value = pageKey;
    form.submit();
  }

  function showErrors(region, body) {
    var template = document.createElement('template');
    template.innerHTML = body.html;
    var fresh = template.content.querySelector('[data-ps-form-region]');
    if (!fresh) {
      return false;
    }
    region.parentNode.replaceChild(fresh, region);
    var prefix = body.title_prefix || '';
    if (prefix && document.title.indexOf(prefix) !== 0) {
      document.title = prefix + document.title;
    }
    enhance(fresh);
    var summary = fresh.querySelector('[data-ps-error-summary]');
    if (summary) {
      summary.focus();
    }
    return true;
  }

  function enhance(region) {
    var form = region.querySelector('form[data-ps-form]');
    if (!form || form.getAttribute('data-ps-enhanced')) {
      return;
    }
    form.setAttribute('data-ps-enhanced', 'true');
    // Our error summary replaces the browser's own messages, which some people cannot reach.
    form.noValidate = true;
    var summary = region.querySelector('[data-ps-error-summary]');
    if (summary) {
      followSummaryLinks(summary);
    }
    var busy = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      form.setAttribute('aria-busy', 'true');
      var done = function () {
        busy = false;
        form.removeAttribute('aria-busy');
      };
      fetch(form.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(toJson(form)),
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { status: response.status, body: body };
          });
        })
        .then(function (result) {
          if (result.status === 200 && result.body.redirect) {
            window.location.assign(result.body.redirect);
            return;
          }
          if (result.status === 422 && result.body.html && showErrors(region, result.body)) {
            return;
          }
          done();
          submitNormally(form);
        })
        .catch(function () {
          done();
          submitNormally(form);
        });
    });
  }

  // "Register for this activity" links carry ?offering=<id>. Choose that offering's option when
  // exactly one matches and nothing is chosen yet; with one option per language, the person
  // still picks.
  function preselect(form) {
    var wanted = new URLSearchParams(window.location.search).get('offering');
    if (!wanted) {
      return;
    }
    var matches = Array.prototype.filter.call(
      form.querySelectorAll('input[type="radio"]'),
      function (input) {
        return input.value === wanted || input.value.indexOf(wanted + ':') === 0;
      }
    );
    if (matches.length !== 1) {
      return;
    }
    var group = form.querySelectorAll('input[type="radio"][name="' + matches[0].name + '"]');
    var chosen = Array.prototype.some.call(group, function (input) {
      return input.checked;
    });
    if (!chosen) {
      matches[0].checked = true;
    }
  }

  function start() {
    var regions = document.querySelectorAll('[data-ps-form-region]');
    Array.prototype.forEach.call(regions, enhance);
    Array.prototype.forEach.call(document.querySelectorAll('form[data-ps-form]'), preselect);
    // A confirmation panel (or a server-drawn error summary) is focused on arrival, as the
    // `autofocus` attribute asks; some browsers ignore it on non-form elements.
    var first = document.querySelector('[data-ps-error-summary], .ps-panel--confirmation');
    if (first && document.activeElement === document.body) {
      first.focus();
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
