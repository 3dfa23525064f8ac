;; node_kv_reader: storage.get_item("greeting") (session 1); when the reply arrives it answers
;; with the raw MessagePack bytes of that reply as the body (the test looks for the value in it).
;;   1024: {"jsonrpc":"2.0","id":1,"method":"storage.get_item","params":{"key":"greeting","value":"","tag":""}}
;;   8141: the head of {"jsonrpc":"2.0","id":0,"method":"response.send","params":[<str32>]} up to the
;;         str32 marker; the 4 length bytes follow at 8188, the reply bytes at 8192.
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (import "env" "mk_module_get_buffer" (func $get_buffer (param i32 i64 i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "\84\a7\6a\73\6f\6e\72\70\63\a3\32\2e\30\a2\69\64\01\a6\6d\65\74\68\6f\64\b0\73\74\6f\72\61\67\65\2e\67\65\74\5f\69\74\65\6d\a6\70\61\72\61\6d\73\83\a3\6b\65\79\a8\67\72\65\65\74\69\6e\67\a5\76\61\6c\75\65\a0\a3\74\61\67\a0")
  (data (i32.const 8141) "\84\a7\6a\73\6f\6e\72\70\63\a3\32\2e\30\a2\69\64\00\a6\6d\65\74\68\6f\64\ad\72\65\73\70\6f\6e\73\65\2e\73\65\6e\64\a6\70\61\72\61\6d\73\91\db")
  (func (export "_initialize"))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param i64 i32)
    (call $api_request (i32.const 1) (i32.const 1024) (i32.const 74)))
  (func (export "mk_module_on_api_response") (param $session i64) (param $buf i64) (param $len i32) (result i32)
    (call $get_buffer (i32.const 8192) (local.get $buf) (local.get $len))
    ;; str32 length, big-endian
    (i32.store8 (i32.const 8188) (i32.shr_u (local.get $len) (i32.const 24)))
    (i32.store8 (i32.const 8189) (i32.shr_u (local.get $len) (i32.const 16)))
    (i32.store8 (i32.const 8190) (i32.shr_u (local.get $len) (i32.const 8)))
    (i32.store8 (i32.const 8191) (local.get $len))
    (call $api_request (i32.const 0) (i32.const 8141) (i32.add (local.get $len) (i32.const 51)))
    (i32.const 0)))
