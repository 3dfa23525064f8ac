;; A service whose mk_module_on_event calls $outer, which calls $spin, which never returns: the
;; watchdog stops it and the compiled tier's backtrace says where (spin, outer, on_event).
(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (func $spin (param i32) (result i32) (loop $l (global.set $n (i32.add (global.get $n) (i32.const 1))) (br $l)) (local.get 0))
  (func $outer (param i32) (result i32) (i32.add (call $spin (local.get 0)) (i32.const 1)))
  (func $on_event (export "mk_module_on_event") (param i64 i32) (drop (call $outer (local.get 1)))))
