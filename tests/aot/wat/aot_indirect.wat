;; _start makes an indirect call with the wrong type.
(module (memory (export "memory") 1)
  (type $v (func))
  (type $i (func (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $g)
  (func $g)
  (func (export "_start") (drop (call_indirect (type $i) (i32.const 0)))))
