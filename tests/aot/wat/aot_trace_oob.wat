;; As aot_trace_div0.wat, but $inner loads beyond the end of memory (a guard-page fault when compiled).
(module
  (memory (export "memory") 1)
  (global $far (mut i32) (i32.const 0x7FFFFFF0))
  (func $inner (param i32) (result i32) (i32.load (i32.add (local.get 0) (global.get $far))))
  (func $outer (param i32) (result i32) (i32.add (call $inner (local.get 0)) (i32.const 1)))
  (func $on_event (export "mk_module_on_event") (param i64 i32) (drop (call $outer (local.get 1)))))
