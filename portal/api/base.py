"""API plumbing: bearer tokens, pydantic request parsing, the OpenAPI registry (A-1..A-3)."""
from __future__ import annotations

import functools
from typing import Any

from flask import g, jsonify, request
from pydantic import BaseModel, ValidationError

from portal.api import bp
from portal.errors import envelope
from portal.i18n import N_
from portal.identity import Identity
from rules.violations import RuleError, Violation

OPERATIONS: list[dict] = []  # filled by @endpoint; rendered by /openapi.json
LANGUAGE_NOTE = ("Error messages (A-2 `error.message` and each violation's `message`) are Chinese by default. "
                 "Send `Accept-Language: en` for English renderings; `rule` and `field` never change, and a message "
                 "without an English rendering reads \"Rule <id> violated on field <field> (<Chinese original>)\" (X-4).")
PUBLIC = object()


@bp.before_request
def _authenticate():
    g.identity = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        from portal.auth.service import resolve_token
        record = resolve_token(header[7:].strip())
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
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise RuleError(_violations_from_pydantic(exc), status=422) from None


def endpoint(rule: str, methods=("GET",), *, body: type[BaseModel] | None = None,
             response: type[BaseModel] | None = None, summary: str = "", auth=True, status: int = 200,
             query: dict | None = None):
    """Register an API route, its auth requirement and its schemas for the OpenAPI document."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if auth is not PUBLIC and auth and g.get("identity") is None:
                return envelope(401)
            return view(*args, **kwargs)

        for method in methods:
            OPERATIONS.append({"path": rule, "method": method.lower(), "body": body, "response": response,
                               "summary": summary or (view.__doc__ or "").strip().split("\n")[0],
                               "auth": auth is not PUBLIC and bool(auth), "status": status,
                               "query": query or {}, "name": view.__name__})
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
    import re
    params = []
    def repl(match):
        name = match.group(2)
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
        return "{" + name + "}"
    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


@endpoint("/openapi.json", auth=PUBLIC, summary="OpenAPI 文档 (A-3)")
def openapi():
    """Serve the OpenAPI document generated from the handlers' schemas (A-3)."""
    paths: dict = {}
    components: dict = {}
    error_ref = {"$ref": "#/components/schemas/Error"}
    components["Error"] = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "violations": {"type": "array", "items": {"type": "object", "properties": {
            "rule": {"type": "string"}, "field": {"type": "string"}, "message": {"type": "string"}}}}}}}}
    for op in OPERATIONS:
        path, params = _path_to_openapi(op["path"])
        params += [{"name": k, "in": "query", "required": False, "schema": {"type": "string"}, "description": v}
                   for k, v in op["query"].items()]
        item = {"summary": op["summary"], "operationId": op["name"] + "_" + op["method"], "parameters": params,
                "responses": {str(op["status"]): {"description": "OK"},
                              "default": {"description": "A-2 error envelope",
                                          "content": {"application/json": {"schema": error_ref}}}}}
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
