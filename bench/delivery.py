#!/usr/bin/env python3
"""Alert delivery latency: from an alert's commit (alerts.raised, wall clock) to its arrival at
a webhook receiver, p50 / p99, on the daemon running over sample-logs/. Run by `make bench`, or
alone; the last line printed is the same numbers as JSON, for bench.py.

    python3 bench/delivery.py .build/release/keywatch [ROUNDS]

Each round starts `keywatch run` on a fresh store over a copy of sample-logs/ with a webhook
sink to a local receiver (Tests/Fixtures/webhook-receiver.py), waits until every stored alert
has arrived, and stops the daemon.
"""
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def round_latencies(binary):
    work = tempfile.mkdtemp(prefix="kw-delivery-")
    try:
        shutil.copytree(os.path.join(ROOT, "sample-logs"), os.path.join(work, "logs"))
        log = os.path.join(work, "requests.jsonl")
        receiver = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/Fixtures/webhook-receiver.py"), "--log", log, "204"],
                                    stdout=subprocess.PIPE, text=True)
        port = int(receiver.stdout.readline().split()[1])
        with open(os.path.join(work, "k.yaml"), "w") as f:
            f.write(f"""db: {work}/k.db
rules: {ROOT}/rules
tail: [{{path: {work}/logs}}]
http: off
sinks:
  - webhook: {{url: "http://127.0.0.1:{port}/hook", secret_env: HOOK_SECRET, max_per_minute: 100000}}
""")
        daemon = subprocess.Popen([binary, "run", "--config", os.path.join(work, "k.yaml")], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env={**os.environ, "HOOK_SECRET": "bench"})
        deadline = time.time() + 60
        raised = {}
        received = {}
        while time.time() < deadline:
            time.sleep(0.2)
            try:
                db = sqlite3.connect(f"file:{work}/k.db?mode=ro", uri=True)
                raised = dict(db.execute("SELECT id, raised FROM alerts").fetchall())
                db.close()
            except sqlite3.Error:
                continue
            if os.path.exists(log):
                with open(log) as f:
                    for line in f:
                        r = json.loads(line)
                        received.setdefault(r["headers"]["webhook-id"], r["received"])
            if len(raised) >= 10 and set(raised) <= set(received):
                break
        daemon.terminate()
        daemon.wait()
        receiver.kill()
        return [(received[i] - raised[i] / 1e6) * 1000 for i in raised if i in received]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/keywatch")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    latencies = []
    for _ in range(rounds):
        latencies += round_latencies(binary)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f"alert committed -> webhook received: {len(latencies)} alerts over {rounds} rounds, "
          f"p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1]:.1f} ms")
    print(json.dumps({"alerts": len(latencies), "rounds": rounds, "p50_ms": round(p(0.5), 1),
                      "p99_ms": round(p(0.99), 1), "max_ms": round(latencies[-1], 1)}))


if __name__ == "__main__":
    main()
