// Runs the templates (and a command-model module) built for wasm32-wasi under host.mjs.
// Usage: node templates_test.mjs WASM_DIR
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from './host.mjs';

const dir = process.argv[2];
const wasm = (name) => join(dir, name + '.wasm');
let failures = 0;
async function test(name, fn) {
  try {
    await fn();
    console.log('ok   ' + name);
  } catch (e) {
    failures++;
    console.log('FAIL ' + name + '\n' + e.stack);
  }
}
const json = (r) => JSON.parse(r.response.body);

await test('hello: GET / answers JSON with a greeting and the time', async () => {
  const r = await call(wasm('hello'), { url: '/?name=Ann', env: { GREETING: 'Hi' } });
  assert.equal(r.response.statusCode, 200);
  assert.equal(r.response.headers['content-type'], 'application/json');
  assert.equal(json(r).message, 'Hi, Ann!');
  assert.ok(Math.abs(Date.parse(json(r).time) - Date.now()) < 60000);
});
await test('hello: 404 and 405 with Allow', async () => {
  assert.equal((await call(wasm('hello'), { url: '/nope' })).response.statusCode, 404);
  const r = await call(wasm('hello'), { method: 'POST', url: '/' });
  assert.equal(r.response.statusCode, 405);
  assert.equal(r.response.headers.allow, 'GET, HEAD');
});
for (const sync of [false, true]) {
  await test(`rest-kv: CRUD over storage (${sync ? 'synchronous' : 'deferred'} replies)`, async () => {
    const storage = new Map();
    const kv = (method, url, body = '') => call(wasm('rest-kv'), { method, url, body, storage, sync });
    let r = await kv('PUT', '/items/a', '{"x":1}');
    assert.equal(r.response.statusCode, 200);
    assert.deepEqual(json(r), { id: 'a', value: { x: 1 } });
    await kv('PUT', '/items/b', '[1,2.5,"z"]');
    assert.equal((await kv('PUT', '/items/c', '{x')).response.statusCode, 400);
    assert.equal((await kv('PUT', '/items/bad%20id', '1')).response.statusCode, 400);
    r = await kv('GET', '/items/a');
    assert.deepEqual(json(r), { x: 1 });
    r = await kv('GET', '/items');
    assert.deepEqual(json(r), { items: [{ id: 'a', value: { x: 1 } }, { id: 'b', value: [1, 2.5, 'z'] }], count: 2 });
    assert.equal((await kv('DELETE', '/items/a')).response.statusCode, 204);
    assert.equal((await kv('GET', '/items/a')).response.statusCode, 404);
    assert.equal((await kv('DELETE', '/items/a')).response.statusCode, 404);
    assert.equal((await kv('POST', '/items/a')).response.statusCode, 405);
  });
}
await test('file-reader: lists and tails files in the /logs preopen, refuses escapes', async () => {
  const logs = mkdtempSync(join(tmpdir(), 'edge-logs-'));
  try {
    writeFileSync(join(logs, 'app.log'), Array.from({ length: 50000 }, (_, i) => 'line ' + i).join('\n') + '\n');
    const preopens = { '/logs': logs };
    let r = await call(wasm('file-reader'), { url: '/files', preopens });
    assert.deepEqual(json(r), { files: ['app.log'] });
    r = await call(wasm('file-reader'), { url: '/lines?file=app.log&tail=3', preopens });
    assert.deepEqual(json(r).lines, ['line 49997', 'line 49998', 'line 49999']);
    assert.equal((await call(wasm('file-reader'), { url: '/lines?file=../etc/passwd', preopens })).response.statusCode, 400);
    assert.equal((await call(wasm('file-reader'), { url: '/lines?file=nope.log', preopens })).response.statusCode, 404);
    assert.equal((await call(wasm('file-reader'), { url: '/lines?file=app.log&tail=x', preopens })).response.statusCode, 400);
    r = await call(wasm('file-reader'), { url: '/files' });  // nothing granted
    assert.equal(r.response.statusCode, 500);
    assert.match(json(r).error, /EDGE_PREOPEN_DIRS/);
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
});
await test('proxy: relays through httpclient.fetch, maps failures to 502, refuses non-http', async () => {
  const seen = [];
  const any = { PROXY_ALLOW: '*' };
  const fetcher = (p, ok, err) => {
    seen.push(p);
    return p.url.includes('down') ? err('connection refused') : ok('upstream body', { 'content-type': 'text/plain' }, 201);
  };
  let r = await call(wasm('proxy'), { url: '/fetch?url=http%3A%2F%2F127.0.0.1%3A9%2Fx', env: any, fetcher });
  assert.equal(r.response.statusCode, 201);
  assert.equal(r.response.body, 'upstream body');
  assert.equal(r.response.headers['content-type'], 'text/plain');
  assert.deepEqual(seen[0], { url: 'http://127.0.0.1:9/x', method: 'GET', headers: {}, data: '', mode: '' });
  r = await call(wasm('proxy'), { url: '/fetch?url=http://127.0.0.1:9/down', env: any, fetcher });
  assert.equal(r.response.statusCode, 502);
  assert.equal((await call(wasm('proxy'), { url: '/fetch?url=file:///etc/passwd', env: any, fetcher })).response.statusCode, 403);
  // Empty PROXY_ALLOW: no open proxy, and the answer says what to set.
  r = await call(wasm('proxy'), { url: '/fetch?url=http://127.0.0.1:9/x', fetcher });
  assert.equal(r.response.statusCode, 403);
  assert.ok(r.response.body.includes('PROXY_ALLOW is empty'));
  const allowOnly = { PROXY_ALLOW: 'http://127.0.0.1:9/ok' };
  assert.equal((await call(wasm('proxy'), { url: '/fetch?url=http://127.0.0.1:9/x', env: allowOnly, fetcher })).response.statusCode, 403);
});
await test('command model: _start runs main(), then events are served', async () => {
  const storage = new Map([['7', { value: 'seven', tag: '' }]]);
  assert.equal((await call(wasm('command_main'), { url: '/' })).response.body, 'hello from main');
  assert.equal((await call(wasm('command_main'), { url: '/items/7', storage })).response.body, 'seven');
  assert.equal((await call(wasm('command_main'), { url: '/items/8', storage })).response.statusCode, 404);
});

if (failures) {
  console.log(failures + ' failed');
  process.exit(1);
}
