#pragma once
// Figures per actor kind (peer, child, listener, kernel...), for `coatictl stats` and
// `coatictl top`: how many actors of the kind live, the messages they handled, the
// distribution of their handling times and of the mailbox depth each message found.
// One record per kind for the whole process, written with relaxed atomic increments by
// whichever scheduler thread runs an actor of that kind: metrics only, never protocol
// state, so actors still share nothing they decide on. A record costs about 4 kB and
// there are a dozen kinds; an actor adds one pointer (its handler_clock) to its state.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace coati::actors {

struct counters;

/// A log-linear histogram of non-negative values: 4 sub-buckets per power of two, so a
/// percentile read from it is within about 12 % of the true value.
class log_histogram {
public:
  static constexpr unsigned sub = 4;
  static constexpr std::size_t buckets = 252; ///< index(UINT64_MAX) + 1

  void add(std::uint64_t v) { counts_[index(v)].fetch_add(1, std::memory_order_relaxed); }
  /// The value below which a fraction `q` (0..1) of the samples lie (a bucket's midpoint);
  /// 0 without samples.
  std::uint64_t quantile(double q) const;
  std::uint64_t total() const;

  static std::size_t index(std::uint64_t v);
  /// The smallest value of bucket `i`.
  static std::uint64_t lower(std::size_t i);

private:
  std::array<std::atomic<std::uint64_t>, buckets> counts_{};
};

/// One actor kind's figures.
class kind_metrics {
public:
  /// The record of kind `name` (created at first use; lives as long as the process).
  static kind_metrics& of(const char* name);
  /// Adds every kind's figures to `out` as actors.KIND.{count, spawned, messages,
  /// handling_ns, handling_p50_ns, handling_p99_ns, depth_p50, depth_max}.
  static void add_all(counters& out);

  explicit kind_metrics(std::string name) : name_(std::move(name)) {}

  void born() {
    live_.fetch_add(1, std::memory_order_relaxed);
    spawned_.fetch_add(1, std::memory_order_relaxed);
  }
  void died() { live_.fetch_sub(1, std::memory_order_relaxed); }
  /// One message handled in `nanos`, which found `depth` others waiting behind it.
  void handled(std::uint64_t nanos, std::uint64_t depth);

  const std::string& name() const { return name_; }
  void add_to(counters& out) const;

private:
  std::string name_;
  std::atomic<std::int64_t> live_{0};
  std::atomic<std::int64_t> spawned_{0};
  std::atomic<std::int64_t> messages_{0};
  std::atomic<std::int64_t> nanos_{0};
  std::atomic<std::int64_t> depth_max_{0};
  log_histogram handling_;
  log_histogram depth_;
};

} // namespace coati::actors
