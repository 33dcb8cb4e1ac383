"""Shared pieces of the JSON API: the error shape, pagination and the audit log routes."""

import datetime as dt
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja import Path as PathParam
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from .exceptions import NotFound, SinergiError
from .models import AuditEntry
from .permissions import ensure_can


class ApiRequest(HttpRequest):
    """A request that passed API authentication: ``auth`` is the user."""

    auth: Any


class ErrorOut(Schema):
    """Every API error: a stable machine code, a message in the user's language, and
    messages per field."""

    code: str
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
READ_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def responses(
    ok: Any, status: int = 200, errors: dict[int, type[Schema]] = ERRORS
) -> dict[int, Any]:
    """The response map of an operation: its success schema plus the error shapes."""
    return {status: ok, **errors}


MAX_ID = 2**53  # ids and offsets above this are refused before they reach the database


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` pagination answering ``{"items": [...], "count": n}``."""

    class Input(Schema):
        """Page window; bounded so that no value overflows a database integer."""

        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10_000_000)


# The common pydantic error types in the user's language (lazy: translated when shown).
_PYDANTIC_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "string_too_long": gettext_lazy("The value is too long."),
    "string_too_short": gettext_lazy("The value is too short."),
    "too_long": gettext_lazy("The list is too long."),
    "too_short": gettext_lazy("The list is too short."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "float_type": gettext_lazy("Enter a number."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "decimal_type": gettext_lazy("Enter a number."),
    "finite_number": gettext_lazy("Enter a number."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "bool_type": gettext_lazy("Enter true or false."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_type": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": gettext_lazy("Enter a date and time in ISO 8601 form."),
    "datetime_from_date_parsing": gettext_lazy("Enter a date and time in ISO 8601 form."),
    "datetime_type": gettext_lazy("Enter a date and time in ISO 8601 form."),
    "time_parsing": gettext_lazy("Enter a time as HH:MM."),
    "time_type": gettext_lazy("Enter a time as HH:MM."),
    "literal_error": gettext_lazy("Choose one of the allowed values."),
    "enum": gettext_lazy("Choose one of the allowed values."),
    "greater_than_equal": gettext_lazy("The value is too small."),
    "greater_than": gettext_lazy("The value is too small."),
    "less_than_equal": gettext_lazy("The value is too large."),
    "less_than": gettext_lazy("The value is too large."),
    "multiple_of": gettext_lazy("The value is not valid."),
    "string_type": gettext_lazy("Enter text."),
    "string_unicode": gettext_lazy("Enter valid text."),
    "list_type": gettext_lazy("Enter a list."),
    "set_type": gettext_lazy("Enter a list."),
    "tuple_type": gettext_lazy("Enter a list."),
    "dict_type": gettext_lazy("Enter an object."),
    "model_type": gettext_lazy("Enter an object."),
    "model_attributes_type": gettext_lazy("Enter an object."),
    "json_invalid": gettext_lazy("The body is not valid JSON."),
    "value_error": gettext_lazy("The value is not valid."),
    "assertion_error": gettext_lazy("The value is not valid."),
    "extra_forbidden": gettext_lazy("This field is not allowed."),
    "string_pattern_mismatch": gettext_lazy("The value does not have the expected form."),
    "uuid_parsing": gettext_lazy("Enter a valid UUID."),
    "uuid_type": gettext_lazy("Enter a valid UUID."),
    "url_parsing": gettext_lazy("Enter a valid URL."),
    "url_type": gettext_lazy("Enter a valid URL."),
    "url_scheme": gettext_lazy("Enter a valid URL."),
}


def _localized(error: dict[str, Any]) -> str:
    message = _PYDANTIC_MESSAGES.get(str(error.get("type")))
    if message is not None:
        return str(message)
    if (translation.get_language() or "").startswith("en"):
        return str(error.get("msg", _("The value is not valid.")))
    # A type this table lacks: the generic sentence rather than pydantic's English.
    return _("The value is not valid.")


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error in the one JSON shape; nothing reaches the user as an HTML page."""

    def reply(
        request: HttpRequest, status: int, code: str, message: str, fields: Any = None
    ) -> HttpResponse:
        return api.create_response(
            request, {"code": code, "message": message, "fields": fields or {}}, status=status
        )

    @api.exception_handler(SinergiError)
    def sinergi_error(request: HttpRequest, exc: SinergiError) -> HttpResponse:
        return reply(request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [
                str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")
            ]
            # Ninja nests the body under the parameter name; the field is what follows it.
            if len(loc) > 1 and loc[0] in {"data", "filters"}:
                loc = loc[1:]
            fields.setdefault(".".join(loc) or "__all__", []).append(_localized(err))
        return reply(request, 422, "validation_error", _("Some fields are not valid."), fields)

    @api.exception_handler(OverflowError)
    def overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        return reply(request, 422, "validation_error", _("A number is out of range."))

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value the schema let through (e.g. beyond 64 bits).
        return reply(request, 422, "validation_error", _("A value is out of range."))

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return reply(request, 401, "unauthenticated", _("Authentication is required."))

    @api.exception_handler(AuthorizationError)
    def authz_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return reply(request, 403, "forbidden", _("You are not allowed to do this."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return reply(request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and "parse request body" in str(exc):
            return reply(request, 400, "invalid_json", _("The body is not valid JSON."))
        code = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }.get(exc.status_code, "error")
        return reply(request, exc.status_code, code, str(exc))


# --- audit log -------------------------------------------------------------------------


class AuditEntryOut(Schema):
    """One audit entry as the API shows it."""

    seq: int = Field(
        description="the entry's number across all audit chains: unique, increasing with time"
    )
    chain: str = Field(
        description='its audit chain: a kabupaten/kota or province code, "" for the platform '
        'chain, "legacy" for entries written before the chains were per region'
    )
    chain_seq: int = Field(description="its position in its chain (1, 2, 3 … without gaps)")
    at: dt.datetime
    actor: str = Field(alias="actor_username")
    actor_agency: str
    region: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str


class AuditFilters(Schema):
    """Filters of the audit log."""

    agency: str | None = Field(None, max_length=100, description="acting agency slug")
    actor: str | None = Field(None, max_length=150, description="actor username")
    action: str | None = Field(None, max_length=100)
    object_type: str | None = Field(None, max_length=100)
    object_id: str | None = Field(None, max_length=100)
    since: dt.date | None = None
    until: dt.date | None = None


def audit_entries(*, user: Any, filters: AuditFilters) -> Any:
    """Audit entries the user may read, filtered."""
    ensure_can(user, "audit.view", None)
    qs = AuditEntry.objects.visible_to(user)
    if filters.agency:
        qs = qs.filter(actor_agency=filters.agency)
    if filters.actor:
        qs = qs.filter(actor_username=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.since:
        qs = qs.filter(at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__date__lte=filters.until)
    return qs.order_by("-seq")


audit_router = Router(tags=["audit"])


@audit_router.get(
    "",
    response=responses(list[AuditEntryOut], errors=READ_ERRORS | {403: ErrorOut}),
    summary="List audit entries",
)
@paginate(Pagination)
def audit_list(request: ApiRequest, filters: Query[AuditFilters]) -> Any:
    """Audit entries of the caller's regions (platform admins: all), newest first."""
    return audit_entries(user=request.auth, filters=filters)


@audit_router.get(
    "/{seq}",
    response=responses(AuditEntryOut, errors=READ_ERRORS | {403: ErrorOut}),
    summary="Get one audit entry",
)
def audit_detail(request: ApiRequest, seq: int = PathParam(..., ge=1, le=MAX_ID)) -> Any:
    """One audit entry by sequence number."""
    ensure_can(request.auth, "audit.view", None)
    entry = AuditEntry.objects.visible_to(request.auth).filter(seq=seq).first()
    if entry is None:
        raise NotFound()
    return entry
