;; Hostile calls into the host: garbage instead of MessagePack (must be ignored with a log line),
;; then a real response, then a read of a host buffer that does not exist (must trap).
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (import "env" "mk_module_get_buffer" (func $get_buffer (param i32 i64 i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\c1\ff\00garbage")
  (data (i32.const 16)
    "\84\a7\6a\73\6f\6e\72\70\63\a3\32\2e\30\a2\69\64\00\a6\6d\65\74\68\6f\64\ad\72\65\73\70\6f\6e\73\65\2e\73\65\6e\64\a6\70\61\72\61\6d\73\92\a8\66\72\6f\6d\20\77\61\74\81\aa\73\74\61\74\75\73\43\6f\64\65\cc\ca")
  (func (export "mk_module_on_event") (param $buf i64) (param $len i32)
    (call $api_request (i32.const 0) (i32.const 8) (i32.const 8))
    (call $api_request (i32.const 0) (i32.const 16) (i32.const 69))
    (call $get_buffer (i32.const 1024) (i64.const 424242) (i32.const 10)))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32) (i32.const 0)))
