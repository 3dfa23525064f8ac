;; node_grow_hold: each request grows memory by 256 pages (16 MiB) and keeps it until its time
;; limit ends it (504); when the grow is refused (-1) it traps at once (500). With the node-wide
;; guest memory budget, two at once cannot both get their 16 MiB from a 24 MiB budget.
(module
  (import "env" "mk_module_api_request" (func $api_request (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "mk_module_abi_version_2_0_0"))
  (func (export "mk_module_on_event") (param i64 i32)
    (if (i32.eq (memory.grow (i32.const 256)) (i32.const -1)) (then unreachable))
    (loop $hold (br $hold)))
  (func (export "mk_module_on_api_response") (param i64 i64 i32) (result i32)
    (i32.const 0)))
