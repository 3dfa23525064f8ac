;; security_host_call_flood: calls the host in a tight loop and never answers. The message is
;; {"jsonrpc":"2.0","id":0,"method":"websocket_broker.publish","params":["t","m"]} (61 bytes),
;; prepared once, so the guest spends its time in host calls: the per-request host-call limit
;; (not the wall time) must end the request, and what it publishes to the log is capped.
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "\84\a7\6a\73\6f\6e\72\70\63\a3\32\2e\30\a2\69\64\00\a6\6d\65\74\68\6f\64\b8\77\65\62\73\6f\63\6b\65\74\5f\62\72\6f\6b\65\72\2e\70\75\62\6c\69\73\68\a6\70\61\72\61\6d\73\92\a1\74\a1\6d")
  (func (export "_initialize"))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param $buf i64) (param $len i32)
    (loop $forever
      (call $api_request (i32.const 0) (i32.const 1024) (i32.const 61))
      (br $forever)))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0)))
