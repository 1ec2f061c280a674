#pragma once
// The immutable, typed model of a racoon.conf (ipsec-tools 0.8 racoon.conf(5)).
// Owned by config/; see config.hpp for loading and printing.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/address.hpp"

namespace coati::config {

/// racoon's log levels (`log LEVEL;`).
enum class log_level : std::uint8_t { error, warning, notify, info, debug, debug2 };

/// `listen { ... }`.
struct listen_block {
  std::vector<endpoint> isakmp;      ///< `isakmp ADDR [port];` (port 500 default)
  std::vector<endpoint> isakmp_natt; ///< `isakmp_natt ADDR [port];`
  struct admin_socket {
    std::string path;  ///< socket path (after --config-root rebasing)
    std::string owner; ///< user name or numeric uid, empty = unchanged
    std::string group; ///< group name or numeric gid, empty = unchanged
    unsigned mode = 0600;
  };
  std::optional<admin_socket> adminsock; ///< nullopt = `adminsock disabled;`
  bool strict_address = false;
  bool operator==(const listen_block&) const = default;
};

/// `timer { ... }` (racoon's code defaults).
struct timer_block {
  unsigned counter = 5;
  std::chrono::seconds interval{10};
  unsigned persend = 1;
  std::chrono::seconds phase1{30};
  std::chrono::seconds phase2{30};
  std::chrono::seconds natt_keepalive{20};
  bool operator==(const timer_block&) const = default;
};

/// `path include|pre_shared_key|certificate|script|backupsa|pidfile "p";`
struct paths_block {
  std::string include, pre_shared_key, certificate, script, backupsa, pidfile;
  bool operator==(const paths_block&) const = default;
};

/// A whole, validated configuration. Immutable once loaded; shared by pointer.
struct configuration {
  paths_block paths;
  std::optional<log_level> log; ///< nullopt: not given (daemon default info)
  listen_block listen;
  timer_block timer;
  // remote, proposal, sainfo, padding, mode_cfg, ldapcfg, radiuscfg, privsep... follow.
  bool operator==(const configuration&) const = default;
};

} // namespace coati::config
