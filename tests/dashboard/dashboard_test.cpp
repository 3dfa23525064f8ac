// The node dashboard end to end: a real edge-node, a service deployed over the mCM API and
// called over HTTP, then the page at `/` of the dashboard port loaded in headless Chromium. The assertions read the
// DOM after the page's script ran: what a person would see.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <thread>
#include <sstream>

#include <unistd.h>

#include "node_test_util.hpp"

namespace {
using namespace edge::test;
using namespace edge::test::node;
namespace fs = std::filesystem;

const char* const kService = "dashboard-greeter-v1";
const char* const kLogLine = "dashboard-greeter served a request";

// Debian's chromium; empty when it is not installed.
fs::path find_chromium() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    for (const char* name : {"chromium", "chromium-browser"})
      if (fs::path p = fs::path(dir) / name; !dir.empty() && ::access(p.c_str(), X_OK) == 0) return p;
  return {};
}

// The DOM of `url` after its scripts ran for 5 s of virtual time (fetches included). With a
// `profile`, the browser keeps its storage there from one call to the next.
std::string rendered_dom(const std::string& url, const fs::path& profile_dir = {}) {
  fs::path chromium = find_chromium();
  REQUIRE_MESSAGE(!chromium.empty(),
                  "chromium is not installed: the dashboard test needs a headless browser. Install it with "
                  "`sudo apt-get install chromium` (scripts/setup.sh lists it)");
  TempDir profile;  // a fresh profile and HOME: nothing from the user's browser, nothing left behind
  auto r = run({chromium.string(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + (profile_dir.empty() ? profile / "profile" : profile_dir).string(),
                "--virtual-time-budget=5000", "--dump-dom", url},
               {}, {{"HOME", profile.path().string()}}, 120);
  INFO("chromium stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// A screenshot of `url` as a person would see it, kept under the build tree's test-artifacts/
// (the test prints where): what the page looks like, beside what its DOM says.
fs::path screenshot(const std::string& url, const std::string& name) {
  fs::path chromium = find_chromium();
  REQUIRE(!chromium.empty());
  fs::create_directories(EDGE_TEST_ARTIFACTS_DIR);
  const fs::path png = fs::path(EDGE_TEST_ARTIFACTS_DIR) / (name + ".png");
  fs::remove(png);
  TempDir profile;
  auto r = run({chromium.string(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--user-data-dir=" + (profile / "profile").string(), "--virtual-time-budget=5000",
                "--window-size=1280,1100", "--screenshot=" + png.string(), url},
               {}, {{"HOME", profile.path().string()}}, 120);
  INFO("chromium stderr: " << r.err);
  CHECK(r.exit_code == 0);
  return png;
}

// The deployed service, called `calls` times.
void deploy_and_call(NodeProcess& node, int calls) {
  auto cli = client(node);
  auto up = upload(*cli, image_tar(kService, "1.0.0", test_module("dashboard_greeter")));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  auto started = start_container(*cli, kService);
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);
  httplib::Client service("127.0.0.1", node.port());
  for (int i = 0; i < calls; ++i) {
    auto res = service.Get(service_path(node, "/dashboard-greeter/v1/hello"));
    REQUIRE(res);
    REQUIRE(res->status == 200);
  }
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The number a stat tile shows (`<span class="value" data-testid="requests">7</span>`), -1 if absent.
long shown_number(const std::string& dom, const std::string& testid) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex("data-testid=\"" + testid + "\">([0-9]+)<"))) return -1;
  return std::stol(m[1]);
}

}  // namespace

TEST_CASE("the dashboard shows a deployed service: URL, request count, latency and log lines") {
  TempDir data;
  NodeProcess::Options o = node_options(data.path());
  o.token = "";  // --no-auth: the page needs no token
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  const int calls = 5;
  deploy_and_call(node, calls);

  // The node's own `/` sends a browser to the dashboard's port.
  std::string dom = rendered_dom(node.url() + "/");
  INFO("DOM: " << dom);
  CHECK(dom.find("data-service=\"" + std::string(kService) + "\"") != std::string::npos);
  CHECK(dom.find(">" + std::string(kService) + "</h2>") != std::string::npos);
  CHECK(dom.find(node.url() + "/test-client/dashboard-greeter/v1/") != std::string::npos);
  CHECK(shown_number(dom, "requests") >= calls);
  CHECK(dom.find(kLogLine) != std::string::npos);
  CHECK(std::regex_search(dom, std::regex(R"(data-testid="p50">[0-9.]+ ms<)")));
  CHECK(dom.find("cannot reach the node") == std::string::npos);
  CHECK(dom.find("token needed") == std::string::npos);
}

TEST_CASE("with many services the dashboard reads the logs of those on screen, not every log each refresh") {
  TempDir data;
  NodeProcess::Options o = node_options(data.path());
  o.token = "";
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  deploy_and_call(node, 2);  // "dashboard-greeter-v1": sorted first, on screen, its log shown
  auto cli = client(node);
  constexpr int kMore = 40;
  for (int i = 0; i < kMore; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "zz-quiet-%02d", i);  // sorted after the greeter
    auto up = upload(*cli, image_tar(name, "1.0.0", test_module("dashboard_greeter")));
    REQUIRE(up);
    REQUIRE_MESSAGE(up->status == 200, up->body);
    auto started = start_container(*cli, name, {{"MCM.BASE_API_PATH", "/" + std::string(name) + "/v1"}});
    REQUIRE(started);
    REQUIRE_MESSAGE(started->status == 200, started->body);
  }

  const size_t log_reads_before = count_of(node.log(), "/logs 200");
  const std::string dom = rendered_dom(node.url() + "/");
  INFO("DOM: " << dom.substr(0, 4000));
  CHECK(dom.find("data-service=\"zz-quiet-39\"") != std::string::npos);                  // every service has its card
  CHECK(dom.find(kLogLine) != std::string::npos);                                        // the first one's log is shown
  CHECK(dom.find("the log loads when this service is on screen") != std::string::npos);  // the last ones wait
  // The page refreshes about twice in the browser's 5 s; reading every log each time would be
  // 2 x 41. What it reads: the first 12 and those on screen, per refresh.
  const size_t log_reads = count_of(node.log(), "/logs 200") - log_reads_before;
  MESSAGE("41 services: the dashboard read " << log_reads << " logs while it was open");
  CHECK(log_reads >= 1);
  CHECK(log_reads < size_t(kMore + 1));
}

TEST_CASE("the dashboard tells each service's version, image, deploy time, tier and env, flags 5xx, offers actions") {
  TempDir data;
  NodeProcess::Options o = node_options(data.path());
  o.token = "";
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  deploy_and_call(node, 3);
  // A second service that fails every request (a trap: 500), with a secret in its env.
  auto cli = client(node);
  auto up = upload(*cli, image_tar("crasher-v1", "2.3.4", test_module("node_trap")));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  const std::string digest = nlohmann::json::parse(up->body).value("digest", "");
  REQUIRE(digest.starts_with("sha256:"));
  auto started = start_container(
      *cli, "crasher-v1", {{"MCM.BASE_API_PATH", "/crasher/v1"}, {"GREETING", "hej"}, {"API_TOKEN", "s3cret-value"}});
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);
  httplib::Client service("127.0.0.1", node.port());
  for (int i = 0; i < 2; ++i) {
    auto res = service.Get(service_path(node, "/crasher/v1/x"));
    REQUIRE(res);
    CHECK(res->status == 500);
  }

  {  // (a scope: the DOM is context for these checks only, not for the screenshot's message)
    const std::string dom = rendered_dom(node.url() + "/");
    INFO("DOM: " << dom);
    // The crasher's card: everything below is inside it (cards are sorted by name: crasher first).
    const auto card_at = dom.find("data-service=\"crasher-v1\"");
    REQUIRE(card_at != std::string::npos);
    const std::string card = dom.substr(card_at, dom.find("data-service=\"" + std::string(kService) + "\"") - card_at);
    CHECK(dom.find("<section class=\"service has-5xx\" data-service=\"crasher-v1\"") != std::string::npos);
    CHECK(std::regex_search(
        card,
        std::regex(R"(class="stat bad"><span class="label">5xx</span><span class="value" data-testid="failures">2<)")));
    CHECK(card.find("data-testid=\"version\">2.3.4<") != std::string::npos);
    CHECK(card.find("data-testid=\"digest\">" + digest.substr(7, 12) + "<") != std::string::npos);
    CHECK(std::regex_search(card, std::regex(R"(data-testid="deployed">[0-9]+ s ago<)")));
    CHECK(std::regex_search(card,
                            std::regex(R"(data-testid="tier"[^>]*>(interpreter|compiled \((quick|optimised)\))<)")));
    CHECK(card.find("<th>GREETING</th><td>hej</td>") != std::string::npos);
    CHECK(card.find("<th>API_TOKEN</th><td>•••• (hidden)</td>") != std::string::npos);
    CHECK(dom.find("s3cret-value") == std::string::npos);
    CHECK(card.find("data-testid=\"restart\"") != std::string::npos);
    CHECK(card.find("data-testid=\"remove\"") != std::string::npos);
    CHECK(card.find("log (newest at the bottom)") != std::string::npos);
    // The greeter has no 5xx: not flagged.
    CHECK(dom.find("<section class=\"service\" data-service=\"" + std::string(kService) + "\"") != std::string::npos);
  }

  const fs::path png = screenshot(node.url() + "/", "dashboard");
  REQUIRE(fs::exists(png));
  CHECK(fs::file_size(png) > 10 * 1024);
  // Printed, not only a MESSAGE (doctest shows those for failures): ctest keeps it in its log.
  std::printf("screenshot of the dashboard with a healthy and a failing service: %s\n", png.c_str());
}

TEST_CASE("restart starts a container again from its record (the dashboard's action): state gone, storage kept") {
  TempDir data;
  NodeProcess::Options o = node_options(data.path());
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  deploy_and_call(node, 1);
  auto cli = client(node);
  const std::string id = node.client_id() + "-" + kService;
  auto restarted = cli->Post("/mcm/v1/containers/" + id + "/restart");
  REQUIRE(restarted);
  CHECK_MESSAGE(restarted->status == 200, restarted->body);
  CHECK(nlohmann::json::parse(restarted->body).value("state", "") == "started");
  httplib::Client service("127.0.0.1", node.port());
  auto res = service.Get(service_path(node, "/dashboard-greeter/v1/hello"));
  REQUIRE(res);
  CHECK(res->status == 200);
  auto log = cli->Get("/mcm/v1/containers/" + id + "/logs");
  REQUIRE(log);
  CHECK(log->body.find("restarted " + std::string(kService)) != std::string::npos);
  auto missing = cli->Post("/mcm/v1/containers/nothing-here/restart");
  REQUIRE(missing);
  CHECK(missing->status == 404);

  // On the dashboard's port: its page's restart and remove, and nothing else that changes state,
  // nor from another site's page.
  httplib::Client dash("127.0.0.1", node.dashboard_port());
  dash.set_bearer_token_auth(node.token());
  const std::string own = "http://127.0.0.1:" + std::to_string(node.dashboard_port());
  auto from = [](const std::string& origin) { return httplib::Headers{{"Origin", origin}}; };
  CHECK(dash.Post("/mcm/v1/containers/" + id + "/restart", from("http://evil.test"), "", "text/plain")->status == 405);
  CHECK(dash.Post("/mcm/v1/containers/" + id + "/restart", "", "text/plain")->status ==
        405);  // no Origin: not the page
  CHECK(dash.Post("/mcm/v1/containers/" + id + "/restart", from(own), "", "text/plain")->status == 200);
  CHECK(dash.Post("/mcm/v1/containers", from(own), "{}", "application/json")->status == 405);
  CHECK(dash.Delete("/mcm/v1/images/" + id, from(own))->status == 405);
  CHECK(dash.Delete("/mcm/v1/containers/" + id, from("http://evil.test"))->status == 405);
  CHECK(dash.Delete("/mcm/v1/containers/" + id, from(own))->status == 200);
  CHECK(cli->Get("/mcm/v1/containers/" + id)->status == 404);
}

TEST_CASE("with a token the page is public, asks for the token and takes it from the address") {
  TempDir data;
  NodeProcess node(node_options(data.path()));  // token "test-token"
  REQUIRE_MESSAGE(node.start(), node.log());
  deploy_and_call(node, 2);

  // The page itself needs no token and carries nothing secret. It lives on its own port.
  REQUIRE(node.dashboard_port() > 0);
  httplib::Client at_node("127.0.0.1", node.port());
  auto redirect = at_node.Get("/?token=abc");
  REQUIRE(redirect);
  CHECK(redirect->status == 302);
  CHECK(redirect->get_header_value("Location") ==
        "http://127.0.0.1:" + std::to_string(node.dashboard_port()) + "/?token=abc");
  // A Host that is not this machine by construction gets no token in its redirect (issue 23).
  auto elsewhere = at_node.Get("/?token=abc", {{"Host", "evil.example:8083"}});
  REQUIRE(elsewhere);
  CHECK(elsewhere->status == 302);
  CHECK(elsewhere->get_header_value("Location") ==
        "http://evil.example:" + std::to_string(node.dashboard_port()) + "/");
  CHECK(at_node.Get("/dashboard/dashboard.js")->status == 404);  // no dashboard on the services' origin
  httplib::Client plain("127.0.0.1", node.dashboard_port());
  auto page = plain.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").starts_with("text/html"));
  CHECK(page->body.find(node.token()) == std::string::npos);
  auto script = plain.Get("/dashboard/dashboard.js");
  REQUIRE(script);
  CHECK(script->status == 200);
  CHECK(plain.Get("/dashboard/..%2Ftoken")->status == 404);
  CHECK(plain.Get("/dashboard/notes.txt")->status == 404);

  SUBCASE("without the token: the token form, no service data") {
    std::string dom = rendered_dom(node.url() + "/");
    INFO("DOM: " << dom);
    CHECK(dom.find("token needed") != std::string::npos);
    CHECK(dom.find(R"(<form id="token-form">)") != std::string::npos);  // no longer hidden
    CHECK(dom.find(kService) == std::string::npos);
  }
  SUBCASE("with /?token=: the services") {
    std::string dom = rendered_dom(node.url() + "/?token=" + node.token());
    INFO("DOM: " << dom);
    CHECK(dom.find(">" + std::string(kService) + "</h2>") != std::string::npos);
    CHECK(shown_number(dom, "requests") >= 2);
    CHECK(dom.find(kLogLine) != std::string::npos);
    CHECK(dom.find("test-token") == std::string::npos);  // not echoed into the page
  }
}

// A page served by a service (here: HTML passed through the proxy template, as a user's proxy
// would) runs its script on the services' origin. It must not get the mCM token, nor call the
// mCM API, even in a browser where the dashboard was opened with the token.
TEST_CASE("a page served by a service cannot read the dashboard's token or call the mCM API") {
  TempDir data;
  NodeProcess node(node_options(data.path()));  // token "test-token"
  REQUIRE_MESSAGE(node.start(), node.log());
  const int dashboard = node.dashboard_port();
  REQUIRE(dashboard > 0);
  auto cli = client(node);
  auto up = upload(*cli, image_tar("px", "1.0.0", test_module("template_proxy")));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  auto started =
      start_container(*cli, "px", {{"MCM.BASE_API_PATH", "/px/v1"}, {"PROXY_ALLOW", "http://127.0.0.1:"}}, "px");
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);

  // The hostile page, from an upstream the proxy passes through.
  const std::string script = R"JS(
    const out = [];
    const say = () => { document.getElementById("out").textContent = out.join(" "); };
    (async () => {
      out.push("local-token:" + (localStorage.getItem("edge-node.token") || "none"));
      try { const r = await fetch("/mcm/v1/images"); out.push("node-mcm:" + r.status); }
      catch (e) { out.push("node-mcm:blocked"); }
      try { const r = await fetch("http://127.0.0.1:DASHBOARD/mcm/v1/images", {headers: {Authorization: "Bearer " + (localStorage.getItem("edge-node.token") || "")}}); out.push("dashboard-mcm:" + r.status + ":" + (await r.text()).slice(0, 60)); }
      catch (e) { out.push("dashboard-mcm:blocked"); }
      out.push("done");
      say();
    })();
  )JS";
  std::string page =
      "<!doctype html><html><body><p id=\"out\">not run</p><script>" + script + "</script></body></html>";
  page.replace(page.find("DASHBOARD"), 9, std::to_string(dashboard));
  httplib::Server upstream;
  upstream.Get("/evil.html",
               [&](const httplib::Request&, httplib::Response& res) { res.set_content(page, "text/html"); });
  const int upstream_port = upstream.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { upstream.listen_after_bind(); });

  TempDir profile;
  // The user opened the dashboard with the token: the browser now keeps it (on the dashboard's origin).
  std::string dashboard_dom = rendered_dom(node.url() + "/?token=" + node.token(), profile / "browser");
  CHECK(dashboard_dom.find(">px</h2>") != std::string::npos);

  // Then, in the same browser, a service's page.
  std::string dom = rendered_dom(node.url() + service_path(node, "/px/v1") +
                                     "/fetch?url=http://127.0.0.1:" + std::to_string(upstream_port) + "/evil.html",
                                 profile / "browser");
  upstream.stop();
  serving.join();
  INFO("DOM: " << dom);
  CHECK(dom.find("done") != std::string::npos);              // the script ran to its end
  CHECK(dom.find("local-token:none") != std::string::npos);  // were the dashboard on this origin, its token

  CHECK(dom.find("node-mcm:401") != std::string::npos);
  CHECK(dom.find("dashboard-mcm:blocked") != std::string::npos);
  CHECK(dom.find(node.token()) == std::string::npos);
}

TEST_CASE("the dashboard graphs each service's req/s and p99 over the last minutes, from the node's history") {
  TempDir data;
  NodeProcess::Options o = node_options(data.path());
  o.token = "";
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  deploy_and_call(node, 1);
  // Traffic across two of the node's sampling intervals (5 s each): the history then has points
  // with requests in them. Liveness bound 60 s; it takes about 10.
  httplib::Client service("127.0.0.1", node.port());
  auto cli = client(node);
  nlohmann::json history;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       std::chrono::steady_clock::now() < until;) {
    for (int i = 0; i < 20; ++i) service.Get(service_path(node, "/dashboard-greeter/v1/"));
    auto stats = cli->Get("/mcm/v1/stats");
    REQUIRE(stats);
    history = nlohmann::json::parse(stats->body)["services"][kService]["history"];
    int busy = 0;
    for (const auto& v : history["rps"]) busy += v.get<double>() > 0;
    if (busy >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  INFO("history: " << history.dump());
  CHECK(history["intervalSeconds"] == 5);
  REQUIRE(history["rps"].size() >= 2);
  CHECK(history["rps"].size() == history["p99Ms"].size());
  CHECK(history["p99Ms"].back().get<double>() > 0);

  const std::string dom = rendered_dom(node.url() + "/");
  INFO("DOM: " << dom);
  CHECK(std::regex_search(
      dom,
      std::regex(
          R"(data-testid="graph-rps"><span class="label">req/s, last [^<]+</span><svg[^>]*><polyline points="[0-9., ]+")")));
  CHECK(std::regex_search(
      dom,
      std::regex(
          R"(data-testid="graph-p99"><span class="label">p99, last [^<]+</span><svg[^>]*><polyline points="[0-9., ]+")")));
}
