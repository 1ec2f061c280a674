#include "actors/keeper.hpp"

#include <algorithm>

namespace coati::actors {

std::chrono::seconds keeper::backoff(unsigned failures) {
  if (failures == 0)
    return std::chrono::seconds{1};
  unsigned shift = std::min(failures - 1, 6U); // 2^6 = 64 > 60
  return std::chrono::seconds{std::min(1U << shift, 60U)};
}

void keeper::started(const std::string& remote) {
  auto& e = kept_[remote];
  e.waiting = false;
  ++e.gen; // a retry still scheduled is stale now
}

void keeper::acquired(const std::string& remote, const kernel::acquire_event& a) {
  if (auto i = kept_.find(remote); i != kept_.end())
    i->second.acquire = a;
}

std::optional<std::pair<std::chrono::seconds, std::uint64_t>>
keeper::ended(const std::string& remote, bool was_up) {
  auto i = kept_.find(remote);
  if (i == kept_.end())
    return std::nullopt;
  auto& e = i->second;
  e.waiting = true;
  if (e.moved) { // dropped because our address changed: not a failure, no waiting
    e.moved = false;
    e.failures = 0;
    return std::make_pair(std::chrono::seconds{0}, ++e.gen);
  }
  e.failures = was_up ? 0 : e.failures + 1;
  return std::make_pair(backoff(e.failures), ++e.gen);
}

void keeper::moved(const std::string& remote) {
  if (auto i = kept_.find(remote); i != kept_.end())
    i->second.moved = true;
}

std::optional<std::uint64_t> keeper::cut_short(const std::string& remote) {
  auto i = kept_.find(remote);
  if (i == kept_.end() || !i->second.waiting)
    return std::nullopt;
  return i->second.gen; // the scheduled tick of this generation becomes stale once it runs
}

std::vector<std::string> keeper::waiting() const {
  std::vector<std::string> out;
  for (const auto& [remote, e] : kept_)
    if (e.waiting)
      out.push_back(remote);
  return out;
}

const keep_entry* keeper::due(const std::string& remote, std::uint64_t gen) {
  auto i = kept_.find(remote);
  if (i == kept_.end() || !i->second.waiting || i->second.gen != gen)
    return nullptr;
  i->second.waiting = false;
  return &i->second;
}

} // namespace coati::actors
