;; _start grows memory by 100 pages: exit 0 if it worked, 1 if memory.grow said no.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (then (call $exit (i32.const 1))))
    (i32.store (i32.const 6553000) (i32.const 5))
    (call $exit (i32.const 0))))
