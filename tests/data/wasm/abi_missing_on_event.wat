;; Everything but the mk_module_on_event export.
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (memory (export "memory") 2)
  (func (export "_initialize"))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32) (i32.const 0))
  (func (export "mk_module_abi_version_2_0_0")))
