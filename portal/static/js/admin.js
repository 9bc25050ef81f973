// Admin page behaviour without inline event handlers (the CSP allows no 'unsafe-inline' script):
// the "with selected" bulk actions (data-action) of Flask-Admin lists; portal.js asks the data-confirm questions.
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) { return; }
    if (event.defaultPrevented) { return; }  // portal.js: a data-confirm question was answered "cancel"
    var action = target.closest('[data-action]');
    if (action && window.modelActions) {
      event.preventDefault();
      window.modelActions.execute(action.getAttribute('data-action'));
      return;
    }
    if (target.closest('a[href="javascript:void(0)"]')) { event.preventDefault(); }
  });
}());
