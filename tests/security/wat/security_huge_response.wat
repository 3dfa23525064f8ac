;; security_huge_response: answers every request with a 17 MiB body, over the node's 16 MiB
;; response limit. The message is built in place, so the guest spends no time encoding it:
;;   {"jsonrpc":"2.0","id":0,"method":"response.send","params":[<str32 of 17 MiB of 'x'>]}
;; The header (51 bytes, ending in str32's 0xdb + big-endian length 0x01100000) is a data
;; segment at 1024; memory.fill writes the body right after it.
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (memory (export "memory") 280)
  (data (i32.const 1024) "\84\a7\6a\73\6f\6e\72\70\63\a3\32\2e\30\a2\69\64\00\a6\6d\65\74\68\6f\64\ad\72\65\73\70\6f\6e\73\65\2e\73\65\6e\64\a6\70\61\72\61\6d\73\91\db\01\10\00\00")
  (func (export "_initialize"))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param $buf i64) (param $len i32)
    (memory.fill (i32.const 1075) (i32.const 0x78) (i32.const 0x01100000))
    (call $api_request (i32.const 0) (i32.const 1024) (i32.add (i32.const 51) (i32.const 0x01100000))))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0)))
