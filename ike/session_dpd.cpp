// ike::session's dead peer detection (RFC 3706): answering the peer's R-U-THEREs, checking
// their sequence numbers, and our own probes (ike/dpd.hpp decides when).
#include "ike/session.hpp"

// g++ 12 at -O2 reports moves of a std::variant inside vector growth as reads of
// uninitialized memory (GCC bugs 105562, 105329): false positives, silenced here only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace coati::ike {

bool session::start_dpd(const dpd_timing& t, dpd_clock::time_point now) {
  const auto* sa = established();
  if (!up_ || sa == nullptr || t.delay.count() <= 0 || !sa->peer_dpd)
    return false;
  prober_ = std::make_unique<dpd_prober>(t, dpd_sequencer::random_start(), now);
  return true;
}

std::optional<dpd_clock::time_point> session::dpd_next() const {
  if (!prober_)
    return std::nullopt;
  return prober_->next_due();
}

effects session::dpd_timer(dpd_clock::time_point now) {
  effects out;
  if (!prober_ || !up_)
    return out;
  auto s = prober_->due(now);
  if (s.what == dpd_prober::action::wait)
    return out;
  auto tries =
      std::to_string(prober_->unanswered()) + " of " + std::to_string(prober_->timing().maxfail);
  if (s.what == dpd_prober::action::dead) {
    out.push_back(count_effect{"dpd.dead"});
    out.push_back(log_effect{log_level::notify, "DPD: no R-U-THERE-ACK to " + tries +
                                                    " R-U-THEREs: the peer is dead"});
    out.push_back(dpd_dead_effect{prober_->unanswered()});
    return out;
  }
  const auto& sa = *established();
  phase1_context ctx{&sa.keys, sa.icookie, sa.rcookie};
  auto probe = notify_payload::dpd(notify_type::r_u_there, sa.icookie, sa.rcookie, s.sequence);
  auto sealed = seal_informational(ctx, std::vector<payload>{probe});
  if (auto* why = std::get_if<std::string>(&sealed)) {
    out.push_back(log_effect{log_level::error, "DPD: cannot build an R-U-THERE: " + *why});
    out.push_back(count_effect{"dpd.probe_failed"});
    return out;
  }
  out.push_back(send_effect{std::move(std::get<info_datagram>(sealed).wire), false});
  out.push_back(count_effect{"dpd.probes_sent"});
  if (prober_->unanswered() > 1)
    out.push_back(count_effect{"dpd.retries"});
  out.push_back(log_effect{log_level::info, "DPD: R-U-THERE #" + std::to_string(s.sequence) +
                                                " sent (probe " + tries + ")"});
  return out;
}

void session::on_dpd_notify(const notify_payload& n, std::uint32_t message_id,
                            dpd_clock::time_point now, effects& out) {
  const auto& sa = *established();
  bool probe = n.message == notify_type::r_u_there;
  auto seq = dpd_sequence(n, n.message, sa.icookie, sa.rcookie);
  if (!seq) {
    out.push_back(
        log_effect{log_level::warning, std::string{probe ? "R-U-THERE" : "R-U-THERE-ACK"} +
                                           " without this ISAKMP-SA's cookies or a 4-byte sequence "
                                           "number: ignored"});
    out.push_back(count_effect{"dpd.malformed"});
    return;
  }
  if (probe) { // R-U-THERE -->
    auto last = dpd_in_.last();
    auto f = dpd_in_.check(*seq, message_id);
    if (f == dpd_freshness::replayed || f == dpd_freshness::out_of_window) {
      authentic_ = false; // a copy: it proves nothing about where the peer is now
      out.push_back(log_effect{
          log_level::warning, "R-U-THERE #" + std::to_string(*seq) + " ignored: " + to_string(f) +
                                  " (the last one was #" + std::to_string(last.value_or(0)) + ")"});
      out.push_back(count_effect{std::string{"dpd."} + to_string(f)});
      return;
    }
    if (f == dpd_freshness::resent) // answered again, but no news: a copy proves nothing
      out.push_back(count_effect{"dpd.resent"});
    else if (prober_)
      prober_->alive(now);
    phase1_context ctx{&sa.keys, sa.icookie, sa.rcookie};
    auto sealed =
        seal_informational(ctx, std::vector<payload>{*dpd_ack_for(n, sa.icookie, sa.rcookie)});
    if (auto* dg = std::get_if<info_datagram>(&sealed)) // <-- R-U-THERE-ACK
      out.push_back(send_effect{std::move(dg->wire), false});
    out.push_back(count_effect{"dpd.answered"});
    return;
  }
  // <-- R-U-THERE-ACK
  if (!prober_ || !prober_->ack(*seq, now)) {
    out.push_back(log_effect{log_level::info, "R-U-THERE-ACK #" + std::to_string(*seq) +
                                                  " answers no outstanding R-U-THERE: ignored"});
    out.push_back(count_effect{"dpd.stale_acks"});
    return;
  }
  out.push_back(count_effect{"dpd.acks"});
}

} // namespace coati::ike
