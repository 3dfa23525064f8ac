#!/usr/bin/env python3
"""A looping neighbour for scripts/bench.sh (issue 28).

Deploys the tests' probe module beside hello on a running node and keeps CAP requests to its
/loop route in flight (each an endless loop, ended by the node at the service's 2 s limit) until
it is killed: a service at its concurrency cap, doing its worst. scripts/bench.sh measures hello's
p99 meanwhile (hello_p99_ms_with_looping_neighbour). Prints "ready" once the loops run.

usage: looping_neighbour.py PORT TOKEN CLIENT_ID PROBE_WASM CAP
"""
import json
import sys
import threading
import time

from footprint import http, image_tar, multipart


def call(port, token, method, path, body=None, content_type=None):
    try:
        return http(port, method, path, body, content_type, timeout=30, token=token)
    except OSError:  # refused, reset or timed out: the loops go on
        return 0, b""


def main():
    port, token, client, wasm_path, cap = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    with open(wasm_path, "rb") as f:
        body, content_type = multipart("image", "looper.tar", image_tar("looper-v1", f.read()))
    status, text = call(port, token, "POST", "/mcm/v1/images", body, content_type)
    if status != 200:
        sys.exit(f"looping_neighbour: upload answered {status}: {text[:200]!r}")
    env = {"MCM.BASE_API_PATH": "/looper/v1", "MCM.MAX_CONCURRENCY": str(cap), "MCM.MAX_EXECUTION_TIME_SEC": "2"}
    status, text = call(port, token, "POST", "/mcm/v1/containers",
                        json.dumps({"name": "looper-v1", "image": "looper-v1", "env": env}).encode(), "application/json")
    if status != 200:
        sys.exit(f"looping_neighbour: start answered {status}: {text[:200]!r}")
    base = f"/{client}/looper/v1"
    for _ in range(300):
        if 200 <= call(port, token, "GET", base + "/hello")[0] < 300:  # the probe answers 201
            break
        time.sleep(0.1)

    def loop_forever():
        while True:
            call(port, token, "GET", base + "/loop")

    for _ in range(cap):
        threading.Thread(target=loop_forever, daemon=True).start()
    time.sleep(0.5)  # every loop holds its slot
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
