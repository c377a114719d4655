#!/usr/bin/env python3
"""Query latency on a 10M-event store: `keywatch query --principal X`,
`keywatch query --outcome denied --since 1h`, as an investigator runs them, and the audit
answers (`keywatch access-review` of the newest 30 days, `keywatch keys` of the newest 90).

    python3 bench/query.py .build/release/keywatch bench/.corpus/logs [runs]

The store is made once (cached in bench/.work/query-10m.db, outside git): the corpus is ingested,
then its rows are copied within SQLite, each copy a corpus-span earlier, until there are 10M, and
everything is shifted so the newest copy ends now — so `--since 1h` meets the last hour of real
traffic. The copies share the raw blocks of the original (queries without --raw do not read
them). Each query runs as its own process (what a user waits for), output to /dev/null; prints
median and worst milliseconds as JSON on the last line.
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 10_000_000


def build_store(keywatch, corpus, path):
    if os.path.exists(path):
        return
    partial = path + ".partial"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(partial + suffix):
            os.remove(partial + suffix)
    subprocess.run([keywatch, "ingest", "--no-detect", "--db", partial, corpus], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = sqlite3.connect(partial)
    db.execute("PRAGMA cache_size = -1048576")
    (first, last, count) = db.execute("SELECT min(time), max(time), count(*) FROM event_rows").fetchone()
    span = last - first + 1
    columns = [row[1] for row in db.execute("PRAGMA table_info(event_rows)")]
    now = int(time.time() * 1_000_000)
    shift = now - last
    # The original moves to end now; copy k sits k spans before it (times differ, so the
    # (time, key hash) primary key stays unique).
    copies = -(-TARGET // count) - 1
    select = ", ".join(
        f"time - ?1 * {span}" if c == "time" else
        "key || '#' || ?1" if c == "key" else c
        for c in columns)
    db.execute(f"UPDATE event_rows SET time = time + {shift}")
    db.commit()
    db.execute("CREATE TEMP TABLE original AS SELECT * FROM event_rows")
    for k in range(1, copies + 1):
        db.execute(f"INSERT INTO event_rows ({', '.join(columns)}) SELECT {select} FROM temp.original", (k,))
        db.commit()
    db.execute("DROP TABLE temp.original")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    os.rename(partial, path)


def most_active_principal(path):
    db = sqlite3.connect(path)
    (principal,) = db.execute("""
        SELECT s.value FROM event_rows e JOIN strings s ON s.id = e.principal
        WHERE e.principal IS NOT NULL GROUP BY e.principal ORDER BY count(*) DESC LIMIT 1""").fetchone()
    (events,) = db.execute("SELECT count(*) FROM event_rows").fetchone()
    db.close()
    return principal, events


def timed_ms(args, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main():
    keywatch, corpus = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    path = os.path.join(HERE, ".work", "query-10m.db")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    build_store(keywatch, corpus, path)
    # A store cached by an older keywatch gets this one's schema: opening it for writing (an
    # ingest of nothing) applies the migrations.
    with tempfile.TemporaryDirectory() as empty:
        subprocess.run([keywatch, "ingest", "--no-detect", "--db", path, empty], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    principal, events = most_active_principal(path)
    results = {"events": events}
    for name, args in [
        ("principal", ["query", "--db", path, "--principal", principal]),
        ("denied_last_hour", ["query", "--db", path, "--outcome", "denied", "--since", "1h"]),
        ("principal_json", ["query", "--db", path, "--principal", principal, "--format", "json"]),
        # Audit answers (target: under 2 s each): every caller of the newest 30 days; every key,
        # its use in the newest 90 days and its versions over all time.
        ("access_review_30d", ["access-review", "--db", path, "--since", "30d", "--format", "json"]),
        ("access_review_30d_table", ["access-review", "--db", path, "--since", "30d"]),
        ("keys_90d", ["keys", "--db", path, "--format", "json"]),
    ]:
        timed_ms([keywatch] + args, 1)  # warm the page cache
        median, worst = timed_ms([keywatch] + args, runs)
        results[name] = {"median_ms": round(median, 1), "worst_ms": round(worst, 1)}
        print(f"{name}: median {median:.1f} ms, worst {worst:.1f} ms", file=sys.stderr)
    results["floor_ms"] = round(timed_ms([keywatch, "--help"], runs)[0], 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
