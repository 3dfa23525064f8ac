;; Imports the node cannot satisfy: an unknown WASI function, another module's function, an
;; imported memory; and no entry point (_initialize/_start).
(module
  (import "wasi_snapshot_preview1" "not_a_wasi_call" (func $bogus (param i32) (result i32)))
  (import "libfoo" "foo_init" (func $foo_init))
  (import "env" "memory" (memory 1))
  (func $run (call $foo_init) (drop (call $bogus (i32.const 1))))
  (func (export "mk_module_on_event") (param i64 i32) (call $run))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32) (i32.const 0))
  (func (export "mk_module_abi_version_2_0_0")))
