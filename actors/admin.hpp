#pragma once
// The admin actor: coatictl's UNIX stream socket (`listen { adminsock PATH ... }`),
// served on a thread of its own that asks the daemon with blocking requests.
//
// Protocol (one request, one answer per frame; several frames per connection):
//   frame    = length:u32 big-endian, then `length` bytes (requests at most 64 KiB,
//              answers at most 256 MiB)
//   request  = one command line, words split by spaces:
//                "status"            the daemon's counters (generation, reloads, ...)
//                "stats"             every actor's counters, merged
//                "reload-config"     re-read the configuration file (like SIGHUP)
//                "debug-crash NAME"  crash child NAME (only with COATI_TEST_HOOKS=1)
//                "show-sa [CLASS]"   ISAKMP-SAs and/or IPsec-SAs, one per line (isakmp,
//                                    esp, ipsec; none = both)
//                "vpn-connect ADDR"  start phase 1 with ADDR
//   answer   = "ok\n" or "error\n", then the body:
//                counters: one "key value" line each, sorted by key
//                otherwise: free text (diagnostics, messages)
// Unknown commands get "error\nunknown command: ...".

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"

namespace coati::actors {

/// Where and how the socket is made.
struct admin_options {
  std::string path;        ///< socket file; its folder is created if missing
  unsigned mode = 0600;    ///< file mode of the socket
  std::string owner;       ///< user name or uid, empty = unchanged
  std::string group;       ///< group name or gid, empty = unchanged
  bool test_hooks = false; ///< accept "debug-crash"
};

/// Reads one frame from a stream socket; false on EOF, error or an oversized frame.
/// Answers may be large: `show-sa` of tens of thousands of SAs is several MiB.
inline constexpr std::uint32_t max_answer = 256U << 20;
bool read_frame(int fd, std::string& out, std::uint32_t max_frame = max_answer);
/// Writes one frame; false on error.
bool write_frame(int fd, const std::string& body);

class admin_server;

/// The admin actor's state: the server thread and its counters.
struct admin_state {
  admin_state();
  ~admin_state(); ///< stops the thread, closes and removes the socket
  admin_state(const admin_state&) = delete;
  admin_state& operator=(const admin_state&) = delete;
  static inline const char* name = "admin";
  std::unique_ptr<admin_server> server;
  handler_clock clock{name};
};

/// Opens the socket and serves it, asking `daemon`. Quits with an error if the socket
/// cannot be made.
caf::behavior admin(caf::stateful_actor<admin_state>* self, caf::actor daemon, admin_options opts);

} // namespace coati::actors
