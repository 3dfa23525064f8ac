// The edge-node dashboard: polls the mCM API and shows each service with its URL, version, image
// digest, deploy time, engine tier, env, request and error rates, latency percentiles and the tail
// of its log (newest at the bottom), with restart and remove actions. Plain DOM (textContent only:
// service names, env values and log lines are data, never markup), no framework, no build step.
"use strict";

const REFRESH_MS = 3000;
const LOG_LINES = 12;           // recent lines shown per service
const LOG_WINDOW_SEC = 3600;    // ...taken from the last hour (`?since=`), so a big log stays cheap
const LOG_EAGER = 12;           // services whose log each refresh fetches whether on screen or not
const TOKEN_KEY = "edge-node.token";

const $ = (id) => document.getElementById(id);

// The token: `/?token=...` once (then dropped from the address bar and history), else what the
// user pasted earlier. Nodes started with --no-auth need none.
function takeTokenFromUrl() {
  const url = new URL(window.location.href);
  const given = url.searchParams.get("token");
  if (given === null) return;
  if (given) localStorage.setItem(TOKEN_KEY, given);
  url.searchParams.delete("token");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
}

function token() { return localStorage.getItem(TOKEN_KEY) || ""; }

class Unauthorised extends Error {}

async function mcm(path, asText = false, method = "GET") {
  const headers = {};
  if (token()) headers.Authorization = "Bearer " + token();
  const res = await fetch(path, { method, headers, cache: "no-store" });
  if (res.status === 401) throw new Unauthorised();
  if (!res.ok) {
    // The node's errors are JSON {"error", "hint"}: show what it said, not just the status.
    const body = await res.json().catch(() => ({}));
    throw new Error(body.error ? `${body.error}${body.hint ? " (" + body.hint + ")" : ""}` : `${path}: HTTP ${res.status}`);
  }
  return asText ? res.text() : res.json();
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

const ms = (v) => (typeof v === "number" ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) + " ms" : "–");

function stat(label, value, testid, bad = false) {
  return el("div", { class: "stat" + (bad ? " bad" : "") }, el("span", { class: "label" }, label),
            el("span", { class: "value", "data-testid": testid }, String(value)));
}

// A small line graph of `values` (oldest first, one per sampling interval of the node), scaled to
// its own maximum, with the latest value beside it. The node keeps the points (GET /mcm/v1/stats,
// `history`), so a page opened after an incident still shows the minutes before it.
function sparkline(label, values, format, testid) {
  const box = el("div", { class: "spark", "data-testid": testid }, el("span", { class: "label" }, label));
  if (!values || values.length < 2) {
    box.append(el("span", { class: "muted" }, "collecting…"));
    return box;
  }
  const w = 180, h = 36, top = Math.max(...values) || 1, step = w / (values.length - 1);
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(h));
  const line = document.createElementNS(svgNS, "polyline");
  line.setAttribute("points", values.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / top) * (h - 4)).toFixed(1)}`).join(" "));
  svg.append(line);
  box.append(svg, el("span", { class: "value" }, format(values[values.length - 1])));
  return box;
}

function graphs(history) {
  const minutes = history ? Math.round(((history.rps || []).length * history.intervalSeconds) / 60) : 0;
  const span = minutes >= 1 ? `last ${minutes} min` : "last minute";
  return el("div", { class: "graphs" },
    sparkline(`req/s, ${span}`, history && history.rps, (v) => `${v.toFixed(1)} req/s`, "graph-rps"),
    sparkline(`p99, ${span}`, history && history.p99Ms, ms, "graph-p99"));
}

// Env values whose key looks secret are not put on the screen.
const SECRET_KEY = /TOKEN|SECRET|PASSW|API_?KEY|PRIVATE|CREDENTIAL/i;

function ago(unixSeconds) {
  if (!unixSeconds) return "–";
  const s = Math.max(0, Math.floor(Date.now() / 1000 - unixSeconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// This page has an origin of its own (the node's dashboard port); services answer on the node's
// port, which /mcm/v1/stats tells.
let nodeOrigin = window.location.origin;
// Request and 5xx counts at the previous refresh, by service: the rates are their change.
const previous = new Map();
// What the user opened or scrolled, kept across refreshes (the cards are rebuilt each time).
const openEnv = new Set();
const scrolledUp = new Set();

// Logs are fetched for the cards on screen (and the first LOG_EAGER), not for every service each
// refresh: with hundreds of services that was hundreds of log reads on the node every 3 s. A card
// off screen keeps the tail fetched when it was last seen; one scrolled to fetches its own at once.
const logTails = new Map();  // container id -> the last LOG_LINES lines, as shown
const onScreen = new Set();  // container ids of the cards in view
const cardWatcher = "IntersectionObserver" in window ? new IntersectionObserver(cardsMoved) : null;

function tailOf(text) {
  return (text || "").split("\n").filter((l) => l.length > 0).slice(-LOG_LINES).join("\n");
}

function showTail(card, id) {
  const log = card.querySelector(".log");
  if (!log || !logTails.has(id)) return;
  log.textContent = logTails.get(id) || "(nothing logged in the last hour)";
  if (!scrolledUp.has(card.dataset.service)) log.scrollTop = log.scrollHeight;
}

async function fetchTail(id) {
  const since = Math.floor(Date.now() / 1000) - LOG_WINDOW_SEC;
  const text = await mcm(`/mcm/v1/containers/${encodeURIComponent(id)}/logs?since=${since}`, true)
    .catch((e) => `(log unavailable: ${e.message})`);
  logTails.set(id, tailOf(text));
}

function cardsMoved(entries) {
  for (const entry of entries) {
    const id = entry.target.dataset.id;
    if (!entry.isIntersecting) {
      onScreen.delete(id);
    } else if (!onScreen.has(id)) {
      onScreen.add(id);
      if (!logTails.has(id)) fetchTail(id).then(() => showTail(entry.target, id));
    }
  }
}

function rates(name, s, now) {
  const before = previous.get(name);
  previous.set(name, { requests: s.requests ?? 0, failures: s.failures ?? 0, at: now });
  if (!before || now <= before.at) return { rps: "–", errors: "–" };
  const dt = (now - before.at) / 1000;
  const dr = Math.max(0, (s.requests ?? 0) - before.requests), df = Math.max(0, (s.failures ?? 0) - before.failures);
  return { rps: (dr / dt).toFixed(1) + "/s", errors: dr ? ((100 * df) / dr).toFixed(0) + " %" : "–" };
}

async function act(container, what) {
  const verb = what === "restart" ? "Restart" : "Remove";
  if (!window.confirm(`${verb} ${container.name}?`)) return;
  try {
    if (what === "restart") await mcm(`/mcm/v1/containers/${encodeURIComponent(container.id)}/restart`, false, "POST");
    else await mcm(`/mcm/v1/containers/${encodeURIComponent(container.id)}`, false, "DELETE");
    setStatus(`${container.name}: ${what === "restart" ? "restarted" : "removed"}`, "ok");
  } catch (e) {
    setStatus(`${container.name}: ${what} failed: ${e.message}`, "error");
  }
  refresh();
}

function renderService(container, image, stats, logTail, now) {
  const base = (container.env && container.env["MCM.BASE_API_PATH"]) || "";
  const url = nodeOrigin + base + "/";
  const s = stats || {};
  const up = container.state === "started";
  const rate = rates(container.name, s, now);
  const tier = { aot: "compiled (optimised)", quick: "compiled (quick)", interp: "interpreter" }[container.engine] ||
    container.engine;
  const digest = (image && image.digest) || "";

  const env = Object.entries(container.env || {}).sort(([a], [b]) => a.localeCompare(b));
  const envTable = el("table", { class: "env" }, ...env.map(([k, v]) =>
    el("tr", {}, el("th", {}, k), el("td", {}, SECRET_KEY.test(k) ? "•••• (hidden)" : v))));
  const envBox = el("details", { class: "env-box", "data-testid": "env" },
    el("summary", {}, `env (${env.length})`), envTable);
  envBox.open = openEnv.has(container.name);
  envBox.addEventListener("toggle", () => (envBox.open ? openEnv.add(container.name) : openEnv.delete(container.name)));

  const log = el("pre", { class: "log", "data-testid": "log" },
    logTail === undefined ? "(the log loads when this service is on screen)" : logTail || "(nothing logged in the last hour)");
  log.addEventListener("scroll", () => {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    if (atBottom) scrolledUp.delete(container.name);
    else scrolledUp.add(container.name);
  });

  const card = el("section", { class: "service" + ((s.failures ?? 0) > 0 ? " has-5xx" : ""), "data-service": container.name,
                              "data-id": container.id },
    el("div", { class: "head" },
      el("h2", {}, container.name),
      el("span", { class: "state " + (up ? "up" : "down") }, up ? "running" : container.state || "unknown"),
      tier ? el("span", { class: "tier", "data-testid": "tier", title: container.engineNote || "" }, tier) : "",
      el("a", { class: "url", href: url, target: "_blank", rel: "noopener noreferrer" }, url),
      el("span", { class: "actions" },
        el("button", { type: "button", class: "secondary", "data-testid": "restart", onclick: () => act(container, "restart") }, "Restart"),
        el("button", { type: "button", class: "danger", "data-testid": "remove", onclick: () => act(container, "remove") }, "Remove"))),
    el("div", { class: "meta muted" },
      el("span", {}, "version ", el("b", { "data-testid": "version" }, (image && image.version) || "?")),
      el("span", { title: digest }, "image ", el("code", { "data-testid": "digest" }, digest ? digest.replace("sha256:", "").slice(0, 12) : "?")),
      el("span", { title: container.created ? new Date(container.created * 1000).toISOString() : "" },
        "deployed ", el("b", { "data-testid": "deployed" }, ago(container.created))),
      container.engineNote ? el("span", { class: "note" }, container.engineNote) : ""),
    el("div", { class: "stats" },
      stat("requests", s.requests ?? 0, "requests"),
      stat("req/s now", rate.rps, "rate"),
      stat("5xx", s.failures ?? 0, "failures", (s.failures ?? 0) > 0),
      stat("5xx % now", rate.errors, "error-rate", rate.errors !== "–" && rate.errors !== "0 %"),
      stat("p50", ms(s.p50Ms), "p50"),
      stat("p95", ms(s.p95Ms), "p95"),
      stat("p99", ms(s.p99Ms), "p99"),
      stat("max", ms(s.maxMs), "max")),
    graphs(s.history),
    envBox,
    el("div", { class: "log-title muted" }, "log (newest at the bottom)"),
    log);
  return card;
}

let refreshing = false;  // a slow node must not pile up overlapping refreshes

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const [containers, stats, images] = await Promise.all([mcm("/mcm/v1/containers"), mcm("/mcm/v1/stats"),
                                                          mcm("/mcm/v1/images")]);
    const imageByName = new Map((images.data || []).map((i) => [i.name, i]));
    if (stats.nodePort) nodeOrigin = `${window.location.protocol}//${window.location.hostname}:${stats.nodePort}`;
    const list = (containers.data || []).slice().sort((a, b) => a.name.localeCompare(b.name));
    // Without a way to tell what is on screen, every log, as before.
    const wanted = cardWatcher ? list.filter((c, i) => i < LOG_EAGER || onScreen.has(c.id)) : list;
    await Promise.all(wanted.map((c) => fetchTail(c.id)));
    const ids = new Set(list.map((c) => c.id));
    for (const id of [...logTails.keys()]) if (!ids.has(id)) logTails.delete(id);  // removed services

    const now = Date.now();
    const cards = list.map((c) => renderService(c, imageByName.get(c.image), (stats.services || {})[c.name], logTails.get(c.id), now));
    $("services").replaceChildren(...cards);
    if (cardWatcher) {  // the new cards: which are on screen is told again, at once, by the watcher
      cardWatcher.disconnect();
      onScreen.clear();
      for (const card of cards) cardWatcher.observe(card);
    }
    // A log tail reads from the bottom: keep it there unless the user scrolled up to read.
    for (const card of cards)
      if (!scrolledUp.has(card.dataset.service)) {
        const log = card.querySelector(".log");
        log.scrollTop = log.scrollHeight;
      }
    $("empty").hidden = list.length > 0;
    $("node-info").textContent = `${new URL(nodeOrigin).host} · engine ${stats.engine || "?"}`;
    $("token-form").hidden = true;
    $("forget-token").hidden = !token();
    setStatus(`updated ${new Date().toLocaleTimeString()}`, "ok");
  } catch (e) {
    if (e instanceof Unauthorised) {
      $("services").replaceChildren();
      $("empty").hidden = true;
      $("token-form").hidden = false;
      setStatus(token() ? "the token was refused" : "token needed", "error");
    } else {
      setStatus(`cannot reach the node: ${e.message}`, "error");
    }
  } finally {
    refreshing = false;
  }
}

function setStatus(text, kind) {
  const s = $("status");
  s.textContent = text;
  s.className = "status " + kind;
}

function start() {
  takeTokenFromUrl();
  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = $("token-input").value.trim();
    if (value) localStorage.setItem(TOKEN_KEY, value);
    $("token-input").value = "";
    refresh();
  });
  $("forget-token").addEventListener("click", () => {
    localStorage.removeItem(TOKEN_KEY);
    refresh();
  });
  refresh();
  setInterval(refresh, REFRESH_MS);
}

start();
