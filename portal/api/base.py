"""API plumbing: bearer tokens, pydantic request parsing, the OpenAPI registry (A-1..A-3)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import g, jsonify, request
from pydantic import BaseModel, ValidationError

from portal.api import bp
from portal.errors import CODES, envelope
from portal.i18n import N_
from portal.identity import Identity
from portal.inputs import INT_MAX, contains_nul, parse_int
from rules.violations import RuleError, Violation

OPERATIONS: list[dict] = []  # filled by @endpoint; rendered by /openapi.json
LANGUAGE_NOTE = ("Error messages (A-2 `error.message` and each violation's `message`) are Chinese by default. "
                 "Send `Accept-Language: en` for English renderings; `rule` and `field` never change, and a message "
                 "without an English rendering reads \"Rule <id> violated on field <field> (<Chinese original>)\" (X-4).")
PUBLIC = object()


@bp.before_request
def _authenticate():
    g.identity = None
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():  # the scheme is case-insensitive (RFC 9110 §11.1)
        from portal.auth.service import resolve_token
        record = resolve_token(credentials.strip())
        if record is not None:
            g.identity = Identity(user=record.user, login_mode=record.login_mode, card=record.card)


def _violations_from_pydantic(exc: ValidationError) -> list[Violation]:
    result = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ())) or "body"
        rule = "A-2"
        ctx = error.get("ctx") or {}
        if isinstance(ctx.get("rule"), str):
            rule = ctx["rule"]
        message = error.get("msg", N_("格式不正确"))
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if error.get("type") == "missing":
            message = N_("必填项不能为空")
        elif error.get("type") == "extra_forbidden":
            message = N_("不支持的字段")
        result.append(Violation(rule, field, message))
    return result


def parse_body(schema: type[BaseModel], data: Any = None) -> BaseModel:
    """Validate a JSON body against its schema or raise a 422 with every violation."""
    if data is None:
        data = request.get_json(silent=True)
    if data is None:
        raise RuleError([Violation("A-2", "body", "请求体必须是 JSON 对象")], status=400)
    if contains_nul(data):
        raise RuleError([Violation("A-2", "body", "文本不能包含 NUL 字符")], status=422)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise RuleError(_violations_from_pydantic(exc), status=422) from None


@dataclass(frozen=True)
class Param:
    """A query parameter: its description, type and constraints, parsed here and stated in the OpenAPI (A-3).

    kind: "string", "integer", "boolean" or "date" (YYYY-MM-DD). The same object checks the request and
    writes the schema, so a schema-valid value is never refused for its format."""

    description: str
    kind: str = "string"
    enum: tuple = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = r"^[^\x00]*$"   # free text: anything but NUL (which inputs.py refuses)
    max_length: int = 200
    rule: str = "A-2"
    required: bool = False

    def schema(self) -> dict:
        """Return the JSON schema of the parameter."""
        if self.kind == "integer" and self.enum:
            return {"type": "integer", "enum": list(self.enum)}
        if self.kind == "integer":
            return {"type": "integer", "minimum": self.minimum if self.minimum is not None else 1,
                    "maximum": self.maximum if self.maximum is not None else INT_MAX}
        if self.kind == "boolean":
            return {"type": "string", "enum": ["true", "false"]}
        if self.kind == "date":
            return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
        if self.enum:
            return {"type": "string", "enum": list(self.enum)}
        schema = {"type": "string", "maxLength": self.max_length}
        if self.pattern:
            schema["pattern"] = self.pattern
        return schema

    def parse(self, name: str, raw: str):
        """Return the typed value of a present, non-empty parameter or raise a 422 naming it."""
        if self.kind == "integer":
            number = parse_int(raw, self.minimum if self.minimum is not None else 1,
                               self.maximum if self.maximum is not None else INT_MAX)
            if number is None or (self.enum and number not in self.enum):
                raise RuleError([Violation(self.rule, name, "须为范围内的整数" if not self.enum else
                                           f"须为以下之一：{'、'.join(map(str, self.enum))}")])
            return number
        if self.kind == "boolean":
            if raw not in ("true", "false", "1", "0"):
                raise RuleError([Violation(self.rule, name, "须为 true 或 false")])
            return raw in ("true", "1")
        if self.kind == "date":
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                    raise ValueError(raw)
                return date.fromisoformat(raw)
            except ValueError:
                raise RuleError([Violation(self.rule, name, "日期格式应为 YYYY-MM-DD")]) from None
        if self.enum and raw not in self.enum:
            raise RuleError([Violation(self.rule, name, f"须为以下之一：{'、'.join(self.enum)}")])
        if len(raw) > self.max_length or (self.pattern and not re.search(self.pattern, raw)):
            raise RuleError([Violation(self.rule, name, "格式不正确")])
        return raw


def cursor_param() -> Param:
    """The keyset cursor of every list: the `next` of the previous page, a row id."""
    return Param("上一页返回的 next", "integer", minimum=1, maximum=INT_MAX)


def limit_param(default: int, maximum: int) -> Param:
    """The page size of a list."""
    return Param(f"每页条数（默认 {default}，最多 {maximum}）", "integer", minimum=1, maximum=maximum)


def date_param(description: str, rule: str = "A-2") -> Param:
    """A calendar date YYYY-MM-DD."""
    return Param(description, "date", rule=rule)


def _parse_query(declared: dict) -> dict:
    values, violations = {}, []
    for name, param in declared.items():
        raw = request.args.get(name, "")
        if raw == "":
            values[name] = None
            if param.required:
                violations.append(Violation(param.rule, name, "必填项不能为空"))
            continue
        try:
            values[name] = param.parse(name, raw)
        except RuleError as exc:
            violations += exc.violations
    if violations:
        raise RuleError(violations)
    return values


def query_args() -> dict:
    """Return the endpoint's declared query parameters, parsed (None when absent)."""
    return g.get("query_args", {})


def endpoint(rule: str, methods=("GET",), *, body: type[BaseModel] | None = None,
             response: type[BaseModel] | None = None, summary: str = "", auth=True, status: int = 200,
             query: dict | None = None, path: dict | None = None, errors: tuple = (), media: str | None = None):
    """Register an API route, its auth requirement and its schemas for the OpenAPI document.

    errors: error statuses the operation answers beyond those `error_statuses` derives; media: the content type of
    a success answer that is not JSON (a PDF, a CSV)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if auth is not PUBLIC and auth and g.get("identity") is None:
                return envelope(401)
            g.query_args = _parse_query(query or {})
            return view(*args, **kwargs)

        for method in methods:
            OPERATIONS.append({"path": rule, "method": method.lower(), "body": body, "response": response,
                               "summary": summary or (view.__doc__ or "").strip().split("\n")[0],
                               "auth": auth is not PUBLIC and bool(auth), "status": status,
                               "query": query or {}, "path_params": path or {}, "errors": errors,
                               "media": media, "name": view.__name__})
        bp.add_url_rule(rule, view.__name__, wrapper, methods=list(methods))
        return wrapper

    return decorator


def ok(payload: Any, status: int = 200):
    """Return a JSON answer."""
    return jsonify(payload), status


def identity() -> Identity:
    """Return the token's identity (the route is already authenticated)."""
    return g.identity


def _path_to_openapi(rule: str) -> tuple[str, list]:
    params = []

    def repl(match):
        converter, name = match.group(1), match.group(2)
        schema = ({"type": "integer", "minimum": 0, "maximum": INT_MAX} if converter == "int"
                  else {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[^/?#%\\\x00-\x1f]+$"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"
    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


ERROR_DESCRIPTIONS = {400: "请求体不是 JSON 对象", 401: "未登录或令牌无效", 403: "无权执行此操作（角色、权限、卡介质）",
                      404: "记录不存在或不属于本企业", 409: "与记录当前状态冲突", 410: "已被替代，不再提供",
                      413: "上传文件过大", 422: "数据校验未通过（违反的规则与字段见 violations）", 423: "账户已锁定",
                      429: "请求过于频繁"}


def error_statuses(op: dict) -> list[int]:
    """Return the error statuses an operation can answer, each with the A-2 envelope (A-2)."""
    writes = op["method"] in ("post", "put", "patch", "delete")
    statuses = set(op["errors"]) | {422}
    if op["auth"]:
        statuses |= {401, 403}
    if "<" in op["path"] or writes:
        statuses.add(404)
    if writes:
        statuses.add(409)
    if op["method"] in ("post", "put", "patch"):
        statuses |= {400, 413}
    return sorted(statuses)


def _success_response(op: dict) -> dict:
    answer: dict = {"description": "OK"}
    if op["media"]:
        answer["content"] = {op["media"]: {"schema": {"type": "string", "format": "binary"}}}
    return answer


@endpoint("/openapi.json", auth=PUBLIC, summary="OpenAPI 文档 (A-3)")
def openapi():
    """Serve the OpenAPI document generated from the handlers' schemas (A-3)."""
    paths: dict = {}
    components: dict = {}
    error_ref = {"$ref": "#/components/schemas/Error"}
    components["Error"] = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "violations"], "properties": {
            "code": {"type": "string", "enum": sorted(set(CODES.values()))}, "message": {"type": "string"},
            "violations": {"type": "array", "items": {
                "type": "object", "required": ["rule", "field", "message"], "properties": {
                    "rule": {"type": "string"}, "field": {"type": "string"}, "message": {"type": "string"}}}}}}}}
    for op in OPERATIONS:
        path, params = _path_to_openapi(op["path"])
        for param in params:
            if param["name"] in op["path_params"]:
                param["schema"] = op["path_params"][param["name"]].schema()
        params += [{"name": k, "in": "query", "required": v.required, "schema": v.schema(), "description": v.description}
                   for k, v in op["query"].items()]
        item = {"summary": op["summary"], "operationId": op["name"] + "_" + op["method"], "parameters": params,
                "responses": {str(op["status"]): _success_response(op)}}
        for status in error_statuses(op):
            item["responses"][str(status)] = {"description": ERROR_DESCRIPTIONS[status],
                                              "content": {"application/json": {"schema": error_ref}}}
        for key in ("body", "response"):
            model = op[key]
            if model is None:
                continue
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in schema.pop("$defs", {}).items():
                components[name] = sub
            components[model.__name__] = schema
            ref = {"$ref": f"#/components/schemas/{model.__name__}"}
            if key == "body":
                item["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}
            else:
                item["responses"][str(op["status"])]["content"] = {"application/json": {"schema": ref}}
        if op["auth"]:
            item["security"] = [{"bearer": []}]
        paths.setdefault("/api/v1" + path, {})[op["method"]] = item
    return jsonify({"openapi": "3.1.0",
                    "info": {"title": "Single Window Admin Portal API", "version": "1.0",
                             "description": LANGUAGE_NOTE},
                    "paths": paths,
                    "components": {"schemas": components,
                                   "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}})
