#include "ike/transaction.hpp"

#include <algorithm>
#include <cstdio>

#include "crypto/random.hpp"
#include "ike/encrypted.hpp"

namespace coati::ike {
namespace {

namespace ks = crypto::ikev1;

xact_rejection reject(xact_reason r, std::string text) {
  return xact_rejection{r, std::move(text)};
}

bool in_draft_range(std::uint16_t type) {
  return type >= xauth_attr::type && type <= xauth_attr::answer;
}

} // namespace

namespace vendor_ids {

bool is_xauth(std::span<const std::uint8_t> vid) {
  return std::equal(vid.begin(), vid.end(), xauth.begin(), xauth.end());
}

bool is_unity(std::span<const std::uint8_t> vid) {
  return vid.size() == unity.size() && std::equal(unity.begin(), unity.begin() + 14, vid.begin());
}

} // namespace vendor_ids

const char* to_string(xact_reason r) {
  switch (r) {
  case xact_reason::none:
    return "none";
  case xact_reason::undecodable:
    return "undecodable";
  case xact_reason::wrong_exchange:
    return "wrong-exchange";
  case xact_reason::wrong_cookies:
    return "wrong-cookies";
  case xact_reason::not_encrypted:
    return "not-encrypted";
  case xact_reason::no_keys:
    return "no-keys";
  case xact_reason::bad_message_id:
    return "bad-message-id";
  case xact_reason::bad_length:
    return "bad-length";
  case xact_reason::bad_plaintext:
    return "bad-plaintext";
  case xact_reason::missing_hash:
    return "missing-hash";
  case xact_reason::bad_hash:
    return "bad-hash";
  case xact_reason::missing_attributes:
    return "missing-attributes";
  case xact_reason::several_attributes:
    return "several-attributes";
  case xact_reason::not_mine:
    return "not-mine";
  case xact_reason::duplicate:
    return "duplicate";
  case xact_reason::unexpected_message:
    return "unexpected-message";
  case xact_reason::wrong_state:
    return "wrong-state";
  case xact_reason::unsupported_type:
    return "unsupported-type";
  case xact_reason::missing_credentials:
    return "missing-credentials";
  case xact_reason::auth_failed:
    return "auth-failed";
  case xact_reason::no_address:
    return "no-address";
  case xact_reason::cannot_seal:
    return "cannot-seal";
  }
  return "?";
}

const char* to_string(xact_status s) {
  switch (s) {
  case xact_status::in_progress:
    return "in-progress";
  case xact_status::succeeded:
    return "succeeded";
  case xact_status::failed:
    return "failed";
  }
  return "?";
}

std::string escape_text(std::span<const std::uint8_t> raw) {
  std::string out;
  for (auto c : raw) {
    if (c >= 0x20 && c <= 0x7e && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

std::string escape_text(std::string_view raw) {
  return escape_text(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
}

std::variant<bytes, std::string> seal_transaction(const phase1_context& p1, xact_chain& chain,
                                                  const attribute_payload& attrs) {
  if (p1.keys == nullptr)
    return std::string("no phase-1 keys");
  if (chain.message_id == 0)
    return std::string("a transaction exchange needs a non-zero message ID");
  const auto& k = *p1.keys;
  std::vector<payload> body{attrs};
  auto iv = chain.iv.empty()
                ? ks::exchange_iv(k.hash, k.iv, chain.message_id, crypto::block_size(k.cipher))
                : chain.iv;
  std::string why;
  auto wire = seal_hashed(
      header::make(exchange_type::transaction, p1.icookie, p1.rcookie, chain.message_id), body, k,
      iv, why);
  wipe_attribute_values(body);
  if (!wire)
    return "transaction: " + why;
  chain.iv = std::move(iv);
  return std::move(*wire);
}

std::variant<xact_message, xact_rejection> open_transaction(const phase1_context& p1,
                                                            std::span<const std::uint8_t> datagram,
                                                            xact_chain& chain) {
  auto m = decode(datagram);
  if (!m)
    return reject(xact_reason::undecodable, m.error().render());
  const auto& h = m->hdr;
  if (h.exchange != exchange_type::transaction)
    return reject(xact_reason::wrong_exchange,
                  "exchange type " + std::to_string(static_cast<int>(h.exchange)));
  if (h.icookie != p1.icookie || h.rcookie != p1.rcookie)
    return reject(xact_reason::wrong_cookies, "cookies of another ISAKMP SA");
  if (!h.encrypted())
    return reject(xact_reason::not_encrypted, "a transaction message in the clear");
  if (p1.keys == nullptr)
    return reject(xact_reason::no_keys, "no phase-1 keys to open it with");
  if (h.message_id == 0)
    return reject(xact_reason::bad_message_id, "message ID 0 after phase 1");
  if (chain.message_id != 0 && chain.message_id != h.message_id)
    return reject(xact_reason::bad_message_id, "message ID " + std::to_string(h.message_id) +
                                                   " in exchange " +
                                                   std::to_string(chain.message_id));
  const auto& k = *p1.keys;
  auto iv = chain.iv.empty()
                ? ks::exchange_iv(k.hash, k.iv, h.message_id, crypto::block_size(k.cipher))
                : chain.iv;
  auto opened = open_hashed(*m, k, iv);
  if (auto* no = std::get_if<hashed_refusal>(&opened))
    return reject(reason_of<xact_reason>(no->reason), std::move(no->text));
  auto& after = std::get<std::vector<payload>>(opened);
  xact_message out;
  out.message_id = h.message_id;
  int found = 0;
  for (auto& p : after) {
    if (auto* a = std::get_if<attribute_payload>(&p)) {
      if (++found == 1)
        out.attrs = std::move(*a);
    } else {
      out.ignored.push_back(type_of(p));
    }
  }
  if (found == 0)
    return reject(xact_reason::missing_attributes, "no attribute payload");
  wipe_attribute_values(after);
  if (found > 1)
    return reject(xact_reason::several_attributes,
                  std::to_string(found) + " attribute payloads in one message");
  chain.message_id = h.message_id;
  chain.iv = std::move(iv);
  return out;
}

std::optional<std::uint32_t> transaction_message_id(std::span<const std::uint8_t> datagram) {
  auto h = decode_header(datagram);
  if (!h || h->exchange != exchange_type::transaction)
    return std::nullopt;
  return h->message_id;
}

bool is_xauth(const attribute_payload& a) {
  bool exchange_first = a.kind == cfg_type::request || a.kind == cfg_type::reply;
  for (const auto& x : a.attributes) {
    if (in_draft_range(x.type))
      return true;
    if (exchange_first && x.type == xauth_attr::cisco_type && x.basic)
      return true;
    if (!exchange_first && x.type == xauth_attr::cisco_status)
      return true;
  }
  return false;
}

namespace detail {

xact_step ignored(xact_reason r, std::string text, std::uint32_t message_id) {
  xact_step s;
  s.reason = r;
  s.text = std::move(text);
  s.message_id = message_id;
  return s;
}

xact_step failure(xact_reason r, std::string text, std::uint32_t message_id) {
  auto s = ignored(r, std::move(text), message_id);
  s.status = xact_status::failed;
  return s;
}

std::variant<xact_core::taken, xact_step>
xact_core::take(std::span<const std::uint8_t> datagram,
                bool (*fresh)(const attribute_payload&)) const {
  if (!last_received_.empty() &&
      std::equal(datagram.begin(), datagram.end(), last_received_.begin(), last_received_.end())) {
    auto s = ignored(xact_reason::duplicate, "a copy of the last message", chain_.message_id);
    if (!answer_.empty()) {
      s.send.push_back(answer_);
      s.retransmit = true;
      s.text += ": answered again";
    }
    return s;
  }
  auto mid = transaction_message_id(datagram);
  bool current = mid && chain_.message_id != 0 && *mid == chain_.message_id;
  if (mid && !current && fresh == nullptr)
    return ignored(xact_reason::not_mine, "not an exchange of this machine", *mid);
  taken t;
  if (current)
    t.chain = chain_;
  auto opened = open_transaction(p1_, datagram, t.chain);
  if (auto* no = std::get_if<xact_rejection>(&opened))
    return ignored(no->reason, std::move(no->text), mid.value_or(0));
  t.msg = std::move(std::get<xact_message>(opened));
  if (!current && !fresh(t.msg.attrs))
    return ignored(xact_reason::not_mine, "a new exchange for another machine", *mid);
  return t;
}

void xact_core::accept(std::span<const std::uint8_t> datagram, const taken& t) {
  chain_ = t.chain;
  peer_identifier_ = t.msg.attrs.identifier;
  last_received_.assign(datagram.begin(), datagram.end());
  answer_.clear();
}

std::uint16_t xact_core::new_identifier() {
  return static_cast<std::uint16_t>(crypto::random_u32(false));
}

bool xact_core::seal_into(const attribute_payload& attrs, xact_step& step) {
  auto wire = seal_transaction(p1_, chain_, attrs);
  if (auto* why = std::get_if<std::string>(&wire)) {
    step.status = xact_status::failed;
    step.next = xact_next::none;
    step.reason = xact_reason::cannot_seal;
    step.text = *why;
    return false;
  }
  last_sent_ = std::get<bytes>(std::move(wire));
  answer_ = last_sent_;
  step.send.push_back(last_sent_);
  step.message_id = chain_.message_id;
  return true;
}

bool xact_core::send_new(attribute_payload attrs, std::uint32_t message_id, xact_step& step) {
  chain_ = xact_chain{message_id != 0 ? message_id : crypto::random_u32(true), {}};
  attrs.identifier = new_identifier();
  return seal_into(attrs, step);
}

bool xact_core::send_answer(attribute_payload attrs, xact_step& step) {
  attrs.identifier = peer_identifier_;
  return seal_into(attrs, step);
}

} // namespace detail

} // namespace coati::ike
