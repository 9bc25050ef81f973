"""Request and response schemas of the aggregation, declaration, mapping and statistics API (C-19..C-26)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """A response: documents the fields, may carry more."""

    model_config = ConfigDict(extra="allow")


class AggregationCreate(Body):
    list_nos: list[str] | None = Field(None, description="要汇总的已结关（状态 15）清单的中心统一编号；同一年度 (C-19)")
    agent_code: str | None = Field(None, description="报关申报单位 10 位海关编码（须持有有效的报关企业或其分支机构资质）；"
                                                     "null 或不填为“不指定” (C-20)")


class AggregationAccepted(Answer):
    id: int
    status: str = Field(description="PENDING：已受理，等待定时处理生成报关单")
    message: str = Field(description="汇总成功")


class AggregationOut(Answer):
    id: int
    status: str = Field(description="PENDING | DONE | FAILED")
    declaration_nos: list[str]
    list_count: int
    agent_code: str | None
    agent_name: str | None
    year: int
    period: str | None = Field(description="月末自动汇总的月份 YYYY-MM；手工汇总为 null")


class DeclarationItemOut(Answer):
    item_no: int
    hs_code: str
    name: str
    spec: str | None
    unit: str
    qty: str
    total: str
    currency: str
    country: str


class DeclarationOut(Answer):
    unified_no: str
    status: str = Field(description="DRAFT 暂存 | DECLARED 已申报 | NOT_ACCEPTED 不受理 | INSPECTION 查验 | "
                                    "CONCLUDED 审结 | CLOSED 结关 (C-24)")
    status_name: str
    ie: str = Field(description="I 进口 | E 出口")
    customs_code: str
    trade_mode: str | None
    filing_no: str | None
    transport_mode: str | None
    agent_code: str | None = Field(description="报关申报单位海关编码；null 为不指定（收发货人自行申报）")
    agent_name: str | None
    consignee_code: str | None
    consignee_name: str
    item_count: int
    items: list[DeclarationItemOut] = []


class DeclarationPage(Answer):
    items: list[DeclarationOut]
    next: str | None


class DeclarationStatus(Answer):
    status: str


class MappingOut(Answer):
    list_no: str
    list_item_seq: int
    declaration_no: str
    declaration_item_no: int
    hs_code: str
    name: str
    qty: str
    total: str
    currency: str


class MappingPage(Answer):
    items: list[MappingOut]
    next: str | None


class UnitQuantity(Answer):
    unit: str = Field(description="计量单位代码")
    qty: str = Field(description="该计量单位的数量合计")


class CurrencyTotal(Answer):
    currency: str = Field(description="币制代码")
    total: str = Field(description="该币制的货值合计（原币，不折算）")


class StatisticsRow(Answer):
    lists: int = Field(description="清单票数")
    items: int = Field(description="商品项数")
    qty_by_unit: list[UnitQuantity] = Field(description="数量合计，每个计量单位一项（不同单位不相加）")
    total_by_currency: list[CurrencyTotal] = Field(description="货值合计，每个币制一项（不同币制不相加）")


class StatisticsOut(Answer):
    query: dict = Field(description="生效的统计条件：from、to、group_by、list_type、customs_code")
    rows: list[StatisticsRow] = Field(description="每组一行，另含所选维度：period（YYYY-MM）、list_type、customs_code、currency、"
                                                  "unit")
    totals: StatisticsRow
