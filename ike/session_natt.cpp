// NAT traversal decisions of ike::session (ike/natt.hpp): when the initiator floats to port
// 4500, when a peer that shows up at another address or port is followed, and who sends
// keepalives.
#include "ike/session.hpp"

// g++ 12 at -O2 reports moves of a std::variant inside vector growth as reads of
// uninitialized memory (GCC bugs 105562, 105329): false positives, silenced here only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace coati::ike {

bool session::sends_natt_keepalives() const {
  const auto* sa = established();
  return sa != nullptr && sa->udp_encap() && sa->nat.local;
}

effects session::quick_mode_moved() {
  effects out;
  if (established() == nullptr)
    return out;
  authentic_ = true; // the child verified HASH(1)/(2)/(3) of a new message
  natt_after(out, true);
  authentic_ = false;
  return out;
}

void session::natt_after(effects& out, bool moved) {
  // The initiator floats once MM4 (AM2) showed a NAT: MM5 (AM3) and all that follows go to
  // port 4500.
  if (!floated_ && initiator_) {
    const phase1_established* p = nullptr;
    if (x_ && !aggressive()) {
      const auto& mm = std::get<main_mode>(*x_);
      if (mm.last_message() >= 5)
        p = &mm.progress();
    } else {
      p = established(); // AM3 is built (and about to be sent)
    }
    if (p != nullptr && p->udp_encap()) {
      floated_ = true;
      out.insert(out.begin(), natt_float_effect{});
      out.push_back(count_effect{"natt.floated"});
      out.push_back(
          log_effect{log_level::notify, describe(p->natt, p->nat) + ": floating to port 4500"});
    }
  }
  const auto* sa = established();
  if (sa != nullptr && !natt_told_) { // phase 1 is up: say what NAT-D found, once
    natt_told_ = true;
    if (sa->natt != natt_version::none) {
      out.push_back(log_effect{log_level::notify, describe(sa->natt, sa->nat)});
      out.push_back(count_effect{sa->nat.any() ? "natt.nat_detected" : "natt.no_nat"});
    }
  }
  if (!moved)
    return;
  if (sa == nullptr || sa->natt == natt_version::none) {
    // Without NAT-T a peer has one address: what comes from elsewhere is answered where
    // the peer was (racoon does the same).
    out.push_back(count_effect{"natt.move_without_natt"});
    return;
  }
  if (!authentic_) {
    // Only a message that proved itself may move the peer (RFC 3947 §4: an attacker must
    // not redirect the SAs with a forged or replayed packet).
    out.push_back(count_effect{"natt.move_unauthenticated"});
    return;
  }
  out.insert(out.begin(), peer_moved_effect{});
  if (!floated_ && !initiator_) {
    floated_ = true;
    out.push_back(count_effect{"natt.floated"});
    out.push_back(log_effect{log_level::notify,
                             describe(sa->natt, sa->nat) + ": the peer floated to port 4500"});
  } else {
    out.push_back(count_effect{"natt.peer_moved"});
  }
}

} // namespace coati::ike
