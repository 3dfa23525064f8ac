// Runs a WASI program under Node.js's node:wasi (preview1) with what the conformance test gives
// edge-node: the /sandbox preopen, the arguments and GREETING=hi. A reference for what another
// runtime answers on the same program; the exit code is the program's (134 on a trap).
//   node node_wasi.mjs PROGRAM.wasm SANDBOX_DIR [ARGS...]
import { readFile } from 'node:fs/promises';
import { argv, exit } from 'node:process';
import { WASI } from 'node:wasi';

const [wasmPath, sandbox, ...args] = argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...args],
  env: { GREETING: 'hi' },
  preopens: { '/sandbox': sandbox },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
let code;
try {
  code = wasi.start(instance);
} catch (e) {
  console.error(`trap: ${e.message}`);
  code = 134;
}
exit(code);
