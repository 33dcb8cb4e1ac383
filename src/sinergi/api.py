"""The JSON API at /api/v1/: one Ninja instance with a router per app."""

from __future__ import annotations

from django.views.decorators.gzip import gzip_page

from sinergi.accounts.api import AUTH
from sinergi.accounts.api import router as accounts_router
from sinergi.agencies.api import reference_router
from sinergi.agencies.api import router as agencies_router
from sinergi.blood.api import router as blood_router
from sinergi.cases.api import router as cases_router
from sinergi.catalog.api import requests_router as data_requests_router
from sinergi.catalog.api import router as catalog_router
from sinergi.coordination.api import meetings_router
from sinergi.coordination.api import router as requests_router
from sinergi.core.api import audit_router, install_error_handlers
from sinergi.core.api_docs import LocalizedAPI, LocalRedoc, api_description
from sinergi.core.strict_input import install_strict_input
from sinergi.insights.api import public_router as insights_public_router
from sinergi.insights.api import router as insights_router
from sinergi.notifications.api import router as notifications_router
from sinergi.programs.api import router as programs_router
from sinergi.regions.api import router as regions_router

api = LocalizedAPI(
    title="Sinergi API",
    version="1",
    description=api_description(),
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    docs=LocalRedoc(),
    docs_decorator=gzip_page,
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/agencies", agencies_router)
api.add_router("/", reference_router)
api.add_router("/regions", regions_router)
api.add_router("/audit", audit_router)
api.add_router("/datasets", catalog_router)
api.add_router("/data-requests", data_requests_router)
api.add_router("/blood", blood_router)
api.add_router("/programs", programs_router)
api.add_router("/requests", requests_router)
api.add_router("/meetings", meetings_router)
api.add_router("/insights", insights_router)
api.add_router("/public", insights_public_router)
api.add_router("/cases", cases_router)
api.add_router("/notifications", notifications_router)
install_strict_input(api)  # after every router: it wraps each operation's input models
