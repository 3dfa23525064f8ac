;; Imports a host function that is not part of ABI 2.0.0, called from $handle_request.
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (import "env" "not_in_abi" (func $not_in_abi (param i32) (result i32)))
  (memory (export "memory") 2)
  (func $handle_request (param i32) (result i32)
    (call $not_in_abi (local.get 0)))
  (func (export "_initialize"))
  (func (export "mk_module_on_event") (param i64 i32)
    (drop (call $handle_request (local.get 1))))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32) (i32.const 0))
  (func (export "mk_module_abi_version_2_0_0")))
