#include "actors/link.hpp"

#include "crypto/secret.hpp"
#include "ike/informational.hpp"
#include "util/log.hpp"

namespace coati::actors {

std::string where(const peer_endpoints& e) {
  return e.remote.to_string() + "[" + std::to_string(e.remote_port) + "]";
}

// "192.0.2.1:500" or "[2001:db8::1]:500" -> address and port.
std::string cookie_text(const ike::cookie& i, const ike::cookie& r) {
  return crypto::to_hex(i) + ":" + crypto::to_hex(r);
}

datagram arrival_datagram(const peer_endpoints& e) {
  return datagram{e.remote, e.remote_port, e.local, e.local_port, e.natt, {}};
}

outgoing make_out(const peer_endpoints& e, std::vector<std::uint8_t> bytes) {
  return outgoing{e.local, e.local_port, e.remote, e.remote_port, e.natt, std::move(bytes)};
}

void peer_link::put_detached(const outgoing& o) const {
  if (!sender) {
    caf::anon_send(listener, o);
    return;
  }
  if (auto why = sender->send(o); !why.empty())
    COATI_LOG(warning, "peer", "cannot send to ", where(ends), ": ", why);
}

std::optional<outgoing> informational_to(const peer_endpoints& ends, const phase1_shared& p1,
                                         const std::vector<ike::payload>& body) {
  ike::phase1_context ctx{&p1.sa().keys, p1.sa().icookie, p1.sa().rcookie};
  auto res = ike::seal_informational(ctx, body);
  if (auto* why = std::get_if<std::string>(&res)) {
    COATI_LOG(error, "peer", "cannot build an informational message: ", *why);
    return std::nullopt;
  }
  return make_out(ends, std::move(std::get<ike::info_datagram>(res).wire));
}

} // namespace coati::actors
