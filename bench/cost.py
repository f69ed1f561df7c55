"""What one request costs the CPU, beside the anchor, measured so that other load does not distort it.

    .venv/bin/python bench/cost.py [--size 100000] [--requests 20] [--only LABEL,...]
    .venv/bin/python bench/cost.py --callgrind [--requests 5]      # instructions, under valgrind

Reuses bench/serve.py's seeded SQLite database (seeding it if missing), signs a staff member in
through the login form, and sends each of serve.py's endpoints through the app's WSGI stack (the
test client, cookies as a browser keeps them; no gunicorn, no sockets) after a few warm-up
requests, so every cache is in the state a busy server keeps it in. The anchor (bench/anchor.py)
is measured the same way over the same database.

Without --callgrind: the median CPU time of the process per request (time.process_time, which
counts only this process's own CPU time, not the time it waits for a core). With --callgrind
the script runs itself under `valgrind --tool=callgrind` with collection switched off, and
collects only inside the measured requests: they run inside a ctypes callback that libc's
qsort() calls, and collection is toggled on in ctypes' _CallPythonObject alone. Instructions per
request, independent of load.
"""

import argparse
import ctypes
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import serve  # noqa: E402
from bench.seed import BENCH_PASSWORD  # noqa: E402

WARM_UP = 3


def _measured(run, count: int) -> None:
    """Call run() `count` times inside libc's qsort (callgrind collects only there)."""
    libc = ctypes.CDLL(None)
    compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)

    def callback(_a, _b):
        for _ in range(count):
            run()
        return 0

    items = (ctypes.c_int * 2)(1, 2)
    libc.qsort(items, 2, ctypes.sizeof(ctypes.c_int), compare(callback))


def clients(size: int, no_cache: bool = False):
    url = serve.database_url("sqlite", size, "")
    username, project_id = serve.prepare(url, size, False)
    os.environ.update(DATABASE_URL=url, ANCHOR_DATABASE_URL=url, MAIL_ENABLED="0", RATELIMIT_STORAGE_URI="memory://")
    os.environ.setdefault("SECRET_KEY", "c" * 64)
    from bench.anchor import app as anchor
    from projectmgr import create_app

    # As wsgi.py makes it, with the database the environment would name (config.py has been read).
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_ENABLED": False,
            "TOTP_REQUIRED_ROLES": "",
        }
        | ({"SUMMARY_CACHE_SIZE": 0} if no_cache else {})
    )

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"username": username, "password": BENCH_PASSWORD}
    if csrf:
        form["csrf_token"] = csrf.group(1)
    answer = client.post("/login", data=form)
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise SystemExit(f"signing in failed: {answer.status_code} {answer.headers.get('Location')}")
    return client, anchor.test_client(), project_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", default="", help="labels separated by ; (anchor is always measured)")
    parser.add_argument("--callgrind", action="store_true", help="count instructions under valgrind")
    parser.add_argument("--profile", metavar="LABEL", help="cProfile LABEL's requests instead (top functions)")
    parser.add_argument("--queries", action="store_true", help="print the SQL of one request per endpoint")
    parser.add_argument(
        "--no-cache", action="store_true", help="nothing kept under the data version: each request as after a write"
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.callgrind:
        return callgrind(args)

    client, anchor, project_id = clients(args.size, args.no_cache)
    only = set(filter(None, args.only.split(";")))
    wanted = only if args.inner else {"anchor", *only}
    rows = []
    for case in serve.cases(args.size, project_id):
        if args.only and case.label not in wanted or case.auth == "token":
            continue
        target = anchor if case.auth == "none" else client

        def run(target=target, path=case.path):
            answer = target.get(path)
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}")
            answer.get_data()

        for _ in range(WARM_UP):
            run()
        if args.queries:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine

            seen = []

            def note(_conn, _cursor, statement, *_rest, seen=seen):
                seen.append(" ".join(statement.split())[:160])

            event.listen(Engine, "before_cursor_execute", note)
            run()
            event.remove(Engine, "before_cursor_execute", note)
            print(f"{case.label}: {len(seen)} queries")
            for statement in seen:
                print("   ", statement)
            continue
        if args.profile == case.label:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(lambda: [run() for _ in range(args.requests)])
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            return 0
        if args.inner:
            print(f"@@ {case.label}", flush=True)
            _measured(run, args.requests)
            print(f"@@ end {case.label}", flush=True)
            continue
        times = []
        for _ in range(args.requests):
            t0 = time.process_time()
            run()
            times.append(time.process_time() - t0)
        rows.append((case.label, statistics.median(times) * 1000))
    if args.inner or args.queries:
        return 0
    anchor_ms = rows[0][1]
    cache = "nothing cached" if args.no_cache else "warm cache"
    print(f"\nCPU time per request, median of {args.requests}, {args.size:,} projects, SQLite, {cache}")
    print("| endpoint | CPU ms | × anchor cost | anchor ÷ endpoint |")
    print("|---|---|---|---|")
    for label, ms in rows:
        print(f"| `{label}` | {ms:.2f} | {ms / anchor_ms:.1f} | {anchor_ms / ms:.3f} |")
    return 0


def callgrind(args) -> int:
    """One valgrind run for every endpoint: collection is on inside the ctypes callback only, and
    callgrind writes one profile each time the callback returns (one per endpoint)."""
    client_args = ["--size", str(args.size), "--requests", str(args.requests), "--inner"]
    if args.no_cache:
        client_args.append("--no-cache")
    labels = ["anchor", *filter(None, args.only.split(";"))]
    if not args.only:
        labels = [c.label for c in serve.cases(args.size, 0) if c.auth != "token"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=_CallPythonObject",
            "--dump-after=_CallPythonObject",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            *client_args,
            "--only",
            ";".join(labels),
        ]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-4000:])
            raise SystemExit("the valgrind run failed")
        measured = re.findall(r"^@@ (?!end )(.+)$", done.stdout, re.M)
        dumps = sorted(Path(tmp).glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:]))
        if len(dumps) != len(measured):
            raise SystemExit(f"{len(dumps)} profiles for {len(measured)} endpoints")
        results = []
        for label, dump in zip(measured, dumps, strict=True):
            text = dump.read_text(errors="replace")
            results.append((label, int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))))
            print(f"  {label}: {results[-1][1]:,} instructions for {args.requests} requests", flush=True)
    anchor_per = results[0][1] / args.requests
    cache = "nothing cached" if args.no_cache else "warm cache"
    print(f"\nInstructions per request (callgrind), {args.requests} each, {args.size:,} projects, SQLite, {cache}")
    print("| endpoint | M instructions | × anchor cost | anchor ÷ endpoint |")
    print("|---|---|---|---|")
    for label, total in results:
        per = total / args.requests
        print(f"| `{label}` | {per / 1e6:.1f} | {per / anchor_per:.1f} | {anchor_per / per:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
