#pragma once
// Mode Config address leases, without actors: racoon's IPv4 pool (`network4`, `pool_size`,
// `netmask4`: addresses network4 + 0 .. network4 + pool_size - 1), one lease per user.
//
// What racoon did not do, and coati does:
//   - Stable addresses. A user's last address is remembered for as long as nobody else
//     has it: new users get free addresses in least-recently-released order (never used
//     ones first), so a reconnecting user finds the old address in all but a full pool.
//     For `keep` after a release it is reserved: no other user gets it, even when that
//     means "exhausted" (default 0: remembered, not reserved).
//   - A second login of a user whose lease is live (the usual case: a client that
//     reconnects before the hub noticed the old SA die) gets the same address: the lease
//     gains a holder and the address is free again when the last holder lets go. With
//     `second_login::refuse` it is refused instead (two devices on one account).
//   - Exhaustion is an error with a text, never a shared or reused live address.
// Holders are owner ids (the pool actor uses the peer actor's id); an owner that ends
// releases everything it holds.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace coati::actors {

/// What a second login of a user with a live lease gets.
enum class second_login : std::uint8_t {
  share, ///< the same address (default)
  refuse ///< an error
};

/// The pool's shape and policies.
struct lease_options {
  std::uint32_t network = 0;          ///< first address, host byte order
  std::uint32_t netmask = 0xffffffff; ///< handed out with each address
  std::uint32_t size = 255;           ///< addresses in the pool (racoon's default)
  std::chrono::seconds keep{0};       ///< reserved for its last user after a release
  second_login second = second_login::share;
};

/// Dotted-quad text of a host-order IPv4 address.
std::string ipv4_text(std::uint32_t a);
/// Host-order value of dotted-quad text; nullopt when it is not one.
std::optional<std::uint32_t> ipv4_value(const std::string& text);

/// The leases of one pool. Not thread-safe (the pool actor owns it).
class lease_table {
public:
  using owner_id = std::uint64_t;
  using time_point = std::chrono::steady_clock::time_point;

  /// Why an acquire failed.
  enum class failure : std::uint8_t {
    none = 0,
    exhausted,
    second_login_refused,
    bad_request,
    taken ///< acquire_fixed: the address is another user's
  };

  /// The answer to an acquire.
  struct grant {
    failure why = failure::none;
    std::uint32_t address = 0;
    bool renewed = false; ///< the user's previous address, given back
    bool shared = false;  ///< the user's live lease, now with one more holder
    bool again = false;   ///< the owner held it already (a repeated request)
    std::string error;    ///< when why != none
    bool ok() const { return why == failure::none; }
  };

  /// One line of `show-pool`.
  struct row {
    std::uint32_t address = 0;
    std::string user;
    std::size_t holders = 0;         ///< 0: reserved for `user`, not leased
    std::int64_t seconds = 0;        ///< since leased (or since released, when reserved)
    std::vector<std::string> groups; ///< the user's groups at login (live leases only)
  };

  /// Throws std::invalid_argument when the pool is empty or runs past 255.255.255.255.
  explicit lease_table(lease_options opts);

  /// A lease for `user` held by `owner`, recorded with the user's `groups` (those of the
  /// latest login). The same owner asking again gets the same answer and holds it once.
  grant acquire(const std::string& user, owner_id owner, time_point now,
                const std::vector<std::string>& groups = {});
  /// The fixed `address` (the directory's, conf_source ldap) for `user`, held by `owner`:
  /// it must lie in the pool; refused (taken) while another user leases it or it is
  /// reserved for another; the user's own live lease of it is shared as in `acquire`.
  grant acquire_fixed(const std::string& user, std::uint32_t address, owner_id owner,
                      time_point now, const std::vector<std::string>& groups = {});
  /// Drops every hold of `owner`; returns the addresses that became free.
  std::vector<std::uint32_t> release_owner(owner_id owner, time_point now);
  /// Ends `user`'s lease whoever holds it; returns the owners that held it.
  std::vector<owner_id> release_user(const std::string& user, time_point now);
  /// Ends the lease of `address` whoever holds it; returns the owners that held it.
  std::vector<owner_id> release_address(std::uint32_t address, time_point now);

  /// True while `owner` holds some lease.
  bool holds(owner_id owner) const { return by_owner_.count(owner) != 0; }
  /// Live leases and reserved addresses, by address.
  std::vector<row> rows(time_point now) const;
  /// Addresses leased now.
  std::size_t leased() const { return leased_; }
  /// Addresses reserved now for their last user (free, but not for others).
  std::size_t reserved(time_point now) const;
  /// The options in force.
  const lease_options& options() const { return opts_; }

private:
  struct slot {
    std::string user;                ///< holder, or last holder (empty: never used/forgotten)
    std::set<owner_id> owners;       ///< empty: free
    time_point since{};              ///< leased at, or released at when free
    std::uint64_t free_order = 0;    ///< key in free_ while free
    std::vector<std::string> groups; ///< the holder's groups (set by acquire)
  };
  grant acquire_address(const std::string& user, owner_id owner, time_point now);
  grant fixed_address(const std::string& user, std::uint32_t address, owner_id owner,
                      time_point now);
  bool reserved_for_other(const slot& s, const std::string& user, time_point now) const;
  grant join(std::size_t i, const std::string& user, owner_id owner, grant g);
  void take(std::size_t i, const std::string& user, owner_id owner, time_point now);
  std::uint32_t mark_free(std::size_t i, time_point now); ///< returns its address
  void drop_owner(owner_id owner, std::size_t i);

  lease_options opts_;
  std::vector<slot> slots_;
  std::set<std::pair<std::uint64_t, std::size_t>> free_; ///< (release order, index), LRU first
  std::map<std::string, std::size_t> last_;              ///< user -> slot held or last held
  std::map<owner_id, std::set<std::size_t>> by_owner_;
  std::uint64_t releases_ = 0;
  std::size_t leased_ = 0;
};

} // namespace coati::actors
