"""Ingest benchmark: N OpenRosa submissions from M concurrent clients on loopback, under gunicorn.

Prints submissions/s, p50/p99 latency and the server's peak RSS (master + workers), for
small (~1 KB) submissions and for submissions with a 1 MiB attachment.

    .venv/bin/python bench/ingest.py [--database-url URL] [--small 3000] [--large 600] [--concurrency 8]

The database is a fresh one: on PostgreSQL a database named ``sapat_bench`` is (re)created
next to the one in the URL; on SQLite a file in a temporary folder.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.support.servers import GunicornServer  # noqa: E402
from tests.support.submissions import post_submission, submission_xml  # noqa: E402
from tests.support.xlsforms import photo_form  # noqa: E402

MIB = 1024 * 1024


def fresh_database(url: str, folder: Path) -> str:
    if not url.startswith("postgres"):
        return f"sqlite:///{folder / 'bench.db'}"
    admin = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1)).set(database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS sapat_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE sapat_bench"))
    engine.dispose()
    return admin.set(database="sapat_bench").render_as_string(hide_password=False)


def prepare(instance: Path, database_url: str) -> tuple[int, str, str]:
    from server import create_app
    from server.services import app_users, forms as form_service, keys, projects
    from server.storage import db, migrate, writing

    app = create_app({"INSTANCE_PATH": instance, "SAPAT_DATABASE_URL": database_url,
                      "SAPAT_VALIDATE_FORMS": False})
    keys.init_master_key(app)
    with app.app_context(), writing():
        migrate.upgrade()
        project = projects.create_project("Benchmark", 2026, "pilot")
        form = form_service.publish_upload(project, photo_form(), "photos.xlsx")
        user = app_users.create_app_user(project, "bench tablet", [form])
        result = project.id, app_users.token_of(user), form.xml_form_id
        db.session.commit()
        db.engine.dispose()
    return result


def client(args) -> list[float]:
    """One client: ``count`` sequential submissions on a keep-alive connection; returns latencies (s)."""
    base, form_id, count, attachment_bytes, seed = args
    session = requests.Session()
    latencies = []
    payload = os.urandom(attachment_bytes) if attachment_bytes else b""
    for i in range(count):
        xml, _ = submission_xml(form_id, school=f"S-{seed}-{i}", photo="p.jpg" if payload else None)
        files = {"p.jpg": f"{seed}-{i}".encode().ljust(32, b".") + payload[32:]} if payload else None
        started = time.perf_counter()
        response = post_submission(base, xml, files, session=session)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return latencies


def run(base: str, form_id: str, total: int, concurrency: int, attachment_bytes: int, tag: str) -> dict:
    per_client = max(1, total // concurrency)
    jobs = [(base, form_id, per_client, attachment_bytes, f"{tag}{c}") for c in range(concurrency)]
    started = time.perf_counter()
    with multiprocessing.Pool(concurrency) as pool:
        latencies = [x for chunk in pool.map(client, jobs) for x in chunk]
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"n": len(latencies), "rate": len(latencies) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "SAPAT_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--small", type=int, default=3000, help="small submissions to send")
    parser.add_argument("--large", type=int, default=600, help="submissions with a 1 MiB attachment")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sapat-bench-") as tmp:
        instance = Path(tmp) / "instance"
        database_url = fresh_database(args.database_url, Path(tmp))
        project_id, token, form_id = prepare(instance, database_url)
        server = GunicornServer(instance, database_url, workers=args.workers, threads=args.threads).start()
        try:
            base = f"{server.url}/v1/key/{token}/projects/{project_id}"
            run(base, form_id, 100, args.concurrency, 0, "warm")
            small = run(base, form_id, args.small, args.concurrency, 0, "s")
            large = run(base, form_id, args.large, args.concurrency, MIB, "l")
            rss = server.peak_rss_kib() / 1024
        finally:
            server.stop()
    backend = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"gunicorn {args.workers} workers x {args.threads} threads, {backend}, concurrency {args.concurrency}, "
          f"{os.cpu_count()} CPUs (client on the same machine)")
    print(f"{'case':<22}{'n':>6}{'subs/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, result in (("small (~1 KB)", small), ("1 MiB attachment", large)):
        print(f"{name:<22}{result['n']:>6}{result['rate']:>10.1f}{result['p50']:>10.1f}{result['p99']:>10.1f}")
    print(f"server peak RSS (master + workers): {rss:.0f} MB")


if __name__ == "__main__":
    main()
