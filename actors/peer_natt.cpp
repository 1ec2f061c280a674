#include "actors/peer_natt.hpp"

#include "util/log.hpp"

namespace coati::actors {

namespace {

/// RFC 3947's port; coatid's -P may move its own, the peer's is 4500.
constexpr std::uint16_t natt_port = 4500;

ike::natt_endpoint endpoint_of(const config::ip_address& a, std::uint16_t port) {
  std::size_t n = a.fam == config::ip_address::family::v4 ? 4 : 16;
  return ike::natt_endpoint{ike::bytes(a.bytes.begin(), a.bytes.begin() + n), port};
}

} // namespace

ike::natt_config natt_config_for(const config::remote_block& r, const peer_endpoints& e) {
  ike::natt_config c;
  switch (r.nat_traversal) {
  case config::tristate::off:
    c.setting = ike::natt_setting::off;
    break;
  case config::tristate::on:
    c.setting = ike::natt_setting::on;
    break;
  case config::tristate::force:
    c.setting = ike::natt_setting::force;
    break;
  }
  c.local = endpoint_of(e.local, e.local_port);
  c.remote = endpoint_of(e.remote, e.remote_port);
  return c;
}

bool arrived_from(peer_state& st, const datagram& d) {
  st.arrival = st.link.ends;
  if (d.from_port == 0)
    return false;
  st.arrival.remote = d.from;
  st.arrival.remote_port = d.from_port;
  st.arrival.local_port = d.local_port;
  st.arrival.natt = d.natt;
  const auto& e = st.link.ends;
  return e.remote != st.arrival.remote || e.remote_port != st.arrival.remote_port ||
         e.local_port != st.arrival.local_port;
}

void natt_float(peer_self self) {
  auto& st = self->state;
  st.link.ends.local_port = natt_port;
  st.link.ends.remote_port = natt_port;
  st.link.ends.natt = true;
}

void natt_follow(peer_self self) {
  auto& st = self->state;
  auto was = where(st.link.ends);
  auto local = st.link.ends.local; // we answer from where we were asked
  st.link.ends = st.arrival;
  st.link.ends.local = local;
  COATI_LOG(notify, "peer", "NAT-T: the peer moved from ", was, " to ", where(st.link.ends),
            " (our port ", st.link.ends.local_port, "): its SAs follow");
  const auto& e = st.link.ends;
  for (const auto& c : st.children)
    self->send(c.child, moved_atom_v, e.remote.to_string(), e.remote_port, e.local_port, e.natt);
}

void natt_start_keepalives(peer_self self) {
  auto& st = self->state;
  if (!st.session->sends_natt_keepalives())
    return;
  if (!st.session->dpd_next()) {
    // Keepalives hold the NAT's mapping but prove nothing: the peer may follow a new one
    // only on an authenticated message (RFC 3947 §4), and without DPD probes ours may be
    // minutes away (the next quick mode or rekey). racoon has the same gap.
    COATI_LOG(notify, "peer", where(st.link.ends),
              ": NAT-T: we are behind a NAT and send no DPD probes (dpd_delay 0, or the peer "
              "does no DPD): if the NAT's mapping changes, the peer learns our new port only "
              "from our next authenticated message (quick mode, rekey); with dpd_delay, from "
              "the next probe");
    st.link.count(self, "natt.behind_nat_without_dpd");
  }
  auto every = st.args.snap.cfg->timer.natt_keepalive;
  if (every.count() <= 0)
    return;
  COATI_LOG(info, "peer", where(st.link.ends), ": NAT-T: we are behind a NAT: a keepalive every ",
            every.count(), " s");
  later(self, st.link, every, keepalive_atom_v, ++st.keepalive_gen);
}

void natt_keepalive(peer_self self, std::uint64_t gen) {
  auto& st = self->state;
  if (gen != st.keepalive_gen)
    return;
  auto o = make_out(st.link.ends, {0xff}); // RFC 3948 §2.3: one 0xFF byte, no marker
  o.natt = false;
  st.link.put(self, o);
  st.link.count(self, "natt.keepalives_sent");
  later(self, st.link, st.args.snap.cfg->timer.natt_keepalive, keepalive_atom_v, gen);
}

} // namespace coati::actors
