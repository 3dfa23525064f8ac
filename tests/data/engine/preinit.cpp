// A reactor whose C++ constructors do real work, for pre-initialisation (runtime-stub/aot/src/
// preinit.hpp): every answer must be the same whether an instance ran the constructors itself or
// started from a snapshot taken after them, and no request may see another's changes.
// Built twice: as is, and with PREINIT_READS_CLOCK, whose constructor asks the host for the time
// (such a module must be initialised per instance).
#include <time.h>

#include <string>

#include "guest_rt.hpp"

namespace {

int g_table[4096];         // filled by a constructor: 16 KiB of memory to snapshot
int g_constructed = 0;     // constructors run in this instance
int g_requests = 0;        // requests this instance has seen: always 1
long long g_clock_ns = 0;  // PREINIT_READS_CLOCK: when the constructor ran
std::string g_greeting;    // a heap allocation made during initialisation

struct Constructed {
  Constructed() {
    for (int i = 0; i < 4096; ++i) g_table[i] = i * 7 + 3;
    g_greeting = "built " + std::to_string(g_table[4095]) + " at start";
    ++g_constructed;
#ifdef PREINIT_READS_CLOCK
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    g_clock_ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
#endif
  }
} g_constructed_object;

}  // namespace

GUEST_EXPORT(mk_module_abi_version_2_0_0) void abi_version() {}

GUEST_EXPORT(mk_module_on_api_response) int32_t on_api_response(int64_t sid, int64_t ref, int32_t len) {
  return guest::dispatch_reply(sid, ref, len);
}

GUEST_EXPORT(mk_module_on_event) void on_event(int64_t ref, int32_t len) {
  (void)guest::take(ref, len);
  ++g_requests;
  long long sum = 0;
  for (int v : g_table) sum += v;
  g_table[7] = -1;  // a change no later request may see
  guest::send(json{{"constructed", g_constructed},
                   {"requests", g_requests},
                   {"sum", sum},
                   {"greeting", g_greeting},
                   {"clock_set", g_clock_ns != 0}}
                  .dump());
}
