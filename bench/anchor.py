"""The benchmark's anchor: a bare Flask app answering one indexed SQLAlchemy Core query that returns
50 rows as JSON, over the same database as projectmgr (ANCHOR_DATABASE_URL). What projectmgr's
endpoints are measured against: the cost of Flask, the driver and gunicorn with no application."""

import os

from flask import Flask, jsonify
from sqlalchemy import column, create_engine, select, table

engine = create_engine(os.environ["ANCHOR_DATABASE_URL"], pool_pre_ping=True)
project = table("project", column("id"), column("code"), column("title"), column("state"), column("end_date"))
# Ordered by the primary key: the 50 rows come straight off its index.
FIRST_50 = (
    select(project.c.id, project.c.code, project.c.title, project.c.state, project.c.end_date)
    .order_by(project.c.id)
    .limit(50)
)

app = Flask(__name__)


@app.get("/")
def first_projects():
    with engine.connect() as conn:
        rows = conn.execute(FIRST_50).all()
    return jsonify(
        [{"id": r.id, "code": r.code, "title": r.title, "state": r.state, "end_date": str(r.end_date)} for r in rows]
    )
