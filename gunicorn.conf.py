"""gunicorn settings for `make serve`: workers from WEB_CONCURRENCY, bind from BIND, access log on stdout.

gunicorn itself reloads its workers gracefully on SIGHUP (`systemctl reload projectmgr`).
"""

import os
import sys

from config import default_workers, production_problem

# Refuse in the master, before any worker boots, with the one line that names the setting.
if problem := production_problem():
    sys.exit(problem)

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
accesslog = "-"
errorlog = "-"
# Workers finish the requests they hold before a reload or stop replaces them.
graceful_timeout = 30
