;; _start loads the last 4 bytes of memory (fine) and then 1 byte past it (trap).
(module (memory (export "memory") 1)
  (func (export "_start") (drop (i32.load (i32.const 65532))) (drop (i32.load (i32.const 65533)))))
