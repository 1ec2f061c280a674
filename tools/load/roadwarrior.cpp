#include "tools/load/roadwarrior.hpp"

#include <utility>

#include "crypto/random.hpp"

namespace coati::load {

namespace {

std::variant<ike::main_mode, ike::aggressive_mode> phase1_for(const login_setup& s,
                                                                const ike::cookie& icookie) {
  if (s.aggressive)
    return ike::aggressive_mode::initiator(s.me, s.policy, icookie);
  return ike::main_mode::initiator(s.me, s.policy, icookie);
}

login_step ignoring(std::string why) {
  login_step s;
  s.ignored = why.empty() ? "nothing to answer" : std::move(why);
  return s;
}

login_step failing(std::string why, std::string detail, bool cross_wired = false) {
  login_step s;
  s.failed = std::move(why);
  s.detail = std::move(detail);
  s.cross_wired = cross_wired;
  return s;
}

login_step duplicate(std::vector<ike::bytes> answer) {
  login_step s;
  s.duplicate = true;
  s.send = std::move(answer);
  return s;
}

} // namespace

login_setup login_setup_for(const load_options& o, const ike::phase1_identity& me,
                            std::shared_ptr<const crypto::cert_store> cas,
                            const ike::phase2_policy& p2, const ike::id_payload& quick_remote) {
  login_setup s;
  s.me = me;
  s.policy.offers = o.offers;
  for (auto& offer : s.policy.offers) {
    offer.auth = ike::ike_attr::auth_hybrid_rsa_i; // as racoon, strongSwan and vpnc send it
    offer.xauth = ike::xauth_role::client;
  }
  s.policy.check = ike::proposal_check::obey;
  s.policy.cas = std::move(cas);
  s.policy.initial_contact = false; // it would make the hub drop our earlier logins' SAs
  s.policy.vendor_ids = {ike::vendor_ids::xauth, ike::vendor_ids::unity};
  s.aggressive = o.aggressive;
  s.password = crypto::secret_bytes::from_string(o.password);
  s.quick = o.quick;
  s.p2 = p2;
  s.quick_remote = quick_remote;
  return s;
}

login::login(const login_setup& setup, std::string user, ike::cookie icookie)
    : setup_(setup), user_(std::move(user)), p1_(phase1_for(setup, icookie)) {}

login_step login::start() {
  auto step = std::visit([](auto& x) { return x.start(); }, p1_);
  if (step.status == ike::phase1_status::failed)
    return failing("cannot build our first message", step.problem);
  login_step s;
  s.send = std::move(step.send);
  s.awaits_reply = true;
  return s;
}

login_step login::receive(const ike::header& h, std::span<const std::uint8_t> d) {
  switch (h.exchange) {
  case ike::exchange_type::identity_protection:
  case ike::exchange_type::aggressive:
    if ((h.exchange == ike::exchange_type::aggressive) != setup_.aggressive)
      return ignoring("a phase-1 message of the other mode");
    if (st_ != stage::phase1)
      return duplicate({}); // the hub's copy of its last phase-1 message
    return on_phase1(d);
  case ike::exchange_type::transaction:
    if (st_ == stage::phase1)
      return ignoring("a transaction before our ISAKMP SA is up"); // the hub sends it again
    return on_transaction(d);
  case ike::exchange_type::quick:
    return on_quick(h, d);
  default:
    return ignoring("exchange type " + std::to_string(static_cast<int>(h.exchange)));
  }
}

// ---------------------------------------------------------------- phase 1

login_step login::on_phase1(std::span<const std::uint8_t> d) {
  int before = std::visit([](auto& x) { return x.last_message(); }, p1_);
  auto step = std::visit([d](auto& x) { return x.receive(d); }, p1_);
  if (step.retransmit)
    return duplicate(std::move(step.send));
  if (step.status == ike::phase1_status::failed) {
    // MM6 (or AM2) that does not verify under our keys may be someone else's reply.
    bool last = setup_.aggressive ? before == 1 : before >= 5;
    return failing(std::string{"phase 1 "} + ike::to_string(step.reason), step.problem,
                   last && step.reason == ike::phase1_failure::authentication);
  }
  if (step.status == ike::phase1_status::in_progress) {
    if (step.send.empty())
      return ignoring(step.problem);
    login_step s;
    s.send = std::move(step.send);
    s.awaits_reply = true;
    return s;
  }
  // Up: AM3 goes now (main mode has nothing more to send); the hub's XAuth REQUEST comes
  // next. Until it does, the timer sends our last phase-1 message again (a lost AM3 or
  // MM6 is fetched that way; the hub answers the copy of MM5 with its stored MM6).
  st_ = stage::xauth_request;
  xauth_.emplace(context(), user_, setup_.password);
  login_step s;
  s.send = std::move(step.send);
  s.awaits_reply = true;
  s.phase1_up = true;
  return s;
}

ike::phase1_context login::context() const {
  const auto& sa = *phase1();
  return ike::phase1_context{&sa.keys, sa.icookie, sa.rcookie};
}

const ike::phase1_established* login::phase1() const {
  return std::visit([](const auto& x) { return x.established(); }, p1_);
}

// ---------------------------------------------------------------- XAuth, Mode Config

login_step login::on_transaction(std::span<const std::uint8_t> d) {
  auto mid = ike::transaction_message_id(d);
  if (config_ && mid && *mid == config_->message_id() && st_ == stage::config) {
    // <-- Mode Config REPLY
    auto r = config_->receive(d);
    if (r.retransmit)
      return duplicate(std::move(r.send));
    if (r.status == ike::xact_status::failed)
      return failing(std::string{"mode config "} + ike::to_string(r.reason), r.text);
    if (r.status != ike::xact_status::succeeded)
      return ignoring(r.text);
    address_ = config_->values().address;
    login_step s;
    s.configured = true;
    if (!setup_.quick) {
      st_ = stage::done;
      s.done = true;
      return s;
    }
    return start_quick(std::move(s));
  }
  if (config_ && mid && *mid == config_->message_id())
    return duplicate({}); // a copy of the REPLY, after we took it
  // Everything else is XAuth's: the REQUEST, the SET, or copies of them.
  auto r = xauth_->receive(d);
  if (r.retransmit || r.reason == ike::xact_reason::duplicate)
    return duplicate(std::move(r.send));
  if (r.status == ike::xact_status::failed) {
    login_step s = failing(r.reason == ike::xact_reason::auth_failed
                               ? std::string{"xauth refused"}
                               : std::string{"xauth "} + ike::to_string(r.reason),
                           r.peer_message.empty() ? r.text : r.text + ": " + r.peer_message);
    s.send = std::move(r.send); // the ACK of a failing SET, as racoon sends it
    return s;
  }
  if (r.send.empty())
    return ignoring(r.text);
  login_step s;
  s.send = std::move(r.send);
  if (r.status == ike::xact_status::in_progress) { // REPLY --> (user, password)
    st_ = stage::xauth_set;
    s.awaits_reply = true;
    return s;
  }
  // ACK -->, then at once our Mode Config REQUEST -->
  s.xauth_ok = true;
  st_ = stage::config;
  config_.emplace(context());
  auto q = config_->request(ike::default_mode_cfg_request(true));
  if (q.status == ike::xact_status::failed) {
    login_step f = failing("mode config cannot build its REQUEST", q.text);
    f.send = std::move(s.send);
    return f;
  }
  for (auto& w : q.send)
    s.send.push_back(std::move(w));
  s.awaits_reply = true;
  return s;
}

// ---------------------------------------------------------------- quick mode

login_step login::start_quick(login_step s) {
  quick_mid_ = crypto::random_u32() | 1u; // never 0
  auto spi = 0xc0000000u | (crypto::random_u32() & 0x0fffffffu);
  auto idci = ike::id_payload::ipv4_subnet(*address_, {255, 255, 255, 255});
  quick_.emplace(ike::quick_mode::initiator(context(), setup_.p2, idci, setup_.quick_remote,
                                            quick_mid_, spi));
  st_ = stage::quick;
  auto step = quick_->start(); // QM1 -->
  if (step.status == ike::child_status::failed)
    return failing("quick mode cannot build QM1", step.problem);
  s.send = std::move(step.send);
  s.awaits_reply = true;
  return s;
}

login_step login::on_quick(const ike::header& h, std::span<const std::uint8_t> d) {
  if (!quick_ || h.message_id != quick_mid_)
    return ignoring("quick mode message for no quick mode of ours");
  if (st_ == stage::done)
    return duplicate({});
  auto step = quick_->receive(d); // <-- QM2
  if (step.retransmit)
    return duplicate(std::move(step.send));
  if (step.status == ike::child_status::failed)
    return failing("quick mode", step.problem, step.problem.find("HASH") != std::string::npos);
  if (!quick_->established())
    return failing("quick mode QM2 does not decrypt", step.problem, true);
  login_step s;
  s.send = std::move(step.send); // QM3 -->
  st_ = stage::done;
  s.done = true;
  return s;
}

// ---------------------------------------------------------------- for the driver

const ike::bytes& login::last_sent() const {
  switch (st_) {
  case stage::xauth_set:
    return xauth_->last_sent();
  case stage::config:
    return config_->last_sent();
  case stage::quick:
  case stage::done:
    if (quick_)
      return quick_->last_sent();
    return config_->last_sent();
  default:
    return std::visit([](const auto& x) -> const ike::bytes& { return x.last_sent(); }, p1_);
  }
}

std::string login::waiting_for() const {
  switch (st_) {
  case stage::phase1: {
    int last = std::visit([](const auto& x) { return x.last_message(); }, p1_);
    return std::string{"(waiting for "} + (setup_.aggressive ? "AM" : "MM") +
           std::to_string(last + 1) + ")";
  }
  case stage::xauth_request:
    return "(waiting for the XAuth REQUEST)";
  case stage::xauth_set:
    return "(waiting for the XAuth SET)";
  case stage::config:
    return "(waiting for the Mode Config REPLY)";
  case stage::quick:
    return "(waiting for QM2)";
  default:
    return "(done)";
  }
}

} // namespace coati::load
