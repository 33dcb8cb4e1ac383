"""Exact types for API input, on top of the schemas' own (lax) validation.

Pydantic in its default mode turns ``false`` into ``0``, ``0`` into 1970-01-01, ``"yes"``
into ``true`` and a list into an object (Ninja validates bodies from attributes), so a
client's mistake would be stored as something it never meant. Before a JSON body is
validated, :func:`strict_errors` walks the schema beside the parsed JSON and refuses a
body that is not an object, a boolean or a string where a number belongs, a number where
a date, a boolean or text belongs, and so on. Query strings carry text only: there a date
must look like ``YYYY-MM-DD`` and a date-time must not be a bare number. The errors are
pydantic's own error types, so they reach the user through the one error handler, in the
user's language.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

import pydantic
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.params.models import BodyModel, QueryModel
from pydantic_core import InitErrorDetails, PydanticCustomError

from .exceptions import ValidationFailed

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER_RE = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*$")

Loc = tuple[str | int, ...]
Error = tuple[str, Loc, Any]  # (pydantic error type, location, input)


class BodyNotAnObject(ValidationFailed):
    """The JSON body is an array, a string, a number, true/false or null."""

    code = "body_not_object"


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _check(annotation: Any, value: Any, loc: Loc, *, query: bool) -> list[Error]:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        if value is None and type(None) in members:
            return []
        first: list[Error] | None = None
        for member in members:
            if member is type(None):
                continue
            errors = _check(member, value, loc, query=query)
            if not errors:
                return []
            first = first if first is not None else errors
        return first or []
    if annotation is Any or annotation is None or origin is typing.Literal:
        return []
    if origin in (list, set, frozenset, tuple) or annotation in (list, set, tuple):
        if query:
            return []
        if not isinstance(value, list):
            return [("list_type", loc, value)]
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        if not args:
            return []
        out: list[Error] = []
        for i, item in enumerate(value):
            item_type = args[i] if origin is tuple and len(args) > 1 and i < len(args) else args[0]
            out.extend(_check(item_type, item, (*loc, i), query=query))
        return out
    if origin is dict or annotation is dict:
        if query:
            return []
        if not isinstance(value, dict):
            return [("dict_type", loc, value)]
        kv = typing.get_args(annotation)
        if len(kv) == 2:
            return [
                e for k, v in value.items() for e in _check(kv[1], v, (*loc, str(k)), query=query)
            ]
        return []
    if not isinstance(annotation, type):
        return []
    if value is None:
        return []  # pydantic answers for a null where none is allowed
    if issubclass(annotation, pydantic.BaseModel):
        if not isinstance(value, dict):
            return [("dict_type", loc, value)]
        return _check_model(annotation, value, loc, query=query)
    if issubclass(annotation, enum.Enum):
        return []
    if query:
        return _check_query_scalar(annotation, value, loc)
    return _check_json_scalar(annotation, value, loc)


def _check_json_scalar(annotation: type, value: Any, loc: Loc) -> list[Error]:
    if issubclass(annotation, bool):
        return [] if isinstance(value, bool) else [("bool_type", loc, value)]
    if issubclass(annotation, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [("int_type", loc, value)]
    if issubclass(annotation, decimal.Decimal):
        # Amounts may come as text to keep their precision (the schema allows both).
        ok = isinstance(value, int | float | str) and not isinstance(value, bool)
        return [] if ok else [("decimal_type", loc, value)]
    if issubclass(annotation, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [("float_type", loc, value)]
    if issubclass(annotation, str):
        return [] if isinstance(value, str) else [("string_type", loc, value)]
    if issubclass(annotation, dt.datetime):
        ok = isinstance(value, str) and not NUMBER_RE.match(value)
        return [] if ok else [("datetime_type", loc, value)]
    if issubclass(annotation, dt.date):
        ok = isinstance(value, str) and bool(DATE_RE.match(value))
        return [] if ok else [("date_type", loc, value)]
    if issubclass(annotation, dt.time | dt.timedelta):
        return [] if isinstance(value, str) else [("time_type", loc, value)]
    return []


def _check_query_scalar(annotation: type, value: Any, loc: Loc) -> list[Error]:
    if not isinstance(value, str):
        return []
    if issubclass(annotation, dt.datetime):
        return [("datetime_type", loc, value)] if NUMBER_RE.match(value) else []
    if issubclass(annotation, dt.date):
        return [] if DATE_RE.match(value) else [("date_type", loc, value)]
    return []


def _check_model(
    model: type[pydantic.BaseModel], data: dict[str, Any], loc: Loc, *, query: bool
) -> list[Error]:
    out: list[Error] = []
    for name, field in model.model_fields.items():
        keys = [k for k in (field.alias, field.validation_alias, name) if isinstance(k, str)]
        key = next((k for k in keys if k in data), None)
        if key is None:
            continue
        out.extend(_check(field.annotation, data[key], (*loc, key), query=query))
    return out


def strict_errors(model: type[pydantic.BaseModel], data: Any, *, query: bool) -> list[Error]:
    """What breaks exact typing in ``data`` (the input of a Ninja parameter model)."""
    if not isinstance(data, dict):
        return []
    return _check_model(model, data, (), query=query)


def _raise(model: type[pydantic.BaseModel], errors: list[Error]) -> typing.NoReturn:
    details: list[InitErrorDetails] = []
    for kind, loc, value in errors:
        # The message template is pydantic's own; the handler shows our translated one.
        details.append(
            {
                "type": PydanticCustomError(kind, "Input should be of the exact type"),
                "loc": loc,
                "input": value,
            }
        )
    raise pydantic.ValidationError.from_exception_data(model.__name__, details)


def _strict_resolve(*, body: bool) -> Any:
    """Ninja's ``ParamModel.resolve`` with the exact-type checks before validation."""

    def resolve(cls: Any, request: Any, api: Any, path_params: Any) -> Any:
        data = cls.get_request_data(request, api, path_params)
        if data is None:
            return cls()
        if body:
            varname = getattr(cls, "__read_from_single_attr__", None)
            raw = data.get(varname) if varname and isinstance(data, dict) else data
            if not isinstance(raw, dict):
                message = _("The body must be a JSON object.")
                raise BodyNotAnObject(message, fields={"__all__": [message]})
        data = cls._map_data_paths(data)
        errors = strict_errors(cls, data, query=not body)
        if errors:
            _raise(cls, errors)
        return cls.model_validate(data, context={"request": request})

    resolve.__sinergi_strict__ = True  # type: ignore[attr-defined]
    return classmethod(resolve)


def _routers(router: Router) -> Iterator[Router]:
    yield router
    for _prefix, child in getattr(router, "_routers", []):
        yield from _routers(child)


def install_strict_input(api: NinjaAPI) -> None:
    """Make every JSON body and query of the API's operations exactly typed (see module)."""
    seen: set[int] = set()
    roots = [api.default_router, *(r for _p, r in api._routers)]
    for root in roots:
        for router in _routers(root):
            if id(router) in seen:
                continue
            seen.add(id(router))
            for path_view in router.path_operations.values():
                for operation in path_view.operations:
                    for model in operation.models:
                        _install(model)


def _install(model: Any) -> None:
    current = model.__dict__.get("resolve")
    if current is not None and getattr(current.__func__, "__sinergi_strict__", False):
        return
    if issubclass(model, BodyModel):
        model.resolve = _strict_resolve(body=True)
    elif issubclass(model, QueryModel):
        model.resolve = _strict_resolve(body=False)
