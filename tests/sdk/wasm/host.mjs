// A small edgeEngine host in JavaScript (Node's WASI) that runs SDK-built modules the way the
// ABI says: a fresh instance per request, the event as MessagePack JSON-RPC through
// mk_module_get_buffer, host calls answered later through mk_module_on_api_response (or,
// with sync: true, inside mk_module_api_request). It checks the real wasm32 build of the SDK
// until the reference node (runtime-stub/) runs the same modules end to end.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

function enc(v, out = []) {
  const u8 = (x) => out.push(x & 255);
  const be = (x, n) => { for (let i = n - 1; i >= 0; i--) out.push(Number((BigInt(x) >> BigInt(8 * i)) & 255n)); };
  if (v === null || v === undefined) u8(0xc0);
  else if (v === true) u8(0xc3); else if (v === false) u8(0xc2);
  else if (typeof v === 'number' && Number.isInteger(v)) {
    if (v >= 0 && v < 128) u8(v); else if (v >= 0 && v < 65536) { u8(0xcd); be(v, 2); }
    else if (v >= 0) { u8(0xcf); be(v, 8); } else if (v >= -32) u8(v); else { u8(0xd3); be(BigInt.asUintN(64, BigInt(v)), 8); }
  } else if (typeof v === 'number') { const b = Buffer.alloc(8); b.writeDoubleBE(v); u8(0xcb); out.push(...b); }
  else if (typeof v === 'string') { const b = Buffer.from(v); if (b.length < 32) u8(0xa0 | b.length); else { u8(0xdb); be(b.length, 4); } out.push(...b); }
  else if (Array.isArray(v)) { u8(0xdd); be(v.length, 4); v.forEach((x) => enc(x, out)); }
  else { const k = Object.keys(v); u8(0xdf); be(k.length, 4); k.forEach((x) => { enc(x, out); enc(v[x], out); }); }
  return out;
}
function dec(b) {
  let p = 0;
  const n = (k) => { let x = 0n; for (let i = 0; i < k; i++) x = (x << 8n) | BigInt(b[p++]); return x; };
  const str = (len) => { const s = Buffer.from(b.slice(p, p + len)).toString(); p += len; return s; };
  const arr = (len) => { const a = []; for (let i = 0; i < len; i++) a.push(val()); return a; };
  const map = (len) => { const o = {}; for (let i = 0; i < len; i++) { const k = val(); o[k] = val(); } return o; };
  function val() {
    const t = b[p++];
    if (t <= 0x7f) return t; if (t >= 0xe0) return t - 256;
    if ((t & 0xe0) === 0xa0) return str(t & 31);
    if ((t & 0xf0) === 0x90) return arr(t & 15);
    if ((t & 0xf0) === 0x80) return map(t & 15);
    switch (t) {
      case 0xc0: return null; case 0xc2: return false; case 0xc3: return true;
      case 0xcc: return Number(n(1)); case 0xcd: return Number(n(2)); case 0xce: return Number(n(4)); case 0xcf: return Number(n(8));
      case 0xd0: return Number(BigInt.asIntN(8, n(1))); case 0xd1: return Number(BigInt.asIntN(16, n(2)));
      case 0xd2: return Number(BigInt.asIntN(32, n(4))); case 0xd3: return Number(BigInt.asIntN(64, n(8)));
      case 0xd9: return str(Number(n(1))); case 0xda: return str(Number(n(2))); case 0xdb: return str(Number(n(4)));
      case 0xdc: return arr(Number(n(2))); case 0xdd: return arr(Number(n(4)));
      case 0xde: return map(Number(n(2))); case 0xdf: return map(Number(n(4)));
      case 0xca: { const v = Buffer.from(b.slice(p, p + 4)).readFloatBE(); p += 4; return v; }
      case 0xcb: { const v = Buffer.from(b.slice(p, p + 8)).readDoubleBE(); p += 8; return v; }
    }
    throw new Error('type ' + t);
  }
  return val();
}

// One request on a fresh instance, like the platform. storage: a Map shared across requests.
export async function call(wasmPath, { method = 'GET', url = '/', body = '', headers = {}, env = {}, preopens = {}, sync = false, storage = new Map(), fetcher } = {}) {
  const wasi = new WASI({ version: 'preview1', preopens, env: {} });
  const bufs = new Map(); let nextRef = 1; let inst; const queue = []; let response = null; const log = [];
  const mem = () => new Uint8Array(inst.exports.memory.buffer);
  const stash = (bytes) => { const r = nextRef++; bufs.set(r, bytes); return r; };
  const ok = (data, headers = {}, status = 200) => ({ jsonrpc: '2.0', id: 0, method: 'oncallback.success', params: { data: { status, headers, data } } });
  const err = (message) => ({ jsonrpc: '2.0', id: 0, method: 'oncallback.error', params: { error: { message } } });
  function reply(session, msg) {
    const bytes = Uint8Array.from(enc(msg)); const ref = stash(bytes);
    return inst.exports.mk_module_on_api_response(BigInt(session), BigInt(ref), bytes.length);
  }
  function handle(session, msg) {
    const p = msg.params; log.push(msg.method);
    if (msg.method === 'response.send') { response = { body: p[0], ...p[1] }; return; }
    if (msg.method.startsWith('storage.')) {
      const op = msg.method.slice(8);
      if (op === 'get_item') return storage.has(p.key) ? ok(storage.get(p.key).value) : err('not found');
      if (op === 'set_item' || op === 'set_item_with_tag') { storage.set(p.key, { value: p.value, tag: p.tag }); return ok(''); }
      if (op === 'remove_item') { storage.delete(p.key); return ok(''); }
      if (op === 'each_item') {
        const items = [...storage.entries()].filter(([, v]) => !p.tag || v.tag === p.tag);
        return { stream: items.map(([k, v]) => ok('', { [k]: v.value })).concat([ok('', {})]) };
      }
    }
    if (msg.method === 'httpclient.fetch') return fetcher ? fetcher(p, ok, err) : err('no network');
    return err('unsupported ' + msg.method);
  }
  const envImports = {
    mk_module_api_request(session, ptr, len) {
      const msg = dec(mem().slice(ptr, ptr + len)); const r = handle(session, msg);
      if (!session || !r) return;
      if (sync && !r.stream) reply(session, r); else queue.push([session, r]);
    },
    mk_module_get_buffer(dst, ref, len) { mem().set(bufs.get(Number(ref)).subarray(0, len), dst); },
    mk_module_set_buffer() {},
  };
  const mod = await WebAssembly.compile(readFileSync(wasmPath));
  inst = await WebAssembly.instantiate(mod, { env: envImports, wasi_snapshot_preview1: wasi.wasiImport });
  if (inst.exports._start) wasi.start(inst); else wasi.initialize(inst);
  const ev = Uint8Array.from(enc({ jsonrpc: '2.0', id: 1, method: 'onHttpRequest', params: { context: { info: { nodeId: 'n1' }, env }, request: { url, method, headers, jsonBody: body } } }));
  inst.exports.mk_module_on_event(BigInt(stash(ev)), ev.length);
  while (queue.length) {
    const [s, r] = queue.shift();
    if (r.stream) { for (const m of r.stream) { if (reply(s, m) !== 0) break; } } else reply(s, r);
  }
  return { response, log };
}
