;; A minimal module that satisfies edgeEngine's serverless ABI 2.0.0 (reactor model).
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (import "env" "mk_module_get_buffer" (func $get_buffer (param i32 i64 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2 16)
  (func $initialize (export "_initialize"))
  (func $on_event (export "mk_module_on_event") (param $buf i64) (param $len i32)
    (call $get_buffer (i32.const 1024) (local.get $buf) (local.get $len))
    (call $api_request (i32.const 0) (i32.const 1024) (local.get $len)))
  (func $on_api_response (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0))
  (func $abi_marker (export "mk_module_abi_version_2_0_0")))
