;; _start calls proc_exit(7) after computing 6*7 in memory.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "\06\00\00\00")
  (func (export "_start")
    (i32.store (i32.const 104) (i32.mul (i32.load (i32.const 100)) (i32.const 7)))
    (if (i32.ne (i32.load (i32.const 104)) (i32.const 42)) (then unreachable))
    (call $exit (i32.const 7))))
