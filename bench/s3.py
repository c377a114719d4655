"""The bench corpus in a real S3 endpoint: moto's server (PyPI `moto[server]`, which `make test` installs)
on a loopback port, every file of the corpus uploaded under its path as key (boto3, untimed), for
`keywatch ingest s3://bench/` to read beside `keywatch ingest` of the same files from disk.

moto is a Python server: what it measures is keywatch's side (listing, fetching one object at a time,
decoding) plus moto's, a floor AWS does not have.
"""
import os
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def serve(corpus):
    """Starts moto's server with `corpus` uploaded to the bucket `bench`; returns (endpoint, stop)."""
    try:
        import boto3
        import moto.server  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "moto[server]"], check=True)
        import boto3
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "..", "Tests", "Fixtures", "moto-server.py"), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if not server.stdout.readline().startswith(b"READY"):
        sys.exit("moto's server did not start (pip install 'moto[server]')")
    endpoint = f"http://127.0.0.1:{port}"
    # Any credentials: moto takes them all; keywatch reads them from the environment.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIABENCH")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    client.create_bucket(Bucket="bench")
    for directory, _, files in os.walk(corpus):
        for name in files:
            path = os.path.join(directory, name)
            client.upload_file(path, "bench", os.path.relpath(path, corpus))

    def stop():
        server.kill()
        server.wait()
    return endpoint, stop
