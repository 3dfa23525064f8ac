#!/usr/bin/env python3
"""The node's footprint, for sizing a board (docs/benchmarks.md, "ARM"): scripts/cross.sh runs it
against a cross-built node under qemu-user; it runs as well against build/bin on x86-64.

  bench/footprint.py BIN_DIR TEST_WASM_DIR SHA256_WASM [--cc CC]

Prints `footprint: NAME = VALUE UNIT` lines:
  rss_idle_mib          the node's resident memory, started and idle (engine auto)
  rss_10_services_mib   with 10 services of the hello template deployed, each having answered
                        requests on the compiled tier
  compile_peak_mib_*    the largest resident size of the compile worker and the C compiler it
                        runs, compiling the largest template (rest-kv) and a 500 KiB C++ module
  compile_s_*           that compile's wall time
  sha256_ms_aot, sha256_ms_interp, interp_vs_aot
                        bench/kernels/sha256.cpp through `edge-node run` on the compiled tier
                        (1 MiB) and the interpreter (64 KiB), compared per KiB (the kernel's own
                        timing: neither start-up nor compilation counted)
Under qemu-user the resident sizes include the emulator's own (its translated-code cache).
"""
import io
import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import hashlib


def tar_bytes(files):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            if data is None:
                info = tarfile.TarInfo(name)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def image_tar(name, wasm):
    """The image `edge pack` writes (cli/core/src/image.cpp), as docker save lays it out."""
    layer = tar_bytes([("index.wasm", wasm)])
    layer_id = hashlib.sha256(layer).hexdigest()
    epoch = "1970-01-01T00:00:00Z"
    cc = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": [""], "Labels": None}
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": epoch, "config": cc,
                         "container_config": cc, "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_id]},
                         "history": [{"created": epoch, "created_by": "edge pack"}]}, sort_keys=True)
    config_name = hashlib.sha256(config.encode()).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [name + ":1.0.0"], "Layers": [layer_id + "/layer.tar"]}]
    return tar_bytes([(layer_id, None), (layer_id + "/VERSION", b"1.0"),
                      (layer_id + "/json", json.dumps({"id": layer_id, "created": epoch}).encode()),
                      (layer_id + "/layer.tar", layer), (config_name, config.encode()),
                      ("manifest.json", json.dumps(manifest).encode()),
                      ("repositories", json.dumps({name: {"latest": layer_id}}).encode())])


def http(port, method, path, body=None, content_type=None, timeout=60, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def multipart(field, filename, data):
    boundary = "edgefootprint"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/tar\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report(name, value, unit):
    print(f"footprint: {name} = {value:.1f} {unit}", flush=True)


def node_figures(bin_dir, wasm_dir, env):
    port = free_port()
    data = tempfile.mkdtemp(prefix="edge-footprint-")
    node = subprocess.Popen([os.path.join(bin_dir, "edge-node"), "--port", str(port), "--no-auth", "--client-id", "fp",
                             "--data-dir", data, "--engine", "auto"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if http(port, "GET", "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        time.sleep(3)
        report("rss_idle_mib", rss_mib(node.pid), "MiB")
        wasm = open(os.path.join(wasm_dir, "template_hello.wasm"), "rb").read()
        for i in range(10):
            # Ten different modules (a custom section tells them apart), so ten compiles and ten
            # shared objects, as ten real services would have.
            name = b"edge.footprint"
            payload = bytes([len(name)]) + name + bytes([i])
            module = wasm + b"\x00" + bytes([len(payload)]) + payload
            body, ctype = multipart("image", "image.tar", image_tar(f"hello{i}-v1", module))
            status, text = http(port, "POST", "/mcm/v1/images", body, ctype)
            assert status in (200, 201), (status, text)
            spec = {"name": f"hello{i}-v1", "image": f"hello{i}-v1", "env": {"MCM.BASE_API_PATH": f"/hello{i}/v1"}}
            status, text = http(port, "POST", "/mcm/v1/containers", json.dumps(spec).encode(), "application/json")
            assert status in (200, 201), (status, text)
        # Each answers on the compiled tier.
        deadline = time.time() + 600
        while time.time() < deadline:
            for i in range(10):
                http(port, "GET", f"/fp/hello{i}/v1/")
            containers = json.loads(http(port, "GET", "/mcm/v1/containers")[1])["data"]
            if containers and all(c.get("engine") == "aot" for c in containers):
                break
            time.sleep(1)
        for _ in range(20):
            for i in range(10):
                assert http(port, "GET", f"/fp/hello{i}/v1/")[0] == 200
        report("rss_10_services_mib", rss_mib(node.pid), "MiB")
    finally:
        node.terminate()
        node.wait(timeout=30)


def compile_figures(bin_dir, wasm_dir, cc):
    """edge-aot-compile as the node runs it (compiler.cpp), with a budget that never binds, on the
    largest template and on the engine tests' probe (a 500 KiB C++ service using nlohmann/json)."""
    for stem in ("template_rest-kv", "engine_probe"):
        work = tempfile.mkdtemp(prefix="edge-footprint-compile-")
        wasm = os.path.join(wasm_dir, stem + ".wasm")
        with open(wasm, "rb") as src, open(os.path.join(work, "module.wasm"), "wb") as dst:
            dst.write(src.read())
        # A child of its own, so that its peak (RUSAGE_CHILDREN: the largest of the worker and
        # the C compiler it waits for) is not another compile's.
        probe = ("import resource, subprocess, sys, time\n"
                 "t0 = time.time()\n"
                 "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
                 "print(r.returncode, time.time() - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                 "sys.stderr.write(r.stderr)\n")
        r = subprocess.run([sys.executable, "-c", probe, os.path.join(bin_dir, "edge-aot-compile"), work, "600", "8192",
                            cc, "-O2"], capture_output=True, text=True)
        rc, elapsed, peak_kib = r.stdout.split()
        if rc != "0":
            sys.exit(f"footprint: the compile of {stem} failed: {r.stderr}")
        label = f"{stem}, {os.path.getsize(wasm) // 1024} KiB of Wasm"
        report(f"compile_peak_mib_{stem}", int(peak_kib) / 1024, f"MiB ({label})")
        report(f"compile_s_{stem}", float(elapsed), "s")


def compute_figures(bin_dir, sha_wasm, env):
    ms = {}
    kib = {"aot": 1024, "interp": 64}  # the interpreter on less, as scripts/bench.sh does; compared per KiB
    for engine in ("aot", "interp"):
        r = subprocess.run([os.path.join(bin_dir, "edge-node"), "run", "--engine", engine, sha_wasm, str(kib[engine])],
                           env=env, capture_output=True, text=True, timeout=1800)
        m = re.search(r"compute_ms=([0-9.]+)", r.stdout)
        if not m:
            sys.exit(f"footprint: sha256 on {engine}: {r.stdout} {r.stderr}")
        ms[engine] = float(m.group(1))
        report(f"sha256_ms_{engine}", ms[engine], f"ms ({kib[engine]} KiB)")
    report("interp_vs_aot", (ms["interp"] / kib["interp"]) / (ms["aot"] / kib["aot"]), "x slower, per KiB")


def main():
    args = sys.argv[1:]
    cc = os.environ.get("CC", "cc")
    if "--cc" in args:
        i = args.index("--cc")
        cc = args[i + 1]
        del args[i:i + 2]
    bin_dir, wasm_dir, sha_wasm = args
    env = dict(os.environ, CC=cc)
    node_figures(bin_dir, wasm_dir, env)
    compile_figures(bin_dir, wasm_dir, cc)
    compute_figures(bin_dir, sha_wasm, env)


if __name__ == "__main__":
    main()
