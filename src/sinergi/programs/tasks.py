"""Background tasks of the programs app (run by the worker's ``db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_schedule_import(job_id: int) -> None:
    """Import a queued schedule file, recording progress on the job."""
    from sinergi.core.clock import now

    from .exchange import import_run

    import_run(job_id=job_id, now=now())


@task()
def recompute_schedule(program_id: int) -> None:
    """Compute a large program's schedule after a plan change and keep it for every
    process (nothing to do when the stored one is already current)."""
    from sinergi.core.clock import now

    from .models import Program, ScheduleSnapshot
    from .scheduling import _snapshot_key, local_today, store_snapshot

    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        return
    at = now()
    current = _snapshot_key(program, local_today(program, at))
    if not ScheduleSnapshot.objects.filter(program=program, key=current).exists():
        store_snapshot(program, now=at)
