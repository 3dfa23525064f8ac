;; node_quick_then_loop: answers "hello v1" in microseconds, like node_hello_v1, unless the request
;; names /loop: then it loops forever (until the node's time limit). For the inline-run test (issue
;; 28): a service the node has learnt is quick, which then is not.
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (import "env" "mk_module_get_buffer" (func $get_buffer (param i32 i64 i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "\84\a7\6a\73\6f\6e\72\70\63\a3\32\2e\30\a2\69\64\00\a6\6d\65\74\68\6f\64\ad\72\65\73\70\6f\6e\73\65\2e\73\65\6e\64\a6\70\61\72\61\6d\73\92\a8\68\65\6c\6c\6f\20\76\31\82\aa\73\74\61\74\75\73\43\6f\64\65\cd\00\c8\a7\68\65\61\64\65\72\73\82\ac\63\6f\6e\74\65\6e\74\2d\74\79\70\65\aa\74\65\78\74\2f\70\6c\61\69\6e\b1\78\2d\73\65\72\76\69\63\65\2d\76\65\72\73\69\6f\6e\a1\31")
  (func (export "_initialize"))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param $buf i64) (param $len i32)
    (local $i i32)
    ;; The event (MessagePack, at most 60 KiB here) is fetched to 4096 and searched for "/loop".
    (if (i32.gt_u (local.get $len) (i32.const 61440)) (then (local.set $len (i32.const 61440))))
    (call $get_buffer (i32.const 4096) (local.get $buf) (local.get $len))
    (block $done
      (loop $scan
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 5)) (local.get $len)))
        ;; "/loo" as a little-endian i32, then "p"
        (if (i32.and
              (i32.eq (i32.load (i32.add (i32.const 4096) (local.get $i))) (i32.const 0x6f6f6c2f))
              (i32.eq (i32.load8_u (i32.add (i32.const 4100) (local.get $i))) (i32.const 0x70)))
          (then (loop $forever (br $forever))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (call $api_request (i32.const 0) (i32.const 1024) (i32.const 123)))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0)))
