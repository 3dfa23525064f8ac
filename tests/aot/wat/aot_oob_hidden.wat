;; Memory not exported: an out-of-bounds load must still be a trap, not a crash.
(module (memory 1)
  (func (export "_start") (drop (i32.load (i32.const 70000)))))
