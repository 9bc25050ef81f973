// Shared page behaviour: Enter moves to the next field (seed 000 §2.3.2), searchable dropdowns,
// and the data-attribute widgets of the enterprise forms (region cascade, customs by province,
// editable row tables, the express-operator flag of Q-12, confirmations).
(function () {
  document.addEventListener('keydown', function (event) {
    var el = event.target;
    if (event.key !== 'Enter' || !el.form || el.tagName === 'TEXTAREA' || el.type === 'submit' ||
        el.type === 'button' || el.type === 'file') { return; }
    var fields = Array.prototype.filter.call(el.form.elements, function (f) {
      return !f.disabled && !f.readOnly && f.type !== 'hidden' && f.offsetParent !== null && f.tabIndex !== -1 &&
        f.tagName !== 'BUTTON' && f.tagName !== 'FIELDSET';
    });
    var index = fields.indexOf(el);
    if (index > -1 && index < fields.length - 1) { event.preventDefault(); fields[index + 1].focus(); }
  });

  document.addEventListener('click', function (event) {
    var trigger = event.target.closest ? event.target.closest('[data-confirm]') : null;
    if (trigger && !window.confirm(trigger.getAttribute('data-confirm'))) { event.preventDefault(); }
  });

  if (!window.jQuery) { return; }
  var $ = window.jQuery;
  var text = document.body.dataset;  // base.html: texts in the page's language

  // Match a typed term against the option text (code and Chinese name) or its pinyin initials, anywhere.
  function pinyinMatcher(term, text, option) {
    var wanted = (term || '').toLowerCase().replace(/\s+/g, '');
    if (!wanted) { return true; }
    var pinyin = option && option.attr ? (option.attr('data-pinyin') || '') : '';
    return (text || '').toLowerCase().replace(/\s+/g, '').indexOf(wanted) > -1 || pinyin.indexOf(wanted) > -1;
  }

  function searchable($scope) {
    if (!$.fn.select2) { return; }
    $scope.find('select.sw-search').each(function () {
      var $select = $(this);
      var locked = $select.prop('disabled');
      $select.select2({
        width: '100%', allowClear: !locked, openOnEnter: false, matcher: pinyinMatcher,
        placeholder: locked ? ' ' : ($select.data('placeholder') || text.textSearch || '输入代码、名称或拼音首字母'),
        formatNoMatches: function () { return text.textNoMatch || '无匹配项'; }
      });
    });
  }

  function refresh($select) {
    if ($select.data('select2')) { $select.select2('val', $select.val()); }
  }

  // Customs offices serving the chosen province only; all of them until a region is chosen.
  function narrowCustoms($customs, province) {
    var all = $customs.data('all-options');
    if (!all) { all = $customs.find('option').clone(); $customs.data('all-options', all); }
    var current = $customs.val();
    var kept = all.filter(function () {
      var served = ($(this).attr('data-provinces') || '').split(' ');
      return !this.value || !province || served.indexOf(province) > -1;
    });
    $customs.empty().append(kept.clone());
    $customs.val(kept.filter(function () { return this.value === current; }).length ? current : '');
    refresh($customs);
  }

  // 行政区划: province -> city -> district; the hidden input holds the selectable code.
  function regionCascade($box) {
    var $value = $box.find('.sw-region-value');
    var $levels = $box.find('select.sw-region-level');
    var $customs = $('select[data-province]');
    function fill($select, items) {
      $select.empty().append('<option value=""></option>');
      items.forEach(function (item) {
        $('<option>').val(item.code).text(item.label)
          .attr('data-pinyin', item.pinyin || '').attr('data-selectable', item.selectable ? '1' : '0')
          .appendTo($select);
      });
      $select.closest('.sw-region-level-box').prop('hidden', !items.length);
      refresh($select);
    }
    function clearFrom(level) {
      $levels.each(function () {
        if ($(this).data('level') > level) { fill($(this), []); }
      });
    }
    $levels.on('change', function () {
      var $select = $(this);
      var level = $select.data('level');
      var code = $select.val();
      var selectable = $select.find('option:selected').attr('data-selectable') === '1';
      clearFrom(level);
      $value.val(selectable ? code : '');
      if (level === 1) { narrowCustoms($customs, code); }
      if (!code || selectable) { return; }
      $.getJSON($box.data('url') + encodeURIComponent(code), function (answer) {
        fill($levels.filter('[data-level="' + (level + 1) + '"]'), answer.items || []);
      });
    });
  }

  // Child-row tables: 新增 clones the row template, 删除 removes a row; names stay section[i].field.
  function renumber($table) {
    var section = $table.data('section');
    var pattern = new RegExp('^' + section + '\\[(\\d+|__i__)\\]');
    var idPattern = new RegExp('^f-' + section + '-(\\d+|__i__)-');
    var $rows = $table.find('tbody tr.sw-row');
    $rows.each(function (index) {
      $(this).find('.sw-row-no').text(index + 1);
      $(this).find('[name]').each(function () {
        this.name = this.name.replace(pattern, section + '[' + index + ']');
      });
      $(this).find('[id]').each(function () {
        this.id = this.id.replace(idPattern, 'f-' + section + '-' + index + '-');
      });
    });
    $table.find('tr.sw-rows-empty').prop('hidden', $rows.length > 0);
  }

  function rowTables($form) {
    $form.on('click', '.sw-row-add', function () {
      var section = $(this).data('section');
      var $table = $form.find('table.sw-rows[data-section="' + section + '"]');
      var template = $form.find('template.sw-row-template[data-section="' + section + '"]')[0];
      var $row = $(template.innerHTML.trim());
      $table.find('tbody tr.sw-rows-empty').before($row);
      renumber($table);
      searchable($row);
      $row.find('input:not([type=hidden]),select').first().focus();
    });
    $form.on('click', '.sw-row-remove', function () {
      var $table = $(this).closest('table.sw-rows');
      $(this).closest('tr').remove();
      renumber($table);
    });
    $form.on('change', '.sw-long-term', function () {
      var $date = $(this).closest('tr').find('input[type=date]');
      $date.prop('disabled', this.checked);
      if (this.checked) { $date.val('2099-12-31'); }
    });
    $form.find('.sw-long-term:checked').each(function () {
      $(this).closest('tr').find('input[type=date]').prop('disabled', true);
    });
  }

  // 是否快件运营企业: "是" only when 报关企业 (or DUAL) is selected or held.
  function expressFlag($form) {
    var $flag = $form.find('select[data-express-types]');
    if (!$flag.length) { return; }
    var allowedTypes = String($flag.data('express-types')).split(',');
    var held = String($flag.data('held') || '').split(',');
    function update() {
      var chosen = $form.find('input[name=qualification_types]:checked').map(function () { return this.value; }).get();
      var allowed = held.concat(chosen).some(function (code) { return allowedTypes.indexOf(code) > -1; });
      if (!allowed) { $flag.val('0'); }
      $flag.prop('disabled', !allowed);
      $form.find('.sw-express-hint').prop('hidden', allowed);
    }
    $form.on('change', 'input[name=qualification_types]', update);
  }

  // 注销原因 99 makes 其他注销原因 required.
  function otherReason($form) {
    $form.find('select[data-other-reason]').on('change', function () {
      $('#' + $(this).data('other-reason')).toggleClass('sw-required', this.value === '99');
    });
    $form.find('.sw-check-all').on('change', function () {
      $form.find('input[name=qualification_types]:not(:disabled)').prop('checked', this.checked);
    });
  }

  $(function () {
    searchable($(document));
    $('.sw-region').each(function () { regionCascade($(this)); });
    $('select[data-province]').each(function () { narrowCustoms($(this), String($(this).data('province') || '')); });
    $('form').each(function () {
      var $form = $(this);
      rowTables($form);
      expressFlag($form);
      otherReason($form);
    });
  });
})();
