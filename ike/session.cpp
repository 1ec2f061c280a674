#include "ike/session.hpp"

#include "ike/informational.hpp"

// g++ 12 at -O2 reports moves of a std::variant inside vector growth as reads of
// uninitialized memory (GCC bugs 105562, 105329): false positives, silenced here only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace coati::ike {

const char* to_string(phase1_failure f) {
  switch (f) {
  case phase1_failure::proposal:
    return "no_proposal";
  case phase1_failure::credentials:
    return "credentials";
  case phase1_failure::certificate:
    return "certificate";
  case phase1_failure::certificate_expired:
    return "certificate_expired";
  case phase1_failure::identity:
    return "identity";
  case phase1_failure::authentication:
    return "authentication";
  case phase1_failure::malformed:
    return "malformed";
  case phase1_failure::internal:
    return "internal";
  case phase1_failure::config:
    return "config";
  case phase1_failure::timeout:
    return "timeout";
  case phase1_failure::refused_by_peer:
    return "refused_by_peer";
  case phase1_failure::none:
    break;
  }
  return "other";
}

namespace {

/// One effect alone (an initializer list of variants trips g++ 12's uninitialized check).
effects just(effect e) {
  effects out;
  out.push_back(std::move(e));
  return out;
}

std::string notify_name(notify_type t) {
  switch (t) {
  case notify_type::no_proposal_chosen:
    return "NO-PROPOSAL-CHOSEN";
  case notify_type::authentication_failed:
    return "AUTHENTICATION-FAILED";
  case notify_type::invalid_id_information:
    return "INVALID-ID-INFORMATION";
  case notify_type::payload_malformed:
    return "PAYLOAD-MALFORMED";
  case notify_type::invalid_key_information:
    return "INVALID-KEY-INFORMATION";
  case notify_type::initial_contact:
    return "INITIAL-CONTACT";
  default:
    return "notify " + std::to_string(static_cast<unsigned>(t));
  }
}

/// A phase-1 message as kept once the exchange is gone (kept_answer).
std::size_t hash_of(std::span<const std::uint8_t> d) {
  return std::hash<std::string_view>{}(
      std::string_view{reinterpret_cast<const char*>(d.data()), d.size()});
}

} // namespace

session::session(phase1_exchange x, bool initiator)
    : x_(std::make_unique<phase1_exchange>(std::move(x))), aggressive_(x_->index() == 1),
      initiator_(initiator) {}

const phase1_established* session::established() const {
  if (sa_)
    return sa_.get();
  return std::visit([](const auto& ex) { return ex.established(); }, *x_);
}

void session::phase1_done() {
  // The SA itself stays (shared with the children); the exchange's DH key, nonces,
  // messages and proposals go. What it would still answer is kept by hash.
  auto sa = std::visit([](auto& ex) { return ex.take_established(); }, *x_);
  // Phase 1's own proofs are done: SKEYID (HASH_I/HASH_R) and SKEYID_e (the source of
  // enc_key) are wiped as they go, and the nonces; what follows needs SKEYID_d, SKEYID_a,
  // enc_key and the IV only.
  sa.keys.skeyid = {};
  sa.keys.skeyid_e = {};
  sa.ni_b = {};
  sa.nr_b = {};
  sa_ = std::make_shared<const phase1_established>(std::move(sa));
  for (auto& [in, reply] : std::visit([](auto& ex) { return ex.take_answers(); }, *x_))
    kept_.push_back(kept_answer{hash_of(in), in.size(), std::move(reply)});
  x_.reset();
}

void session::settle() {
  kept_.clear();
  kept_.shrink_to_fit();
}

effects session::after_phase1(std::span<const std::uint8_t> d) {
  // Our last phase-1 answer was lost and the peer sends its message again: the same
  // answer. Anything else of phase 1 is late.
  auto h = hash_of(d);
  for (const auto& k : kept_)
    if (k.hash == h && k.size == d.size()) {
      effects out;
      if (!k.reply.empty())
        out.push_back(send_effect{k.reply, false});
      return out;
    }
  effects out;
  out.push_back(log_effect{log_level::info, "ignored: phase 1 is already complete"});
  out.push_back(count_effect{"ignored"});
  return out;
}

effects session::start() {
  auto step = std::visit([](auto& ex) { return ex.start(); }, *x_);
  effects out;
  for (auto& d : step.send)
    out.push_back(send_effect{std::move(d), true});
  return out;
}

void session::fail(effects& out, phase1_failure why, std::string text) {
  out.push_back(count_effect{"phase1_failed"});
  out.push_back(count_effect{std::string{"phase1_failed."} + to_string(why)});
  out.push_back(phase1_failed_effect{why, std::move(text)});
}

effects session::receive(std::span<const std::uint8_t> datagram, dpd_clock::time_point now,
                         bool moved) {
  authentic_ = false;
  auto out = dispatch(datagram, now);
  natt_after(out, moved);
  return out;
}

effects session::dispatch(std::span<const std::uint8_t> datagram, dpd_clock::time_point now) {
  auto h = decode_header(datagram);
  if (!h)
    return just(count_effect{"undecodable"});
  switch (h.value().exchange) {
  case exchange_type::identity_protection:
  case exchange_type::aggressive:
    return on_phase1(datagram, h.value());
  case exchange_type::quick:
    return on_quick(datagram, h.value().message_id);
  case exchange_type::informational:
    return up_ ? on_informational(datagram, now) : on_clear_informational(datagram);
  case exchange_type::transaction:
    return on_transaction(datagram);
  default:
    return just(count_effect{"unexpected_exchange"});
  }
}

effects session::on_phase1(std::span<const std::uint8_t> d, const header& h) {
  if ((h.exchange == exchange_type::aggressive) != aggressive())
    return just(count_effect{"unexpected_exchange"});
  if (!x_)
    return after_phase1(d);
  effects out;
  auto step = std::visit([d](auto& ex) { return ex.receive(d); }, *x_);
  bool in_progress = step.status == phase1_status::in_progress;
  for (auto& w : step.send)
    out.push_back(send_effect{std::move(w), in_progress && !step.retransmit});
  if (step.status == phase1_status::failed) {
    if (step.notify && !initiator_) {
      // Tell the initiator why, in the clear (the SA has no keys it could trust yet).
      auto n = unprotected_notify(h.icookie, h.rcookie, error_notify(*step.notify));
      if (auto* dg = std::get_if<info_datagram>(&n)) {
        out.push_back(send_effect{std::move(dg->wire), false});
        out.push_back(count_effect{"notify_sent"});
      }
    }
    fail(out, step.reason, step.problem);
    return out;
  }
  if (!step.problem.empty()) {
    out.push_back(log_effect{log_level::info, "ignored: " + step.problem});
    if (step.retransmit || step.send.empty())
      out.push_back(count_effect{"ignored"});
  }
  if (!up_ && established() != nullptr) {
    up_ = true;
    authentic_ = !step.retransmit; // MM5 / MM6 (AM2 / AM3) proved the peer
    phase1_done();
    bool xauth = is_xauth_server(*sa_);
    out.push_back(count_effect{"phase1_up"});
    out.push_back(phase1_up_effect{xauth});
    if (sa_->initial_contact)
      out.push_back(initial_contact_effect{});
    if (xauth)
      start_xauth(out);
  }
  return out;
}

// ---------------------------------------------------------------- XAuth + Mode Config

void session::start_xauth(effects& out) {
  const auto& sa = *established();
  phase1_context ctx{&sa.keys, sa.icookie, sa.rcookie};
  // Unity values go only to a client that asks for them.
  xa_ = std::make_unique<transaction_part>(
      transaction_part{xauth_server{ctx}, mode_cfg_server{ctx, true}, false, {}, std::nullopt});
  auto s = xa_->xs.start();
  out.push_back(count_effect{"xauth_started"});
  take(s, out, true);
}

void session::take(xact_step& s, effects& out, bool awaits_reply) {
  for (auto& w : s.send)
    out.push_back(send_effect{std::move(w), awaits_reply && !s.retransmit});
  if (s.reason != xact_reason::none && s.reason != xact_reason::duplicate &&
      s.status != xact_status::succeeded) {
    out.push_back(log_effect{
        s.status == xact_status::failed ? log_level::error : log_level::warning, s.text});
    out.push_back(count_effect{std::string{"transaction_refused."} + to_string(s.reason)});
  }
}

effects session::on_transaction(std::span<const std::uint8_t> d) {
  if (!up_ || !xa_)
    return just(count_effect{"unexpected_transaction"});
  effects out;
  auto s = xa_->xs.receive(d);
  bool xauth = s.reason != xact_reason::not_mine;
  if (!xauth)
    s = xa_->ms.receive(d);
  if (xauth && s.status == xact_status::succeeded && !xa_->done) { // <-- ACK of our SET
    xa_->done = true;
    out.push_back(stop_retransmit_effect{});
    out.push_back(count_effect{"xauth_acked"});
    return out;
  }
  if (s.next == xact_next::check_credentials && s.credentials) { // <-- REPLY
    out.push_back(stop_retransmit_effect{});
    xa_->user = s.credentials->user;
    out.push_back(count_effect{"xauth_checks"});
    out.push_back(
        check_credentials_effect{s.credentials->user, std::move(s.credentials->password)});
    return out;
  }
  if (s.next == xact_next::provide_values) { // <-- Mode Config REQUEST
    if (!xa_->values) {
      // racoon answers config only after XAuth succeeded.
      out.push_back(
          log_effect{log_level::warning, "Mode Config request before XAuth succeeded: ignored"});
      out.push_back(count_effect{"config_before_xauth"});
      return out;
    }
    auto a = xa_->ms.answer(*xa_->values); // REPLY -->
    take(a, out, false);
    if (a.status == xact_status::succeeded) {
      out.push_back(count_effect{"config_replied"});
      out.push_back(config_done_effect{xa_->user, *xa_->values});
    }
    return out;
  }
  take(s, out, false);
  return out;
}

effects session::xauth_verdict(std::optional<mode_cfg_values> values, const std::string& why) {
  effects out;
  if (!xa_)
    return out;
  bool ok = values.has_value();
  auto s = xa_->xs.verdict(ok); // SET(STATUS) -->
  if (ok) {
    xa_->values = std::move(values);
    out.push_back(
        log_effect{log_level::notify, "XAuth user \"" + escape_text(xa_->user) + "\" accepted"});
    out.push_back(count_effect{"xauth_ok"});
    take(s, out, true);
    return out;
  }
  out.push_back(log_effect{log_level::error,
                           "XAuth user \"" + escape_text(xa_->user) + "\" refused: " + why});
  out.push_back(count_effect{"xauth_failed"});
  take(s, out, false);
  if (s.next == xact_next::delete_phase1 || s.status == xact_status::failed)
    out.push_back(end_effect{"XAuth refused"});
  return out;
}

effects session::phase1_timeout(std::string why) {
  effects out;
  fail(out, phase1_failure::timeout, std::move(why));
  return out;
}

effects session::transaction_timeout() {
  effects out;
  out.push_back(count_effect{"xauth_timeout"});
  out.push_back(end_effect{xa_ && xa_->values ? "no ACK to the XAuth status"
                                              : "no XAuth answer from the client"});
  return out;
}

effects session::on_quick(std::span<const std::uint8_t> d, std::uint32_t message_id) {
  if (!up_)
    return just(count_effect{"quick_before_phase1"});
  if (xa_ && !xa_->values) // racoon: no quick mode before XAuth succeeded
    return just(count_effect{"quick_before_xauth"});
  bytes wire(d.begin(), d.end());
  if (children_.contains(message_id)) {
    // A quick mode going on (QM2 to our QM1, QM3 to our QM2) means the peer has phase 1
    // up: it will not send its last phase-1 message again.
    settle();
    return just(child_datagram_effect{message_id, std::move(wire), false});
  }
  if (initiator_)
    return just(count_effect{"unexpected_quick"});
  children_.insert(message_id);
  return just(child_datagram_effect{message_id, std::move(wire), true});
}

effects session::on_clear_informational(std::span<const std::uint8_t> d) {
  // Before phase 1 has keys, only a failing responder's error notify can come, in clear.
  effects out;
  auto res = open_unprotected_informational(d);
  if (auto* rej = std::get_if<info_rejection>(&res)) {
    if (rej->reason == info_reject::encrypted && !initiator_) {
      // Encrypted with keys we do not share: the initiator derived other keys from a
      // different pre-shared key and is telling us so (charon: AUTHENTICATION-FAILED).
      fail(out, phase1_failure::authentication,
           "the initiator sent an encrypted notification we cannot read: it could not "
           "authenticate us (a different pre-shared key?)");
      return out;
    }
    out.push_back(count_effect{std::string{"informational_rejected."} + to_string(rej->reason)});
    return out;
  }
  const auto& info = std::get<unprotected_informational>(res);
  for (const auto& n : info.notifies) {
    auto t = static_cast<unsigned>(n.message);
    out.push_back(log_effect{log_level::warning, "says " + notify_name(n.message) +
                                                     " (unauthenticated, during phase 1)"});
    out.push_back(count_effect{"notify_received"});
    if (initiator_ && t >= 1 && t < 16384) {
      fail(out,
           n.message == notify_type::no_proposal_chosen ? phase1_failure::proposal
                                                        : phase1_failure::refused_by_peer,
           "the responder refused: " + notify_name(n.message));
      return out;
    }
  }
  if (!info.unauthenticated_deletes.empty())
    out.push_back(count_effect{"unauthenticated_delete_ignored"});
  return out;
}

effects session::on_informational(std::span<const std::uint8_t> d, dpd_clock::time_point now) {
  effects out;
  const auto& sa = *established();
  phase1_context ctx{&sa.keys, sa.icookie, sa.rcookie};
  auto res = open_informational(ctx, d);
  if (auto* rej = std::get_if<info_rejection>(&res)) {
    out.push_back(log_effect{log_level::warning, "informational refused: " + rej->text});
    out.push_back(count_effect{std::string{"informational_rejected."} + to_string(rej->reason)});
    return out;
  }
  const auto& info = std::get<informational>(res);
  authentic_ = true; // HASH(1) verified (a replayed R-U-THERE takes it back)
  settle();          // the peer has phase 1 up: it will not send its last message again
  for (const auto& n : info.notifies) {
    if (n.message == notify_type::r_u_there || n.message == notify_type::r_u_there_ack) {
      on_dpd_notify(n, info.message_id, now, out);
      continue;
    }
    if (n.message == notify_type::initial_contact) {
      out.push_back(initial_contact_effect{});
      continue;
    }
    out.push_back(log_effect{log_level::warning, "says " + notify_name(n.message)});
    out.push_back(count_effect{"notify_received"});
  }
  for (const auto& del : info.deletes) {
    if (deletes_isakmp_sa(del, sa.icookie, sa.rcookie)) {
      out.push_back(
          log_effect{log_level::notify, "deleted the ISAKMP-SA: removing it and its IPsec-SAs"});
      out.push_back(count_effect{"isakmp_deleted_by_peer"});
      out.push_back(delete_children_effect{0});
      out.push_back(deleted_by_peer_effect{});
      return out;
    }
    for (auto spi : ipsec_spis(del)) {
      out.push_back(count_effect{"ipsec_deleted_by_peer"});
      out.push_back(delete_children_effect{spi});
    }
  }
  return out;
}

} // namespace coati::ike
