;; Pre-initialisation keeps globals of every type (runtime-stub/aot/src/preinit.hpp): _initialize
;; sets an i32, an i64 (beyond 32 bits), an f32 and an f64 and a byte of memory; each request
;; answers four flags, '1' where it sees what _initialize left, then changes all of it, so that a
;; later request seeing this one's state answers '0'. The body is "1111" on every request of both
;; engines. The data segment is {"jsonrpc":"2.0","id":0,"method":"response.send","params":["XXXX"]}
;; in MessagePack; the flags overwrite XXXX (bytes 1071..1074).
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $a (mut i32) (i32.const 0))
  (global $b (mut i64) (i64.const 0))
  (global $c (mut f32) (f32.const 0))
  (global $d (mut f64) (f64.const 0))
  (data (i32.const 1024) "\84\a7jsonrpc\a32.0\a2id\00\a6method\adresponse.send\a6params\91\a4XXXX")
  (func (export "_initialize")
    (global.set $a (i32.const 7))
    (global.set $b (i64.const 0x100000002))
    (global.set $c (f32.const 2.5))
    (global.set $d (f64.const -0.25))
    (i32.store8 (i32.const 2000) (i32.const 9)))
  (func $flag (param $ok i32) (param $at i32)
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (local.get $ok))))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param i64 i32)
    (call $flag (i32.eq (global.get $a) (i32.const 7)) (i32.const 1071))
    (call $flag (i64.eq (global.get $b) (i64.const 0x100000002)) (i32.const 1072))
    (call $flag (f32.eq (global.get $c) (f32.const 2.5)) (i32.const 1073))
    (call $flag (i32.and (f64.eq (global.get $d) (f64.const -0.25))
                         (i32.eq (i32.load8_u (i32.const 2000)) (i32.const 9))) (i32.const 1074))
    (global.set $a (i32.add (global.get $a) (i32.const 1)))
    (global.set $b (i64.add (global.get $b) (i64.const 1)))
    (global.set $c (f32.add (global.get $c) (f32.const 1)))
    (global.set $d (f64.add (global.get $d) (f64.const 1)))
    (i32.store8 (i32.const 2000) (i32.const 0))
    (call $api_request (i32.const 0) (i32.const 1024) (i32.const 51)))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0)))
