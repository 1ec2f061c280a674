#pragma once
// What a roadwarrior gets from the hub's `mode_cfg` block: the Mode Config values (its
// leased address, DNS, WINS, split networks, domain...) and racoon's hook environment
// for them (INTERNAL_ADDR4, XAUTH_USER, SPLIT_INCLUDE...).

#include <optional>
#include <string>
#include <vector>

#include "actors/services.hpp"
#include "config/model.hpp"
#include "ike/transaction.hpp"

namespace coati::actors {

/// The `group` block of `m` whose values a member of `groups` gets: the first, in file
/// order, naming one of them; nullptr when none does.
const config::mode_cfg_group* group_values_for(const config::mode_cfg_block& m,
                                               const std::vector<std::string>& groups);

/// `m` with the values of the user's group block (group_values_for) in place of its own.
config::mode_cfg_block with_group_values(const config::mode_cfg_block& m,
                                         const std::vector<std::string>& groups);

/// The values for a user with the leased `address` / `netmask` (dotted quads).
/// nullopt when the address does not parse as IPv4.
std::optional<ike::mode_cfg_values> mode_cfg_values_for(const config::mode_cfg_block& m,
                                                        const std::string& address,
                                                        const std::string& netmask);

/// racoon's Mode Config variables for hook scripts (rc:isakmp_cfg.c): INTERNAL_ADDR4,
/// INTERNAL_NETMASK4 and INTERNAL_MASK4, INTERNAL_CIDR4, INTERNAL_DNS4(_LIST),
/// INTERNAL_WINS4(_LIST), DEFAULT_DOMAIN, SPLIT_INCLUDE(_CIDR), and XAUTH_USER when known.
/// Without values (no Mode Config yet), the Mode Config ones are there and empty, as a
/// hybrid racoon exports them.
std::vector<std::string> mode_cfg_env(const std::string& xauth_user,
                                      const ike::mode_cfg_values* values);

/// "192.0.2.1" for an IPv4 address.
std::string dotted(const ike::ipv4_address& a);
/// The same address as the configuration model holds addresses.
config::ip_address ip_of(const ike::ipv4_address& a);

/// An XAuth login on `self` (a peer actor): the auth actor checks the credentials, then
/// the pool leases the user an address (the directory's, when the auth reply has one; held
/// by `self` until it ends, recorded with the user's groups); `done(values, why, groups)` gets
/// the user's Mode Config values (those of the user's `group` block, if any) and groups, or
/// nullopt and why not.
template <class Self, class Done>
void check_roadwarrior(Self self, const services& svc, const config::mode_cfg_block& m,
                       auth_request rq, Done done) {
  auto user = rq.user;
  auto pool = svc.pool;
  auto on_error = [self, done](const char* who) {
    return [self, done, who](caf::error& e) {
      done(std::nullopt, std::string{who} + " actor: " + self->system().render(e),
           std::vector<std::string>{});
    };
  };
  auto on_auth = [self, done, user, pool, m, on_error](auth_reply& r) {
    if (!r.ok) {
      done(std::nullopt, r.text, std::vector<std::string>{});
      return;
    }
    auto on_lease = [done, groups = r.groups,
                     mine = with_group_values(m, r.groups)](lease_reply& l) {
      if (!l.ok) {
        done(std::nullopt, "no address for this user: " + l.error, groups);
        return;
      }
      auto v = mode_cfg_values_for(mine, l.address, l.netmask);
      if (!v)
        done(std::nullopt, "the pool gave an address that is not IPv4: " + l.address, groups);
      else
        done(std::move(v), std::string{}, groups);
    };
    // conf_source ldap: the directory's address (and netmask, if it has one) for this user.
    lease_request lr{user, self->address(), r.address, r.groups};
    auto with_mask = [on_lease, mask = r.netmask](lease_reply& l) {
      if (l.ok && !mask.empty())
        l.netmask = mask;
      on_lease(l);
    };
    self->request(pool, std::chrono::seconds{10}, std::move(lr)).then(with_mask, on_error("pool"));
  };
  self->request(svc.auth, std::chrono::seconds{60}, std::move(rq)).then(on_auth, on_error("auth"));
}

} // namespace coati::actors
