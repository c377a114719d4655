#!/usr/bin/env python3
"""The daemon's numbers: sustained tailing (events/s), append-to-alert latency (p50/p99) and
HTTP push (events/s in batches of 500, one client and four). Run by `make bench` (bench/bench.py)
after the release build, or alone:

    python3 bench/daemon.py .build/release/keywatch bench/.corpus/logs [runs]

Each of `runs` rounds (default 3) measures every case once, so the cases alternate; tailing and
push report the median round, latency the percentiles of all rounds' samples. The last line
printed is the same numbers as JSON, for bench.py.
"""
import json, os, random, urllib.error, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

KEYWATCH = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/keywatch")
CORPUS = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "bench/.corpus/logs")
RULES = os.path.abspath("rules")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(work, tail, port, sinks="json"):
    with open(os.path.join(work, "k.yaml"), "w") as f:
        f.write(f"db: ./k.db\nrules: {RULES}\ntail:\n  - path: {tail}\n"
                f"http: {{listen: \"127.0.0.1:{port}\", max_body: 64MiB}}\nsinks:\n  - stdout: {{format: {sinks}}}\n")
    out = open(os.path.join(work, "stdout.txt"), "wb")
    err = open(os.path.join(work, "stderr.txt"), "wb")
    process = subprocess.Popen([KEYWATCH, "run", "--config", "k.yaml"], cwd=work, stdout=out, stderr=err)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return process
        except Exception:
            time.sleep(0.05)
    raise SystemExit("the daemon did not start: " + open(os.path.join(work, "stderr.txt")).read())


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        name, value = line.rsplit(" ", 1)
        base = name.split("{")[0]
        values[base] = values.get(base, 0) + float(value)
    return values


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def tailing():
    work = tempfile.mkdtemp(prefix="kw-bench-")
    port = free_port()
    started = time.time()
    process = start(work, CORPUS, port)
    last, last_change = -1, time.time()
    progress = []
    while True:
        m = metrics(port)
        seen = m.get("keywatch_events_total", 0) + m.get("keywatch_duplicates_total", 0)
        progress.append((time.time() - started, seen))
        if seen != last:
            last, last_change = seen, time.time()
        # Done when nothing new arrived for 15 s: gzip files wait for their trailer, and a
        # commit can pause (a checkpoint), so a short quiet spell is not the end.
        elif time.time() - last_change > 15 and m.get("keywatch_bytes_behind", 1) == 0 and seen > 0:
            break
        time.sleep(0.1)
    if os.environ.get("BENCH_PROGRESS"):
        for t, n in progress[::10]:
            print(f"  {t:6.1f} s  {int(n):>9,} events", file=sys.stderr)
    seconds = last_change - started
    stop(process)
    shutil.rmtree(work)
    return last, seconds


def denied_line(n):
    t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".0000000Z"
    return json.dumps({
        "time": t, "category": "AuditEvent", "operationName": "SecretGet",
        "resourceId": "/SUBSCRIPTIONS/B/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-BENCH",
        "resultType": "Success", "resultSignature": "Forbidden", "correlationId": f"lat-{n}-{random.random()}",
        "callerIpAddress": "10.1.1.1",
        "identity": {"claim": {"oid": f"bench-principal-{n}", "idtyp": "app"}},
        "properties": {"id": f"https://kv-bench.vault.azure.net/secrets/s{n}", "httpStatusCode": 403,
                       "isRbacAuthorized": True}}) + "\n"


def latency(samples=100):
    """Seconds from appending each of `samples` denied calls to a tailed file to its alert on stdout."""
    work = tempfile.mkdtemp(prefix="kw-bench-")
    logs = os.path.join(work, "logs")
    os.makedirs(logs)
    path = os.path.join(logs, "PT1H.json")
    open(path, "w").close()
    port = free_port()
    process = start(work, logs, port, sinks="json")
    time.sleep(1)
    out = open(os.path.join(work, "stdout.txt"))
    out.seek(0, 2)
    delays = []
    with open(path, "a") as f:
        for n in range(samples):
            f.write(denied_line(n))
            f.flush()
            appended = time.time()
            buffer = ""
            while f"bench-principal-{n}" not in buffer:
                chunk = out.read()
                if chunk:
                    buffer += chunk
                elif time.time() - appended > 10:
                    break
                else:
                    time.sleep(0.001)
            delays.append(time.time() - appended)
            time.sleep(0.02)
    stop(process)
    shutil.rmtree(work)
    return delays


def push(batches=200, size=500, clients=1):
    work = tempfile.mkdtemp(prefix="kw-bench-")
    logs = os.path.join(work, "logs")
    os.makedirs(logs)
    port = free_port()
    process = start(work, logs, port)
    bodies = []
    for b in range(batches):
        lines = []
        for i in range(size):
            n = b * size + i
            lines.append(json.dumps({
                "time": "2026-11-20T10:%02d:%02d.%06d0Z" % (n // 60000 % 60, n // 1000 % 60, n % 1000),
                "category": "AuditEvent", "operationName": "SecretGet",
                "resourceId": "/SUBSCRIPTIONS/B/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PUSH",
                "resultType": "Success", "correlationId": f"push-{n}", "callerIpAddress": "10.2.2.2",
                "identity": {"claim": {"oid": f"p{n % 100}", "idtyp": "app"}},
                "properties": {"id": f"https://kv-push.vault.azure.net/secrets/s{n % 50}", "httpStatusCode": 200}}))
        bodies.append("\n".join(lines).encode())
    import threading
    totals = [0] * clients

    def client(k):
        for body in bodies[k::clients]:
            while True:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/events", data=body, method="POST")
                try:
                    totals[k] += json.loads(urllib.request.urlopen(request, timeout=30).read())["accepted"]
                    break
                except urllib.error.HTTPError as error:
                    if error.code != 503:
                        raise
                    time.sleep(float(error.headers.get("Retry-After", "1")))

    started = time.time()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = sum(totals)
    seconds = time.time() - started
    stop(process)
    shutil.rmtree(work)
    return accepted, seconds


def main():
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rates = {"tailing": [], "push_1": [], "push_4": []}
    delays = []
    for _ in range(runs):
        events, seconds = tailing()
        rates["tailing"].append(events / seconds)
        print(f"tailing: {int(events)} events in {seconds:.2f} s = {events / seconds:,.0f} events/s")
        delays += latency()
        for clients in (1, 4):
            accepted, seconds = push(clients=clients)
            rates[f"push_{clients}"].append(accepted / seconds)
            print(f"HTTP push (batches of 500, {clients} client{'s' if clients > 1 else ''}): {accepted} events in {seconds:.2f} s"
                  f" = {accepted / seconds:,.0f} events/s")
    delays.sort()
    p50, p99 = delays[len(delays) // 2], delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(f"append-to-alert: {len(delays)} alerts, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    result = {name: round(statistics.median(values)) for name, values in rates.items()}
    result.update(tailed_events=int(events), latency_samples=len(delays),
                  latency_p50_ms=round(p50 * 1000, 1), latency_p99_ms=round(p99 * 1000, 1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
