// Passerelle: the quick exit and the skip link. Modelled on GOV.UK Frontend's exit-this-page
// and skip-link components. Without JavaScript, "Exit this page" is an ordinary link.
(function () {
  'use strict';

  // Quick exit: leave with location.replace, so Back does not return to this page; Shift
  // pressed 3 times (each press within 1 s of the last) does the same.
  var exitRoot = document.querySelector('[data-ps-exit]');
  var exitLink = exitRoot && exitRoot.querySelector('a[href]');
  if (exitLink) {
    var indicator = document.createElement('p');
    indicator.className = 'ps-exit-this-page__indicator';
    indicator.setAttribute('role', 'status');
    exitLink.parentNode.appendChild(indicator);

    var presses = 0;
    var timer = null;
    var modified = false;
    var say = function (key) { indicator.textContent = exitRoot.getAttribute(key) || ''; };
    var reset = function () {
      presses = 0;
      clearTimeout(timer);
      indicator.textContent = '';
    };
    var exit = function (event) {
      if (event) { event.preventDefault(); }
      document.documentElement.classList.add('ps-exiting');
      say('data-ps-exit-leaving');
      window.location.replace(exitLink.href);
    };

    exitLink.addEventListener('click', exit);
    // A Shift released in another window never reaches this page: forget the capital it was
    // typing (and any count), or the next real press would be swallowed.
    window.addEventListener('blur', function () { modified = false; reset(); });
    document.addEventListener('keydown', function (event) {
      // Shift held to type a capital letter is not a press of the quick exit.
      if (event.key !== 'Shift') { modified = event.shiftKey; reset(); }
    }, true);
    document.addEventListener('keyup', function (event) {
      if (event.key !== 'Shift') { return; }
      if (modified) { modified = false; return; }
      presses += 1;
      clearTimeout(timer);
      if (presses >= 3) { reset(); exit(); return; }
      say(presses === 1 ? 'data-ps-exit-two-more' : 'data-ps-exit-one-more');
      timer = setTimeout(reset, 1000);
    }, true);
    // Keep focused elements clear of the sticky bar (WCAG 2.4.11) even when its text wraps:
    // the stylesheet's scroll-padding-top assumes one line. (CSSOM, allowed by the CSP.)
    var fit = function () {
      document.documentElement.style.scrollPaddingTop = (exitRoot.offsetHeight + 8) + 'px';
    };
    if (window.ResizeObserver) { new ResizeObserver(fit).observe(exitRoot); } else { window.addEventListener('resize', fit); }
    fit();
    // Coming back through the back/forward cache shows the page again, not the exit state.
    window.addEventListener('pageshow', function (event) {
      if (event.persisted) { document.documentElement.classList.remove('ps-exiting'); reset(); }
    });
  }

  // Skip link: move focus to <main> reliably (some browsers only scroll), then tidy up.
  var skip = document.querySelector('.ps-skip-link[href^="#"]');
  if (skip) {
    skip.addEventListener('click', function () {
      var target = document.getElementById(skip.getAttribute('href').slice(1));
      if (!target) { return; }
      if (!target.hasAttribute('tabindex')) {
        target.setAttribute('tabindex', '-1');
        target.addEventListener('blur', function () { target.removeAttribute('tabindex'); }, { once: true });
      }
      target.focus();
    });
  }
})();
