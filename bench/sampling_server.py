"""Sampling through the server's own services and database: what `sapat sample` and `sapat participants` cost.

    .venv/bin/python bench/sampling_server.py [--schools 10000] [--students 1000000] [--n 600]
                                              [--per-school 20] [--database-url URL]

Phases timed, each one committed transaction as the command line runs it: importing the frame
(CSV, validated row by row), drawing the sample (PPS, reserves, rows stored), importing the
rosters of the sampled schools (every person sealed with AES-GCM and a blind index of the PIN),
and selecting students in every sampled school (codes, blind indexes, sealed web links).
Rosters are imported for sampled schools only, as in the field; ``bench/sampling.py`` runs the
selection arithmetic over every one of the frame's students. Generated data only.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server import create_app  # noqa: E402
from server.services import audit, keys, participants, projects, sampling  # noqa: E402
from server.storage import db, migrate, writing  # noqa: E402

REGIONS = ["bishkek", "osh_city", "batken", "jalal_abad", "issyk_kul", "naryn", "osh", "talas", "chui"]


def frame_csv(schools: int, students: int, rng: random.Random) -> tuple[bytes, dict[str, int]]:
    raw = [rng.lognormvariate(0, 0.9) for _ in range(schools)]
    scale = students / sum(raw)
    lines, sizes = ["code,name,region,district,type,language,enrolment"], {}
    for i, r in enumerate(raw):
        code, size = f"{100000 + i:06d}", max(5, round(r * scale))
        sizes[code] = size
        lines.append(f"{code},Лицей {i},{REGIONS[i % 9]},d{i % 7},{('lyceum', 'college')[i % 3 == 0]},"
                     f"{('ky', 'ru', 'uz')[i % 3]},{size}")
    return "\n".join(lines).encode(), sizes


def roster_csv(codes: list[str], sizes: dict[str, int], rng: random.Random) -> bytes:
    lines = ["school_code,category,specialty,year,last_name,first_name,pin,phone"]
    for code in codes:
        for j in range(sizes[code]):
            pin = f"{rng.choice('12')}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(1995, 2009)}" \
                  f"{rng.randint(0, 99999):05d}"
            lines.append(f"{code},student,s{j % 6},{1 + j % 3},Фамилия{j},Имя{j},{pin},+996555{rng.randint(0, 999999):06d}")
    return "\n".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--per-school", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sapat-bench-"))
    app = create_app({"INSTANCE_PATH": folder, "SAPAT_DATABASE_URL": args.database_url or
                      f"sqlite:///{folder / 'bench.db'}", "SAPAT_VALIDATE_FORMS": False})
    keys.init_master_key(app)
    rng = random.Random(7)
    frame, sizes = frame_csv(args.schools, args.students, rng)
    rows = []

    def timed(phase: str, call):
        with app.app_context(), writing():
            begin = time.perf_counter()
            result = call(projects.get_project(project_id))
            db.session.commit()
            rows.append((phase, result, time.perf_counter() - begin))
            return result

    with app.app_context():
        migrate.upgrade()
        with writing():
            project_id = projects.create_project("Bench", 2026).id
            db.session.commit()
    timed("import frame", lambda p: f"{sampling.import_frame(p, frame, 'f.csv', audit.SYSTEM).imported:,} schools")
    timed("draw (pps, reserves)", lambda p: f"{len(sampling.draw_sample(p, 1, sampling.DesignRequest(n=args.n), None, audit.SYSTEM).strata)} strata")
    with app.app_context():
        codes = [s.school.code for s in sampling.taking_part(projects.get_project(project_id))]
    roster = roster_csv(codes, sizes, rng)
    timed("import rosters (sealed)", lambda p: f"{participants.import_roster(p, roster, 'r.csv', audit.SYSTEM).imported:,} people")
    timed("select students", lambda p: f"{participants.select_participants(p, 1, participants.SelectionRequest({'student': args.per_school}), audit.SYSTEM):,} selected")
    print(f"database: {app.config['SAPAT_DATABASE_URL'].split('@')[-1]}")
    for phase, what, seconds in rows:
        print(f"{phase:<26}  {what:<24}  {seconds:8.2f} s")
    print(f"{'total':<26}  {'':<24}  {sum(r[2] for r in rows):8.2f} s")


if __name__ == "__main__":
    main()
