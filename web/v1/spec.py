"""Declared operations of /api/v1: one pydantic model per query, body and answer.

`operation(...)` wraps a view: it parses the query string and the JSON body into their models
(a clear 400 naming the field otherwise), passes them to the view as `q` and `body`, and records
what the view answers. `openapi(app)` walks the app's URL map and builds the OpenAPI 3.1
document from those records, so a route without a declaration is an error, not a gap in the
reference. Under `app.testing` every JSON answer is checked against its declared model, so each
test of the API is also a test of the document.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from flask import Flask, Response, abort, current_app, jsonify, make_response, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema

from web import MAX_ID
from web.api import json_body


def _char_class(code_points: list[int]) -> str:
    """Return the inside of a regex character class matching exactly these code points."""
    ranges: list[tuple[int, int]] = []
    for c in sorted(code_points):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))

    def char(c: int) -> str:
        return f"\\u{c:04x}" if c <= 0xFFFF else re.escape(chr(c))

    return "".join(char(a) if a == b else f"{char(a)}-{char(b)}" for a, b in ranges)


# What tm refuses in any text (web/security.py), what counts as nothing visible (tm.textcheck.is_blank)
# and the direction controls it refuses in what people type (tm.textcheck.check_typed). In the
# patterns, so that the document says what the API takes and pydantic checks exactly that.
_CONTROL = _char_class([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_INVISIBLE = _char_class(
    [c for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zs", "Zl", "Zp")]
)
_BIDI = _char_class([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])

# any text without control characters (may be empty)
Plain = Annotated[str, Field(pattern=f"^[^{_CONTROL}]*$")]
# text with something visible in it
Text = Annotated[str, Field(pattern=f"^[^{_CONTROL}]*[^{_INVISIBLE}][^{_CONTROL}]*$")]
# what a person types (English, titles, notes, terms): no invisible direction controls either
TypedPlain = Annotated[str, Field(pattern=f"^[^{_CONTROL}{_BIDI}]*$")]
Typed = Annotated[str, Field(pattern=f"^[^{_CONTROL}{_BIDI}]*[^{_INVISIBLE}][^{_CONTROL}{_BIDI}]*$")]


class Model(BaseModel):
    """A JSON body the API reads: types exactly as JSON has them ("yes" is not true), and unknown
    fields refused, so a misspelt field is not silently lost."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """A query string the API reads: text turned into numbers and flags; an unknown parameter is
    refused, so a misspelt one (`limt=5`) is not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """A body the API writes (documented; checked under test)."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Answer):
    code: str
    message: str


class Error(Answer):
    """Every error: a stable code for programs and a message for people."""

    error: ErrorDetail


@dataclass
class Operation:
    """What one view takes and answers."""

    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    # multipart form fields, name -> (JSON schema, description); a "file" is a binary upload
    form: dict[str, tuple[dict[str, Any], str]] | None = None
    # status -> answer model, the media type(s) of a download ("text/csv", "application/x-tmx+xml"),
    # or None for no body (204)
    answers: dict[int, type[BaseModel] | str | tuple[str, ...] | None] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    public: bool = False


def operation(
    tag: str,
    *,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    form: dict[str, tuple[dict[str, Any], str]] | None = None,
    answers: dict[int, type[BaseModel] | str | tuple[str, ...] | None] | None = None,
    errors: tuple[int, ...] = (),
    public: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a view's query, body and answers; the view gets `q` and `body` already checked."""
    op = Operation(tag, query, body, form, dict(answers or {}), errors, public)

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def inner(**kwargs: Any) -> Response:
            if op.query is not None:
                kwargs["q"] = parse(op.query, request.args.to_dict())
            elif request.args:
                abort(400, f"{next(iter(request.args))}: is not a parameter of this call")
            if op.body is not None:
                kwargs["body"] = parse(op.body, json_body())
            response = make_response(view(**kwargs))
            if current_app.testing:
                check_answer(op, response)
            return response

        inner.openapi = op  # type: ignore[attr-defined]
        return inner

    return wrap


def created(data: dict[str, Any], location: str, status: int = 201) -> Response:
    """Answer a POST that made something (201) or queued it (202), with where to find it."""
    response = jsonify(data)
    response.status_code = status
    response.headers["Location"] = location
    return response


def parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """Return data as the model, or answer 400 naming each field that is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        abort(400, "; ".join(_problem(err) for err in e.errors(include_url=False)[:5]))


def _problem(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "the body"
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "is not a field of this call"
    elif err["type"] == "missing":
        message = "is required"
    elif err["type"] == "string_pattern_mismatch" and isinstance(err.get("input"), str):
        message = _why_not_text(err["input"]) or message
    return f"{where}: {message}"


def _why_not_text(value: str) -> str | None:
    """Say in words why a text does not match one of the text patterns above, if that is why."""
    control = re.search(f"[{_CONTROL}]", value)
    if control:
        return (
            f"contains a control character (U+{ord(control.group()):04X}) that tm does not store "
            "(it usually comes from copying out of a PDF or a binary file)"
        )
    bidi = re.search(f"[{_BIDI}]", value)
    if bidi:
        return (
            f"holds an invisible direction control (U+{ord(bidi.group()):04X}) that would show the text "
            "in another order than it is written; remove it"
        )
    if not re.search(f"[^{_INVISIBLE}]", value):
        return "is empty: give the text"
    return None


def check_answer(op: Operation, response: Response) -> None:
    """Raise AssertionError when a JSON answer does not match its declared model (tests only)."""
    status = response.status_code
    if status < 400 and status not in op.answers:
        raise AssertionError(f"{request.method} {request.path} answered {status}, which it does not declare")
    declared = op.answers[status] if status < 400 else Error
    if declared is None:
        if response.get_data():
            raise AssertionError(f"{request.method} {request.path} answered {status} with a body")
        return
    if isinstance(declared, str | tuple):
        media = (declared,) if isinstance(declared, str) else declared
        if response.mimetype not in media:
            raise AssertionError(f"{request.path} answered {response.mimetype}, declared {media}")
        return
    try:
        declared.model_validate_json(response.get_data())
    except ValidationError as e:
        raise AssertionError(f"{request.method} {request.path} {status} does not match its model: {e}") from e


# --- the OpenAPI document ---------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No content",
    400: "The request is malformed; the message names the field",
    401: "No token, or the token is revoked or its account locked",
    403: "The token's account may not do this",
    404: "Not found, or not visible to the token's account",
    409: "Someone changed it first; read it again and retry",
    413: "The request is larger than tm takes at once",
    422: "Refused by a check (the message says which)",
    429: "Too many requests from this token; wait as Retry-After says",
    503: "The memory is busy with another change; retry after Retry-After seconds",
}


def openapi(
    app: Flask, *, title: str, version: str, description: str, tags: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document of every /api/v1 route from its declaration."""
    paths: dict[str, dict[str, Any]] = {}
    models: set[type[BaseModel]] = {Error}
    operations: list[tuple[str, str, str, Operation, Callable[..., Any], list[str]]] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api_v1."):
            continue
        view = app.view_functions[rule.endpoint]
        op: Operation | None = getattr(view, "openapi", None)
        if op is None:
            raise RuntimeError(f"{rule.rule} has no OpenAPI declaration (web.v1.spec.operation)")
        path = _PARAM.sub(r"{\2}", rule.rule)
        names = [m.group(2) for m in _PARAM.finditer(rule.rule)]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append((path, method.lower(), rule.endpoint, op, view, names))
            models.update(m for m in (op.query, op.body) if m is not None)
            models.update(m for m in op.answers.values() if isinstance(m, type))
    ordered = sorted(models, key=lambda m: m.__name__)
    refs, top = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas = dict(top.get("$defs", {}))
    for path, method, endpoint, op, view, names in operations:
        paths.setdefault(path, {})[method] = _operation(op, view, endpoint, names, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "tags": tags or [],
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (tm_...), made on the account page or with "
                    "`tm token create USER`.",
                }
            },
        },
        "security": [{"token": []}],
    }


def _operation(
    op: Operation, view: Callable[..., Any], endpoint: str, names: list[str], refs: dict[Any, Any]
) -> dict[str, Any]:
    doc = (view.__doc__ or "").strip()
    summary, _, rest = doc.partition("\n")
    out: dict[str, Any] = {
        "operationId": endpoint.split(".", 1)[1],
        "tags": [op.tag],
        "summary": summary.strip(),
    }
    if rest.strip():
        out["description"] = re.sub(r"\n\s+", "\n", rest.strip())
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}
            if name.endswith("id") or name == "idx"
            else {"type": "string"},
        }
        for name in names
    ]
    if op.query is not None:
        schema = op.query.model_json_schema()
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            param = {"name": name, "in": "query", "required": name in required, "schema": _plain(prop)}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    elif op.form is not None:
        properties = {}
        for name, (schema, description) in op.form.items():
            properties[name] = {**schema, "description": description}
        out["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": properties, "required": ["file"]}
                    if "file" in op.form
                    else {"type": "object", "properties": properties}
                }
            },
        }
    responses: dict[str, Any] = {}
    for status, answer in op.answers.items():
        if answer is None:
            responses[str(status)] = {"description": _REASONS.get(status, "OK")}
            continue
        if isinstance(answer, str | tuple):
            media = (answer,) if isinstance(answer, str) else answer
            content = {m: {"schema": {"type": "string"}} for m in media}
        else:
            content = {"application/json": {"schema": refs[(answer, "validation")]}}
        responses[str(status)] = {"description": _REASONS.get(status, "OK"), "content": content}
    errors = set(op.errors) | {503}
    if not op.public:
        errors |= {401, 429}
    if op.query is not None or op.body is not None or op.form is not None:
        errors.add(400)
    if op.body is not None or op.form is not None:
        errors.add(413)
    if names:
        errors.add(404)
    for status in sorted(errors):
        responses[str(status)] = {
            "description": _REASONS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    out["responses"] = responses
    if op.public:
        out["security"] = []
    return out


def _plain(prop: dict[str, Any]) -> dict[str, Any]:
    """Return a query parameter's schema without pydantic's titles (the name says it)."""
    return {k: v for k, v in prop.items() if k not in ("title", "description")}
