;; A service whose mk_module_on_event calls $deep, which recurses without end: stack exhaustion.
;; The compiled tier's backtrace holds the innermost frames, all named deep.
(module
  (memory (export "memory") 1)
  (func $deep (param i32) (result i32) (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $on_event (export "mk_module_on_event") (param i64 i32) (drop (call $deep (local.get 1)))))
