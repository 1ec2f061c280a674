#include "actors/admission.hpp"

#include <algorithm>
#include <random>
#include <string_view>

namespace coati::actors {

namespace {
constexpr std::size_t refused_slots = std::size_t{1} << 20;
} // namespace

admission::admission() {
  std::random_device rd;
  salt_ = (std::uint64_t{rd()} << 32) | rd();
}

std::array<const char*, 2> admission::counters(verdict v) {
  switch (v) {
  case verdict::admit:
    return {nullptr, nullptr};
  case verdict::retry:
    return {"admission.retried", nullptr};
  case verdict::evict:
    return {"admission.evicted", nullptr};
  case verdict::retry_evict:
    return {"admission.retried", "admission.evicted"};
  case verdict::rate:
    return {"admission.rate", nullptr};
  case verdict::source:
    return {"admission.half_open_source", nullptr};
  }
  return {nullptr, nullptr};
}

bool admission::refused_before(const std::string& source, const ike::cookie& icookie) {
  if (refused_.empty())
    refused_.assign(refused_slots, 0);
  // FNV-1a over salt, address and cookie: a slot index and a 32-bit fingerprint.
  std::uint64_t h = 1469598103934665603ULL ^ salt_;
  auto mix = [&h](unsigned char b) { h = (h ^ b) * 1099511628211ULL; };
  for (char ch : source)
    mix(static_cast<unsigned char>(ch));
  for (auto b : icookie)
    mix(b);
  auto& slot = refused_[h % refused_slots];
  auto fp = static_cast<std::uint32_t>(h >> 32) | 1U;
  if (slot == fp) {
    slot = 0;
    return true;
  }
  slot = fp;
  return false;
}

admission::verdict admission::check(const config::admission_block& limits,
                                    const std::string& source, const ike::cookie& icookie,
                                    clock::time_point now) {
  if (limits.half_open_per_source != 0) {
    auto i = by_source_.find(source);
    if (i != by_source_.end() && i->second >= limits.half_open_per_source)
      return verdict::source;
  }
  auto v = verdict::admit;
  if (limits.rate != 0) {
    auto depth = static_cast<double>(std::max(limits.burst, 1U));
    if (tokens_ < 0) {
      tokens_ = depth;
    } else {
      std::chrono::duration<double> dt = now - refilled_;
      tokens_ = std::min(depth, tokens_ + dt.count() * limits.rate);
    }
    refilled_ = now;
    if (tokens_ >= 1)
      tokens_ -= 1;
    else if (refused_before(source, icookie))
      v = verdict::retry;
    else
      return verdict::rate;
  }
  if (limits.half_open != 0 && total_ >= limits.half_open)
    return v == verdict::retry ? verdict::retry_evict : verdict::evict;
  return v;
}

void admission::opened(const std::string& source) {
  ++total_;
  ++by_source_[source];
}

void admission::closed(const std::string& source) {
  if (total_ > 0)
    --total_;
  auto i = by_source_.find(source);
  if (i == by_source_.end())
    return;
  if (--i->second == 0)
    by_source_.erase(i);
}

std::string admission::summary(verdict v, clock::time_point now) {
  if (v == verdict::rate)
    ++rate_;
  else if (v == verdict::source)
    ++source_;
  else if (evicts(v))
    ++evicted_;
  else
    return {};
  if (ever_logged_ && now - logged_ < std::chrono::seconds{10})
    return {};
  auto line = "admission control" + std::string{ever_logged_ ? " in the last 10+ s" : ""} +
              ": refused " + std::to_string(rate_ + source_) + " new phase 1(s) (rate " +
              std::to_string(rate_) + ", half-open per source " + std::to_string(source_) +
              "), evicted " + std::to_string(evicted_) +
              " half-open one(s) for newcomers; half-open now " + std::to_string(total_);
  rate_ = source_ = evicted_ = 0;
  logged_ = now;
  ever_logged_ = true;
  return line;
}

} // namespace coati::actors
