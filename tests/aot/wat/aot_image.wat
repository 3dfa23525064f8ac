;; The initial-memory image (runtime-stub/aot/src/memory_image.hpp). _start checks that a fresh
;; instance sees exactly what the data segments describe, then dirties everything (memory, a
;; global, grown pages), so the next instance, which reuses the pooled memory, would show a leak.
;; Exit 0 when every check passes, else the number of the first failed check.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (global $runs (mut i32) (i32.const 0))
  ;; Overlapping active segments: the later one wins where they overlap ("ABCDwxyz").
  (data (i32.const 16) "ABCDEFGH")
  (data (i32.const 20) "wxyz")
  ;; Across the page boundary, far from the first two: a second span of the image.
  (data (i32.const 65530) "\01\02\03\04\05\06\07\08")
  ;; Zeros and an empty segment at the very end: nothing to copy, but still in bounds.
  (data (i32.const 40000) "\00\00\00\00")
  (data (i32.const 131072) "")
  (data $passive "passive!")
  (func (export "_start")
    (local $i i32) (local $sum i32) (local $nonzero i32)
    ;; 1: globals start from their initialisers in every instance
    (if (i32.ne (global.get $runs) (i32.const 0)) (then (call $exit (i32.const 1))))
    (global.set $runs (i32.const 1))
    ;; 2: memory starts at its declared size, even when the last instance grew it
    (if (i32.ne (memory.size) (i32.const 2)) (then (call $exit (i32.const 2))))
    ;; 3: the overlap
    (if (i64.ne (i64.load (i32.const 16)) (i64.const 0x7a79787744434241)) (then (call $exit (i32.const 3))))
    ;; 4: the segment across the page boundary
    (if (i64.ne (i64.load (i32.const 65530)) (i64.const 0x0807060504030201)) (then (call $exit (i32.const 4))))
    ;; 5, 6: nothing else is set anywhere: 16 non-zero bytes, summing to 266 + 482 + 36
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (i32.const 131072)))
        (if (i32.load8_u (local.get $i))
          (then (local.set $nonzero (i32.add (local.get $nonzero) (i32.const 1)))
                (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (if (i32.ne (local.get $nonzero) (i32.const 16)) (then (call $exit (i32.const 5))))
    (if (i32.ne (local.get $sum) (i32.const 784)) (then (call $exit (i32.const 6))))
    ;; 7: a passive segment is still there for memory.init
    (memory.init $passive (i32.const 1000) (i32.const 0) (i32.const 8))
    (if (i64.ne (i64.load (i32.const 1000)) (i64.const 0x2165766973736170)) (then (call $exit (i32.const 7))))
    ;; Dropped, it still allows a zero-length init.
    (data.drop $passive)
    (memory.init $passive (i32.const 0) (i32.const 0) (i32.const 0))
    ;; Dirty everything for the next instance: all pages, a grown page, the global.
    (memory.fill (i32.const 0) (i32.const 0xab) (i32.const 131072))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 2)) (then (call $exit (i32.const 8))))
    (memory.fill (i32.const 131072) (i32.const 0xcd) (i32.const 65536))
    (global.set $runs (i32.const 99))
    (call $exit (i32.const 0))))
