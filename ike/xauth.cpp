#include "ike/xauth.hpp"

#include <utility>

namespace coati::ike {
namespace {

using detail::failure;
using detail::ignored;

/// The attribute types of one XAuth numbering.
struct numbering {
  std::uint16_t type, user, password, message, status;
};
constexpr numbering draft{xauth_attr::type, xauth_attr::user_name, xauth_attr::user_password,
                          xauth_attr::message, xauth_attr::status};
constexpr numbering cisco{xauth_attr::cisco_type, xauth_attr::cisco_user_name,
                          xauth_attr::cisco_user_password, xauth_attr::cisco_message,
                          xauth_attr::cisco_status};

/// The numbering a payload uses: the draft's when any attribute is in its range.
const numbering& numbering_of(const attribute_payload& a) {
  for (const auto& x : a.attributes)
    if (x.type >= xauth_attr::type && x.type <= xauth_attr::answer)
      return draft;
  return cisco;
}

/// XAUTH_TYPE, when present, must be TV generic (racoon and vpnc know no other).
bool generic_type(const attribute_payload& a, const numbering& n) {
  const auto* t = a.find(n.type);
  return t == nullptr || (t->basic && t->basic_value == xauth_attr::type_generic);
}

/// The text of a TLV attribute of `type`, escaped for logs; empty when absent.
std::string escaped(const attribute_payload& a, std::uint16_t type) {
  const auto* x = a.find(type);
  return x == nullptr || x->basic ? std::string{} : escape_text(x->value);
}

/// The first attribute of `type`, writable (to wipe a password in place).
data_attribute* find_mutable(attribute_payload& a, std::uint16_t type) {
  for (auto& x : a.attributes)
    if (x.type == type)
      return &x;
  return nullptr;
}

/// Overwrites bytes that held a password before they are freed.
void wipe(bytes& b) {
  crypto::detail::wipe(b.data(), b.size());
}

attribute_payload status_payload(cfg_type kind, const numbering& n, std::uint16_t value) {
  return attribute_payload{kind, 0, {data_attribute::tv(n.status, value)}};
}

} // namespace

// -- server ---------------------------------------------------------------------------------

xauth_server::xauth_server(phase1_context p1, unsigned max_attempts)
    : core_(p1), max_attempts_(max_attempts == 0 ? 1 : max_attempts) {}

attribute_payload xauth_server::request_payload(std::string_view message) const {
  attribute_payload a{cfg_type::request,
                      0,
                      {data_attribute::tv(xauth_attr::type, xauth_attr::type_generic),
                       data_attribute::tlv(xauth_attr::user_name, {}),
                       data_attribute::tlv(xauth_attr::user_password, {})}};
  if (!message.empty())
    a.attributes.push_back(data_attribute::text(xauth_attr::message, message));
  return a;
}

xact_step xauth_server::start(std::uint32_t message_id) {
  if (state_ != state::idle)
    return ignored(xact_reason::wrong_state, "XAuth already started", core_.message_id());
  xact_step s;
  if (!core_.send_new(request_payload({}), message_id, s))
    return s;
  state_ = state::requested;
  s.text = "XAUTH REQUEST sent";
  return s;
}

xact_step xauth_server::receive(std::span<const std::uint8_t> datagram) {
  auto taken = core_.take(datagram, nullptr);
  if (auto* s = std::get_if<xact_step>(&taken))
    return std::move(*s);
  auto& t = std::get<detail::xact_core::taken>(taken);
  auto kind = t.msg.attrs.kind;
  auto mid = t.msg.message_id;
  if (kind == cfg_type::reply && state_ == state::requested) {
    core_.accept(datagram, t);
    return on_reply(t.msg);
  }
  if (kind == cfg_type::ack && (state_ == state::status_sent || state_ == state::done)) {
    bool first = state_ == state::status_sent;
    core_.accept(datagram, t);
    state_ = state::done;
    xact_step s;
    s.message_id = mid;
    if (outcome_ == true) {
      s.status = xact_status::succeeded;
      s.text = "XAUTH ACK: user \"" + escape_text(std::string_view(user_)) + "\" authenticated";
    } else {
      s.status = xact_status::failed;
      s.reason = xact_reason::auth_failed;
      s.text = "XAUTH ACK of the failure";
      if (first)
        s.next = xact_next::delete_phase1;
    }
    return s;
  }
  return ignored(xact_reason::unexpected_message,
                 "attribute payload type " + std::to_string(static_cast<int>(kind)) +
                     " while the XAuth server waits for something else",
                 mid);
}

xact_step xauth_server::on_reply(xact_message& m) {
  auto& a = m.attrs;
  const auto& n = numbering_of(a);
  cisco_ = &n == &cisco;
  ++attempts_;
  user_.clear();
  const auto* user = a.find(n.user);
  auto* pass = find_mutable(a, n.password);
  if (!generic_type(a, n)) {
    if (pass != nullptr)
      wipe(pass->value);
    return judge(false, 0, xact_reason::unsupported_type, "XAUTH_TYPE is not generic");
  }
  if (user == nullptr || user->basic || pass == nullptr || pass->basic) {
    if (pass != nullptr)
      wipe(pass->value);
    return judge(false, 0, xact_reason::missing_credentials,
                 "XAUTH REPLY without user name or password");
  }
  user_.assign(user->value.begin(), user->value.end());
  xact_step s;
  s.message_id = m.message_id;
  s.next = xact_next::check_credentials;
  s.credentials = xauth_credentials{user_, crypto::secret_bytes(pass->value)};
  wipe(pass->value);
  s.text = "XAUTH REPLY from user \"" + escape_text(user->value) + "\" (attempt " +
           std::to_string(attempts_) + " of " + std::to_string(max_attempts_) + ")";
  state_ = state::checking;
  return s;
}

xact_step xauth_server::verdict(bool ok, std::uint32_t message_id) {
  if (state_ != state::checking)
    return ignored(xact_reason::wrong_state, "no credentials are being checked",
                   core_.message_id());
  return judge(ok, message_id, ok ? xact_reason::none : xact_reason::auth_failed,
               ok ? "credentials accepted" : "credentials refused");
}

xact_step xauth_server::judge(bool ok, std::uint32_t message_id, xact_reason why,
                              std::string text) {
  xact_step s;
  s.reason = why;
  std::string who = user_.empty() ? std::string("(no user)")
                                  : "user \"" + escape_text(std::string_view(user_)) + "\"";
  if (!ok && attempts_ < max_attempts_) {
    if (!core_.send_new(request_payload("Authentication failed, please try again."), message_id, s))
      return s;
    state_ = state::requested;
    s.text = text + " for " + who + ": XAUTH REQUEST again (" + std::to_string(attempts_) + " of " +
             std::to_string(max_attempts_) + " attempts used)";
    return s;
  }
  const auto& n = cisco_ ? cisco : draft;
  auto status = ok ? xauth_attr::status_ok : xauth_attr::status_fail;
  if (!core_.send_new(status_payload(cfg_type::set, n, status), message_id, s))
    return s;
  outcome_ = ok;
  if (ok) {
    state_ = state::status_sent;
    s.text = text + " for " + who + ": XAUTH SET STATUS=OK";
  } else {
    state_ = state::done;
    s.status = xact_status::failed;
    s.next = xact_next::delete_phase1;
    s.text = text + " for " + who + ": XAUTH SET STATUS=FAIL";
  }
  return s;
}

// -- client ---------------------------------------------------------------------------------

namespace {
bool xauth_opening(const attribute_payload& a) {
  return (a.kind == cfg_type::request || a.kind == cfg_type::set) && is_xauth(a);
}
} // namespace

xauth_client::xauth_client(phase1_context p1, std::string user, crypto::secret_bytes password)
    : core_(p1), user_(std::move(user)), password_(std::move(password)) {}

xact_step xauth_client::receive(std::span<const std::uint8_t> datagram) {
  auto taken = core_.take(datagram, xauth_opening);
  if (auto* s = std::get_if<xact_step>(&taken))
    return std::move(*s);
  auto& t = std::get<detail::xact_core::taken>(taken);
  auto mid = t.msg.message_id;
  auto kind = t.msg.attrs.kind;
  if (kind == cfg_type::request && !outcome_) {
    core_.accept(datagram, t);
    return on_request(t.msg);
  }
  if (kind == cfg_type::set && !outcome_ &&
      t.msg.attrs.find(numbering_of(t.msg.attrs).status) != nullptr) {
    core_.accept(datagram, t);
    return on_set(t.msg);
  }
  return ignored(xact_reason::unexpected_message,
                 "attribute payload type " + std::to_string(static_cast<int>(kind)) +
                     " is not what the XAuth client expects now",
                 mid);
}

xact_step xauth_client::on_request(const xact_message& m) {
  const auto& a = m.attrs;
  const auto& n = numbering_of(a);
  xact_step s;
  s.message_id = m.message_id;
  s.peer_message = escaped(a, n.message);
  if (!generic_type(a, n))
    return failure(xact_reason::unsupported_type, "XAUTH_TYPE is not generic", m.message_id);
  attribute_payload reply{cfg_type::reply, 0, {}};
  for (const auto& x : a.attributes) {
    if (x.type == n.type)
      reply.attributes.push_back(data_attribute::tv(n.type, xauth_attr::type_generic));
    else if (x.type == n.user)
      reply.attributes.push_back(data_attribute::text(n.user, user_));
    else if (x.type == n.password)
      reply.attributes.push_back(
          data_attribute::tlv(n.password, bytes(password_.begin(), password_.end())));
    // PASSCODE, NEXT_PIN, ANSWER...: nothing to give; left out as racoon does.
  }
  bool sealed = core_.send_answer(reply, s);
  for (auto& x : reply.attributes)
    wipe(x.value);
  if (!sealed)
    return s;
  s.text = "XAUTH REQUEST answered for user \"" + escape_text(std::string_view(user_)) + "\"";
  return s;
}

xact_step xauth_client::on_set(const xact_message& m) {
  const auto& n = numbering_of(m.attrs);
  const auto* st = m.attrs.find(n.status);
  bool ok = st->as_integer() == xauth_attr::status_ok;
  xact_step s;
  s.message_id = m.message_id;
  s.peer_message = escaped(m.attrs, n.message);
  if (!core_.send_answer(status_payload(cfg_type::ack, n, 0), s))
    return s;
  outcome_ = ok;
  if (ok) {
    s.status = xact_status::succeeded;
    s.text = "XAUTH SET STATUS=OK acknowledged";
  } else {
    s.status = xact_status::failed;
    s.reason = xact_reason::auth_failed;
    s.next = xact_next::delete_phase1;
    s.text = "XAUTH SET STATUS=FAIL acknowledged: the server refused the credentials";
  }
  return s;
}

} // namespace coati::ike
