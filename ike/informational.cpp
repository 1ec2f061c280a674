#include "ike/informational.hpp"

#include <algorithm>

#include "crypto/random.hpp"
#include "ike/encrypted.hpp"

namespace coati::ike {
namespace {

namespace ks = crypto::ikev1;

info_rejection reject(info_reject r, std::string text) {
  return info_rejection{r, std::move(text)};
}

bytes cookie_pair(const cookie& first, const cookie& second) {
  bytes spi(first.begin(), first.end());
  spi.insert(spi.end(), second.begin(), second.end());
  return spi;
}

bool is_notify_or_delete(const payload& p) {
  return std::holds_alternative<notify_payload>(p) || std::holds_alternative<delete_payload>(p);
}

/// Sorts the payloads of an informational into its Notify, Delete and ignored lists.
template <class Info>
void sort_payloads(std::span<const payload> chain, Info& out,
                   std::vector<delete_payload> Info::*deletes) {
  for (const auto& p : chain) {
    if (const auto* n = std::get_if<notify_payload>(&p))
      out.notifies.push_back(*n);
    else if (const auto* d = std::get_if<delete_payload>(&p))
      (out.*deletes).push_back(*d);
    else
      out.ignored.push_back(type_of(p));
  }
}

std::uint32_t pick_message_id(std::uint32_t asked) {
  return asked != 0 ? asked : crypto::random_u32(true);
}

} // namespace

const char* to_string(info_reject r) {
  switch (r) {
  case info_reject::undecodable:
    return "undecodable";
  case info_reject::wrong_exchange:
    return "wrong-exchange";
  case info_reject::wrong_cookies:
    return "wrong-cookies";
  case info_reject::not_encrypted:
    return "not-encrypted";
  case info_reject::encrypted:
    return "encrypted";
  case info_reject::bad_length:
    return "bad-length";
  case info_reject::bad_plaintext:
    return "bad-plaintext";
  case info_reject::missing_hash:
    return "missing-hash";
  case info_reject::bad_hash:
    return "bad-hash";
  case info_reject::empty:
    return "empty";
  }
  return "?";
}

std::variant<info_datagram, std::string> seal_informational(const phase1_context& p1,
                                                            std::span<const payload> body,
                                                            std::uint32_t message_id) {
  if (p1.keys == nullptr)
    return std::string("no phase-1 keys");
  if (body.empty())
    return std::string("an informational needs a Notify or a Delete");
  if (!std::all_of(body.begin(), body.end(), is_notify_or_delete))
    return std::string("an informational carries only Notify and Delete payloads");
  const auto& k = *p1.keys;
  info_datagram out;
  out.message_id = pick_message_id(message_id);
  // A new exchange: its own IV from the phase-1 final IV, which stays as it is.
  auto iv = ks::exchange_iv(k.hash, k.iv, out.message_id, crypto::block_size(k.cipher));
  std::string why;
  auto wire = seal_hashed(
      header::make(exchange_type::informational, p1.icookie, p1.rcookie, out.message_id), body, k,
      iv, why);
  if (!wire)
    return "informational: " + why;
  out.wire = std::move(*wire);
  return out;
}

std::variant<informational, info_rejection>
open_informational(const phase1_context& p1, std::span<const std::uint8_t> datagram) {
  auto m = decode(datagram);
  if (!m)
    return reject(info_reject::undecodable, m.error().render());
  const auto& h = m->hdr;
  if (h.exchange != exchange_type::informational)
    return reject(info_reject::wrong_exchange,
                  "exchange type " + std::to_string(static_cast<int>(h.exchange)));
  if (h.icookie != p1.icookie || h.rcookie != p1.rcookie)
    return reject(info_reject::wrong_cookies, "cookies of another ISAKMP SA");
  if (!h.encrypted())
    return reject(info_reject::not_encrypted,
                  "an informational in the clear after phase 1 (" + summary(*m) + ")");
  if (p1.keys == nullptr)
    return reject(info_reject::encrypted, "no phase-1 keys to open it with");
  const auto& k = *p1.keys;
  auto iv = ks::exchange_iv(k.hash, k.iv, h.message_id, crypto::block_size(k.cipher));
  auto opened = open_hashed(*m, k, iv);
  if (const auto* no = std::get_if<hashed_refusal>(&opened))
    return reject(reason_of<info_reject>(no->reason), no->text);
  const auto& after = std::get<std::vector<payload>>(opened);
  informational out;
  out.message_id = h.message_id;
  sort_payloads(after, out, &informational::deletes);
  if (out.notifies.empty() && out.deletes.empty())
    return reject(info_reject::empty, "neither Notify nor Delete");
  return out;
}

std::variant<info_datagram, std::string> unprotected_notify(const cookie& icookie,
                                                            const cookie& rcookie,
                                                            const notify_payload& n,
                                                            std::uint32_t message_id) {
  info_datagram out;
  out.message_id = pick_message_id(message_id);
  message m{header::make(exchange_type::informational, icookie, rcookie, out.message_id)};
  m.add(n);
  auto wire = encode(m);
  if (!wire)
    return "cannot encode the notify: " + wire.error().text;
  out.wire = std::move(*wire);
  return out;
}

std::variant<unprotected_informational, info_rejection>
open_unprotected_informational(std::span<const std::uint8_t> datagram) {
  auto m = decode(datagram);
  if (!m)
    return reject(info_reject::undecodable, m.error().render());
  if (m->hdr.exchange != exchange_type::informational)
    return reject(info_reject::wrong_exchange,
                  "exchange type " + std::to_string(static_cast<int>(m->hdr.exchange)));
  if (m->hdr.encrypted())
    return reject(info_reject::encrypted, "encrypted, and there are no phase-1 keys");
  unprotected_informational out;
  out.message_id = m->hdr.message_id;
  out.icookie = m->hdr.icookie;
  out.rcookie = m->hdr.rcookie;
  sort_payloads(m->payloads, out, &unprotected_informational::unauthenticated_deletes);
  if (out.notifies.empty() && out.unauthenticated_deletes.empty())
    return reject(info_reject::empty, "neither Notify nor Delete");
  return out;
}

delete_payload delete_isakmp_sa(const cookie& icookie, const cookie& rcookie) {
  delete_payload d;
  d.doi = doi::ipsec;
  d.protocol = protocol_id::isakmp;
  d.spis.push_back(cookie_pair(icookie, rcookie));
  return d;
}

delete_payload delete_ipsec_sas(protocol_id protocol, std::span<const std::uint32_t> spis) {
  delete_payload d;
  d.doi = doi::ipsec;
  d.protocol = protocol;
  for (auto spi : spis)
    d.spis.push_back({static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
                      static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)});
  return d;
}

std::vector<std::uint32_t> ipsec_spis(const delete_payload& d) {
  std::vector<std::uint32_t> out;
  for (const auto& s : d.spis) {
    if (s.size() != 4)
      return {};
    out.push_back((std::uint32_t{s[0]} << 24) | (std::uint32_t{s[1]} << 16) |
                  (std::uint32_t{s[2]} << 8) | s[3]);
  }
  return out;
}

bool deletes_isakmp_sa(const delete_payload& d, const cookie& icookie, const cookie& rcookie) {
  auto mine = cookie_pair(icookie, rcookie);
  return d.protocol == protocol_id::isakmp &&
         std::find(d.spis.begin(), d.spis.end(), mine) != d.spis.end();
}

notify_payload error_notify(notify_type type, protocol_id protocol, bytes spi, bytes data) {
  notify_payload n;
  n.doi = doi::ipsec;
  n.protocol = protocol;
  n.message = type;
  n.spi = std::move(spi);
  n.data = std::move(data);
  return n;
}

std::optional<std::uint32_t> dpd_sequence(const notify_payload& n, notify_type kind,
                                          const cookie& icookie, const cookie& rcookie) {
  if (n.message != kind)
    return std::nullopt;
  if (n.spi != cookie_pair(icookie, rcookie) && n.spi != cookie_pair(rcookie, icookie))
    return std::nullopt;
  return n.dpd_sequence();
}

std::optional<notify_payload> dpd_ack_for(const notify_payload& probe, const cookie& icookie,
                                          const cookie& rcookie) {
  if (!dpd_sequence(probe, notify_type::r_u_there, icookie, rcookie))
    return std::nullopt;
  notify_payload ack = probe; // the same SPI and sequence number
  ack.doi = doi::ipsec;
  ack.protocol = protocol_id::isakmp;
  ack.message = notify_type::r_u_there_ack;
  return ack;
}

dpd_sequencer::dpd_sequencer(std::uint32_t first) : last_sent_(first - 1), last_acked_(first - 1) {}

dpd_sequencer dpd_sequencer::random_start() {
  return dpd_sequencer((crypto::random_u32(false) & 0x0fffu) + 1);
}

std::uint32_t dpd_sequencer::next_probe() {
  return ++last_sent_;
}

bool dpd_sequencer::accept_ack(std::uint32_t seq) {
  std::uint32_t ahead = seq - last_acked_; // serial arithmetic: wraps with the counter
  if (ahead == 0 || ahead > unanswered())
    return false;
  last_acked_ = seq;
  return true;
}

} // namespace coati::ike
