;; After instantiation an active segment counts as dropped: memory.init from it traps (out of
;; bounds), with or without the initial-memory image (runtime-stub/aot/src/memory_image.hpp).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data $active (i32.const 64) "abcd")
  (func (export "_start")
    ;; the segment's bytes are in memory
    (if (i32.ne (i32.load (i32.const 64)) (i32.const 0x64636261)) (then (call $exit (i32.const 1))))
    (memory.init $active (i32.const 0) (i32.const 0) (i32.const 1))
    (call $exit (i32.const 0))))
