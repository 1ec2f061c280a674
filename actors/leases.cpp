#include "actors/leases.hpp"

#include <arpa/inet.h>

#include <stdexcept>

namespace coati::actors {

std::string ipv4_text(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
         std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

std::optional<std::uint32_t> ipv4_value(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1)
    return std::nullopt;
  return ntohl(a.s_addr);
}

lease_table::lease_table(lease_options opts) : opts_(opts) {
  if (opts_.size == 0)
    throw std::invalid_argument("address pool: pool_size is 0");
  if (std::uint64_t{opts_.network} + opts_.size - 1 > 0xffffffffu)
    throw std::invalid_argument("address pool: " + ipv4_text(opts_.network) + " + " +
                                std::to_string(opts_.size) + " runs past 255.255.255.255");
  slots_.resize(opts_.size);
  for (std::size_t i = 0; i < slots_.size(); ++i)
    free_.emplace(0, i); // never used: in address order, before any released one
}

bool lease_table::reserved_for_other(const slot& s, const std::string& user, time_point now) const {
  return !s.user.empty() && s.user != user && now - s.since < opts_.keep;
}

void lease_table::take(std::size_t i, const std::string& user, owner_id owner, time_point now) {
  auto& s = slots_[i];
  free_.erase({s.free_order, i});
  if (!s.user.empty() && s.user != user) {
    auto l = last_.find(s.user);
    if (l != last_.end() && l->second == i)
      last_.erase(l); // its last user's memory of it ends here
  }
  s.user = user;
  s.owners = {owner};
  s.since = now;
  last_[user] = i;
  by_owner_[owner].insert(i);
  leased_ += 1;
}

lease_table::grant lease_table::acquire(const std::string& user, owner_id owner, time_point now,
                                        const std::vector<std::string>& groups) {
  auto g = acquire_address(user, owner, now);
  if (g.ok())
    slots_[g.address - opts_.network].groups = groups; // the latest login's
  return g;
}

lease_table::grant lease_table::acquire_address(const std::string& user, owner_id owner,
                                                time_point now) {
  grant g;
  if (user.empty()) {
    g.why = failure::bad_request;
    g.error = "no user name";
    return g;
  }
  auto l = last_.find(user);
  if (l != last_.end()) {
    auto i = l->second;
    auto& s = slots_[i];
    g.address = opts_.network + static_cast<std::uint32_t>(i);
    if (!s.owners.empty()) // live: a second login (or the same owner again)
      return join(i, user, owner, g);
    take(i, user, owner, now); // free and still remembered: the same address again
    g.renewed = true;
    return g;
  }
  for (const auto& [order, index] : free_) {
    if (reserved_for_other(slots_[index], user, now))
      continue;
    auto i = index; // take() erases the node `index` refers to
    take(i, user, owner, now);
    g.address = opts_.network + static_cast<std::uint32_t>(i);
    return g;
  }
  g.why = failure::exhausted;
  g.error = "address pool exhausted: " + std::to_string(leased_) + " of " +
            std::to_string(opts_.size) + " leased, " + std::to_string(reserved(now)) +
            " reserved for reconnects";
  return g;
}

lease_table::grant lease_table::join(std::size_t i, const std::string& user, owner_id owner,
                                     grant g) {
  auto& s = slots_[i];
  if (s.owners.count(owner) != 0) {
    g.again = true;
    return g;
  }
  if (opts_.second == second_login::refuse) {
    g.why = failure::second_login_refused;
    g.error = "user " + user + " is logged in already with " + ipv4_text(g.address);
    return g;
  }
  s.owners.insert(owner);
  by_owner_[owner].insert(i);
  g.shared = true;
  return g;
}

lease_table::grant lease_table::acquire_fixed(const std::string& user, std::uint32_t address,
                                              owner_id owner, time_point now,
                                              const std::vector<std::string>& groups) {
  auto g = fixed_address(user, address, owner, now);
  if (g.ok())
    slots_[g.address - opts_.network].groups = groups; // the latest login's
  return g;
}

lease_table::grant lease_table::fixed_address(const std::string& user, std::uint32_t address,
                                              owner_id owner, time_point now) {
  grant g;
  g.address = address;
  if (user.empty() || address < opts_.network || address - opts_.network >= opts_.size) {
    g.why = failure::bad_request;
    g.error = user.empty() ? "no user name"
                           : "the user's address " + ipv4_text(address) + " is outside the pool " +
                                 ipv4_text(opts_.network) + " + " + std::to_string(opts_.size);
    return g;
  }
  auto i = static_cast<std::size_t>(address - opts_.network);
  auto& s = slots_[i];
  if (!s.owners.empty() && s.user == user)
    return join(i, user, owner, g);
  if (!s.owners.empty() || reserved_for_other(s, user, now)) {
    g.why = failure::taken;
    g.error = "the user's address " + ipv4_text(address) + " is " +
              (s.owners.empty() ? "reserved for " : "leased to ") + s.user;
    return g;
  }
  g.renewed = s.user == user;
  take(i, user, owner, now);
  return g;
}

std::uint32_t lease_table::mark_free(std::size_t i, time_point now) {
  auto& s = slots_[i];
  s.since = now;
  s.free_order = ++releases_;
  free_.emplace(s.free_order, i);
  leased_ -= 1;
  return opts_.network + static_cast<std::uint32_t>(i);
}

void lease_table::drop_owner(owner_id owner, std::size_t i) {
  auto& s = slots_[i];
  s.owners.erase(owner);
  auto b = by_owner_.find(owner);
  if (b != by_owner_.end()) {
    b->second.erase(i);
    if (b->second.empty())
      by_owner_.erase(b);
  }
}

std::vector<std::uint32_t> lease_table::release_owner(owner_id owner, time_point now) {
  std::vector<std::uint32_t> freed;
  auto b = by_owner_.find(owner);
  if (b == by_owner_.end())
    return freed;
  auto held = b->second; // drop_owner edits the map
  for (auto i : held) {
    drop_owner(owner, i);
    if (slots_[i].owners.empty()) // else the user's other login keeps it
      freed.push_back(mark_free(i, now));
  }
  return freed;
}

std::vector<lease_table::owner_id> lease_table::release_user(const std::string& user,
                                                             time_point now) {
  auto l = last_.find(user);
  if (l == last_.end() || slots_[l->second].owners.empty())
    return {};
  return release_address(opts_.network + static_cast<std::uint32_t>(l->second), now);
}

std::vector<lease_table::owner_id> lease_table::release_address(std::uint32_t address,
                                                                time_point now) {
  if (address < opts_.network || address - opts_.network >= opts_.size)
    return {};
  auto i = static_cast<std::size_t>(address - opts_.network);
  auto& s = slots_[i];
  if (s.owners.empty())
    return {};
  std::vector<owner_id> owners(s.owners.begin(), s.owners.end());
  for (auto o : owners)
    drop_owner(o, i);
  mark_free(i, now);
  return owners;
}

std::size_t lease_table::reserved(time_point now) const {
  std::size_t n = 0;
  for (const auto& [order, i] : free_)
    if (reserved_for_other(slots_[i], std::string{}, now))
      n += 1;
  return n;
}

std::vector<lease_table::row> lease_table::rows(time_point now) const {
  std::vector<row> out;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i];
    bool live = !s.owners.empty();
    if (!live && !reserved_for_other(s, std::string{}, now))
      continue;
    out.push_back({opts_.network + static_cast<std::uint32_t>(i), s.user, s.owners.size(),
                   std::chrono::duration_cast<std::chrono::seconds>(now - s.since).count(),
                   live ? s.groups : std::vector<std::string>{}});
  }
  return out;
}

} // namespace coati::actors
