// edge_bench: drives the node's engines directly for scripts/bench.sh.
//   edge_bench run --engine E [--cache DIR] FILE.wasm [ARGS...]
//       runs a WASI command (the compute kernel) with stdio passed through; exit code is the module's.
//   edge_bench instantiate --engine E [--cache DIR] [--iterations N] [--url /] FILE.wasm
//       per request: fresh instance + the service's handler (the node's RequestDriver, as in
//       production), timed one by one after a warm-up; prints "p50_us=.. p99_us=.. mean_us=.. status=..".
//   edge_bench request-path --engine E [--cache DIR] [--iterations N] [--url /] FILE.wasm
//       the same from the parsed HTTP request (a Beast request as a client sends it) to the HTTP
//       response object: the node's own steps around the instance path (serve_service_request).
// E is interp, quick (tcc) or aot (the C compiler). The compile cache defaults to a folder under /tmp.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "edge/node/aot_engine.hpp"
#include "edge/node/interp_engine.hpp"
#include "service_table.hpp"
#include "service_log.hpp"
#include "web_server.hpp"

using namespace edge::node;
namespace http = boost::beast::http;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: edge_bench run --engine interp|quick|aot [--cache DIR] FILE.wasm [ARGS...]\n"
               "       edge_bench instantiate|request-path --engine interp|quick|aot [--cache DIR] [--iterations N] "
               "[--url PATH] "
               "FILE.wasm\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string mode = argv[1], engine_name = "aot", cache = "/tmp/edge-bench-aot-cache", url = "/", file;
  int iterations = 2000;
  std::vector<std::string> rest;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (file.empty() && a == "--engine" && i + 1 < argc) engine_name = argv[++i];
    else if (file.empty() && a == "--cache" && i + 1 < argc) cache = argv[++i];
    else if (file.empty() && a == "--iterations" && i + 1 < argc) iterations = std::max(1, std::atoi(argv[++i]));
    else if (file.empty() && a == "--url" && i + 1 < argc) url = argv[++i];
    else if (file.empty()) file = a;
    else rest.push_back(a);
  }
  if (file.empty()) return usage();
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> wasm{std::istreambuf_iterator<char>(in), {}};
  if (wasm.empty()) {
    std::fprintf(stderr, "edge_bench: cannot read %s\n", file.c_str());
    return 1;
  }

  std::unique_ptr<Engine> engine;
  if (engine_name == "interp") {
    engine = make_interp_engine();
  } else if (engine_name == "aot" || engine_name == "quick") {
    AotOptions o;
    o.quick = engine_name == "quick";  // tcc instead of the C compiler
    o.cache_dir = cache;
    o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };  // how instances start
    auto e = make_aot_engine_checked(o);
    if (!e) {
      std::fprintf(stderr, "edge_bench: %s\n", e.error().to_string().c_str());
      return 1;
    }
    engine = std::move(*e);
  } else {
    return usage();
  }
  auto module = engine->load(wasm, "bench");
  if (!module) {
    std::fprintf(stderr, "edge_bench: %s\n", module.error().to_string().c_str());
    return 1;
  }

  if (mode == "run") {
    CommandInvocation inv;
    inv.args = {file};
    inv.args.insert(inv.args.end(), rest.begin(), rest.end());
    auto r = (*module)->run_command(inv);
    std::fflush(stdout);
    if (!r) {
      std::fprintf(stderr, "edge_bench: %s\n", r.error().to_string().c_str());
      return 1;
    }
    return *r;
  }
  if (mode != "instantiate" && mode != "request-path") return usage();

  ServiceContext service;
  service.name = "hello-v1";
  service.env = {{"MCM.BASE_API_PATH", "/bench/hello/v1"}};
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  int status = 0;
  std::function<void()> once = [&] {
    Outcome o = (*module)->handle(service, request);
    status = o.response() ? o.response()->status : -(int(o.failure()->kind) + 1);
  };
  // request-path: what the node does around that for one request, from the request Beast parsed.
  RunningService running;
  running.base_path = "/bench/hello/v1";
  running.module = *module;
  running.log = std::make_shared<FileServiceLog>("/dev/null");
  running.record.name = service.name;
  running.context = service;
  running.context.log = running.log.get();
  ServiceStats stats;
  web::Request client_request{http::verb::get, running.base_path + url, 11};
  client_request.set(http::field::host, "127.0.0.1:8083");
  client_request.set(http::field::user_agent, "wrk");
  client_request.set(http::field::accept, "*/*");
  if (mode == "request-path")
    once = [&] { status = int(serve_service_request(running, stats, client_request, url, nullptr).result_int()); };
  for (int i = 0; i < std::min(200, iterations); ++i) once();  // warm-up: pools, caches
  std::vector<double> us(static_cast<size_t>(iterations));
  for (auto& t : us) {
    auto t0 = std::chrono::steady_clock::now();
    once();
    t = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  }
  std::sort(us.begin(), us.end());
  double mean = 0;
  for (double t : us) mean += t;
  mean /= double(us.size());
  auto pct = [&](double p) { return us[std::min(us.size() - 1, size_t(p * double(us.size())))]; };
  std::printf("p50_us=%.1f p99_us=%.1f mean_us=%.1f status=%d\n", pct(0.50), pct(0.99), mean, status);
  return status == 200 ? 0 : 1;
}
