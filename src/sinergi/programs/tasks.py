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
    process (nothing to do when the stored one is already current, unless duration edits
    have piled up enough patches on it to be worth a full computation)."""
    from sinergi.core.clock import now

    from .models import Program
    from .scheduling import COMPACT_AFTER, _snapshot_key, local_today, store_snapshot, stored_head

    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        return
    at = now()
    current = _snapshot_key(program, local_today(program, at))
    head, patches = stored_head(program)
    if head != current or patches >= COMPACT_AFTER:
        store_snapshot(program, now=at)
