"""Throughput under production conditions: projectmgr under gunicorn beside a bare-Flask anchor.

    .venv/bin/python bench/serve.py [--sizes 1000,100000] [--databases sqlite,postgresql]
                                    [--rounds 3] [--duration 10] [--connections 16] [--fresh]

For each database and size it seeds (or reuses) N projects with their due items, starts the app
under gunicorn with 2 sync workers and, in the same run, the anchor (bench/anchor.py: one indexed
Core query, 50 rows as JSON) over the same database, also with 2 sync workers. wrk (Debian's, installed
if missing) drives each endpoint with --connections connections for --duration seconds, interleaved
with the anchor, for --rounds rounds; the table gives the medians: req/s, p50 and p99 latency, and
req/s as a ratio to the anchor of the same database and size. The signed-in pages keep their session
as a browser does (bench/session_cookie.lua: a session cookie an answer sets is sent from then on). Every answer must be 200: a run with
other statuses is reported and fails.

Databases: SQLite files under bench/out/, PostgreSQL databases <--pg-prefix>_<size> (bench_<size>)
on --postgres (created if missing). A database already seeded at the same size and schema is reused; --fresh reseeds.
"""

import argparse
import json
import logging.config
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic.script import ScriptDirectory  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, inspect, select, text  # noqa: E402

from bench.seed import BENCH_PASSWORD, seed, seed_panel  # noqa: E402
from projectmgr import create_app  # noqa: E402
from projectmgr.extensions import db  # noqa: E402
from projectmgr.models import Level, Panel, Plan, Project, Role, State, User  # noqa: E402
from projectmgr.rules.settings import RuleSettings  # noqa: E402

OUT = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent
PER_PAGE = 50


@dataclass
class Case:
    label: str
    path: str
    auth: str  # "token", "cookie" or "none"


def cases(size: int, project_id: int) -> list[Case]:
    deep = min(1000, max(1, size // PER_PAGE))  # page 1000 at 100k; the last page at 1k
    return [
        Case("anchor", "/", "none"),
        Case("/api/v1/overdue", "/api/v1/overdue", "token"),
        Case("/api/v1/projects", "/api/v1/projects", "token"),
        Case("/api/v1/projects?q=PVC", "/api/v1/projects?q=PVC", "token"),
        Case(f"/api/v1/projects?page={deep}", f"/api/v1/projects?page={deep}", "token"),
        Case("/dashboard", "/dashboard", "cookie"),
        Case("/projects (page)", "/projects", "cookie"),
        Case("/projects/<id> (page, full panel)", f"/projects/{project_id}", "cookie"),
        Case("/ledger (page)", "/ledger", "cookie"),
    ]


# --- databases ----------------------------------------------------------------------------------


def database_url(kind: str, size: int, postgres: str, prefix: str = "bench") -> str:
    if kind == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{OUT / f'serve-{size}.sqlite3'}"
    name = f"{prefix}_{size}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(postgres)._replace(path=f"/{name}"))


def _head() -> str:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def _seeded(url: str, size: int) -> bool:
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        if "alembic_version" not in tables or "project" not in tables:
            return False
        with engine.connect() as conn:
            revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
            count = conn.scalar(select(func.count()).select_from(Project.__table__))
        return revision == _head() and count == size
    finally:
        engine.dispose()


def _wipe(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def prepare(url: str, size: int, fresh: bool) -> tuple[str, int]:
    """Seed the database at `size` projects unless it already is; returns a staff username and
    the id of a project under review (the project page's case)."""
    logging.config.fileConfig = lambda *a, **k: None  # migrations/env.py would reconfigure logging
    if fresh or not _seeded(url, size):
        _wipe(url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
        with app.app_context():
            t0 = time.perf_counter()
            upgrade()
            seeded = seed(size, date.today(), RuleSettings.from_mapping(app.config))
            engine = db.engine
            if engine.dialect.name == "sqlite":
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            else:
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"  seeded {size:,} projects, {seeded['due_items']:,} due items in {time.perf_counter() - t0:.0f} s")
            db.session.remove()
            engine.dispose()
    else:
        print(f"  reusing the seeded database ({size:,} projects)")
    engine = create_engine(url)
    with engine.connect() as conn:
        username = conn.scalar(select(User.username).where(User.role == Role.staff).order_by(User.id).limit(1))
        project_id = conn.scalar(
            select(Project.id)
            .join(Plan, Plan.id == Project.plan_id)
            .where(Project.state == State.under_review, Plan.level == Level.municipal)
            .order_by(Project.id)
            .limit(1)
        )
        has_panel = conn.scalar(select(func.count()).select_from(Panel.__table__).where(Panel.project_id == project_id))
    engine.dispose()
    if not has_panel:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
        with app.app_context():
            seed_panel(project_id, date.today())
            db.session.remove()
            db.engine.dispose()
    return username, project_id


# --- servers ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers, in its own process group, stopped on exit."""

    def __init__(self, app: str, env: dict):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(OUT / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}", app],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5):
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.url}{path} did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def sign_in(base: str, username: str) -> tuple[str, str]:
    """(bearer token, session cookie) for a staff user, the way a client and a browser get them."""
    request = urllib.request.Request(
        base + "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": BENCH_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        token = json.load(answer)["token"]

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login", timeout=30) as answer:
        page = answer.read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"username": username, "password": BENCH_PASSWORD}
    if csrf:
        form["csrf_token"] = csrf.group(1)
    with opener.open(base + "/login", data=urllib.parse.urlencode(form).encode(), timeout=30) as answer:
        if "/login" in answer.geturl():
            raise SystemExit("signing in through the form failed")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return token, cookie


# --- load ---------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNIT_MS[unit]


SESSION_COOKIE_SCRIPT = Path(__file__).with_name("session_cookie.lua")


def run_wrk(wrk: str, url: str, headers: list[str], connections: int, duration: int, script: Path | None = None) -> dict:
    command = [
        wrk,
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--duration",
        f"{duration}s",
        "--latency",
        "--timeout",
        "30s",
    ]
    for header in headers:
        command += ["--header", header]
    if script is not None:
        command += ["--script", str(script)]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def status_of(url: str, headers: list[str]) -> int:
    request = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def measure(kind: str, size: int, args, wrk: str) -> list[dict]:
    print(f"\n{kind}, {size:,} projects")
    url = database_url(kind, size, args.postgres, args.pg_prefix)
    username, project_id = prepare(url, size, args.fresh)
    env = {
        "DATABASE_URL": url,
        "ANCHOR_DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "MAIL_ENABLED": "0",
        "RATELIMIT_STORAGE_URI": "memory://",
        # The bench signs in with a password alone: a second factor is not what it measures.
        "TOTP_REQUIRED_ROLES": "",
    }
    app, anchor = Server("wsgi:app", env), Server("bench.anchor:app", env)
    try:
        app.wait("/login")
        anchor.wait("/")
        token, cookie = sign_in(app.url, username)
        auth = {"token": [f"Authorization: Bearer {token}"], "cookie": [f"Cookie: {cookie}"], "none": []}
        runs: dict[str, list[dict]] = {}
        for case in cases(size, project_id):
            base = anchor.url if case.auth == "none" else app.url
            status = status_of(base + case.path, auth[case.auth])
            if status != 200:
                raise SystemExit(f"{case.label} answers {status}, not 200")
        for round_no in range(1, args.rounds + 1):
            for case in cases(size, project_id):
                base = anchor.url if case.auth == "none" else app.url
                script = SESSION_COOKIE_SCRIPT if case.auth == "cookie" else None
                run = run_wrk(wrk, base + case.path, auth[case.auth], args.connections, args.duration, script)
                runs.setdefault(case.label, []).append(run)
                print(f"  round {round_no} {case.label:<32} {run['rps']:>8.1f} req/s  p50 {run['p50']:>7.1f} ms")
    finally:
        app.stop()
        anchor.stop()

    anchor_rps = statistics.median(r["rps"] for r in runs["anchor"])
    rows = []
    for label, results in runs.items():
        rps = statistics.median(r["rps"] for r in results)
        rows.append(
            {
                "database": kind,
                "size": size,
                "endpoint": label,
                "rps": rps,
                "p50": statistics.median(r["p50"] for r in results),
                "p99": statistics.median(r["p99"] for r in results),
                "ratio": rps / anchor_rps,
                "bad": sum(r["bad"] for r in results),
                "socket_errors": "; ".join(r["socket_errors"] for r in results if r["socket_errors"]),
            }
        )
    return rows


# --- report -------------------------------------------------------------------------------------

# Issue 11's targets at 100,000 projects, as a ratio to the anchor.
TARGETS = {
    "/api/v1/overdue": 0.50,
    "/api/v1/projects": 0.50,
    "/api/v1/projects?q=PVC": 0.30,
    "/dashboard": 0.30,
    "/projects (page)": 0.30,
    "/projects/<id> (page, full panel)": 0.30,
    "/ledger (page)": 0.30,
}


def _slowdown(before: dict, after: dict) -> float:
    """How many times fewer requests per second `after` served than `before` (inf for none at all)."""
    return before["rps"] / after["rps"] if after["rps"] else float("inf")


def report(rows: list[dict], args) -> bool:
    print(
        f"\n{date.today().isoformat()}, {os.cpu_count()} CPUs, gunicorn 2 sync workers each, "
        f"wrk {args.connections} connections × {args.duration} s, {args.rounds} rounds interleaved, medians"
    )
    print("\n| database | projects | endpoint | req/s | p50 ms | p99 ms | × anchor | 100k ÷ 1k |")
    print("|---|---|---|---|---|---|---|---|")
    by_key = {(r["database"], r["size"], r["endpoint"].split("?page=")[0]): r for r in rows}
    ok = True
    for r in rows:
        small = by_key.get((r["database"], min(args.sizes), r["endpoint"].split("?page=")[0]))
        flat = f"{_slowdown(small, r):.2f}×" if small and r["size"] != small["size"] else ""
        print(
            f"| {r['database']} | {r['size']:,} | `{r['endpoint']}` | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['ratio']:.3f} | {flat} |"
        )
        if r["bad"] or r["socket_errors"]:
            ok = False
            print(f"    ! {r['bad']} answers not 2xx/3xx; socket errors: {r['socket_errors'] or 'none'}")

    big = max(args.sizes)
    misses = []
    for r in rows:
        if r["size"] != big:
            continue
        target = TARGETS.get(r["endpoint"])
        if target and r["ratio"] < target:
            misses.append(f"{r['database']} {r['endpoint']}: {r['ratio']:.3f} × anchor < {target}")
        if r["endpoint"] != "anchor" and r["p99"] >= 50:
            misses.append(f"{r['database']} {r['endpoint']}: p99 {r['p99']:.1f} ms ≥ 50 ms")
        small = by_key.get((r["database"], min(args.sizes), r["endpoint"].split("?page=")[0]))
        if small and small["size"] != big and r["endpoint"] != "anchor" and _slowdown(small, r) > 1.5:
            misses.append(
                f"{r['database']} {r['endpoint']}: {_slowdown(small, r):.2f}× slower than at {small['size']:,}"
            )
    for kind in args.databases:
        first = by_key.get((kind, big, "/api/v1/projects"))
        deep = next((r for r in rows if r["database"] == kind and r["size"] == big and "?page=" in r["endpoint"]), None)
        if first and deep and _slowdown(first, deep) > 2:
            misses.append(f"{kind} deep page: {_slowdown(first, deep):.2f}× slower than page 1")
    print()
    for miss in misses:
        print(f"target missed: {miss}")
    if not misses:
        print(f"every target met at {big:,} projects")

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"serve-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"args": vars(args), "rows": rows, "misses": misses}, indent=1))
    print(f"figures written to {path.relative_to(ROOT)}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--databases", default="sqlite,postgresql", type=lambda s: s.split(","))
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-prefix", default="bench", help="PostgreSQL databases are named PREFIX_SIZE")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--fresh", action="store_true", help="reseed even a database seeded at the same size")
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C: the finally blocks stop the gunicorn servers this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = ensure_wrk()
    rows = []
    for kind in args.databases:
        for size in args.sizes:
            rows += measure(kind, size, args, wrk)
    return 0 if report(rows, args) else 1


if __name__ == "__main__":
    sys.exit(main())
