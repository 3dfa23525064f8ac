;; node_kv_writer: storage.set_item("greeting", "stored-before-redeploy") (session 2, reply ignored),
;; then response.send("stored"). With node_kv_reader, shows that service storage survives
;; redeploys and node crashes. Data segments are MessagePack JSON-RPC messages:
;;   1024: {"jsonrpc":"2.0","id":2,"method":"storage.set_item","params":{"key":"greeting","value":"stored-before-redeploy","tag":""}}
;;   2048: {"jsonrpc":"2.0","id":0,"method":"response.send","params":["stored"]}
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "\84\a7\6a\73\6f\6e\72\70\63\a3\32\2e\30\a2\69\64\02\a6\6d\65\74\68\6f\64\b0\73\74\6f\72\61\67\65\2e\73\65\74\5f\69\74\65\6d\a6\70\61\72\61\6d\73\83\a3\6b\65\79\a8\67\72\65\65\74\69\6e\67\a5\76\61\6c\75\65\b6\73\74\6f\72\65\64\2d\62\65\66\6f\72\65\2d\72\65\64\65\70\6c\6f\79\a3\74\61\67\a0")
  (data (i32.const 2048) "\84\a7\6a\73\6f\6e\72\70\63\a3\32\2e\30\a2\69\64\00\a6\6d\65\74\68\6f\64\ad\72\65\73\70\6f\6e\73\65\2e\73\65\6e\64\a6\70\61\72\61\6d\73\91\a6\73\74\6f\72\65\64")
  (func (export "_initialize"))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param i64 i32)
    (call $api_request (i32.const 2) (i32.const 1024) (i32.const 96))
    (call $api_request (i32.const 0) (i32.const 2048) (i32.const 53)))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0)))
