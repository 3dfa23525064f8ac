;; mk_module_api_request imported without its session id (the ABI 1.0.0 shape), and
;; mk_module_on_api_response exported without its result.
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32)))
  (memory (export "memory") 2)
  (func $send (call $api_request (i32.const 0) (i32.const 0)))
  (func (export "_initialize"))
  (func (export "mk_module_on_event") (param i64 i32) (call $send))
  (func (export "mk_module_on_api_response") (param i64 i64 i32))
  (func (export "mk_module_abi_version_2_0_0")))
