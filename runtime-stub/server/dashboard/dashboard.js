// The edge-node dashboard: polls the mCM API and shows each service with its URL, request
// counts, latency percentiles and recent log lines. Plain DOM (textContent only: service names
// and log lines are data, never markup), no framework, no build step.
"use strict";

const REFRESH_MS = 3000;
const LOG_LINES = 12;           // recent lines shown per service
const LOG_WINDOW_SEC = 3600;    // ...taken from the last hour (`?since=`), so a big log stays cheap
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

async function mcm(path, asText = false) {
  const headers = {};
  if (token()) headers.Authorization = "Bearer " + token();
  const res = await fetch(path, { headers, cache: "no-store" });
  if (res.status === 401) throw new Unauthorised();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
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

function stat(label, value, testid) {
  return el("div", { class: "stat" }, el("span", { class: "label" }, label),
            el("span", { class: "value", "data-testid": testid }, String(value)));
}

// This page has an origin of its own (the node's dashboard port); services answer on the node's
// port, which /mcm/v1/stats tells.
let nodeOrigin = window.location.origin;

function renderService(container, stats, logText) {
  const base = (container.env && container.env["MCM.BASE_API_PATH"]) || "";
  const url = nodeOrigin + base + "/";
  const s = stats || {};
  const up = container.state === "started";
  const lines = (logText || "").split("\n").filter((l) => l.length > 0).slice(-LOG_LINES);

  const card = el("section", { class: "service", "data-service": container.name },
    el("div", { class: "head" },
      el("h2", {}, container.name),
      el("span", { class: "state " + (up ? "up" : "down") }, up ? "running" : container.state || "unknown"),
      el("a", { class: "url", href: url, target: "_blank", rel: "noopener noreferrer" }, url)),
    el("div", { class: "stats" },
      stat("requests", s.requests ?? 0, "requests"),
      stat("5xx", s.failures ?? 0, "failures"),
      stat("p50", ms(s.p50Ms), "p50"),
      stat("p95", ms(s.p95Ms), "p95"),
      stat("p99", ms(s.p99Ms), "p99"),
      stat("max", ms(s.maxMs), "max")),
    el("div", { class: "log-title muted" }, "recent log lines"),
    el("pre", { class: "log" }, lines.length ? lines.join("\n") : "(nothing logged in the last hour)"));
  return card;
}

let refreshing = false;  // a slow node must not pile up overlapping refreshes

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const [containers, stats] = await Promise.all([mcm("/mcm/v1/containers"), mcm("/mcm/v1/stats")]);
    if (stats.nodePort) nodeOrigin = `${window.location.protocol}//${window.location.hostname}:${stats.nodePort}`;
    const list = (containers.data || []).slice().sort((a, b) => a.name.localeCompare(b.name));
    const since = Math.floor(Date.now() / 1000) - LOG_WINDOW_SEC;
    const logs = await Promise.all(list.map((c) =>
      mcm(`/mcm/v1/containers/${encodeURIComponent(c.id)}/logs?since=${since}`, true).catch((e) => `(log unavailable: ${e.message})`)));

    const cards = list.map((c, i) => renderService(c, (stats.services || {})[c.name], logs[i]));
    $("services").replaceChildren(...cards);
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
