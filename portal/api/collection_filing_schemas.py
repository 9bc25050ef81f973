"""Request and response schemas of the collection-filing API (API.md "Module C": filings and volumes).

Request fields are loosely typed (text, not enums): the module-C rules check the values and
answer in Chinese with their rule ids (C-1, C-2, C-4, C-6). Unknown fields are refused.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Text = str | None
Number = str | int | float | None
MAX_ITEMS = 9900  # 100 volumes of 99 per call


class FilingBody(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class FilingAnswer(BaseModel):
    """A response: documents the fields, may carry more."""

    model_config = ConfigDict(extra="allow")


class FilingCreate(FilingBody):
    customs_code: Text = Field(None, description="申报地海关（关区代码，4 位）(C-1, C-2)")
    goods_nature: Text = Field(None, description="GENERAL | BONDED | BORDER_SMALL（07 关区）| CONTRACT_EXPORT（57 关区）")
    ie_batches: int | str | None = Field(None, description="进出口批次")
    guarantee_mode: Text = Field(None, description="担保方式（参数表 guarantee_modes）；保税货物须为空 (C-2)")
    guarantee_amount: Number = Field(None, description="担保额度（万元）；保税货物须为空 (C-2)")
    guarantee_valid_until: int | str | None = Field(None, description="担保有效期 yyyyMMdd；保税货物须为空 (C-2)")


class FilingCreated(FilingAnswer):
    center_no: str = Field(description="备案企业中心统一编号（18 位）")
    status: str


class FilingStatus(FilingAnswer):
    status: str


class ProductIn(FilingBody):
    hs_code: Text = Field(None, description="商品编码（10 位数字）")
    name: Text = Field(None, description="商品名称")
    spec: Text = Field(None, description="规格型号 / 申报要素")
    unit: Text = Field(None, description="计量单位（参数表 units，3 位）")
    license_no: Text = Field(None, description="许可证号：许可证代码:许可证编号（可选）")


class ProductsAdd(FilingBody):
    items: list[ProductIn] = Field(max_length=MAX_ITEMS)
    new_volume: bool = Field(False, description="true：新增分册，不填入当前暂存分册 (C-4)")


class VolumeCount(FilingAnswer):
    volume_no: str
    item_count: int


class ProductsAdded(FilingAnswer):
    volumes: list[VolumeCount]


class ProductInsert(FilingBody):
    before: int = Field(description="在该序号的商品前插入，其后序号加 1 (C-4)")
    item: ProductIn


class ItemRef(FilingBody):
    volume_no: str
    seq: int


class FilingChange(FilingBody):
    ie_batches: int | str | None = None
    guarantee_mode: Text = None
    guarantee_amount: Number = None
    guarantee_valid_until: int | str | None = Field(None, description="yyyyMMdd")
    add_items: list[ProductIn] | None = Field(None, max_length=MAX_ITEMS)
    disable_items: list[ItemRef] | None = Field(None, max_length=MAX_ITEMS)


class FilingRequestCreated(FilingAnswer):
    id: int
    status: str


class ProductOut(FilingAnswer):
    seq: int
    hs_code: str
    name: str
    spec: str | None
    unit: str
    license_no: str | None
    active: bool


class VolumeOut(FilingAnswer):
    volume_no: str
    version: int
    customs_volume_no: str | None
    status: str
    item_count: int
    items: list[ProductOut]


class FilingRequestOut(FilingAnswer):
    id: int
    kind: str
    status: str
    payload: dict


class FilingOut(FilingAnswer):
    center_no: str
    status: str
    customs_code: str
    enterprise_customs_code: str
    enterprise_name: str
    goods_nature: str
    ie_batches: int | None
    guarantee_mode: str | None
    guarantee_amount: str | None
    guarantee_valid_until: str | None = Field(description="yyyyMMdd")
    approval_valid_until: str | None = Field(description="YYYY-MM-DD")
    declared_at: str | None
    volumes: list[VolumeOut]
    requests: list[FilingRequestOut]


class FilingSummary(FilingAnswer):
    center_no: str
    status: str
    customs_code: str
    goods_nature: str
    approval_valid_until: str | None
    volume_count: int


class FilingPage(FilingAnswer):
    items: list[FilingSummary]
    next: str | None
