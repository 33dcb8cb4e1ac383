"""App configuration for the Satu Data catalog."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Datasets with metadata, walidata verification, versions stored as Parquet, the
    CKAN-compatible API and the public catalog."""

    name = "sinergi.catalog"
    label = "catalog"
    verbose_name = _("Data catalog")

    def ready(self) -> None:
        from . import events, files, jobs, permissions

        files.register()
        del events, jobs, permissions
