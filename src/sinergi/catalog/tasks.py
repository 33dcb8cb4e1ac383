"""Background tasks of the catalog (run by the worker's ``db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def cluster_version(version_id: int) -> None:
    """Build the copy of a version sorted by its dataset's current filter columns (seconds
    for a million rows, so never in a request); nothing to do when the version is gone,
    the dataset has no filter columns, or the copy exists."""
    from . import tabular
    from .models import DatasetVersion
    from .selectors import version_path

    version = DatasetVersion.objects.select_related("dataset").filter(pk=version_id).first()
    if version is None:
        return
    cluster = list(version.dataset.filter_columns or [])
    names = {c["name"] for c in version.columns}
    if not cluster or not all(n in names for n in cluster):
        return
    path = version_path(version)
    if path.exists():
        tabular.ensure_clustered(path, cluster)
