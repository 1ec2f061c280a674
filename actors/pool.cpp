#include "actors/pool.hpp"

#include <stdexcept>

#include "config/model.hpp"
#include "util/log.hpp"

namespace coati::actors {

lease_options pool_options_for(const config::mode_cfg_block& m) {
  auto v4 = [](const config::ip_address& a, const char* what) {
    if (a.fam != config::ip_address::family::v4)
      throw std::invalid_argument(std::string{"mode_cfg: "} + what + " is not an IPv4 address");
    return std::uint32_t{a.bytes[0]} << 24 | std::uint32_t{a.bytes[1]} << 16 |
           std::uint32_t{a.bytes[2]} << 8 | std::uint32_t{a.bytes[3]};
  };
  lease_options o;
  o.network = v4(m.network4, "network4");
  o.netmask = v4(m.netmask4, "netmask4");
  o.size = m.pool_size;
  lease_table check{o}; // throws when the pool does not fit
  return o;
}

namespace {

using pool_self = pool_actor::stateful_pointer<pool_state>;
using clock = std::chrono::steady_clock;

/// Watches `owner` while it holds a lease (one monitor per owner).
void watch(pool_self self, const caf::actor_addr& owner) {
  if (self->state.monitored.emplace(owner.id(), owner).second)
    self->monitor(owner);
}

/// Stops watching the owners in `ids` that hold nothing any more.
void unwatch(pool_self self, const std::vector<lease_table::owner_id>& ids) {
  auto& st = self->state;
  for (auto id : ids) {
    auto i = st.monitored.find(id);
    if (i == st.monitored.end() || st.table->holds(id))
      continue;
    self->demonitor(i->second);
    st.monitored.erase(i);
  }
}

lease_reply on_request(pool_self self, const lease_request& req) {
  auto& st = self->state;
  auto owner = req.owner ? req.owner : caf::actor_cast<caf::actor_addr>(self->current_sender());
  if (!owner) {
    st.counts["pool.refused"] += 1;
    return {false, {}, {}, "a lease needs an owner", false, false};
  }
  lease_table::grant g;
  if (req.address.empty()) {
    g = st.table->acquire(req.user, owner.id(), clock::now(), req.groups);
  } else if (auto a = ipv4_value(req.address)) {
    g = st.table->acquire_fixed(req.user, *a, owner.id(), clock::now(), req.groups);
  } else {
    g.why = lease_table::failure::bad_request;
    g.error = "the user's address '" + req.address + "' is not an IPv4 address";
  }
  if (!g.ok()) {
    using f = lease_table::failure;
    st.counts[g.why == f::exhausted ? "pool.exhausted"
              : g.why == f::taken   ? "pool.taken"
                                    : "pool.refused"] += 1;
    COATI_LOG(warning, "pool", "no address for ", req.user, ": ", g.error);
    return {false, {}, {}, g.error, false, false};
  }
  watch(self, owner);
  auto address = ipv4_text(g.address);
  if (!req.address.empty() && !g.again && !g.shared)
    st.counts["pool.fixed"] += 1;
  st.counts[g.again     ? "pool.again"
            : g.shared  ? "pool.shared"
            : g.renewed ? "pool.renewed"
                        : "pool.granted"] += 1;
  COATI_LOG(info, "pool", address, " leased to ", req.user,
            g.shared ? " (second login)" : (g.renewed ? " (again)" : ""));
  return {true, address, ipv4_text(st.table->options().netmask), {}, g.renewed, g.shared};
}

void on_release(pool_self self, const lease_release& rel) {
  auto& st = self->state;
  auto now = clock::now();
  std::vector<lease_table::owner_id> owners;
  std::size_t freed = 0;
  if (!rel.user.empty()) {
    owners = st.table->release_user(rel.user, now);
    freed = owners.empty() ? 0 : 1;
  } else if (!rel.address.empty()) {
    if (auto a = ipv4_value(rel.address))
      owners = st.table->release_address(*a, now);
    freed = owners.empty() ? 0 : 1;
  } else {
    auto owner = rel.owner ? rel.owner : caf::actor_cast<caf::actor_addr>(self->current_sender());
    if (!owner)
      return;
    freed = st.table->release_owner(owner.id(), now).size();
    owners = {owner.id()};
  }
  st.counts["pool.released"] += static_cast<std::int64_t>(freed);
  unwatch(self, owners);
}

/// An owner ended: everything it held goes back to the pool.
void on_owner_down(pool_self self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto freed = st.table->release_owner(dm.source.id(), clock::now());
  if (!freed.empty()) {
    st.counts["pool.owner_down"] += static_cast<std::int64_t>(freed.size());
    for (auto a : freed)
      COATI_LOG(info, "pool", ipv4_text(a), " released: its holder ended");
  }
  st.monitored.erase(dm.source.id());
}

counters status(pool_self self) {
  auto& st = self->state;
  auto now = clock::now();
  counters out;
  out.values = st.counts;
  for (auto key : {"pool.granted", "pool.renewed", "pool.shared", "pool.again", "pool.exhausted",
                   "pool.refused", "pool.released", "pool.owner_down", "pool.fixed", "pool.taken"})
    out.values.try_emplace(key, 0);
  auto size = static_cast<std::int64_t>(st.table->options().size);
  auto leased = static_cast<std::int64_t>(st.table->leased());
  out.values["pool.size"] = size;
  out.values["pool.leased"] = leased;
  out.values["pool.free"] = size - leased;
  out.values["pool.reserved"] = static_cast<std::int64_t>(st.table->reserved(now));
  st.clock.add_to(out, "pool", mailbox_depth(self));
  return out;
}

lease_rows show(pool_self self) {
  lease_rows out;
  for (const auto& r : self->state.table->rows(clock::now()))
    out.rows.push_back(
        {ipv4_text(r.address), r.user, static_cast<std::int64_t>(r.holders), r.seconds, r.groups});
  return out;
}

} // namespace

pool_actor::behavior_type pool_behavior(pool_self self, lease_options opts) {
  self->set_exception_handler(exit_reason_of);
  self->state.table.emplace(opts);
  self->set_down_handler([self](caf::down_msg& dm) {
    handler_clock::scope timing{self};
    on_owner_down(self, dm);
  });
  COATI_LOG(info, "pool", ipv4_text(opts.network), " + ", opts.size, " addresses, netmask ",
            ipv4_text(opts.netmask));
  return {
      [self](const lease_request& req) -> lease_reply {
        handler_clock::scope timing{self};
        return on_request(self, req);
      },
      [self](const lease_release& rel) {
        handler_clock::scope timing{self};
        on_release(self, rel);
      },
      [self](show_pool_atom) -> lease_rows {
        handler_clock::scope timing{self};
        return show(self);
      },
      [self](status_atom) -> counters {
        handler_clock::scope timing{self};
        return status(self);
      },
      [](crash_atom) { throw std::runtime_error("pool: test crash requested"); },
  };
}

} // namespace coati::actors
