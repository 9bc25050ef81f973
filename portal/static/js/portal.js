// Shared page behaviour: Enter moves to the next field (seed 000 §2.3.2), searchable dropdowns.
(function () {
  document.addEventListener('keydown', function (event) {
    var el = event.target;
    if (event.key !== 'Enter' || !el.form || el.tagName === 'TEXTAREA' || el.type === 'submit') { return; }
    var fields = Array.prototype.filter.call(el.form.elements, function (f) {
      return !f.disabled && !f.readOnly && f.type !== 'hidden' && f.offsetParent !== null;
    });
    var index = fields.indexOf(el);
    if (index > -1 && index < fields.length - 1) { event.preventDefault(); fields[index + 1].focus(); }
  });
  if (window.jQuery && jQuery.fn.select2) {
    jQuery(function ($) {
      $('select.sw-search').each(function () {
        var table = $(this).data('codes');
        var options = { width: '100%', allowClear: true, placeholder: '输入代码、名称或拼音首字母' };
        $(this).select2(options);
      });
    });
  }
})();
