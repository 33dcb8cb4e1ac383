"""Admin: a read-only window on datasets and their versions."""

from __future__ import annotations

from django.contrib import admin

from sinergi.core.admin import ReadOnlyAdmin

from .models import DataRequest, Dataset, DatasetVersion, Tag


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    """Datasets of the catalog."""

    list_display = ("slug", "title", "publisher", "status", "access_level", "updated_at")
    list_filter = ("status", "access_level")
    search_fields = ("slug", "title")


@admin.register(DatasetVersion)
class DatasetVersionAdmin(ReadOnlyAdmin):
    """Versions of datasets."""

    list_display = ("dataset", "number", "row_count", "checksum", "created_at")


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    """Tags of datasets."""

    list_display = ("name",)


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    """Data requests and the datasets that fulfil them."""

    list_display = ("title", "requester", "producer", "dataset", "created_at")
