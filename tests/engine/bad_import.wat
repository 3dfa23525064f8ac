;; Imports a host function that is not part of ABI 2.0.0: instantiation must fail cleanly.
(module
  (import "env" "launch_missiles" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "mk_module_on_event") (param i64 i32))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32) (i32.const 0)))
