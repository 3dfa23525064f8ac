;; Unbounded recursion without a shadow stack: the interpreter's call-stack limit must trap.
(module
  (memory (export "memory") 1)
  (func $down (param i32) (result i32)
    (i32.add (call $down (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "mk_module_on_event") (param i64 i32)
    (drop (call $down (i32.const 0))))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32) (i32.const 0)))
