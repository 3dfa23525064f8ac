;; _start loops for ever: only the deadline ends it.
(module (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))
