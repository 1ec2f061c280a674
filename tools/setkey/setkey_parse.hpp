#pragma once
// The part of setkey(8)'s language that racoon's scripts use, parsed into kernel
// operations: spdadd, spddelete, deleteall, delete, flush, spdflush.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kernel/xfrm.hpp"

namespace coati::setkey {

/// `spdadd` (add = true) or `spddelete`: one policy; `-P in` also yields its fwd twin.
struct spd_op {
  bool add = true;
  kernel::policy_spec policy;
};
/// `deleteall SRC DST PROTO` / `delete SRC DST PROTO SPI`.
struct sa_delete_op {
  kernel::ip_address src, dst;
  kernel::xfrm_proto proto = kernel::xfrm_proto::esp;
  std::optional<std::uint32_t> spi; ///< nullopt: all SAs between the two
};
/// `flush [PROTO]` / `spdflush`.
struct flush_op {
  bool policies = false;
  std::optional<kernel::xfrm_proto> proto;
};

/// One statement's worth of kernel work.
using operation = std::variant<spd_op, sa_delete_op, flush_op>;

/// A parsed statement, with the line it started on.
struct statement {
  unsigned line = 0;
  std::vector<operation> ops;
};

/// A statement that could not be parsed.
struct parse_error {
  unsigned line = 0;
  std::string message;
};

/// What parsing a whole input gives: the good statements in order, and the bad ones.
struct parse_result {
  std::vector<statement> statements;
  std::vector<parse_error> errors;
};

/// Parses setkey input (`-c` standard input or `-f` file contents).
parse_result parse(std::string_view text);

/// The priority given to a policy: more specific selectors win (lower value), so that
/// `none` bypasses of a LAN inside a wider tunnelled range take precedence.
std::uint32_t priority_for(const kernel::selector& sel);

} // namespace coati::setkey
