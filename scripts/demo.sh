#!/usr/bin/env bash
# The main job end to end on the embedded default: set up, build edge, scaffold a service,
# build it, pack it, start a local reference node, deploy, and call the service.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
"$repo/scripts/setup.sh"
"$repo/scripts/build.sh"
bin="$repo/${BUILD_DIR:-build}/bin"
work="$(mktemp -d /tmp/edge-demo-XXXXXX)"
node_pid=""
cleanup() {
  [[ -n "$node_pid" ]] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port="${EDGE_DEMO_PORT:-$(shuf -i 20000-60000 -n 1)}"
echo "==> edge new hello"
"$bin/edge" new hello --dir "$work/hello"
cd "$work/hello"
echo "==> edge build"
"$bin/edge" build
echo "==> edge pack"
"$bin/edge" pack
echo "==> edge-node on 127.0.0.1:$port (data in $work/node)"
"$bin/edge-node" --port "$port" --data-dir "$work/node" >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/node/token" ]] && curl -fsS -o /dev/null -H "Authorization: Bearer $(cat "$work/node/token")" \
    "http://127.0.0.1:$port/mcm/v1/images" 2>/dev/null && break
  sleep 0.1
done
echo "==> edge deploy"
EDGE_NODE_DATA_DIR="$work/node" "$bin/edge" deploy --node "http://127.0.0.1:$port"
client_id="$(cat "$work/node/client-id")"
url="http://127.0.0.1:$port/$client_id/hello/v1/"
echo "==> curl $url"
curl -fsS "$url"
echo
