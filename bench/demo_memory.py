"""Memory of ``sinergi demo``: PSS and RSS of every process in its tree once it serves.

    PYTHONPATH=src .venv/bin/python bench/demo_memory.py [--src DIR ...] [--port N]
        [--stop int|term] [--data-dir DIR]

For each ``--src`` (default: the ``src`` this script sits beside) it starts
``python -m sinergi.cli demo --data-dir TMP --port N`` with that directory first on
``PYTHONPATH``, waits until ``/healthz`` answers 200 (database, worker and queue up),
fetches a few pages (public pages, the login form, then signed in as ``dinkes``: home,
requests, programmes, catalog, dashboard), waits a moment, reads
``/proc/<pid>/smaps_rollup`` of every process in the tree and prints PSS and RSS per
process and in total. Then it stops the demo as a terminal does on Ctrl+C (SIGINT to the
process group) or, with ``--stop term``, as ``kill`` does (SIGTERM to the process started)
and reports any process of the tree still alive after 15 s (an orphan). Give two ``--src``
(e.g. ``/work/main/src src``) to compare a reference checkout with this one in the same run.
PSS counts a page shared by N processes as 1/N in each, so the PSS sum is what the demo
costs the machine; the RSS sum counts shared pages once per process.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BUDGET_PSS_MB = 400
PAGES_PUBLIC = ["/", "/publik/", "/publik/program/", "/publik/darah/", "/darah/ticker.json"]
PAGES_SIGNED_IN = ["/", "/permintaan/", "/program/", "/data/", "/notifikasi/", "/instansi/"]
DEMO_LOGIN = ("dinkes", "sanggau-demo-2026")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children_of() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    tree = children_of()
    out, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        out.append(p)
        todo.extend(sorted(tree.get(p, [])))
    return out


def memory(pid: int) -> tuple[int, int, str] | None:
    """(PSS kB, RSS kB, short command line) of a live process."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return None
    fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M))
    cmd = re.sub(r"^\S*python\S*\s+", "python ", cmd)
    return int(fields["Pss"]), int(fields["Rss"]), cmd[:90]


def fetch_pages(base: str) -> int:
    """Fetch the public pages, sign in as the demo's ``dinkes`` and fetch signed-in pages;
    returns the number of pages answered 200."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    ok = 0

    def get(path: str) -> str:
        nonlocal ok
        try:
            with opener.open(base + path, timeout=30) as r:
                ok += r.status == 200
                return r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            print(f"  {path}: HTTP {exc.code}", file=sys.stderr)
            return ""

    for path in PAGES_PUBLIC:
        get(path)
    form = get("/masuk/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token:
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": DEMO_LOGIN[0],
                "password": DEMO_LOGIN[1],
            }
        ).encode()
        req = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 built above
            base + "/masuk/", data=data, headers={"Referer": base}
        )
        with opener.open(req, timeout=30):
            pass
        for path in PAGES_SIGNED_IN:
            get(path)
    return ok


def measure(
    src: str, port: int, stop: str, timeout: float, data_dir: str | None = None
) -> dict[str, object]:
    """Start the demo from ``src``, measure its tree, stop it; the figures."""
    data_dir = data_dir or tempfile.mkdtemp(prefix="sinergi-demo-mem-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    env["PYTHONPATH"] = str(Path(src).resolve())
    argv = [sys.executable, "-m", "sinergi.cli", "demo", "--data-dir", data_dir]
    argv += ["--port", str(port)]
    log = Path(data_dir) / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    up = False
    while time.monotonic() - started < timeout and proc.poll() is None:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as r:  # noqa: S310
                if r.status == 200:
                    up = True
                    break
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    if not up:
        os.killpg(proc.pid, signal.SIGKILL)
        raise SystemExit(f"the demo from {src} did not come up; see {log}")
    ready_s = time.monotonic() - started
    pages = fetch_pages(base)
    time.sleep(3)  # let the worker tick and the tasks worker poll once more
    pids = descendants(proc.pid)
    rows = [(pid, m) for pid in pids if (m := memory(pid)) is not None]
    if stop == "term":
        proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        code = None
    time.sleep(1)
    left = [pid for pid, _ in rows if memory(pid) is not None]
    for pid in left:  # clean up what the demo failed to stop, and report it
        os.kill(pid, signal.SIGKILL)
    return {
        "src": src,
        "ready_s": ready_s,
        "pages": pages,
        "rows": rows,
        "code": code,
        "left": left,
        "log": str(log),
    }


def main() -> None:
    """Measure each ``--src`` in turn and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", action="append", help="a checkout's src directory (repeatable)")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--stop", choices=["int", "term"], default="int")
    parser.add_argument("--timeout", type=float, default=240, help="seconds to wait for /healthz")
    parser.add_argument("--data-dir", help="reuse this data folder (default: a new one per run)")
    args = parser.parse_args()
    # Started in the background by a shell, this process (and so the demo) would ignore
    # SIGINT; a terminal's Ctrl+C is what --stop int stands for, so make it count.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sources = args.src or [str(Path(__file__).resolve().parent.parent / "src")]
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in load)}")
    results = []
    for src in sources:
        r = measure(src, args.port or free_port(), args.stop, args.timeout, args.data_dir)
        results.append(r)
        print(f"\n== {src}: healthz 200 after {r['ready_s']:.1f} s, {r['pages']} pages fetched")
        print(f"{'pid':>7} {'PSS MB':>8} {'RSS MB':>8}  command")
        total_pss = total_rss = 0
        for pid, (pss, rss, cmd) in r["rows"]:  # type: ignore[attr-defined]
            total_pss += pss
            total_rss += rss
            print(f"{pid:>7} {pss / 1024:>8.1f} {rss / 1024:>8.1f}  {cmd}")
        n = len(r["rows"])  # type: ignore[arg-type]
        verdict = "within" if total_pss / 1024 <= BUDGET_PSS_MB else "OVER"
        print(
            f"{'total':>7} {total_pss / 1024:>8.1f} {total_rss / 1024:>8.1f}  "
            f"{n} processes; PSS {verdict} the {BUDGET_PSS_MB} MB budget"
        )
        print(
            f"stopped by {'SIGINT to the group' if args.stop == 'int' else 'SIGTERM'}: "
            f"exit code {r['code']}, processes left behind: {r['left'] or 'none'}"
        )
        r["pss"], r["rss"], r["n"] = total_pss / 1024, total_rss / 1024, n
    if len(results) > 1:
        print("\nsummary (PSS MB / RSS MB / processes):")
        for r in results:
            print(f"  {r['pss']:7.1f} {r['rss']:7.1f} {r['n']:3}  {r['src']}")


if __name__ == "__main__":
    main()
