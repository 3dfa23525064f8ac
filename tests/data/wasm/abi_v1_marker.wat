;; A module of the older ABI 1.0.0: its version marker and its api_request import.
(module
  (import "env" "api_request" (func $api_request (param i32 i32)))
  (memory (export "memory") 2)
  (func $send_response (call $api_request (i32.const 0) (i32.const 0)))
  (func (export "_start"))
  (func (export "mk_module_on_event") (param i64 i32) (call $send_response))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32) (i32.const 0))
  (func (export "mk_module_abi_version_1_0_0")))
