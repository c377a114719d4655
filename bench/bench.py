#!/usr/bin/env python3
"""keywatch's benchmark: speed and memory on a generated corpus, medians of alternating runs.

Generates (once, cached in bench/.corpus, outside git) 500k CloudTrail events in the S3 layout and
100k Key Vault events in the blob layout, plus an uncompressed copy of the CloudTrail files, then
measures, with the release build:
  - decode + normalize alone (`ingest --dry-run`, one core), on plain JSON and on the .json.gz files;
  - `keywatch ingest` end to end into a fresh store, with the default rules and with `--no-detect`
    (what detection adds);
  - detection's memory: 1M Decrypt calls by 1M different roles within ten minutes (the default
    spike rule holds a million live groups), with and without detection;
  - the tools a user would pick instead, on the same files (installed when missing): DuckDB's
    read_json into a database file, `sqlite-utils insert` of the same records (from a JSON Lines
    file prepared once, untimed), jq selecting the denied calls, and the floor — zcat / cat;
  - `keywatch run` reading the same files from S3 as an SQS queue announces them (bench/sqs.py),
  - `keywatch ingest s3://` of the same files from a real S3 endpoint, moto's server (bench/s3.py),
    as a share of the speed of `--no-detect` from disk;
  - query latency on a 10M-event store (bench/query.py);
  - the daemon: tailing, append-to-alert latency, HTTP push (bench/daemon.py), alert delivery
    to a webhook (bench/delivery.py) and reading an event hub through Kafka (bench/eventhub.py);
every run, keywatch's and the peers' alike, starting with its input in the page cache and no other
run's writes pending (both arranged untimed);
and prints a table, with keywatch's ratio to each peer (the peer's time over keywatch's ingest
time on the same files), also written to bench/results.md with the date and the machine.
"""
import datetime
import json
import gzip
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import s3

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, ".corpus")
WORK = os.path.join(HERE, ".work")
KEYWATCH = os.path.join(ROOT, ".build", "release", "keywatch")
RULES = os.path.join(ROOT, "rules")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def corpus():
    marker = os.path.join(CORPUS, ".complete")
    if not os.path.exists(marker):
        shutil.rmtree(CORPUS, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen-corpus.py"), os.path.join(CORPUS, "logs"),
                        "--cloudtrail", "500000", "--keyvault", "100000"], check=True)
        plain = os.path.join(CORPUS, "cloudtrail-plain")
        for directory, _, files in os.walk(os.path.join(CORPUS, "logs", "AWSLogs")):
            for name in files:
                if "_CloudTrail_" in name and name.endswith(".json.gz"):
                    os.makedirs(plain, exist_ok=True)
                    with gzip.open(os.path.join(directory, name)) as source, open(os.path.join(plain, name[:-3]), "wb") as target:
                        shutil.copyfileobj(source, target)
        open(marker, "w").close()
    principals = os.path.join(CORPUS, "principals", "1m-principals.json.gz")
    if not os.path.exists(principals):
        os.makedirs(os.path.dirname(principals), exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen-principals.py"), principals + ".tmp", "1000000"], check=True)
        os.rename(principals + ".tmp", principals)
    return {
        "principals": principals,
        "all": os.path.join(CORPUS, "logs"),
        "cloudtrail-gz": os.path.join(CORPUS, "logs", "AWSLogs"),
        "cloudtrail-plain": os.path.join(CORPUS, "cloudtrail-plain"),
    }


def peers():
    """Installs the peers when missing: duckdb and sqlite-utils from PyPI, jq from Debian."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "duckdb"], check=True)
    if not shutil.which("sqlite-utils"):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "sqlite-utils"], check=True)
    if not shutil.which("jq"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "jq"], check=True)


def records_file(paths):
    """Every record of the corpus as one JSON Lines file, for sqlite-utils (made once, untimed)."""
    target = os.path.join(WORK, "records.jsonl")
    if not os.path.exists(target):
        import json
        with open(target + ".tmp", "w") as out:
            for directory, _, files in os.walk(paths["cloudtrail-plain"]):
                for name in files:
                    with open(os.path.join(directory, name)) as f:
                        for record in json.load(f)["Records"]:
                            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            for directory, _, files in os.walk(os.path.join(paths["all"], "resourceId=")):
                for name in files:
                    if name == "PT1H.json":
                        with open(os.path.join(directory, name)) as f:
                            for line in f:
                                if line.strip():
                                    out.write(line if line.endswith("\n") else line + "\n")
        os.rename(target + ".tmp", target)
    with open(target) as f:
        return target, sum(1 for _ in f)


def size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for directory, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(directory, f)) for f in files)
    return total


def warm(path):
    """Reads a case's input once, untimed, so that every run — keywatch's and the peers' alike —
    starts with it in the page cache: a run that follows a peer's gigabyte of writes otherwise
    reads part of its input from disk, and the medians measured that."""
    paths = [path] if os.path.isfile(path) else [os.path.join(d, f) for d, _, files in os.walk(path) for f in files]
    for file in paths:
        with open(file, "rb") as handle:
            while handle.read(1 << 20):
                pass


def timed(args):
    """Runs a command; returns (seconds, peak RSS in KB, stderr)."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M"] + args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(args)}\n{result.stderr}")
    rss = int(re.search(r"maxrss=(\d+)", result.stderr).group(1))
    return seconds, rss, result.stderr


def events_in(stderr):
    match = re.search(r"([\d,]+) events (decoded|stored)", stderr)
    return int(match.group(1).replace(",", "")) if match else 0


def main():
    if not os.path.exists(KEYWATCH):
        sys.exit("build first: make build")
    paths = corpus()
    os.makedirs(WORK, exist_ok=True)
    peers()
    records, record_count = records_file(paths)
    db = os.path.join(WORK, "bench.db")
    duck = os.path.join(WORK, "peer.duckdb")
    lite = os.path.join(WORK, "peer.sqlite")

    def remover(path):
        def remove():
            for suffix in ("", "-wal", "-shm", ".wal"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        return remove

    fresh_store = remover(db)
    s3_endpoint, stop_s3 = s3.serve(paths["all"])

    cases = [
        ("decode + normalize, plain JSON (1 core)", ["ingest", "--dry-run", paths["cloudtrail-plain"]], None, paths["cloudtrail-plain"]),
        ("decode + normalize, .json.gz (1 core)", ["ingest", "--dry-run", paths["cloudtrail-gz"]], None, paths["cloudtrail-gz"]),
        ("ingest end to end, CloudTrail .json.gz + Key Vault", ["ingest", "--db", db, "--rules", RULES, paths["all"]], fresh_store, paths["all"]),
        ("ingest without detection (--no-detect)", ["ingest", "--no-detect", "--db", db, paths["all"]], fresh_store, paths["all"]),
        ("1M distinct principals: ingest with detection", ["ingest", "--db", db, "--rules", RULES, paths["principals"]], fresh_store, paths["principals"]),
        ("1M distinct principals: --no-detect", ["ingest", "--no-detect", "--db", db, paths["principals"]], fresh_store, paths["principals"]),
        # The same files from S3 (moto's server; bench/s3.py), against `--no-detect` from disk above.
        ("ingest from S3 (moto_server), --no-detect", ["ingest", "--no-detect", "--db", db, "--endpoint", s3_endpoint, "s3://bench/"],
         fresh_store, paths["all"]),
    ]
    # Peers: whole commands (not keywatch), on the same files; they read every record.
    peer_cases = [
        ("peer: DuckDB read_json into a database file", [sys.executable, os.path.join(HERE, "peers", "duckdb_load.py"), duck, paths["all"]],
         remover(duck), paths["all"]),
        ("peer: sqlite-utils insert --nl", ["sqlite-utils", "insert", lite, "events", records, "--nl", "--alter"], remover(lite), records),
        ("peer: jq selecting denied calls", ["bash", os.path.join(HERE, "peers", "jq_denied.sh"), paths["all"]], None, paths["all"]),
        ("floor: zcat / cat to /dev/null", ["bash", os.path.join(HERE, "peers", "floor.sh"), paths["all"]], None, paths["all"]),
    ]
    peer_names = {name for name, _, _, _ in peer_cases}
    cases += peer_cases
    samples = {name: [] for name, _, _, _ in cases}
    # Alternate the cases run by run, so a noisy neighbour does not bias one of them.
    for _ in range(RUNS):
        for name, args, prepare, path in cases:
            if prepare:
                prepare()
            warm(path)
            os.sync()  # a peer's gigabyte of writes is flushed before the next run, not during it
            seconds, rss, stderr = timed(args if name in peer_names else [KEYWATCH] + args)
            samples[name].append((seconds, rss, record_count if name in peer_names else events_in(stderr)))

    stop_s3()

    machine = f"{os.cpu_count()} cores, {cpu_model()}, {platform.system()} {platform.release()}"
    lines = [
        f"# keywatch benchmark — {datetime.date.today().isoformat()}",
        "",
        f"Machine: {machine}. Corpus: 500k CloudTrail events (.json.gz, S3 layout) + 100k Key Vault events "
        f"(PT1H.json blobs); medians of {RUNS} alternating runs, each starting with its input in the page cache "
        f"and no earlier run's writes pending.",
        "",
        "| measurement | events | median s | events/s | MB/s (input) | peak RSS | keywatch ingest vs this |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    keywatch_seconds = statistics.median(r[0] for r in samples["ingest end to end, CloudTrail .json.gz + Key Vault"])
    for name, _, _, path in cases:
        runs = samples[name]
        seconds = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        events = runs[-1][2]
        megabytes = size(path) / 1e6
        ratio = f"{seconds / keywatch_seconds:.2f}× as fast" if name in peer_names else ""
        if name.startswith("ingest from S3"):
            from_disk = statistics.median(r[0] for r in samples["ingest without detection (--no-detect)"])
            ratio = f"{from_disk / seconds:.0%} of the speed from disk"
        lines.append(f"| {name} | {events:,} | {seconds:.2f} | {events / seconds:,.0f} | {megabytes / seconds:,.0f} | {rss / 1024:,.0f} MB | {ratio} |")
    # The daemon reading the same files from S3 as an SQS queue announces them (bench/sqs.py), with
    # detection, against `ingest` with detection from disk.
    sqs = last_json_line("sqs.py", KEYWATCH, paths["all"], "3")
    for label, seconds in [("daemon from SQS + S3 (moto_server), a message per object", sqs["seconds"]),
                           ("daemon from SQS + S3 (moto_server), CloudTrail notifications of 10 objects", sqs["seconds_10_keys"])]:
        lines.append(f"| {label} | {sqs['events']:,} | {seconds:.2f} | {sqs['events'] / seconds:,.0f} | "
                     f"{size(paths['all']) / 1e6 / seconds:,.0f} | | {keywatch_seconds / seconds:.0%} of ingest's speed from disk |")
    latencies = last_json_line("query.py", KEYWATCH, paths["all"])
    lines += ["", f"Query latency on a {latencies['events']:,}-event store (bench/query.py: each query a whole process, "
              f"median of 7; the process alone, `keywatch --help`, takes {latencies['floor_ms']} ms):", "",
              "| query | median ms | worst ms |", "|---|---:|---:|"]
    for name, label in [("principal", "query --principal X (the busiest principal; newest 1000, table)"),
                        ("principal_json", "query --principal X --format json"),
                        ("denied_last_hour", "query --outcome denied --since 1h"),
                        ("access_review_30d", "access-review --since 30d --format json (target < 2000)"),
                        ("access_review_30d_table", "access-review --since 30d (table)"),
                        ("keys_90d", "keys --format json (90 days of use, all time's versions; target < 2000)")]:
        lines.append(f"| {label} | {latencies[name]['median_ms']} | {latencies[name]['worst_ms']} |")
    lines += daemon_lines(paths)
    lines += ["", f"Peers read all {record_count:,} records (keywatch stores the KMS, STS and EKS-auth ones and skips the rest); "
              "the ratio is the peer's median time over keywatch's end-to-end ingest time on the same files "
              "(sqlite-utils reads a JSON Lines copy of the same records, made once and not timed)."]
    report = "\n".join(lines) + "\n"
    print(report)
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write(report)


def last_json_line(script, *args):
    """Runs one of the bench's own scripts and returns the JSON of its last line."""
    result = subprocess.run([sys.executable, os.path.join(HERE, script), *args], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: bench/{script}\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def daemon_lines(paths):
    """The daemon's table: bench/daemon.py (tailing, append-to-alert, HTTP push), bench/delivery.py
    (alert committed to webhook received) and bench/eventhub.py (reading an event hub), each over RUNS rounds."""
    daemon = last_json_line("daemon.py", KEYWATCH, paths["all"], str(RUNS))
    delivery = last_json_line("delivery.py", KEYWATCH, str(RUNS))
    hub = last_json_line("eventhub.py", KEYWATCH, paths["all"], str(RUNS))
    return ["", f"The daemon (`keywatch run`; bench/daemon.py and bench/delivery.py, {RUNS} rounds: rates are the median "
            "round, latencies the percentiles of every round's alerts):", "",
            "| measurement | result |", "|---|---:|",
            f"| tailing the corpus directory ({daemon['tailed_events']:,} events) | {daemon['tailing']:,} events/s |",
            f"| append to a tailed file → alert on stdout, p50 / p99 ({daemon['latency_samples']} alerts) | "
            f"{daemon['latency_p50_ms']} / {daemon['latency_p99_ms']} ms |",
            f"| HTTP push, batches of 500, 1 client | {daemon['push_1']:,} events/s |",
            f"| HTTP push, batches of 500, 4 clients | {daemon['push_4']:,} events/s |",
            f"| alert committed → signed webhook received, p50 / p99 ({delivery['alerts']} alerts) | "
            f"{delivery['p50_ms']} / {delivery['p99_ms']} ms |",
            f"| reading an event hub through Kafka (Tansu; bench/eventhub.py), {hub['events']:,} Key Vault events in "
            f"{hub['messages']:,} messages (target ≥ 50,000) | {hub['events_per_second']:,} events/s |"]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
