"""Benchmark: one work item's duration changed in a 100,000-item programme, end to end.

Builds a programme in a fresh database (SQLite in a temporary data directory, or the
database in ``SINERGI_DATABASE_URL``) with N work items in work packages of 20 (a chain of
finish-to-start links inside each package, and one or two links of any type from the
previous five packages, a tenth of them from anywhere earlier in the plan), computes and
stores its schedule as the worker does, then, in the same run:

- engine only: ``Incremental.changed`` (one duration) against ``engine.run`` on the same
  indexed network, and ``Schedule.rescheduled`` against ``Network.schedule`` + dates;
- the service: ``workitem_update(duration=...)`` end to end (transaction, row lock, plan
  version, audit entry, the incremental schedule and its patch row) against what the same
  change cost before, the worker's full recomputation (``store_snapshot``); every
  ``--finish-every``-th edit lengthens an item on the critical path, so that the
  programme finish (and every late date and float) moves; after each edit, the first
  read of its rows (made then, not in the edit);
- a reader in another process: the stored snapshot with the patches applied.

    .venv/bin/python bench/reschedule.py                    # 100,000 items, 40 edits
    .venv/bin/python bench/reschedule.py --items 20000 --edits 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any


def pct(xs: list[float], q: float) -> float:
    """Percentile ``q`` (0..100) of ``xs``, in milliseconds."""
    s = sorted(xs)
    return 1000 * s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def line(label: str, xs: list[float]) -> str:
    return f"{label}: p50 {pct(xs, 50):.1f} ms, p95 {pct(xs, 95):.1f} ms ({len(xs)} runs)"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def plan(n: int, rng: random.Random) -> tuple[list[int], list[tuple[int, int, str, int]]]:
    """Durations and links (pred, succ, type, lag) by item number.

    Work packages of 20 items (a finish-to-start chain inside) in parallel work streams
    of 50 packages; a package follows one or two of the two before it in its stream (any
    link type, lags -2..5), and one package in ten also waits for one item of an earlier
    package of another stream. Items are numbered package by package, the packages by
    position and then stream, so every link goes from a lower number to a higher one.
    """
    streams = max(1, n // 1000)
    durations = [0 if rng.random() < 0.05 else rng.randint(1, 20) for _ in range(n)]
    out: list[tuple[int, int, str, int]] = []
    for k in range((n + 19) // 20):
        pos = k // streams
        first, last = k * 20, min(k * 20 + 20, n)
        for i in range(first + 1, last):
            out.append((i - 1, i, "FS", 0))
        if pos == 0:
            continue
        earlier = [k - streams * b for b in (1, 2) if k - streams * b >= 0]
        for src in rng.sample(earlier, rng.randint(1, len(earlier))):
            a = src * 20 + rng.randrange(10, 20)
            b = first + rng.randrange(0, 5)
            out.append(
                (
                    a,
                    min(b, last - 1),
                    rng.choice(["FS", "FS", "SS", "FF", "SF"]),
                    rng.randint(-2, 5),
                )
            )
        if rng.random() < 0.1:
            src = rng.randrange(pos) * streams + rng.randrange(streams)
            out.append(
                (src * 20 + rng.randrange(20), first + rng.randrange(20), "FS", rng.randint(0, 5))
            )
    return durations, [x for x in dict.fromkeys(out) if x[1] < n and x[0] < x[1]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--full", type=int, default=2, help="full recomputations to time")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--finish-every",
        type=int,
        default=4,
        help="every Nth service edit lengthens an item on the critical path (moves the finish)",
    )
    args = parser.parse_args()
    if "SINERGI_DATABASE_URL" not in os.environ:
        os.environ["SINERGI_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-reschedule-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from sinergi.agencies.models import Agency
    from sinergi.core.permissions import SYSTEM
    from sinergi.demo import load_demo
    from sinergi.programs import scheduling, services
    from sinergi.programs.models import (
        Dependency,
        ScheduleSnapshot,
        ScheduleSnapshotPatch,
        WorkItem,
    )
    from sinergi.schedule import engine

    now = dt.datetime.now(dt.UTC)
    rng = random.Random(args.seed)
    n = args.items
    t, _ = timed(lambda: load_demo(now=now))
    print(f"database: {connection.vendor}; demo data loaded in {t:.1f} s")
    agencies = list(Agency.objects.filter(slug__endswith="-sanggau").order_by("pk")[:4])
    durations, links = plan(n, rng)
    t0 = time.perf_counter()
    with transaction.atomic():
        program = services.program_create(
            actor=SYSTEM,
            code="BENCH-EDIT",
            title="Benchmark: editing at scale",
            coordinator=agencies[0],
            planned_start=now.date(),
            now=now,
        )
        for a in agencies[1:]:
            services.program_add_partner(
                actor=SYSTEM, program=program, agency=a, mode="multi_sectoral", role="", now=now
            )
        WorkItem.objects.bulk_create(
            [
                WorkItem(
                    program=program,
                    wbs=f"{i // 20 + 1}.{i % 20 + 1}",
                    title=f"Pekerjaan {i}",
                    owner=agencies[i // 20 % len(agencies)],
                    duration=d,
                    milestone=d == 0,
                )
                for i, d in enumerate(durations)
            ],
            batch_size=5000,
        )
        ids = list(
            WorkItem.objects.filter(program=program).order_by("pk").values_list("pk", flat=True)
        )
        Dependency.objects.bulk_create(
            [
                Dependency(
                    program=program,
                    predecessor_id=ids[a],
                    successor_id=ids[b],
                    type=typ,
                    lag=lag,
                )
                for a, b, typ, lag in links
            ],
            batch_size=5000,
        )
        services.bump_plan(program, now)
    took = time.perf_counter() - t0
    print(f"built {n:,} work items and {len(links):,} dependencies in {took:.1f} s")
    program.refresh_from_db()
    data_date = scheduling.local_today(program, now)
    t, _ = timed(
        lambda: services.baseline_take(actor=SYSTEM, program=program, name="Rencana awal", now=now)
    )
    program.refresh_from_db()
    print(f"baseline taken and chosen in {t:.1f} s (edits compare with it)")

    # The worker's full computation: what every change cost before (and still costs for
    # any change other than a duration).
    fulls = []
    for _ in range(args.full):
        scheduling.clear_caches()
        t, ps = timed(lambda: scheduling.store_snapshot(program, now=now))
        fulls.append(t)
    size = len(ScheduleSnapshot.objects.get(program=program).payload)
    print(
        f"full recomputation as the worker does it (rows, engine, dates, items, pickle of "
        f"{size / 1e6:.0f} MB, write): {', '.join(f'{x:.2f} s' for x in fulls)}; "
        f"finish {ps.finish_date}, {len(ps.critical_path)} items on the critical path"
    )

    # -- engine only ----------------------------------------------------------------------
    sched = ps.schedule
    net = sched.network
    st = net.structure
    picks = [rng.randrange(n) for _ in range(args.edits)]
    full_run, incr, reach, scheds, fresh = [], [], [], [], []
    state = sched._state
    for i in picks:
        d = int(sched.durations[i]) + rng.choice([-3, -1, 1, 2, 5, 10])
        d = max(d, 0)
        new_dur = sched.durations.copy()
        new_dur[i] = d
        t, _ = timed(lambda new_dur=new_dur: engine.run(st, new_dur))  # type: ignore[misc]
        full_run.append(t)
        t, (_after, changed) = timed(lambda i=i, d=d: state.changed(durations={i: d}))  # type: ignore[misc]
        incr.append(t)
        reach.append(changed.size)
        task = replace(net.tasks[i], duration=d)
        t, _ = timed(lambda task=task: sched.rescheduled([task]))  # type: ignore[misc]
        scheds.append(t)
    print(line("engine, full forward and backward pass on the indexed network", full_run))
    print(line("engine, incremental (Incremental.changed)", incr))
    print(
        f"  tasks whose dates or floats changed: median {statistics.median(reach):.0f}, "
        f"max {max(reach):,} of {n:,}"
    )
    print(line("Schedule.rescheduled (incremental, dates of the moved tasks)", scheds))
    tasks = list(net.tasks)
    t, full_sched = timed(lambda: net.schedule(sched.calendar, data_date))
    t2, _ = timed(lambda: full_sched.tasks)
    fresh.append(t + t2)
    print(f"Network.schedule + every task's dates (full, same network): {fresh[0] * 1000:.0f} ms")
    del tasks

    # -- the service, end to end ---------------------------------------------------------
    scheduling.clear_caches()
    scheduling.page_schedule(program, now=now)  # the editor's process holds the schedule
    program.refresh_from_db()
    items = list(WorkItem.objects.filter(program=program).only("pk", "duration", "program"))
    service = []
    moved_finish = 0
    # Time the incremental part apart from the rest of the edit (lock, save, audit, ...).
    from sinergi.programs.services import workitems as workitems_module

    inner: list[float] = []
    plain = workitems_module.reschedule_edit

    def measured(*a: Any, **kw: Any) -> Any:
        t, out = timed(lambda: plain(*a, **kw))
        inner.append(t)
        return out

    workitems_module.reschedule_edit = measured
    by_pk = {it.pk: it for it in items}
    cpu: list[float] = []
    reads: list[float] = []
    finish_moves: list[float] = []
    for k in range(args.edits):
        before = scheduling._SCHEDULES.get(
            (program.pk, program.plan_stamp, data_date, program.baseline_id)
        )
        if args.finish_every and k % args.finish_every == args.finish_every - 1 and before:
            # An item on the critical path, lengthened: the programme finish moves, and
            # with it every late date and float.
            assert before.schedule is not None
            item = by_pk[int(rng.choice(before.schedule.critical_path))]
            d = item.duration + rng.choice([2, 3, 5])
        else:
            item = items[rng.randrange(n)]
            d = max(item.duration + rng.choice([-3, -1, 1, 2, 5, 10]), 1)
        c0 = time.process_time()
        t, _ = timed(
            lambda item=item, d=d: services.workitem_update(  # type: ignore[misc]
                actor=SYSTEM, item=item, now=now, duration=d, milestone=False
            )
        )
        cpu.append(time.process_time() - c0)
        service.append(t)
        item.duration = d
        program.refresh_from_db()
        after = scheduling._SCHEDULES.get(
            (program.pk, program.plan_stamp, data_date, program.baseline_id)
        )
        assert after is not None, "not computed in the call"
        if before is not None and after.finish_date != before.finish_date:
            moved_finish += 1
            if k:
                finish_moves.append(t)
        # What the next page pays: the rows the edit reached, made on first read.
        t, _ = timed(lambda after=after: (len(after.items), after.comparison, after.links))  # type: ignore[misc]
        reads.append(t)
    patches = ScheduleSnapshotPatch.objects.filter(program=program).count()
    print(
        f"workitem_update(duration), first edit of the day: {service[0] * 1000:.0f} ms "
        "(saves the plan as it stood, for the delay attribution: once a day)"
    )
    service = service[1:]
    print(line("workitem_update(duration) end to end, incremental", service))
    print(line("  CPU time of the same calls", cpu[1:]))
    print(line("  of which reschedule_edit (patch row + incremental schedule)", inner[1:]))
    if finish_moves:
        print(line("  the edits among them that moved the programme finish", finish_moves))
    print(line("first read of the rows after an edit (items, links, comparison made)", reads[1:]))
    workitems_module.reschedule_edit = plain
    print(
        f"  {patches} patch rows written, snapshot row untouched; {moved_finish} of "
        f"{args.edits} edits moved the programme finish"
    )
    check = scheduling.compute_schedule(program, data_date)
    got = scheduling._SCHEDULES.get(
        (program.pk, program.plan_stamp, data_date, program.baseline_id)
    )
    same = got is not None and got.items == check.items and got.links == check.links
    print(
        f"  after {args.edits} edits the incremental schedule equals a full recomputation: {same}"
    )

    # -- another process reading the stored schedule -----------------------------------------
    scheduling.clear_caches()
    t, stored = timed(lambda: scheduling.load_stored(program))
    current = stored is not None and stored[1] == scheduling._snapshot_key(program, data_date)
    print(
        f"a reader in another process: snapshot unpickled and {patches} patches applied in "
        f"{t:.2f} s (current: {current})"
    )
    load = os.getloadavg()
    print(
        f"python {sys.version.split()[0]} | {connection.vendor} | load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
