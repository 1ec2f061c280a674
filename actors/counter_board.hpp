#pragma once
// The ike.* (and frag.*) counters of one listener's peers and children, counted where the
// event happens: a relaxed atomic add, not a message to the listener per event. One board
// per listener, shared by its peers and children; the listener reads it for `status`.
// Metrics only: no actor decides anything from it.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace coati::actors {

class counter_board {
public:
  /// Adds `n` to counter `name` (created at 0 the first time). Any thread.
  void add(std::string_view name, std::int64_t n = 1) {
    {
      std::shared_lock lock{mu_};
      if (auto i = map_.find(name); i != map_.end()) {
        i->second->fetch_add(n, std::memory_order_relaxed);
        return;
      }
    }
    std::unique_lock lock{mu_};
    auto& slot = map_[std::string{name}];
    if (!slot)
      slot = std::make_unique<std::atomic<std::int64_t>>(0);
    slot->fetch_add(n, std::memory_order_relaxed);
  }

  /// Every counter now, by name.
  std::map<std::string, std::int64_t> snapshot() const {
    std::map<std::string, std::int64_t> out;
    std::shared_lock lock{mu_};
    for (const auto& [k, v] : map_)
      out[k] = v->load(std::memory_order_relaxed);
    return out;
  }

private:
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<std::atomic<std::int64_t>>, hash, std::equal_to<>>
      map_;
};

} // namespace coati::actors
