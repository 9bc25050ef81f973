// Module C pages (seed 004): head/body grids (增加、插入、删除行, names kept as section[i].field), the total of a
// row, the filed item a 备案序号 names, yyyyMMdd checks, goods nature by customs, waterway fields, the agent
// look-up of 清单汇总 and the old → new highlight of 修改申请. The server checks everything again.
(function () {
  if (!window.jQuery) { return; }
  var $ = window.jQuery;
  var text = document.body.dataset;  // base.html: texts in the page's language

  function idFor(name) { return 'f-' + name.replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-+|-+$/g, ''); }

  function renumber($table) {
    var section = $table.data('section');
    var pattern = new RegExp('^' + section + '\\[(\\d+|__i__)\\]');
    $table.find('tbody > tr.sw-grid-row').each(function (index) {
      $(this).find('.sw-grid-no').text(index + 1);
      $(this).find('[name]').each(function () {
        this.name = this.name.replace(pattern, section + '[' + index + ']');
        this.id = idFor(this.name);
      });
    });
  }

  function newRow(section) {
    var template = document.querySelector('template.sw-grid-template[data-section="' + section + '"]');
    return $(template.innerHTML.trim());
  }

  function firstInput($row) { return $row.find('input:not([readonly]):not([type=hidden])').first(); }

  $(document).on('click', '.sw-grid-add', function () {
    var section = $(this).data('section');
    var $table = $('table.sw-grid[data-section="' + section + '"]');
    var count = parseInt($(this).data('count') || '1', 10);
    var $first = null;
    for (var i = 0; i < count; i++) {
      var $row = newRow(section);
      $table.children('tbody').append($row);
      $first = $first || $row;
    }
    renumber($table);
    firstInput($first).focus();
  });

  $(document).on('click', '.sw-grid-insert', function () {
    var $current = $(this).closest('tr');
    var $table = $current.closest('table.sw-grid');
    var $row = newRow($table.data('section'));
    $current.before($row);
    renumber($table);
    firstInput($row).focus();
  });

  $(document).on('click', '.sw-grid-delete', function () {
    var $table = $(this).closest('table.sw-grid');
    $(this).closest('tr').remove();
    renumber($table);
  });

  // 总价 = 数量 × 单价, two decimals (C-11); shown while typing, computed again by the server on save.
  $(document).on('input', 'table.sw-grid [data-col="qty"], table.sw-grid [data-col="unit_price"]', function () {
    var $row = $(this).closest('tr');
    var qty = parseFloat($row.find('[data-col="qty"]').val());
    var price = parseFloat($row.find('[data-col="unit_price"]').val());
    var total = isFinite(qty) && isFinite(price) ? (Math.round(qty * price * 100) / 100).toFixed(2) : '';
    $row.find('[data-col="total"]').val(total);
  });

  // 备案序号 → the filed item's HS code, name and unit (read-only) and its spec (C-10), like 回车调出备案信息.
  $(document).on('change', 'table.sw-grid[data-lookup] [data-col="filing_seq"]', function () {
    var $row = $(this).closest('tr');
    var $note = $row.find('.sw-lookup-note');
    var params = {list_type: $('#f-list_type').val(), filing_no: $('#f-filing_no').val(), seq: this.value};
    if (!this.value) { return; }
    $.getJSON($(this).closest('table').data('lookup'), params, function (answer) {
      $row.find('[data-col="hs_code"]').val(answer.found ? answer.hs_code : '');
      $row.find('[data-col="name"]').val(answer.found ? answer.name : '');
      $row.find('[data-col="unit"]').val(answer.found ? answer.unit : '');
      var $spec = $row.find('[data-col="spec"]');
      if (answer.found && !$spec.val()) { $spec.val(answer.spec); }
      var message = !params.filing_no ? text.textFilingNoFirst :
        (!answer.found ? text.textNoSuchItem.replace('{filing_no}', params.filing_no) :
          (answer.active ? '' : text.textItemDisabled));
      $note.text(message).prop('hidden', !message);
    });
  });

  // yyyyMMdd (如 20190101): checked when the cursor leaves the field (seed 004 §6.1.1).
  function validDate8(value) {
    if (!/^\d{8}$/.test(value)) { return false; }
    var y = +value.slice(0, 4), m = +value.slice(4, 6), d = +value.slice(6, 8);
    var date = new Date(y, m - 1, d);
    return date.getFullYear() === y && date.getMonth() === m - 1 && date.getDate() === d;
  }
  $(document).on('blur', 'input[data-yyyymmdd]', function () {
    var $input = $(this);
    var $note = $input.siblings('.sw-date-note');
    if (!this.value || validDate8(this.value)) {
      $note.remove();
      if (!$input.siblings('.sw-error').length) { $input.removeClass('is-invalid'); }
      return;
    }
    if (!$note.length) { $note = $('<div class="sw-error sw-date-note"></div>').insertAfter($input); }
    $input.addClass('is-invalid');
    $note.text($input.attr('data-yyyymmdd'));
  });

  // 集中申报货物性质 by customs (07 边境小额, 57 对外承包出口); 保税货物 greys the guarantee fields (C-1, C-2).
  function goodsNature() {
    var $customs = $('#f-customs_code');
    var $nature = $('select[data-by-customs]');
    if (!$nature.length) { return; }
    function update() {
      var code = String($customs.val() || '');
      $nature.find('option[data-prefix]').each(function () {
        var allowed = code.indexOf($(this).attr('data-prefix')) === 0;
        $(this).prop('disabled', !allowed);
        if (!allowed && this.selected) { $nature.val(''); }
      });
      var bonded = $nature.val() === 'BONDED';
      $('input[data-guarantee]').each(function () {
        $(this).prop('disabled', bonded).toggleClass('sw-system', bonded);
        if (bonded) { this.value = ''; }
      });
      $('.sw-bonded-note').prop('hidden', !bonded);
    }
    $customs.on('change', update);
    $nature.on('change', update);
    update();
  }

  // 水路运输: vessel, voyage and B/L must match the manifest, so they turn yellow (C-13).
  function waterway() {
    var $mode = $('#f-transport_mode');
    if (!$mode.length) { return; }
    function update() { $('[data-waterway]').toggleClass('sw-required', $mode.val() === '2'); }
    $mode.on('change', update);
    update();
  }

  // 清单汇总: select all, 报关单申报单位代码 look-up (Enter or the button), 不指定 disables the code (C-20).
  function aggregation() {
    $('#check-all').on('change', function () { $('input.sw-list-check').prop('checked', this.checked); });
    var $code = $('#f-agent_code');
    var $name = $('#agent-name');
    function lookup() {
      $.getJSON($('#agent-lookup').data('url'), {code: $code.val()}, function (answer) {
        $name.toggleClass('text-success', answer.found).toggleClass('sw-error', !answer.found)
          .text(answer.found ? answer.name : answer.messages.join(text.textSeparator));
      });
    }
    $('#agent-lookup').on('click', lookup);
    $code.on('keydown', function (event) {
      if (event.key === 'Enter') { event.preventDefault(); event.stopPropagation(); lookup(); }
    });
    function mode() {
      var named = $('input[name=agent_mode]:checked').val() === 'agent';
      $code.prop('disabled', !named).toggleClass('sw-required', named);
      $('#agent-lookup').prop('disabled', !named);
      if (!named) { $name.text(''); }
    }
    $('input[name=agent_mode]').on('change', mode);
    if ($code.length) { mode(); }
  }

  // 修改申请: a new value that differs from the old one turns green.
  $(document).on('input change', 'input[data-old]', function () {
    $(this).toggleClass('sw-changed', this.value.trim() !== String($(this).attr('data-old')));
  });

  // 分册商品插入: the row's 插入 picks the position in the insert form below the table.
  $(document).on('click', '.sw-insert-here', function () {
    $('#f-seq').val(String($(this).data('seq')));
    $('#insert-form')[0].scrollIntoView({block: 'center'});
    $('#f-hs_code').focus();
  });

  // A second form on the page (录入商品) does not save the first (企业资质信息): warn before its edits are lost.
  function unsavedWarning() {
    $('form[data-unsaved-warning]').each(function () {
      var $form = $(this);
      var dirty = false;
      $($form.attr('data-unsaved-of')).on('input change', ':input', function () { dirty = true; });
      $form.on('submit', function (event) {
        if (dirty && !window.confirm($form.attr('data-unsaved-warning'))) { event.preventDefault(); }
      });
    });
  }

  $(function () {
    unsavedWarning();
    goodsNature();
    waterway();
    aggregation();
    $('input[data-old]').trigger('change');
  });
})();
