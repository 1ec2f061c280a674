#include "ike/dpd.hpp"

#include <algorithm>

namespace coati::ike {

namespace vendor_ids {

bool is_dpd(std::span<const std::uint8_t> vid) {
  return vid.size() == dpd.size() && std::equal(dpd.begin(), dpd.begin() + 14, vid.begin());
}

} // namespace vendor_ids

bool announces_dpd(const message& m) {
  return std::any_of(m.payloads.begin(), m.payloads.end(), [](const payload& p) {
    const auto* v = std::get_if<vendor_id_payload>(&p);
    return v != nullptr && vendor_ids::is_dpd(v->data);
  });
}

const char* to_string(dpd_freshness f) {
  switch (f) {
  case dpd_freshness::fresh:
    return "fresh";
  case dpd_freshness::resent:
    return "resent";
  case dpd_freshness::replayed:
    return "replayed";
  case dpd_freshness::out_of_window:
    return "out_of_window";
  }
  return "?";
}

dpd_freshness dpd_replay_window::check(std::uint32_t seq, std::uint32_t message_id) {
  if (last_) {
    std::uint32_t ahead = seq - *last_; // serial arithmetic: wraps with the counter
    if (ahead == 0) {
      if (std::find(messages_.begin(), messages_.end(), message_id) != messages_.end() ||
          messages_.size() >= max_resends)
        return dpd_freshness::replayed;
      messages_.push_back(message_id);
      return dpd_freshness::resent;
    }
    if (ahead >= 0x80000000u)
      return dpd_freshness::replayed;
    if (ahead > window)
      return dpd_freshness::out_of_window;
  }
  last_ = seq;
  messages_.assign(1, message_id);
  return dpd_freshness::fresh;
}

dpd_prober::dpd_prober(dpd_timing t, dpd_sequencer seq, dpd_clock::time_point now)
    : t_(t), seq_(seq), heard_(now) {
  t_.maxfail = std::max(1u, t_.maxfail);
}

void dpd_prober::alive(dpd_clock::time_point now) {
  if (dead_)
    return;
  heard_ = std::max(heard_, now);
  probes_ = 0;
}

bool dpd_prober::ack(std::uint32_t seq, dpd_clock::time_point now) {
  if (dead_ || !seq_.accept_ack(seq))
    return false;
  alive(now);
  return true;
}

dpd_prober::step dpd_prober::due(dpd_clock::time_point now) {
  if (dead_)
    return {action::dead, 0};
  if (t_.delay.count() <= 0 || now < next_due())
    return {};
  if (probes_ >= t_.maxfail) { // the last probe had its dpd_retry seconds too
    dead_ = true;
    return {action::dead, 0};
  }
  ++probes_;
  last_probe_ = now;
  return {action::probe, seq_.next_probe()};
}

dpd_clock::time_point dpd_prober::next_due() const {
  if (probes_ == 0)
    return heard_ + t_.delay;
  return last_probe_ + t_.retry;
}

} // namespace coati::ike
