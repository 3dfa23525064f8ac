// The anchor a mimik user would otherwise pick for a small REST service: JavaScript on Node.js's
// http module, answering what the hello template answers (a greeting and the time, as JSON).
// scripts/bench.sh runs it beside edge-node: `node bench/node_hello.mjs PORT`.
import http from "node:http";

const port = Number(process.argv[2] || 8080);
http
  .createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    const who = url.searchParams.get("name") || "world";
    const body = JSON.stringify({ message: `Hello, ${who}!`, service: "hello", time: new Date().toISOString() });
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  })
  .listen(port, "127.0.0.1");
