"""Error pages and the API error envelope (A-2, X-4); never a stack trace."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.i18n import N_, message_of, translate, violation_dict, violation_message
from rules.violations import RuleError

log = logging.getLogger(__name__)

# Chinese texts; shown through `translate`, so `Accept-Language: en` (API) or `?lang=en` (pages) renders English.
MESSAGES = {400: "请求无效", 401: "未登录或令牌无效", 403: "无权执行此操作", 404: "记录不存在",
            405: "不支持的请求方法", 409: "与记录当前状态冲突", 410: "该文件已失效（已被新证明替代）",
            413: "上传文件过大", 422: "数据校验未通过", 423: "账户已锁定", 429: "请求过于频繁",
            500: "系统内部错误，请联系管理员"}
CSRF_API_MESSAGE = N_("缺少或无效的 CSRF 令牌")
CSRF_PAGE_MESSAGE = N_("表单已失效（缺少 CSRF 令牌），请刷新页面后重试")
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 410: "gone", 413: "too_large", 422: "validation", 423: "locked", 429: "throttled",
         500: "server_error"}


def wants_json() -> bool:
    """Tell whether the caller is the JSON API."""
    return request.path.startswith("/api/")


def envelope(status: int, message: str | None = None, violations=None, **extra):
    """Build the A-2 error response; messages in Chinese, or English for `Accept-Language: en` (X-4)."""
    violations = list(violations or [])
    rendered = [violation_dict(v) for v in violations]
    if rendered and message is not None and message == message_of(violations[0]):
        shown = rendered[0]["message"]
    else:
        shown = translate(message or MESSAGES.get(status, N_("错误")))
    body = {"error": {"code": CODES.get(status, "error"), "message": shown, "violations": rendered}}
    body.update(extra)
    return jsonify(body), status


def init_app(app) -> None:
    """Register the handlers."""

    @app.errorhandler(RuleError)
    def _rule_error(exc: RuleError):
        from portal.extensions import db
        db.session.rollback()
        if wants_json():
            message = exc.violations[0].message if exc.violations else None
            return envelope(exc.status, message, exc.violations)
        message = violation_message(exc.violations[0]) if exc.violations else translate(MESSAGES.get(exc.status))
        return render_template("error.html", status=exc.status, message=message,
                               violations=exc.violations), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if wants_json():
            return envelope(400, CSRF_API_MESSAGE)
        return render_template("error.html", status=400, message=translate(CSRF_PAGE_MESSAGE), violations=[]), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        # 405 names the methods the URL does accept (RFC 9110 §15.5.6), as Werkzeug's own answer would.
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else {}
        if wants_json():
            body, status = envelope(status)
            return body, status, headers
        return render_template("error.html", status=status, message=translate(MESSAGES.get(status, exc.name)),
                               violations=[]), status, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        from portal.extensions import db
        db.session.rollback()
        if wants_json():
            return envelope(500)
        return render_template("error.html", status=500, message=translate(MESSAGES[500]), violations=[]), 500
