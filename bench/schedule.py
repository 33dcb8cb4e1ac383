"""Benchmark of the scheduling engine against a straightforward networkx CPM.

Generates layered random networks (tasks numbered in random order, about three links per
task of all four types with lags from -2 to 5), times ``cpm_arrays`` from plain arrays
(index, topological order, forward and backward pass), a rerun on the same structure, and
a networkx implementation in the same run, checks that they agree, and prints wall time,
peak memory and the ratio.

    .venv/bin/python bench/schedule.py                       # 10k, 100k, 1M tasks
    .venv/bin/python bench/schedule.py --sizes 10000         # quick
    .venv/bin/python bench/schedule.py --sizes 1000000 --jit-report
    .venv/bin/python bench/schedule.py --sizes '' --cli-sizes 300000   # CLI end to end only

It then times ``sinergi schedule IN.json > OUT.json`` end to end at 300,000 tasks (a fresh
process each time, as a user runs it, and again with PYTHONUNBUFFERED=1) against a
plain-Python CPM over the same network already in memory as lists, checks that they
agree on early dates and total float, and prints the ratio (target: at most 0.5).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import Any

import numpy as np

from sinergi.schedule import _kernels, engine

TYPES = ("FS", "SS", "FF", "SF")


def generate(n: int, links_per_task: float, seed: int) -> dict[str, np.ndarray]:
    """Return a layered random network as plain arrays, task ids in random order."""
    rng = np.random.default_rng(seed)
    layers = max(2, int(np.sqrt(n)))
    layer = rng.integers(0, layers, n)
    m = int(n * links_per_task)
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    keep = layer[a] != layer[b]
    a, b = a[keep], b[keep]
    forward = layer[a] < layer[b]
    src = np.where(forward, a, b).astype(np.int64)
    dst = np.where(forward, b, a).astype(np.int64)
    return {
        "durations": rng.integers(0, 21, n).astype(np.int64),
        "src": src,
        "dst": dst,
        "type": rng.integers(0, 4, src.size).astype(np.int8),
        "lag": rng.integers(-2, 6, src.size).astype(np.int64),
    }


def run_engine(net: dict[str, np.ndarray]) -> engine.ArrayResult:
    """Run the engine from the plain arrays (what is timed)."""
    return engine.cpm_arrays(net["durations"], net["src"], net["dst"], net["type"], net["lag"])


def run_networkx(net: dict[str, np.ndarray]) -> dict[str, list[int]]:
    """A straightforward CPM on a networkx DiGraph, the way one would write it first."""
    import networkx as nx

    dur = net["durations"].tolist()
    n = len(dur)
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    for s, d, t, lag in zip(
        net["src"].tolist(), net["dst"].tolist(), net["type"].tolist(), net["lag"].tolist(),
        strict=True,
    ):  # fmt: skip
        g.add_edge(s, d, type=TYPES[t], lag=lag)
    order = list(nx.topological_sort(g))
    es = [0] * n
    ef = [0] * n
    for v in order:
        start = 0
        for u, _, a in g.in_edges(v, data=True):
            frm = es[u] if a["type"] in ("SS", "SF") else ef[u]
            req = frm + a["lag"]
            if a["type"] in ("FF", "SF"):
                req -= dur[v]
            start = max(start, req)
        es[v] = start
        ef[v] = start + dur[v]
    finish = max(ef)
    lf = [0] * n
    ls = [0] * n
    for v in reversed(order):
        late_f = finish
        late_s = None
        for _, w, a in g.out_edges(v, data=True):
            target = (lf[w] if a["type"] in ("FF", "SF") else ls[w]) - a["lag"]
            if a["type"] in ("FS", "FF"):
                late_f = min(late_f, target)
            else:
                late_s = target if late_s is None else min(late_s, target)
        if late_s is not None:
            late_f = min(late_f, late_s + dur[v])
        lf[v] = late_f
        ls[v] = late_f - dur[v]
    return {"es": es, "ef": ef, "tf": [lf[v] - ef[v] for v in range(n)]}


def run_plain_python(
    durations: list[int], src: list[int], dst: list[int], typ: list[int], lag: list[int]
) -> tuple[list[int], list[int], list[int]]:
    """A plain-Python CPM over lists already in memory: no file, no JSON, no dates.

    Adjacency lists, Kahn's order, forward and backward pass with the four link types and
    lags: the pass one writes without NumPy or a graph library. Returns es, ef, total float.
    """
    n = len(durations)
    out: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for e, (s, d) in enumerate(zip(src, dst, strict=True)):
        out[s].append(e)
        indeg[d] += 1
    order = [i for i in range(n) if indeg[i] == 0]
    for i in order:  # the list grows while we walk it
        for e in out[i]:
            d = dst[e]
            indeg[d] -= 1
            if indeg[d] == 0:
                order.append(d)
    sreq = [0] * n
    freq = [-(1 << 60)] * n
    es = [0] * n
    ef = [0] * n
    for i in order:
        s = max(sreq[i], freq[i] - durations[i])
        es[i] = s
        ef[i] = f = s + durations[i]
        for e in out[i]:
            t = typ[e]
            v = (s if t & 1 else f) + lag[e]
            d = dst[e]
            if t & 2:
                if v > freq[d]:
                    freq[d] = v
            elif v > sreq[d]:
                sreq[d] = v
    finish = max(ef, default=0)
    ls = [0] * n
    lf = [0] * n
    tf = [0] * n
    for i in reversed(order):
        late_f = finish
        late_s = 1 << 60
        for e in out[i]:
            t = typ[e]
            d = dst[e]
            target = (lf[d] if t & 2 else ls[d]) - lag[e]
            if t & 1:
                if target < late_s:
                    late_s = target
            elif target < late_f:
                late_f = target
        late_f = min(late_f, late_s + durations[i])
        lf[i] = late_f
        ls[i] = late_f - durations[i]
        tf[i] = late_f - ef[i]
    return es, ef, tf


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux), so a step can be measured."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


C_SOURCE = r"""
#include <stdint.h>
#include <stdlib.h>
/* A plain C pass over the same arrays: CSR by predecessor, Kahn, forward, backward. */
int64_t cpm(int64_t n, int64_t m, const int64_t *dur, const int64_t *src, const int64_t *dst,
            const int8_t *typ, const int64_t *lag, int64_t *es, int64_t *ef, int64_t *tf) {
    int64_t *ptr = calloc(n + 1, 8), *indeg = calloc(n, 8), *fill = malloc(n * 8);
    int64_t *adj = malloc(m * 8), *order = malloc(n * 8), *sreq = malloc(n * 8);
    int64_t *freq = malloc(n * 8), *ls = malloc(n * 8), *lf = malloc(n * 8);
    for (int64_t e = 0; e < m; e++) { ptr[src[e] + 1]++; indeg[dst[e]]++; }
    for (int64_t i = 0; i < n; i++) { ptr[i + 1] += ptr[i]; fill[i] = ptr[i]; }
    for (int64_t e = 0; e < m; e++) adj[fill[src[e]]++] = e;
    int64_t tail = 0, head = 0;
    for (int64_t i = 0; i < n; i++) if (!indeg[i]) order[tail++] = i;
    while (head < tail) {
        int64_t i = order[head++];
        for (int64_t q = ptr[i]; q < ptr[i + 1]; q++) {
            int64_t j = dst[adj[q]];
            if (--indeg[j] == 0) order[tail++] = j;
        }
    }
    for (int64_t i = 0; i < n; i++) { sreq[i] = 0; freq[i] = INT64_MIN / 2; }
    int64_t finish = 0;
    for (int64_t p = 0; p < n; p++) {
        int64_t i = order[p], s = sreq[i];
        if (freq[i] - dur[i] > s) s = freq[i] - dur[i];
        es[i] = s; ef[i] = s + dur[i];
        if (ef[i] > finish) finish = ef[i];
        for (int64_t q = ptr[i]; q < ptr[i + 1]; q++) {
            int64_t e = adj[q], j = dst[e], t = typ[e];
            int64_t v = ((t & 1) ? es[i] : ef[i]) + lag[e];
            if (t & 2) { if (v > freq[j]) freq[j] = v; } else if (v > sreq[j]) sreq[j] = v;
        }
    }
    for (int64_t p = n - 1; p >= 0; p--) {
        int64_t i = order[p], late_f = finish, late_s = INT64_MAX / 2;
        for (int64_t q = ptr[i]; q < ptr[i + 1]; q++) {
            int64_t e = adj[q], j = dst[e], t = typ[e];
            int64_t target = ((t & 2) ? lf[j] : ls[j]) - lag[e];
            if (t & 1) { if (target < late_s) late_s = target; }
            else if (target < late_f) late_f = target;
        }
        if (late_s + dur[i] < late_f) late_f = late_s + dur[i];
        lf[i] = late_f; ls[i] = late_f - dur[i]; tf[i] = late_f - ef[i];
    }
    free(ptr); free(indeg); free(fill); free(adj); free(order); free(sreq); free(freq);
    free(ls); free(lf);
    return tail == n ? finish : -1;
}
"""


def c_reference(tmp: str) -> Any:
    """Compile the plain C pass with gcc -O2 and return a caller, or None without gcc."""
    import ctypes
    import shutil

    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    c_file = os.path.join(tmp, "cpm.c")
    so_file = os.path.join(tmp, "cpm.so")
    with open(c_file, "w") as fh:
        fh.write(C_SOURCE)
    subprocess.run([cc, "-O2", "-shared", "-fPIC", c_file, "-o", so_file], check=True)  # noqa: S603 - compiler on our own file
    lib = ctypes.CDLL(so_file)
    ptr = ctypes.c_void_p
    lib.cpm.restype = ctypes.c_int64
    lib.cpm.argtypes = [ctypes.c_int64, ctypes.c_int64] + [ptr] * 8

    def call(net: dict[str, np.ndarray]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        n = net["durations"].size
        es, ef, tf = (np.empty(n, dtype=np.int64) for _ in range(3))
        args = [net[k].ctypes.data for k in ("durations", "src", "dst", "type", "lag")]
        fin = lib.cpm(n, net["src"].size, *args, es.ctypes.data, ef.ctypes.data, tf.ctypes.data)
        return int(fin), es, ef, tf

    return call


def peak_rss_mb() -> float:
    """Return the process's peak resident set size (since the last reset), in MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def jit_report() -> None:
    """Time the first call with an empty Numba cache, with a warm cache, and warm in-process."""
    code = (
        "import time; t = time.perf_counter(); "
        "from sinergi.schedule import engine; engine.warm_up(); "
        "print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        # NUMBA_CACHE_DIR takes precedence over the in-tree __pycache__, so an empty
        # directory forces a real compile and the second process loads what it wrote.
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        times = []
        for _ in range(2):
            out = subprocess.run(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            times.append(float(out.stdout.strip()))
    engine.warm_up()
    t = time.perf_counter()
    engine.warm_up()
    warm = time.perf_counter() - t
    print(
        f"jit: first call, empty cache (compile) {times[0]:.2f} s; "
        f"first call, cache on disk (load) {times[1]:.2f} s; warm call {warm * 1000:.2f} ms"
    )


def bench(n: int, args: argparse.Namespace) -> None:
    """Benchmark one size and print its line."""
    net = generate(n, args.links_per_task, args.seed)
    m = net["src"].size
    engine.warm_up()
    gc.collect()
    times = []
    reset_peak_rss()
    for _ in range(args.repeat):
        t = time.perf_counter()
        res = run_engine(net)
        times.append(time.perf_counter() - t)
        del res
    rss_engine = peak_rss_mb()
    res = run_engine(net)
    tracemalloc.start()
    run_engine(net)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    structure = engine.compile_structure(n, net["src"], net["dst"], net["type"], net["lag"])
    dur2 = net["durations"] + 1
    reruns = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        engine.run(structure, dur2)
        reruns.append(time.perf_counter() - t)
    line = (
        f"n={n:>9,} links={m:>9,}  engine best {min(times):.3f} s "
        f"(runs {', '.join(f'{x:.3f}' for x in times)})  rerun same structure "
        f"{min(reruns):.3f} s  engine peak {peak / 2**20:.0f} MB traced, "
        f"process peak RSS while running it {rss_engine:.0f} MB"
    )
    if args.c_reference:
        call = c_reference(args.tmp)
        if call is not None:
            call(net)
            ctimes = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                fin, es, ef, tf = call(net)
                ctimes.append(time.perf_counter() - t)
            if not (fin == res.finish and (es == res.es).all() and (tf == res.total_float).all()):
                raise SystemExit(f"MISMATCH between engine and the C pass at n={n}")
            line += f"  plain C -O2 {min(ctimes):.3f} s (agree)"
    if args.networkx:
        t = time.perf_counter()
        ref = run_networkx(net)
        tnx = time.perf_counter() - t
        same = (
            ref["es"] == res.es.tolist()
            and ref["ef"] == res.ef.tolist()
            and ref["tf"] == res.total_float.tolist()
        )
        if not same:
            raise SystemExit(f"MISMATCH between engine and networkx at n={n}")
        line += f"  networkx {tnx:.1f} s  ratio {tnx / min(times):.0f}x  (agree)"
    print(line, flush=True)


AGENCIES = ("Setda", "Dinas PUPR", "Kantor Pertanahan", "DLH", "Bappeda", "Dinas Kesehatan")


def write_document(net: dict[str, np.ndarray], path: str, seed: int) -> None:
    """Write the network as a ``sinergi schedule`` document (plan only, national holidays)."""
    import json

    rng = np.random.default_rng(seed)
    agency = rng.integers(0, len(AGENCIES), net["durations"].size).tolist()
    tasks = [
        {"id": f"T{i}", "duration": d, "agency": AGENCIES[a]}
        for i, (d, a) in enumerate(zip(net["durations"].tolist(), agency, strict=True))
    ]
    links = []
    for s, d, t, lag in zip(
        net["src"].tolist(), net["dst"].tolist(), net["type"].tolist(), net["lag"].tolist(),
        strict=True,
    ):  # fmt: skip
        link: dict[str, object] = {"from": f"T{s}", "to": f"T{d}"}
        if t:
            link["type"] = TYPES[t]
        if lag:
            link["lag"] = lag
        links.append(link)
    doc = {
        "data_date": "2026-03-02",
        "calendar": {"national_holidays": "ID"},
        "tasks": tasks,
        "links": links,
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)


def cli_command() -> list[str]:
    """Return how a user runs ``sinergi schedule`` with this interpreter."""
    script = os.path.join(os.path.dirname(sys.executable), "sinergi")
    if os.path.exists(script):
        return [script, "schedule"]
    return [sys.executable, "-c", "import sys; from sinergi.cli import main; sys.exit(main())",
            "schedule"]  # fmt: skip


def bench_cli(n: int, args: argparse.Namespace) -> None:
    """Time ``sinergi schedule IN.json > OUT.json`` end to end (a fresh process, as a user
    runs it, buffered and with PYTHONUNBUFFERED=1) against the plain-Python in-memory pass
    over the same network, check that they agree, and print the ratio."""
    import json

    net = generate(n, args.links_per_task, args.seed)
    m = net["src"].size
    doc = os.path.join(args.tmp, f"schedule-{n}.json")
    out = os.path.join(args.tmp, f"schedule-{n}.out.json")
    write_document(net, doc, args.seed)
    lists = [net[k].tolist() for k in ("durations", "src", "dst", "type", "lag")]
    gc.collect()
    plain = []
    plain_cpu = []
    cli_cpu: dict[str, list[float]] = {}
    base = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    modes = (("buffered", base), ("PYTHONUNBUFFERED=1", {**base, "PYTHONUNBUFFERED": "1"}))
    cli: dict[str, list[float]] = {label: [] for label, _ in modes}
    # The reference and the two modes take turns, so that a drift of the load hits all.
    for _ in range(args.cli_repeat):
        t, c = time.perf_counter(), time.process_time()
        es, ef, tf = run_plain_python(*lists)
        plain.append(time.perf_counter() - t)
        plain_cpu.append(time.process_time() - c)
        for label, env in modes:
            with open(out, "wb") as fh:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                subprocess.run([*cli_command(), doc], stdout=fh, env=env, check=True)  # noqa: S603 - our own command on our own file
                cli[label].append(time.perf_counter() - t)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                cli_cpu.setdefault(label, []).append(cpu)
    with open(out, encoding="utf-8") as fh:
        got = json.load(fh)["tasks"]
    ids = [f"T{i}" for i in range(n)]
    if not (
        [got[i]["es"] for i in ids] == es
        and [got[i]["ef"] for i in ids] == ef
        and [got[i]["total_float"] for i in ids] == tf
    ):
        raise SystemExit(f"MISMATCH between sinergi schedule and the plain-Python pass at n={n}")
    best = min(plain)
    line = (
        f"n={n:>9,} links={m:>9,}  document {os.path.getsize(doc) / 1e6:.0f} MB, "
        f"answer {os.path.getsize(out) / 1e6:.0f} MB  "
        f"plain-Python in-memory pass best {best:.2f} s "
        f"(runs {', '.join(f'{x:.2f}' for x in plain)})"
    )
    for label, times in cli.items():
        line += (
            f"  sinergi schedule {label} best {min(times):.2f} s "
            f"(runs {', '.join(f'{x:.2f}' for x in times)}) ratio {min(times) / best:.2f}"
        )
    print(line + "  (agree)", flush=True)
    # CPU time (user + system) is steadier than wall time on a shared machine.
    line = f"    CPU time: plain-Python pass best {min(plain_cpu):.2f} s"
    for label, times in cli_cpu.items():
        line += (
            f"  sinergi schedule {label} best {min(times):.2f} s "
            f"ratio {min(times) / min(plain_cpu):.2f}"
        )
    print(line, flush=True)
    os.unlink(out)
    os.unlink(doc)


def main() -> None:
    """Parse the options and run the benchmark."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated task counts")
    p.add_argument("--links-per-task", type=float, default=3.0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--no-networkx", dest="networkx", action="store_false")
    p.add_argument("--jit-report", action="store_true", help="time Numba compile and cache load")
    p.add_argument(
        "--cli-sizes",
        default="300000",
        help="task counts for sinergi schedule end to end vs the plain-Python pass ('' to skip)",
    )
    p.add_argument("--cli-repeat", type=int, default=2)
    p.add_argument(
        "--no-c", dest="c_reference", action="store_false", help="skip the plain C pass (gcc)"
    )
    args = p.parse_args()
    args.tmp = tempfile.mkdtemp(prefix="sinergi-bench-")
    print(f"numba: {'yes' if _kernels.HAVE_NUMBA else 'NO (pure Python fallback)'}; "
          f"cpus: {os.cpu_count()}")  # fmt: skip
    if args.jit_report:
        jit_report()
    for n in (int(x) for x in args.sizes.split(",") if x):
        bench(n, args)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for n in (int(x) for x in args.cli_sizes.split(",") if x):
        bench_cli(n, args)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
