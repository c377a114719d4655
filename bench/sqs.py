#!/usr/bin/env python3
"""The daemon reading the bench corpus from S3 as an SQS queue announces it: every file of the
corpus uploaded to moto's server (bench/s3.py, untimed) and one S3 event notification per object
sent to a queue (untimed, before the daemon starts); then `keywatch run` with an `sqs:` input and
the default rules, timed from its start to the last event stored (the store's own count, polled).
Run by `make bench` (bench/bench.py), or alone:

    python3 bench/sqs.py .build/release/keywatch bench/.corpus/logs [runs]

Two shapes alternate: one S3 event notification per object (755 messages), and CloudTrail's own
notification naming 10 objects (76 messages). The last line printed is JSON for bench.py: the
median seconds of `runs` rounds of each, and the events.

moto is a Python server, and its ReceiveMessage walks the whole queue (measured here: 27 ms a call
with 50 messages waiting, 345 ms with 750), on one core: with a message per object, moto's CPU, not
keywatch, sets the time — a floor AWS does not have. The 10-key shape keeps moto's queue short,
and shows keywatch's side.
"""
import json, os, shutil, signal, sqlite3, statistics, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import s3  # noqa: E402

KEYWATCH = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/keywatch")
CORPUS = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "bench/.corpus/logs")
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
RULES = os.path.abspath("rules")


def notify_every_object(endpoint, keys_per_message):
    """A fresh queue announcing every object of the bucket: one S3 event notification per object,
    or CloudTrail's own notification (`{"s3Bucket": …, "s3ObjectKey": [...]}`) naming
    `keys_per_message` objects each; returns its URL."""
    import boto3
    session = dict(endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    bucket, queue = boto3.client("s3", **session), boto3.client("sqs", **session)
    url = queue.create_queue(QueueName=f"bench-{time.time_ns()}")["QueueUrl"]
    objects = [o for page in bucket.get_paginator("list_objects_v2").paginate(Bucket="bench") for o in page.get("Contents", [])]
    if keys_per_message > 1:
        bodies = [json.dumps({"s3Bucket": "bench", "s3ObjectKey": [o["Key"] for o in objects[start:start + keys_per_message]]})
                  for start in range(0, len(objects), keys_per_message)]
        for start in range(0, len(bodies), 10):
            queue.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start:start + 10])])
        return url, len(objects)
    for start in range(0, len(objects), 10):
        entries = []
        for index, o in enumerate(objects[start:start + 10]):
            record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "awsRegion": "us-east-1",
                      "s3": {"bucket": {"name": "bench"},
                             "object": {"key": urllib.parse.quote_plus(o["Key"], safe="/"), "eTag": o["ETag"].strip('"'), "size": o["Size"]}}}
            entries.append({"Id": str(index), "MessageBody": json.dumps({"Records": [record]})})
        queue.send_message_batch(QueueUrl=url, Entries=entries)
    return url, len(objects)


def stored(db):
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM event_rows").fetchone()[0]
    except sqlite3.Error:
        return 0


def one_round(endpoint, expected, keys_per_message):
    url, _ = notify_every_object(endpoint, keys_per_message)
    work = tempfile.mkdtemp(prefix="kw-bench-sqs-")
    with open(os.path.join(work, "k.yaml"), "w") as f:
        f.write(f"db: ./k.db\nrules: {RULES}\nsqs:\n  - queue_url: {url}\n    region: us-east-1\n    endpoint: {endpoint}\n")
    started = time.time()
    process = subprocess.Popen([KEYWATCH, "run", "--config", "k.yaml"], cwd=work, stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(work, "stderr.txt"), "wb"))
    db = os.path.join(work, "k.db")
    while stored(db) < expected:
        if process.poll() is not None or time.time() - started > 600:
            sys.exit("the daemon stopped or stalled: " + open(os.path.join(work, "stderr.txt")).read()[-2000:])
        time.sleep(0.05)
    seconds = time.time() - started
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    shutil.rmtree(work)
    return seconds


def main():
    endpoint, stop = s3.serve(CORPUS)
    try:
        # The events the corpus holds: what `ingest --no-detect` of it stores.
        work = tempfile.mkdtemp(prefix="kw-bench-count-")
        subprocess.run([KEYWATCH, "ingest", "--no-detect", "--db", os.path.join(work, "k.db"), CORPUS], capture_output=True, check=False)
        expected = stored(os.path.join(work, "k.db"))
        shutil.rmtree(work)
        # Alternating, so a noisy neighbour does not bias one of them.
        rounds = {1: [], 10: []}
        for _ in range(RUNS):
            for keys in rounds:
                rounds[keys].append(one_round(endpoint, expected, keys))
    finally:
        stop()
    for keys, seconds in rounds.items():
        print(f"sqs + s3, {keys} key(s) a message: {expected:,} events, median {statistics.median(seconds):.2f} s of {seconds}", file=sys.stderr)
    print(json.dumps({"events": expected, "seconds": statistics.median(rounds[1]), "seconds_10_keys": statistics.median(rounds[10])}))


if __name__ == "__main__":
    main()
