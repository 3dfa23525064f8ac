;; security_stdout_loop: writes 1 KiB lines to stdout forever and never answers. The node must
;; cap the log (1 MiB per request), stop the request (host-call limit or wall time) and go on.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec at 16: {ptr = 64, len = 1024}; the line itself is filled in at each request.
  (data (i32.const 16) "\40\00\00\00\00\04\00\00")
  (func (export "_initialize"))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param $buf i64) (param $len i32)
    (memory.fill (i32.const 64) (i32.const 0x79) (i32.const 1023))
    (i32.store8 (i32.const 1087) (i32.const 10))
    (loop $forever
      (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32)))
      (br $forever)))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0)))
