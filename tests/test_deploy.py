"""The deployment files in deploy/ as an operator installs them: the README shows each one as
shipped, systemd accepts every unit, and the oneshot units' commands do what the README says when
run as written (the nightly backup writes an archive that verifies and keeps 30 days of them; the
sweep runs). nginx in front of gunicorn is exercised by .ci/smoke-serve."""

import os
import shlex
import shutil
import subprocess
import sys
import time
from configparser import ConfigParser
from pathlib import Path

import pytest

from tests.conftest import DATABASE_URL
from tests.test_health import at_head  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted(p for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))


def unit(name: str) -> ConfigParser:
    parser = ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def localized(command: str, backups: Path) -> list[str]:
    """A unit's command line as systemd runs it (%% is a literal %), with the install paths of the
    README (/srv/projectmgr, /var/backups/projectmgr) pointed at this checkout and a test folder."""
    command = command.replace("%%", "%").replace("/srv/projectmgr", str(ROOT))
    return [a.replace("/var/backups/projectmgr", str(backups)) for a in shlex.split(command)]


@pytest.fixture
def unit_env(app, tmp_path):
    files = tmp_path / "attachments"
    (files / "ledger").mkdir(parents=True)
    (files / "ledger" / "evidence.pdf").write_bytes(b"%PDF-1.4 evidence")
    env = dict(os.environ, DATABASE_URL=DATABASE_URL, ATTACHMENT_DIR=str(files), MAIL_ENABLED="0")
    env.pop("PRODUCTION", None)
    return env


def test_the_readme_shows_every_deploy_file_as_shipped():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shipped = sorted(DEPLOY.iterdir())
    assert {p.name for p in shipped} >= {
        "projectmgr.service",
        "projectmgr-sweep.service",
        "projectmgr-sweep.timer",
        "projectmgr-backup.service",
        "projectmgr-backup.timer",
        "nginx-projectmgr.conf",
    }
    for path in shipped:
        assert path.read_text(encoding="utf-8").strip() in readme, f"README's copy of {path.name} differs"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_every_unit(tmp_path):
    for path in UNITS:
        (tmp_path / path.name).write_text(
            path.read_text(encoding="utf-8").replace("/srv/projectmgr", str(ROOT)), encoding="utf-8"
        )
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / p.name) for p in UNITS)],
        capture_output=True,
        text=True,
    )
    # verify prints problems of the units it reads; lines about the host's own units are not ours.
    ours = [line for line in done.stderr.splitlines() if "projectmgr" in line]
    assert done.returncode == 0 and not ours, done.stderr
    # Each timer starts its service; the web server reloads on SIGHUP.
    for timer in (p for p in UNITS if p.suffix == ".timer"):
        assert (DEPLOY / timer.name.replace(".timer", ".service")).exists()
        assert unit(timer.name)["Timer"]["Persistent"] == "true"
    assert unit("projectmgr.service")["Service"]["ExecReload"] == "/bin/kill -HUP $MAINPID"


def test_the_backup_unit_writes_an_archive_that_verifies_and_keeps_30_days(app, unit_env, tmp_path, at_head):  # noqa: F811
    service = unit("projectmgr-backup.service")["Service"]
    backups = tmp_path / "backups"
    backups.mkdir()
    old, recent = backups / "projectmgr-20001101-023000.tar.gz", backups / "projectmgr-20001130-023000.tar.gz"
    for path, days in ((old, 31), (recent, 29)):
        path.write_bytes(b"an older archive")
        stamp = time.time() - days * 86400 - 3600
        os.utime(path, (stamp, stamp))

    for key in ("ExecStart", "ExecStartPost"):
        done = subprocess.run(localized(service[key], backups), cwd=ROOT, env=unit_env, capture_output=True, text=True)
        assert done.returncode == 0, (key, done.stdout, done.stderr)

    made = sorted(set(backups.glob("projectmgr-*.tar.gz")) - {old, recent})
    assert len(made) == 1 and made[0].name[len("projectmgr-") :].startswith(time.strftime("%Y%m%d"))
    assert not old.exists() and recent.exists(), "archives older than 30 days go, newer ones stay"
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    verified = subprocess.run(
        [*flask, "backup", "verify", str(made[0])], cwd=ROOT, env=unit_env, capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stderr
    assert "is sound" in verified.stdout and " 1 files" in verified.stdout, verified.stdout  # the evidence file


def test_the_sweep_unit_runs_the_sweep(app, unit_env, make, at_head):  # noqa: F811
    make.project()
    service = unit("projectmgr-sweep.service")["Service"]
    done = subprocess.run(
        localized(service["ExecStart"], Path("/nonexistent")), cwd=ROOT, env=unit_env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sweep as of "), done.stdout
