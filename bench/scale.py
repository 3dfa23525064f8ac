#!/usr/bin/env python3
"""bench/scale.py: how edge-node's cost grows with the number of deployed services (issue 17).

    scale.py --node BUILD/bin/edge-node --wasm hello.wasm --work DIR [--services 1000]
             [--distinct 10] [--requests 2000 | --wrk-seconds 2] [--rounds 3]

Deploys --services services on one node (`--engine auto`, the default), each from its own image;
the images hold --distinct different modules (the hello module with its data segment's default
name "world" varied, so the digests differ), so most services share their module's digest with
others. A second node serves one service of the same module for side-by-side latency rounds.
Prints `scale: NAME = VALUE` lines for scripts/bench.sh:
  deploy_ms_per_service   upload + container start, mean over all services
  idle_service_rss_kb     (RSS with N services - RSS with 1) / (N - 1), the nodes idle
  restart_ms              node start (exec) until every one of the N services has answered 200
  p50_us_1, p50_us_100, p50_us_N   GET on one service over one keep-alive connection (wrk -t1 -c1
                          with --wrk-seconds, else Python timing --requests), best of --rounds
  p50_ratio_N_vs_1        p50 with N deployed / p50 on the one-service node, rounds interleaved
  threads_1, threads_N    the node's threads (/proc/PID/task) with 1 and N services
Only the standard library (and wrk if asked): it runs wherever scripts/bench.sh does.
"""
import argparse
import hashlib
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time

TOKEN = "bench-token"
CLIENT = "bench"
EPOCH = "1970-01-01T00:00:00Z"
WRK_SECONDS = 0  # > 0: latency rounds by wrk (--wrk-seconds)


def say(name, value):
    print(f"scale: {name} = {value}", flush=True)


def variant(wasm: bytes, i: int) -> bytes:
    """The module with its data segment's "world" replaced by a 5-character tag of i (same size)."""
    if i == 0:
        return wasm
    tag = b"w%04d" % i
    at = wasm.find(b"world")
    if at < 0:
        sys.exit("scale: the module has no 'world' in its data to vary")
    return wasm[:at] + tag + wasm[at + 5:]


def tar_bytes(files):
    """An uncompressed tar of (name, bytes or None for a folder), in order, as edge pack writes."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def image_tar(name: str, version: str, module: bytes) -> bytes:
    """A docker-save image around `module`: what cli/core/src/image.cpp's write_image produces."""
    layer = tar_bytes([("index.wasm", module)])
    layer_id = hashlib.sha256(layer).hexdigest()
    tag = f"{name}:{version}"
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": EPOCH,
                         "config": {"Labels": {"edge.runtime": "wasm"}},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_id]}}).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_json = json.dumps({"id": layer_id, "created": EPOCH, "architecture": "amd64", "os": "linux"}).encode()
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": [layer_id + "/layer.tar"]}]).encode()
    repositories = json.dumps({name: {"latest": layer_id}}).encode()
    return tar_bytes([(layer_id, None), (layer_id + "/VERSION", b"1.0"), (layer_id + "/json", layer_json),
                      (layer_id + "/layer.tar", layer), (config_name, config), ("manifest.json", manifest),
                      ("repositories", repositories)])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Node:
    def __init__(self, binary, data_dir, log):
        self.binary, self.data_dir, self.log, self.port, self.proc = binary, data_dir, log, free_port(), None

    def start(self):
        """Spawns the node; returns at once (wait_up() waits for its API)."""
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--port", str(self.port), "--host", "127.0.0.1", "--data-dir", self.data_dir,
             "--token", TOKEN, "--client-id", CLIENT, "--engine", "auto"],
            stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)

    def wait_up(self, seconds=60):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                if self.conn().get("/healthz")[0] == 200:
                    return True
            except OSError:
                pass
            if self.proc.poll() is not None:
                return False
            time.sleep(0.005)
        return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def status(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def threads(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/task"))

    def conn(self):
        return Conn(self.port)


class Conn:
    """One keep-alive connection; get/post return (status, body)."""

    def __init__(self, port):
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                return r.status, r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.c.close()  # the node closed a connection left idle: a new one, once
                if attempt:
                    raise

    def get(self, path):
        return self.request("GET", path)

    def mcm(self, method, path, body, content_type):
        return self.request(method, path, body, {"Authorization": "Bearer " + TOKEN, "Content-Type": content_type})


def deploy(conn, i, module):
    """Uploads service i's image and starts its container; (ms, error or None)."""
    name = f"svc{i:04d}-v1"
    boundary = "edgebenchboundary"
    tar = image_tar(name, "1.0.0", module)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"image.tar\"\r\n"
            f"Content-Type: application/x-tar\r\n\r\n").encode() + tar + f"\r\n--{boundary}--\r\n".encode()
    start = json.dumps({"name": name, "image": name, "env": {"MCM.BASE_API_PATH": f"/svc{i:04d}/v1"}})
    t0 = time.perf_counter()
    status, reply = conn.mcm("POST", "/mcm/v1/images", body, "multipart/form-data; boundary=" + boundary)
    if status == 200:
        status, reply = conn.mcm("POST", "/mcm/v1/containers", start, "application/json")
    ms = (time.perf_counter() - t0) * 1000
    return ms, None if status == 200 else f"{name}: {status} {reply[:200]!r}"


def path_of(i):
    return f"/{CLIENT}/svc{i:04d}/v1/"


def wait_compiled(node, seconds):
    """Waits until every container runs compiled or its module stays on the interpreter (engineNote)."""
    end, conn = time.monotonic() + seconds, node.conn()
    while time.monotonic() < end:
        status, body = conn.mcm("GET", "/mcm/v1/containers", None, "application/json")
        data = json.loads(body).get("data", []) if status == 200 else []
        if data and all(c.get("engine") == "aot" or c.get("engineNote") for c in data):
            return True
        time.sleep(0.5)
    return False


def wrk_p50_us(port, path, seconds):
    """wrk's median over one connection for `seconds`: its client costs a few microseconds where
    Python's costs a hundred, so the node's own share of a request shows."""
    out = subprocess.run(["wrk", "-t1", "-c1", f"-d{max(1, round(seconds))}s", "--latency", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        sys.exit(f"scale: {path} answered errors under wrk:\n{out}")
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "50%":
            value = parts[1]
            for unit, scale in (("us", 1.0), ("ms", 1000.0), ("s", 1e6)):
                if value.endswith(unit):
                    return float(value[:-len(unit)]) * scale
    sys.exit("scale: no median in wrk's output:\n" + out)


def p50_us(conn, path, requests):
    if WRK_SECONDS:
        return wrk_p50_us(conn.port, path, WRK_SECONDS)
    times = []
    for _ in range(requests):
        t0 = time.perf_counter_ns()
        status, _ = conn.get(path)
        times.append(time.perf_counter_ns() - t0)
        if status != 200:
            sys.exit(f"scale: {path} answered {status}")
    times.sort()
    return times[len(times) // 2] / 1000.0


def interleaved_p50(one, many, requests, rounds):
    """Best p50 of each side over rounds that alternate between them (load hits both alike)."""
    a, b = one.conn(), many.conn()
    if not WRK_SECONDS:  # (wrk warms its connection itself)
        p50_us(a, path_of(0), requests // 4)
        p50_us(b, path_of(0), requests // 4)
    best_one = best_many = float("inf")
    for _ in range(rounds):
        best_one = min(best_one, p50_us(a, path_of(0), requests))
        best_many = min(best_many, p50_us(b, path_of(0), requests))
    return best_one, best_many


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", required=True)
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--distinct", type=int, default=10)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--wrk-seconds", type=float, default=0,
                    help="time latency rounds with wrk (one connection) for this long instead of --requests in Python")
    ap.add_argument("--compile-wait", type=float, default=300, help="seconds to wait for the compiled tier")
    args = ap.parse_args()
    global WRK_SECONDS
    WRK_SECONDS = args.wrk_seconds if args.wrk_seconds and shutil.which("wrk") else 0
    say("client", "wrk" if WRK_SECONDS else "python")
    n, distinct = args.services, max(1, min(args.distinct, args.services))
    base = open(args.wasm, "rb").read()
    modules = [variant(base, d) for d in range(distinct)]
    os.makedirs(args.work, exist_ok=True)

    one = Node(args.node, os.path.join(args.work, "node-one"), os.path.join(args.work, "node-one.log"))
    many = Node(args.node, os.path.join(args.work, "node-many"), os.path.join(args.work, "node-many.log"))
    try:
        for node in (one, many):
            if node is many:  # the first module's compile, done once: both nodes use the same
                shutil.copytree(os.path.join(one.data_dir, "aot-cache"), os.path.join(many.data_dir, "aot-cache"))
            node.start()
            if not node.wait_up():
                sys.exit(f"scale: the node did not start (see {node.log})")
            ms, err = deploy(node.conn(), 0, modules[0])
            if err:
                sys.exit("scale: deploy failed: " + err)
            wait_compiled(node, args.compile_wait)
        say("rss_kb_0", many.status("VmRSS"))
        p1_one, p1_many = interleaved_p50(one, many, args.requests, args.rounds)
        rss_1, threads_1 = many.status("VmRSS"), many.threads()
        say("p50_us_1", f"{p1_many:.1f}")
        say("threads_1", threads_1)

        conn, deploy_ms, results = many.conn(), [], {}
        for stage in sorted({min(100, n), n}):
            for i in range(len(deploy_ms) + 1, stage):
                ms, err = deploy(conn, i, modules[i % distinct])
                if err:
                    sys.exit("scale: deploy failed: " + err)
                deploy_ms.append(ms)
            compiled = wait_compiled(many, args.compile_wait)
            one_us, many_us = interleaved_p50(one, many, args.requests, args.rounds)
            results[stage] = (one_us, many_us, compiled)
            say(f"p50_us_{stage}", f"{many_us:.1f}")
            say(f"p50_one_service_node_us_{stage}", f"{one_us:.1f}")
        deploy_ms = deploy_ms or [ms]
        say("deploy_ms_per_service", f"{sum(deploy_ms) / len(deploy_ms):.2f}")
        say("deploy_ms_max", f"{max(deploy_ms):.2f}")
        time.sleep(1)  # idle: the compile worker and the access log settle
        rss_n = many.status("VmRSS")
        say(f"rss_kb_{n}", rss_n)
        say(f"threads_{n}", many.threads())
        say("idle_service_rss_kb", f"{(rss_n - rss_1) / max(1, n - 1):.1f}")
        one_us, many_us, compiled = results[n]
        say(f"p50_ratio_{n}_vs_1", f"{many_us / one_us:.3f}")
        say("all_compiled", "yes" if compiled else "no")

        # Restart: exec until every service has answered 200 once.
        many.stop()
        t0 = time.perf_counter()
        many.start()
        if not many.wait_up(120):
            sys.exit(f"scale: the node did not restart (see {many.log})")
        up_ms = (time.perf_counter() - t0) * 1000
        conn, pending = many.conn(), list(range(n))
        while pending:
            left = []
            for i in pending:
                try:
                    status, _ = conn.get(path_of(i))
                except OSError:
                    conn, status = many.conn(), 0
                if status != 200:
                    left.append(i)
            pending = left
            if pending and time.perf_counter() - t0 > 120:
                sys.exit(f"scale: {len(pending)} services did not answer within 120 s of the restart")
        say("restart_listening_ms", f"{up_ms:.0f}")
        say("restart_ms", f"{(time.perf_counter() - t0) * 1000:.0f}")
        say("restart_rss_kb", many.status("VmRSS"))
    finally:
        one.stop()
        many.stop()


if __name__ == "__main__":
    main()
