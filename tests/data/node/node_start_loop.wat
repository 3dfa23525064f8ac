;; node_start_loop: node_hello_v1 whose _initialize never returns: its start runs out the
;; service's whole time limit. Other deploys must not wait for it (the deploy lock is not held
;; while a module loads and starts).
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (memory (export "memory") 2)
  (func (export "_initialize") (loop $forever (br $forever)))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param $buf i64) (param $len i32))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0)))
