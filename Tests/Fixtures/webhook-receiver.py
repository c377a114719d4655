#!/usr/bin/env python3
"""A real HTTP receiver for keywatch's webhook tests, in a process of its own.

    webhook-receiver.py --log FILE [--gate FILE] REPLY...

Listens on a free loopback port and prints `READY <port>`. Each POST is answered by the REPLY
at the position of the attempt among requests with the same `webhook-id` (the last REPLY
repeats): `500`, `204`, `429:retry-after=2`, `400:body=unknown channel`, `hang:30` (answer
after 30 s). With --gate, every request is answered 500 until the gate file exists. Each
request is appended to FILE as one JSON line (headers lower-cased, body base64, time
received, status answered; 0 for a hang) before it is answered.
"""
import argparse
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--gate")
    parser.add_argument("replies", nargs="+")
    args = parser.parse_args()
    lock = threading.Lock()
    attempts = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with lock:
                id = headers.get("webhook-id", "")
                attempt = attempts.get(id, 0)
                attempts[id] = attempt + 1
            spec = args.replies[min(attempt, len(args.replies) - 1)]
            if args.gate and not os.path.exists(args.gate):
                spec = "500"
            kind, _, option = spec.partition(":")
            status = 0 if kind == "hang" else int(kind)
            with lock, open(args.log, "a") as log:
                log.write(json.dumps({"headers": headers, "body": base64.b64encode(body).decode(),
                                      "received": time.time(), "answered": status}) + "\n")
            if kind == "hang":
                time.sleep(float(option))
                status = 200
            extra = {}
            text = b""
            if option.startswith("retry-after="):
                extra["Retry-After"] = option.split("=", 1)[1]
            if option.startswith("body="):
                text = option.split("=", 1)[1].encode()
            try:
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
            except OSError:
                pass  # the client gave up (a hang past its timeout)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
