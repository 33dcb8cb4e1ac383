"""The API's documentation page: Redoc (shipped inside django-ninja, served from our own
static files) over an OpenAPI document whose title, description and section names follow
the reader's language.

Redoc replaced Swagger UI because the page weighed 1.97 MB with Swagger UI; Redoc's one
script is 287 KB compressed (docs/decisions/api-docs-redoc.md).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase
from ninja.openapi.schema import OpenAPISchema

# Section of the API (the tag a router's operations carry) -> name shown in the docs.
TAGS = {
    "accounts": gettext_lazy("Accounts and tokens"),
    "agencies": gettext_lazy("Agencies"),
    "reference": gettext_lazy("Reference lists"),
    "regions": gettext_lazy("Regions"),
    "audit": gettext_lazy("Audit log"),
    "catalog": gettext_lazy("Data catalog"),
    "blood": gettext_lazy("Blood"),
    "programs": gettext_lazy("Programs"),
    "requests": gettext_lazy("Requests between agencies"),
    "meetings": gettext_lazy("Meetings"),
    "insights": gettext_lazy("Dashboard figures"),
    "public": gettext_lazy("Public figures"),
    "cases": gettext_lazy("Citizen services"),
    "notifications": gettext_lazy("Notifications"),
}


def api_title() -> str:
    """The API's name in the active language."""
    return _("Sinergi API")


def api_description() -> str:
    """The opening paragraph of the API documentation in the active language."""
    return _(
        "JSON API of Sinergi. Authenticate with `Authorization: Bearer <token>` (create a "
        "token on your profile page or with `sinergi token create`) or with the browser "
        'session. Errors are `{"code", "message", "fields"}`.'
    )


class LocalizedAPI(NinjaAPI):
    """A Ninja API whose OpenAPI document speaks the request's language where people read
    it: the title, the description and the display names of the sections."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["info"]["title"] = api_title()
        schema["info"]["description"] = api_description()
        used = {
            tag
            for path in schema["paths"].values()
            for op in path.values()
            for tag in op.get("tags", [])
        }
        schema["tags"] = [
            {"name": tag, "x-displayName": str(label)} for tag, label in TAGS.items() if tag in used
        ] + [{"name": tag} for tag in sorted(used - TAGS.keys())]
        return schema


class LocalRedoc(DocsBase):
    """Redoc from django-ninja's static files, started by a script of ours (the pages' CSP
    allows no inline script); search off, so no worker from a blob URL is needed."""

    settings = {"hideDownloadButton": False, "disableSearch": True, "expandResponses": "200"}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        context = {
            "title": api_title(),
            "openapi_url": self.get_openapi_url(api, kwargs),
            "redoc_settings": json.dumps(self.settings),
        }
        response = render(request, "core/api_docs.html", context)
        # Redoc draws with styled-components, which writes <style> elements: this page
        # alone allows inline styles (still no inline script).
        response._csp_update = {"style-src": ["'unsafe-inline'"]}  # type: ignore[attr-defined]
        return response
