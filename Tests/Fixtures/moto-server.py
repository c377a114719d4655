#!/usr/bin/env python3
"""A real S3 and SQS endpoint for the tests: moto's server (PyPI `moto[server]`) on a loopback port.

    python3 Tests/Fixtures/moto-server.py --port 5123

Prints READY once it listens, then serves until killed. Nothing when moto is missing
(`pip install 'moto[server]'`), which the tests report.
"""
import argparse
import sys
import time

from moto.server import ThreadedMotoServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
arguments = parser.parse_args()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=arguments.port, verbose=False)
server.start()
print("READY", flush=True)
while True:
    time.sleep(3600)
