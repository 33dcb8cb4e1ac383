"""Background tasks of the programs app (run by the worker's ``db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_schedule_import(job_id: int) -> None:
    """Import a queued schedule file, recording progress on the job."""
    from sinergi.core.clock import now

    from .exchange import import_run

    import_run(job_id=job_id, now=now())
