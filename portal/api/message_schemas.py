"""Response schemas of the customs messages API (API.md "Module C", GET /api/v1/messages; issue 16)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """A response: documents the fields, may carry more."""

    model_config = ConfigDict(extra="allow")


class MessageOut(Answer):
    message_id: str = Field(description="报文编号：36 位大写 GUID（业务报文的 guid，或回执自身的 guid）")
    direction: Literal["OUT", "IN"] = Field(description="OUT：发往海关的报文 | IN：海关的回执")
    type: str = Field(description="报文类型代码")
    business_no: str | None = Field(description="业务编号（申请单、备案、分册、清单、修撤单或报关单的编号）")
    status: str = Field(description="OUT：PENDING 待发送 | SENT 已发送 | FAILED 发送失败；IN：APPLIED 已处理 | "
                                    "WAITING 等待前序回执 | STALE 已过时，未处理 | PARKED 原报文未知 | INVALID 格式错误")
    status_name: str = Field(description="状态名称（随 Accept-Language）")
    signed: bool = Field(description="报文是否带有签名")
    signature_valid: bool | None = Field(description="海关验签结果；尚未验签或回执为 null")
    in_reply_to: str | None = Field(description="回执所答报文的报文编号（仅回执）")
    seq: int | None = Field(description="回执序号：同一报文的第几份回执（仅回执）")
    return_status: str | None = Field(description="回执状态码；负数为异常回执（仅回执）")
    return_info: str | None = Field(description="回执信息（仅回执）")
    created_at: str = Field(description="生成时间 YYYY-MM-DDTHH:MM:SS")
    xml: str = Field(description="报文 XML 原文（已签名的报文含签名）")


class MessagePage(Answer):
    items: list[MessageOut] = Field(description="本企业记录的报文及其回执，按时间先后；他企业的编号返回空列表")
