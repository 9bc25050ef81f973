// Admin page behaviour without inline event handlers (the CSP allows no 'unsafe-inline' script):
// confirmations (data-confirm) and the "with selected" bulk actions (data-action) of Flask-Admin lists.
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) { return; }
    var confirmTrigger = target.closest('[data-confirm]');
    if (confirmTrigger && !window.confirm(confirmTrigger.getAttribute('data-confirm'))) {
      event.preventDefault();
      return;
    }
    var action = target.closest('[data-action]');
    if (action && window.modelActions) {
      event.preventDefault();
      window.modelActions.execute(action.getAttribute('data-action'));
      return;
    }
    if (target.closest('a[href="javascript:void(0)"]')) { event.preventDefault(); }
  });
}());
