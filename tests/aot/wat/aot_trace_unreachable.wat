;; As aot_trace_div0.wat, but $inner reaches unreachable.
(module
  (memory (export "memory") 1)
  (global $zero (mut i32) (i32.const 0))
  (func $inner (param i32) (result i32) (if (i32.eqz (global.get $zero)) (then unreachable)) (local.get 0))
  (func $outer (param i32) (result i32) (i32.add (call $inner (local.get 0)) (i32.const 1)))
  (func $on_event (export "mk_module_on_event") (param i64 i32) (drop (call $outer (local.get 1)))))
