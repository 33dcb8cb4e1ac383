"""A slow, obviously correct CPM used to check the engine: fixed-point relaxation."""

from __future__ import annotations

from dataclasses import dataclass

INF = 10**15
PLANNED, STARTED, FINISHED = 0, 1, 2


@dataclass
class RefResult:
    es: list[int]
    rs: list[int]
    ef: list[int]
    lf: list[int]
    total_float: list[int]
    free_float: list[int]
    finish: int


def reference_cpm(
    dur: list[int],
    links: list[tuple[int, int, str, int]],
    floor: list[int] | None = None,
    deadline: list[int] | None = None,
    kind: list[int] | None = None,
    fix_s: list[int] | None = None,
    fix_f: list[int] | None = None,
) -> RefResult:
    """Relax every constraint until nothing changes; no ordering, no cleverness."""
    n = len(dur)
    floor = floor or [0] * n
    deadline = deadline or [INF] * n
    kind = kind or [PLANNED] * n
    fix_s = fix_s or [0] * n
    fix_f = fix_f or [0] * n

    def pred_value(p: int, typ: str, es: list[int], ef: list[int]) -> int:
        return es[p] if typ in ("SS", "SF") else ef[p]

    es, rs, ef = [0] * n, [0] * n, [0] * n
    for _ in range(n + 2):
        for j in range(n):
            if kind[j] == FINISHED:
                es[j], rs[j], ef[j] = fix_s[j], fix_s[j], fix_f[j]
                continue
            r = floor[j]
            for p, s, typ, lag in links:
                if s != j:
                    continue
                v = pred_value(p, typ, es, ef) + lag
                r = max(r, v if typ in ("FS", "SS") else v - dur[j])
            rs[j] = r
            ef[j] = r + dur[j]
            es[j] = fix_s[j] if kind[j] == STARTED else r
    finish = max(ef, default=0)

    lf, lrs = [INF] * n, [INF] * n
    for _ in range(n + 2):
        for i in range(n):
            if kind[i] == FINISHED:
                lf[i], lrs[i] = ef[i], rs[i]
                continue
            late_f = min(finish, deadline[i])
            late_s = INF
            for p, s, typ, lag in links:
                if p != i or kind[s] == FINISHED:
                    continue
                target = (lf[s] if typ in ("FF", "SF") else lrs[s]) - lag
                if typ in ("FS", "FF"):
                    late_f = min(late_f, target)
                else:
                    late_s = min(late_s, target)
            if kind[i] == PLANNED:
                late_f = min(late_f, late_s + dur[i])
            lf[i], lrs[i] = late_f, late_f - dur[i]

    tf = [0 if kind[i] == FINISHED else lf[i] - ef[i] for i in range(n)]
    ff = []
    for i in range(n):
        if kind[i] == FINISHED:
            ff.append(0)
            continue
        free = finish - ef[i]
        for p, s, typ, lag in links:
            if p != i or kind[s] == FINISHED:
                continue
            v = pred_value(i, typ, es, ef) + lag
            free = min(free, (ef[s] if typ in ("FF", "SF") else rs[s]) - v)
        ff.append(free)
    return RefResult(es, rs, ef, lf, tf, ff, finish)
