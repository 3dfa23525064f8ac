;; A service whose mk_module_on_event calls $outer, which calls $inner, which divides by zero:
;; both engines report the frames inner, outer, on_event (trap backtraces).
(module
  (memory (export "memory") 1)
  (global $zero (mut i32) (i32.const 0))
  (func $inner (param i32) (result i32) (i32.div_s (local.get 0) (global.get $zero)))
  (func $outer (param i32) (result i32) (i32.add (call $inner (local.get 0)) (i32.const 1)))
  (func $on_event (export "mk_module_on_event") (param i64 i32) (drop (call $outer (local.get 1)))))
