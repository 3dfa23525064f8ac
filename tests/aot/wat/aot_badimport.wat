;; imports a host function the ABI does not have: load must fail with a clear error.
(module (import "env" "not_in_the_abi" (func)) (memory (export "memory") 1) (func (export "_start")))
