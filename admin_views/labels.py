"""Chinese column labels, code-table columns and enumeration names shared by every admin view.

Labels and choice names are Chinese msgids rendered through `lazy_gettext`: English with `?lang=en` (X-4).
"""
from __future__ import annotations

from flask_babel import LazyString, lazy_gettext

from portal.i18n import status_name
from rules.collection import GOODS_NATURE_NAMES
from rules.lifecycle import lifecycle_of
from rules.lists import LIST_TYPE_NAMES
from rules.qualification_types import (APPLICATION_TYPE_NAMES, ATTACHMENT_KINDS, LICENSE_NAMES,
                                       QUALIFICATION_NAMES)

# Labels of column names used by many registers; a view adds or overrides a few in `labels`.
COMMON_LABELS = {
    "id": "ID", "created_at": "创建时间", "updated_at": "更新时间", "version": "版本号", "status": "状态",
    "status_changed_at": "状态变更时间", "enterprise_id": "企业", "enterprise": "企业",
    "acting_enterprise_id": "代理申报企业", "acting_enterprise": "代理申报企业",
    "agent_enterprise_id": "申报单位企业", "agent_code": "申报单位海关编码", "agent_name": "申报单位名称",
    "application_id": "申请单", "application": "申请单", "user_id": "用户", "user": "用户", "card_id": "卡介质",
    "card": "卡介质", "filing_id": "集报备案", "filing": "集报备案", "volume_id": "商品分册", "volume": "商品分册",
    "list_id": "集报清单", "head": "集报清单", "list_item_id": "清单表体", "declaration_id": "集报报关单",
    "declaration": "集报报关单", "declaration_item_id": "报关单表体", "aggregation_id": "汇总申请",
    "licence_id": "许可证", "licence": "许可证", "book_id": "账册手册", "book": "账册手册",
    "category_id": "一级目录", "category": "一级目录", "item_id": "二级目录", "item": "二级目录",
    "created_by_id": "创建人", "uploaded_by_id": "上传人", "requested_by_id": "申请人",
    # enterprises
    "uscc": "统一社会信用代码", "org_code": "组织机构代码", "name_zh": "中文名称", "name_en": "英文名称",
    "business_types": "企业经营类别", "region_code": "行政区划", "customs_code": "海关",
    "economic_zone_code": "经济区划", "market_entity_type_code": "市场主体类型", "org_type_code": "组织机构类型",
    "industry_code": "行业种类", "ciq_enterprise_type_code": "检验检疫企业类型", "postal_code": "邮政编码",
    "address_zh": "中文地址", "address_en": "英文地址", "legal_rep_name": "法定代表人",
    "legal_rep_nationality": "法定代表人国籍", "legal_rep_id_type": "法定代表人证件类型",
    "legal_rep_id_no": "法定代表人证件号码", "contact_name": "联系人", "contact_phone": "固定电话",
    "contact_mobile": "移动电话", "email": "电子邮箱", "fax": "传真", "website": "网址",
    "parent_name": "上级单位名称", "express_operator": "快件运营企业", "registration_code": "海关备案编码",
    "ciq_no": "检验检疫备案号", "local_ciq_authority": "属地检验检疫机构", "filed_at": "备案日期",
    "auto_aggregate": "自动汇总",
    # users, cards, tokens
    "username": "用户名", "name": "名称", "id_type": "证件类型", "id_no": "证件号码", "mobile": "移动电话",
    "role": "角色", "perm_module_q": "资质备案权限", "perm_module_c": "集中申报权限", "active": "启用",
    "failed_logins": "连续失败次数", "locked_until": "锁定至", "last_login_at": "最近登录时间",
    "card_no": "卡号", "card_type": "卡类型", "public_key": "公钥", "private_key_enc": "私钥（加密保存）",
    "cert_serial": "证书序列号", "certificate": "证书", "holder_name": "持卡人", "holder_id_type": "持卡人证件类型",
    "holder_id_no": "持卡人证件号码", "valid_until": "有效期至", "login_mode": "登录方式", "expires_at": "过期时间",
    "opinion": "审批意见",
    # module Q
    "qualification_type": "资质类型", "qualification_types": "资质类型", "filed_date": "备案日期",
    "cancelled_at": "注销日期", "application_no": "统一编号", "application_type": "申请类型",
    "commitment": "已勾选承诺", "data": "填报数据", "snapshot": "提交快照", "proxy_typed": "代理企业自行填写的个人信息项", "customs_opinion": "海关审核意见",
    "cancellation_reason_code": "注销原因", "cancellation_other": "其他注销原因", "submitted_at": "申报时间",
    "decided_at": "审批时间", "person_type": "人员类型", "nationality": "国籍", "currency": "币制",
    "amount": "出资金额（万）", "amount_usd": "折美元金额（万）", "personnel_filing_no": "报关人员备案号",
    "license_code": "许可证名称", "number": "编号", "authority": "发证机关", "long_term": "长期有效",
    "kind": "类型", "file_name": "文件名", "size": "大小（字节）", "content_type": "文件类型", "sha256": "SHA-256 摘要",
    "stored_name": "存储名", "request_date": "申请日期", "superseded": "已被替代", "issued_at": "签发时间",
    "certificate_no": "证明编号", "record_type": "记录类型", "record_id": "记录ID", "record_no": "记录编号",
    "at": "时间", "from_status": "原状态", "to_status": "新状态", "message": "信息", "source": "来源",
    # module C
    "center_no": "中心统一编号", "enterprise_customs_code": "企业海关编码", "enterprise_name": "企业名称",
    "goods_nature": "货物性质", "ie_batches": "进出口批次", "guarantee_mode": "担保方式",
    "guarantee_amount": "担保金额（万元）", "guarantee_valid_until": "担保有效期", "approval_valid_until": "审批有效期",
    "declared_at": "申报时间", "payload": "变更内容", "volume_no": "分册编号", "customs_volume_no": "备案分册海关编号",
    "seq": "序号", "hs_code": "商品编码", "spec": "规格型号（申报要素）", "unit": "计量单位", "license_no": "许可证号",
    "quantity": "许可数量", "bill_no": "提运单号", "vessel_name": "运输工具名称", "voyage_no": "航次号",
    "packages": "件数", "gross_weight": "毛重（千克）", "net_weight": "净重（千克）", "book_no": "账册/手册编号",
    "book_type": "账册类型", "list_type": "清单类型", "filing_no": "备案号", "transport_mode": "运输方式",
    "declare_date": "申报日期", "trade_mode": "监管方式", "overdue": "逾期未汇总", "filing_seq": "备案序号",
    "qty": "数量", "unit_price": "单价", "total": "总价", "country": "原产国（地区）", "request_type": "修撤类型",
    "changes": "修改内容", "reason": "原因", "contact": "联系人", "phone": "联系电话", "open_marker": "未结标记",
    "requested_at": "申请时间", "processed_at": "处理时间", "year": "年度", "period": "期间",
    "unified_no": "统一编号", "ie_flag": "进出口标志", "group_seq": "分组序号", "item_count": "商品项数",
    "item_no": "项号",
    # reference, rule and system tables
    "table_name": "表名", "code": "代码", "parent_code": "上级代码", "pinyin": "拼音首字母", "extra": "扩展属性",
    "type_a": "资质类型甲", "type_b": "资质类型乙", "note": "说明", "requires_any": "需具备其一",
    "agency": "业务主管单位", "functions": "功能", "search_text": "检索文本", "endpoint": "本门户入口",
    "ip": "IP 地址", "action": "操作", "diff": "字段变化", "job": "任务", "started_at": "开始时间",
    "finished_at": "结束时间", "outcome": "结果", "counts": "计数", "holder": "持有者", "key": "键", "value": "值",
    "day": "日期",
}
COMMON_LABELS = {name: lazy_gettext(label) for name, label in COMMON_LABELS.items()}

# Columns holding a code of a code table (shown as "code name").
CODE_COLUMNS = {
    "customs_code": "customs", "region_code": "regions", "currency": "currencies", "country": "countries",
    "nationality": "countries", "legal_rep_nationality": "countries", "unit": "units",
    "transport_mode": "transport_modes", "trade_mode": "trade_modes", "id_type": "id_types",
    "legal_rep_id_type": "id_types", "holder_id_type": "id_types", "market_entity_type_code": "market_entity_types",
    "org_type_code": "org_types", "industry_code": "industries", "ciq_enterprise_type_code": "ciq_enterprise_types",
    "economic_zone_code": "economic_zones", "guarantee_mode": "guarantee_modes",
    "cancellation_reason_code": "cancellation_reasons",
}

ROLE_NAMES = {"staff": "数据中心工作人员", "ent_admin": "企业管理员", "ent_operator": "企业操作员", "auditor": "审计员"}
CARD_TYPE_NAMES = {"LEGAL": "法人卡", "OPERATOR": "操作员卡"}
LOGIN_MODE_NAMES = {"account": "账号登录", "card": "卡介质登录", "staff": "工作人员", "system": "系统",
                    "anonymous": "未登录"}
PERSON_TYPE_NAMES = {"CUSTOMS": "关务负责人", "FINANCE": "财务负责人"}
FILING_REQUEST_KIND_NAMES = {"CHANGE": "备案变更", "EXTENSION": "延期"}
CHANGE_REQUEST_TYPE_NAMES = {"MODIFY": "修改", "REVOKE": "撤销"}
IE_FLAG_NAMES = {"I": "进口", "E": "出口"}
BOOK_TYPE_NAMES = {"BOOK": "账册", "MANUAL": "手册"}
AUDIT_ACTION_NAMES = {"create": "新增", "update": "修改", "delete": "删除", "status": "状态变更"}
JOB_OUTCOME_NAMES = {"RUNNING": "运行中", "DONE": "成功", "FAILED": "失败", "SKIPPED": "跳过"}
RECEIPT_SOURCE_NAMES = {"customs": "海关", "staff": "工作人员", "system": "系统"}

__all__ = ["APPLICATION_TYPE_NAMES", "ATTACHMENT_KINDS", "GOODS_NATURE_NAMES", "LICENSE_NAMES", "LIST_TYPE_NAMES",
           "QUALIFICATION_NAMES"]


def choices(names) -> list[tuple]:
    """Turn a code → Chinese name mapping into Flask-Admin (value, label) choices, labels translated lazily."""
    return [(code, lazy_gettext(name)) for code, name in names.items()]


def status_choices(register: str) -> list[tuple]:
    """Return a register's statuses as Flask-Admin (value, label) choices, named by its lifecycle table."""
    return [(code, LazyString(status_name, register, code)) for code in lifecycle_of(register).codes]
