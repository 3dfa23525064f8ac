;; A data segment past the end of memory makes instantiation trap (after the segments before it
;; were written): no initial-memory image is prepared for it; the segments are replayed and trap.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "fine")
  (data (i32.const 65535) "xy")
  (func (export "_start") (call $exit (i32.const 0))))
