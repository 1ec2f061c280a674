#include "actors/admission.hpp"

#include <algorithm>

namespace coati::actors {

const char* admission::check(const config::admission_block& limits, const std::string& source,
                             clock::time_point now) {
  if (limits.rate != 0) {
    auto depth = static_cast<double>(std::max(limits.burst, 1U));
    if (tokens_ < 0) {
      tokens_ = depth;
    } else {
      std::chrono::duration<double> dt = now - refilled_;
      tokens_ = std::min(depth, tokens_ + dt.count() * limits.rate);
    }
    refilled_ = now;
    if (tokens_ < 1)
      return "rate";
  }
  if (limits.half_open_per_source != 0) {
    auto i = by_source_.find(source);
    if (i != by_source_.end() && i->second >= limits.half_open_per_source)
      return "half_open_source";
  }
  if (limits.half_open != 0 && total_ >= limits.half_open)
    return "half_open_total";
  if (limits.rate != 0)
    tokens_ -= 1;
  return nullptr;
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

std::string admission::summary(const char* reason, clock::time_point now) {
  std::string r{reason};
  if (r == "rate")
    ++rate_;
  else if (r == "half_open_source")
    ++source_;
  else
    ++total_drops_;
  if (ever_logged_ && now - logged_ < std::chrono::seconds{10})
    return {};
  auto line = "admission control: refused " + std::to_string(rate_ + source_ + total_drops_) +
              " new phase 1(s)" + (ever_logged_ ? " in the last 10+ s" : "") + " (rate " +
              std::to_string(rate_) + ", half-open per source " + std::to_string(source_) +
              ", half-open in all " + std::to_string(total_drops_) + "); half-open now " +
              std::to_string(total_);
  rate_ = source_ = total_drops_ = 0;
  logged_ = now;
  ever_logged_ = true;
  return line;
}

} // namespace coati::actors
