"""Request and response schemas of the lists and modify/revoke API (API.md "Module C": lists, change requests).

Request fields are loosely typed (text or numbers): the module-C rules check the values and
answer in Chinese with their rule ids (C-8..C-17). Unknown fields (including the system-filled
declare date, trade mode, status and center no.) are refused.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from portal.collection.list_import import MAX_ITEMS_PER_LIST

Text = str | None
Number = str | int | float | None


class ListBody(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ListAnswer(BaseModel):
    """A response: documents the fields, may carry more."""

    model_config = ConfigDict(extra="allow")


class ListItemIn(ListBody):
    filing_seq: int | str | None = Field(None, description="备案序号：分册 / 账册中的商品序号 (C-10)")
    qty: Number = Field(None, description="数量，> 0 (C-11)")
    unit_price: Number = Field(None, description="单价，≥ 0；总价 = 数量 × 单价，四舍五入到 2 位小数 (C-11)")
    currency: Text = Field(None, description="币制（ISO 4217，如 USD）(C-11)")
    country: Text = Field(None, description="国别（地区）（ISO 3166-1 三位字母，如 AUS）(C-11)")
    spec: Text = Field(None, description="规格型号 / 申报要素；不填则取备案商品的，填写即重新归类 (C-10)")


class ListCreate(ListBody):
    list_type: Text = Field(None, description="IMPORT_GENERAL | IMPORT_BONDED | EXPORT_GENERAL | EXPORT_BONDED (C-8)")
    customs_code: Text = Field(None, description="申报地海关（关区代码）；暂存只需清单类型与申报地海关 (C-8)")
    filing_no: Text = Field(None, description="备案号（12 位）：一般贸易为备案分册海关编号，保税为账册/手册号 (C-10)")
    transport_mode: Text = Field(None, description="运输方式代码（2 = 水路运输）(C-11, C-13)")
    vessel_name: Text = Field(None, description="运输工具名称 (C-13)")
    voyage_no: Text = Field(None, description="航次号 (C-13)")
    bill_no: Text = Field(None, description="提运单号 (C-13)")
    packages: int | str | None = Field(None, description="件数，> 0 (C-11)")
    gross_weight: Number = Field(None, description="毛重（千克）(C-11)")
    net_weight: Number = Field(None, description="净重（千克），≤ 毛重 (C-11)")
    license_no: Text = Field(None, description="许可证号：许可证代码:许可证编号 (C-12)")
    items: list[ListItemIn] | None = Field(None, max_length=MAX_ITEMS_PER_LIST,
                                           description="表体；PATCH 时给出则整体替换")


class ListItemInsert(ListBody):
    before: int | None = Field(None, description="插入到该序号之前（其后序号加 1）；不填则追加到末尾 (C-10)")
    item: ListItemIn


class ListCreated(ListAnswer):
    center_no: str = Field(description="中心统一编号（18 位）")
    status: int = Field(description="清单状态 (C-14)")


class ListStatus(ListAnswer):
    status: int


class ListItemOut(ListAnswer):
    seq: int
    filing_seq: int
    hs_code: str
    name: str
    spec: str | None
    qty: str
    unit: str
    unit_price: str
    total: str
    currency: str
    country: str


class ListReceipt(ListAnswer):
    at: str
    from_: str | None = Field(None, alias="from")
    to: str
    message: str


class ListOut(ListAnswer):
    center_no: str
    version: int
    status: int
    status_name: str
    list_type: str
    customs_code: str
    filing_no: str | None
    declare_date: str | None
    trade_mode: str | None
    items: list[ListItemOut]
    receipts: list[ListReceipt]


class ListPage(ListAnswer):
    items: list[dict]
    next: str | None


class ListImportAnswer(ListAnswer):
    created: list[str] = Field(description="新建清单的中心统一编号（按文件顺序）")
    declared: list[str] = Field(description="declare=true 时已申报（状态 2）的清单中心统一编号；否则为空")


class ChangeRequestCreate(ListBody):
    type: Text = Field(None, description="MODIFY（修改）| REVOKE（撤销）(C-17)")
    changes: dict[str, Any] | None = Field(None, description="修改内容：{字段: 新值}；表头字段 transport_mode、vessel_name、"
                                                           "voyage_no、bill_no、packages、gross_weight、net_weight、"
                                                           "license_no，表体字段 items[i].qty/unit_price/currency/"
                                                           "country/spec（i 从 0 起）")
    reason: Text = Field(None, description="修撤原因（必填）")
    contact: Text = Field(None, description="联系人（必填）")
    phone: Text = Field(None, description="联系电话（必填，手机或固话）")


class ListFieldChange(ListAnswer):
    field: str
    old: Any = None
    new: Any = None


class ChangeRequestOut(ListAnswer):
    id: int
    type: str
    status: str
    list_no: str
    changes: list[ListFieldChange]


class ChangeRequestPage(ListAnswer):
    items: list[ChangeRequestOut]
    next: str | None
