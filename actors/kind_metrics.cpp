#include "actors/kind_metrics.hpp"

#include <bit>
#include <deque>
#include <mutex>

#include "actors/interfaces.hpp"

namespace coati::actors {

std::size_t log_histogram::index(std::uint64_t v) {
  if (v < sub)
    return static_cast<std::size_t>(v);
  auto b = static_cast<unsigned>(std::bit_width(v)); // 3..64
  return sub + (b - 3) * sub + static_cast<std::size_t>((v >> (b - 3)) & (sub - 1));
}

std::uint64_t log_histogram::lower(std::size_t i) {
  if (i < sub)
    return i;
  auto b = static_cast<unsigned>((i - sub) / sub + 3);
  return (sub + (i - sub) % sub) << (b - 3);
}

std::uint64_t log_histogram::total() const {
  std::uint64_t n = 0;
  for (const auto& c : counts_)
    n += c.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t log_histogram::quantile(double q) const {
  std::array<std::uint64_t, buckets> snap;
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < buckets; ++i)
    n += snap[i] = counts_[i].load(std::memory_order_relaxed);
  if (n == 0)
    return 0;
  // the rank of the sample asked for, 1-based: at least 1, at most n
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(n) + 0.5);
  rank = rank < 1 ? 1 : (rank > n ? n : rank);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets; ++i) {
    seen += snap[i];
    if (seen >= rank) {
      if (i + 1 >= buckets)
        return lower(i);
      auto lo = lower(i), hi = lower(i + 1) - 1;
      return lo + (hi - lo) / 2;
    }
  }
  return lower(buckets - 1);
}

namespace {

struct registry {
  std::mutex m;
  std::deque<kind_metrics> kinds; // stable addresses
};

registry& reg() {
  static registry r;
  return r;
}

} // namespace

kind_metrics& kind_metrics::of(const char* name) {
  auto& r = reg();
  std::lock_guard lock{r.m};
  for (auto& k : r.kinds)
    if (k.name() == name)
      return k;
  return r.kinds.emplace_back(name);
}

void kind_metrics::add_all(counters& out) {
  auto& r = reg();
  std::lock_guard lock{r.m};
  for (const auto& k : r.kinds)
    k.add_to(out);
}

void kind_metrics::handled(std::uint64_t nanos, std::uint64_t depth) {
  messages_.fetch_add(1, std::memory_order_relaxed);
  nanos_.fetch_add(static_cast<std::int64_t>(nanos), std::memory_order_relaxed);
  handling_.add(nanos);
  depth_.add(depth);
  auto d = static_cast<std::int64_t>(depth);
  auto seen = depth_max_.load(std::memory_order_relaxed);
  while (d > seen && !depth_max_.compare_exchange_weak(seen, d, std::memory_order_relaxed)) {
  }
}

void kind_metrics::add_to(counters& out) const {
  auto key = "actors." + name_ + ".";
  auto i64 = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  out.values[key + "count"] = live_.load(std::memory_order_relaxed);
  out.values[key + "spawned"] = spawned_.load(std::memory_order_relaxed);
  out.values[key + "messages"] = messages_.load(std::memory_order_relaxed);
  out.values[key + "handling_ns"] = nanos_.load(std::memory_order_relaxed);
  out.values[key + "handling_p50_ns"] = i64(handling_.quantile(0.50));
  out.values[key + "handling_p99_ns"] = i64(handling_.quantile(0.99));
  out.values[key + "depth_p50"] = i64(depth_.quantile(0.50));
  out.values[key + "depth_max"] = depth_max_.load(std::memory_order_relaxed);
}

} // namespace coati::actors
