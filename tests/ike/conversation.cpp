// The test conversation's two endpoints (see conversation.hpp).

#include "conversation.hpp"

#include <stdexcept>

#include "crypto/keyschedule.hpp"

namespace coati::ike::test {

namespace {

const bytes vid_dpd = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                       0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
const bytes vid_rfc3947 = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                           0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};

template <class T>
T must(result<T> r, const char* what) {
  if (!r)
    throw std::runtime_error(std::string(what) + ": " + r.error().render());
  return std::move(r).value();
}

template <class T>
const T& need(const std::vector<payload>& chain, const char* what) {
  auto* p = find<T>(chain);
  if (!p)
    throw std::runtime_error(std::string("missing ") + what + " payload");
  return *p;
}

bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::uint32_t random_mid() {
  auto r = random_bytes(4);
  std::uint32_t v = (std::uint32_t{r[0]} << 24) | (r[1] << 16) | (r[2] << 8) | r[3];
  return v ? v : 1;
}

namespace ck = coati::crypto::ikev1;
constexpr auto sha = coati::crypto::hash_alg::sha1;

/// Cross-check: the value coati_crypto computed must equal the test's own computation;
/// coati_crypto's value is the one used on the wire.
template <class T>
bytes agree(const T& from_crypto, const bytes& own, const char* what) {
  bytes theirs(from_crypto.begin(), from_crypto.end());
  if (theirs != own)
    throw std::runtime_error(std::string("coati_crypto and the test disagree on ") + what);
  return theirs;
}

bytes first16(const bytes& b) {
  return bytes(b.begin(), b.begin() + 16);
}

bytes cat(const bytes& a, const bytes& b) {
  bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

sa_payload phase1_offer(bool rsa) {
  using namespace ike_attr;
  transform aes{1,
                transform_id::key_ike,
                {data_attribute::tv(encryption, enc_aes), data_attribute::tv(key_length, 128),
                 data_attribute::tv(hash, hash_sha1),
                 data_attribute::tv(auth_method, rsa ? auth_rsa_sig : auth_xauth_psk_i),
                 data_attribute::tv(group_description, group_modp2048),
                 data_attribute::tv(life_type, life_seconds),
                 data_attribute::integer(life_duration, 86400)}};
  transform des3{2,
                 transform_id::key_ike,
                 {data_attribute::tv(encryption, enc_3des), data_attribute::tv(hash, hash_md5),
                  data_attribute::tv(auth_method, rsa ? auth_rsa_sig : auth_psk),
                  data_attribute::tv(group_description, group_modp2048),
                  data_attribute::tv(life_type, life_seconds),
                  data_attribute::integer(life_duration, 28800)}};
  sa_payload sa;
  sa.proposals.push_back(proposal{1, protocol_id::isakmp, {}, {aes, des3}});
  return sa;
}

sa_payload phase2_offer(const bytes& spi) {
  using namespace ipsec_attr;
  transform aes{1,
                transform_id::esp_aes_cbc,
                {data_attribute::tv(life_type, 1), data_attribute::tv(life_duration, 3600),
                 data_attribute::tv(encapsulation_mode, mode_tunnel),
                 data_attribute::tv(auth_algorithm, auth_hmac_sha1),
                 data_attribute::tv(key_length, 128)}};
  transform des3{2,
                 transform_id::esp_3des,
                 {data_attribute::tv(life_type, 1), data_attribute::tv(life_duration, 3600),
                  data_attribute::tv(encapsulation_mode, mode_tunnel),
                  data_attribute::tv(auth_algorithm, auth_hmac_md5)}};
  sa_payload sa;
  sa.proposals.push_back(proposal{1, protocol_id::esp, spi, {aes, des3}});
  return sa;
}

/// The first transform of the first proposal, which both test endpoints accept.
transform choose(const sa_payload& sa, std::uint16_t enc_attr, std::uint16_t enc_value) {
  for (const auto& t : sa.proposals.at(0).transforms) {
    auto* e = t.find(enc_attr);
    if ((e && e->basic_value == enc_value) || t.id == enc_value)
      return t;
  }
  throw std::runtime_error("no acceptable transform");
}

} // namespace

std::vector<int> expanded_types(const std::vector<payload>& chain) {
  std::vector<int> out;
  for (const auto& p : chain) {
    out.push_back(static_cast<int>(type_of(p)));
    if (auto* sa = std::get_if<sa_payload>(&p))
      for (const auto& prop : sa->proposals) {
        out.push_back(static_cast<int>(payload_type::proposal));
        for (std::size_t i = 0; i < prop.transforms.size(); ++i)
          out.push_back(static_cast<int>(payload_type::transform));
      }
  }
  return out;
}

endpoint::endpoint(bool initiator, ipv4_address me, ipv4_address peer, bytes psk,
                   const rsa_identity* rsa)
    : initiator_(initiator), me_(me), peer_(peer), psk_(std::move(psk)), rsa_(rsa) {
  auto r = random_bytes(8);
  std::copy(r.begin(), r.end(), (initiator ? ic_ : rc_).begin());
}

header endpoint::hdr(exchange_type x, std::uint32_t mid) const {
  return header::make(x, ic_, rc_, mid, p1_done_ || step_ >= 3 ? flags::encryption : 0);
}

void endpoint::verify(std::span<const std::uint8_t> want, std::span<const std::uint8_t> got,
                      const char* what) const {
  if (!std::equal(want.begin(), want.end(), got.begin(), got.end()))
    throw std::runtime_error(std::string(what) + " does not verify");
}

bytes& endpoint::iv_for(std::uint32_t mid) {
  auto it = ivs_.find(mid);
  if (it != ivs_.end())
    return it->second;
  if (mid == 0)
    throw std::runtime_error("no phase-1 IV yet");
  return ivs_[mid] = agree(ck::exchange_iv(sha, p1_iv_, mid, 16),
                           first16(sha1({p1_iv_, be32(mid)})), "exchange IV");
}

exchanged endpoint::make(const std::string& label, const header& h, std::vector<payload> chain) {
  message m(h);
  if (h.encrypted()) {
    auto plain = must(encode_payloads(chain), "encode chain");
    auto pad = 16 - plain.size() % 16; // 1..16 bytes, last one = count of the others
    plain.insert(plain.end(), pad - 1, 0);
    plain.push_back(static_cast<std::uint8_t>(pad - 1));
    auto& iv = iv_for(h.message_id);
    m.encrypted_body = aes_cbc(ka_, iv, plain, true);
    iv.assign(m.encrypted_body.end() - 16, m.encrypted_body.end());
    m.hdr.next_payload = type_of(chain.front());
  } else {
    m.payloads = chain;
  }
  return exchanged{initiator_, label, must(encode(m), "encode message"), std::move(chain)};
}

std::vector<payload> endpoint::open(const message& m) {
  if (!m.hdr.encrypted() || m.encrypted_body.empty() || m.encrypted_body.size() % 16)
    throw std::runtime_error("expected an encrypted message");
  auto& iv = iv_for(m.hdr.message_id);
  auto plain = aes_cbc(ka_, iv, m.encrypted_body, false);
  iv.assign(m.encrypted_body.end() - 16, m.encrypted_body.end());
  return must(decode_payloads(plain, m.hdr.next_payload), "decode plaintext");
}

bytes endpoint::natd(const ipv4_address& a) const {
  bytes port = {0x01, 0xf4};
  return sha1({ic_, rc_, a, port});
}

id_payload endpoint::my_id() const {
  return rsa_ ? id_payload::der_asn1_dn(rsa_->subject_der()) : id_payload::ipv4(me_, 17, 500);
}

std::vector<payload> endpoint::prove(const id_payload& id, const bytes& hash) const {
  if (!rsa_)
    return {id, hash_payload{hash}};
  return {id, cert_payload{cert_encoding::x509_sig, rsa_->cert_der()},
          sig_payload{rsa_->sign(hash)}};
}

void endpoint::check_proof(const std::vector<payload>& chain, const bytes& expected,
                           const char* what) const {
  if (!rsa_)
    return verify(expected, need<hash_payload>(chain, "HASH").data, what);
  bytes subject;
  if (!rsa_identity::verify(need<cert_payload>(chain, "CERT").data, expected,
                            need<sig_payload>(chain, "SIG").data, subject))
    throw std::runtime_error(std::string("signature over ") + what + " does not verify");
  const auto& id = need<id_payload>(chain, "ID");
  if (id.kind != id_type::der_asn1_dn || id.data != subject)
    throw std::runtime_error("ID is not the certificate subject");
}

void endpoint::derive_keys() {
  gxy_ = dh_.shared(initiator_ ? gxr_ : gxi_);
  bytes z0 = {0}, z1 = {1}, z2 = {2};
  skeyid_ = rsa_ ? prf(cat(ni_, nr_), {gxy_}) : prf(psk_, {ni_, nr_});
  skeyid_d_ = prf(skeyid_, {gxy_, ic_, rc_, z0});
  skeyid_a_ = prf(skeyid_, {skeyid_d_, gxy_, ic_, rc_, z1});
  skeyid_e_ = prf(skeyid_, {skeyid_a_, gxy_, ic_, rc_, z2});
  ka_ = first16(skeyid_e_);
  ivs_[0] = first16(sha1({gxi_, gxr_}));
  // The same from coati_crypto's key schedule.
  ck::phase1_input in;
  in.hash = sha;
  in.cipher = coati::crypto::cipher_alg::aes128_cbc;
  in.kind = rsa_ ? ck::skeyid_kind::signature : ck::skeyid_kind::pre_shared_key;
  in.psk = psk_;
  in.gxy = gxy_;
  in.gxi = gxi_;
  in.gxr = gxr_;
  in.ni_b = ni_;
  in.nr_b = nr_;
  in.cky_i = ic_;
  in.cky_r = rc_;
  auto keys = ck::derive_phase1(in);
  agree(keys.skeyid, skeyid_, "SKEYID");
  agree(keys.skeyid_d, skeyid_d_, "SKEYID_d");
  agree(keys.skeyid_a, skeyid_a_, "SKEYID_a");
  agree(keys.skeyid_e, skeyid_e_, "SKEYID_e");
  ka_ = agree(keys.enc_key, ka_, "the encryption key");
  ivs_[0] = agree(keys.iv, ivs_[0], "the phase-1 IV");
}

bytes endpoint::hash_i(const bytes& idii_b) const {
  return agree(ck::hash_i(sha, skeyid_, gxi_, gxr_, ic_, rc_, sai_b_, idii_b),
               prf(skeyid_, {gxi_, gxr_, ic_, rc_, sai_b_, idii_b}), "HASH_I");
}

bytes endpoint::hash_r(const bytes& idir_b) const {
  return agree(ck::hash_r(sha, skeyid_, gxi_, gxr_, ic_, rc_, sai_b_, idir_b),
               prf(skeyid_, {gxr_, gxi_, rc_, ic_, sai_b_, idir_b}), "HASH_R");
}

bytes endpoint::hash1(std::uint32_t mid, const bytes& rest) const {
  return agree(ck::qm_hash1(sha, skeyid_a_, mid, rest), prf(skeyid_a_, {be32(mid), rest}),
               "HASH(1)");
}

bytes endpoint::hash2(std::uint32_t mid, const bytes& rest) const {
  return agree(ck::qm_hash2(sha, skeyid_a_, mid, qm_ni_, rest),
               prf(skeyid_a_, {be32(mid), qm_ni_, rest}), "HASH(2)");
}

bytes endpoint::hash3(std::uint32_t mid) const {
  bytes zero = {0};
  return agree(ck::qm_hash3(sha, skeyid_a_, mid, qm_ni_, qm_nr_),
               prf(skeyid_a_, {zero, be32(mid), qm_ni_, qm_nr_}), "HASH(3)");
}

bytes endpoint::keymat(std::span<const std::uint8_t> spi) const {
  bytes proto = {static_cast<std::uint8_t>(protocol_id::esp)};
  auto k1 = prf(skeyid_d_, {proto, spi, qm_ni_, qm_nr_});
  auto k2 = prf(skeyid_d_, {k1, proto, spi, qm_ni_, qm_nr_});
  k1.insert(k1.end(), k2.begin(), k2.end());
  return agree(ck::keymat(sha, skeyid_d_, {}, 3, spi, qm_ni_, qm_nr_, 40), k1, "KEYMAT");
}

exchanged endpoint::start() {
  if (!initiator_ || step_ != 0)
    throw std::runtime_error("start() is for a fresh initiator");
  auto sa = phase1_offer(rsa_ != nullptr);
  sai_b_ = must(encode_body(sa), "SAi_b");
  step_ = 1;
  return make("MM1", hdr(exchange_type::identity_protection),
              {sa, vendor_id_payload{vid_dpd}, vendor_id_payload{vid_rfc3947}});
}

std::vector<exchanged> endpoint::receive(const bytes& wire) {
  auto m = must(decode(wire), "decode datagram");
  if (must(encode(m), "re-encode datagram") != wire)
    throw std::runtime_error("codec round trip changed the datagram");
  if (m.hdr.icookie != ic_ && !(initiator_ == false && step_ == 0))
    throw std::runtime_error("unknown initiator cookie");
  const auto x = exchange_type::identity_protection;
  if (initiator_) {
    switch (step_) {
    case 1: { // MM2 <--
      rc_ = m.hdr.rcookie;
      (void)choose(need<sa_payload>(m.payloads, "SA"), ike_attr::encryption,
                   ike_attr::enc_aes); // the responder picked the AES transform
      ni_ = random_bytes(16);
      gxi_ = dh_.public_value();
      step_ = 2;
      return {make("MM3", hdr(x),
                   {ke_payload{gxi_}, nonce_payload{ni_},
                    nat_d_payload{payload_type::nat_d, natd(peer_)},
                    nat_d_payload{payload_type::nat_d, natd(me_)}})};
    }
    case 2: { // MM4 <--
      gxr_ = need<ke_payload>(m.payloads, "KE").data;
      nr_ = need<nonce_payload>(m.payloads, "NONCE").data;
      verify(natd(me_), need<nat_d_payload>(m.payloads, "NAT-D").hash, "NAT-D");
      derive_keys();
      step_ = 3;
      auto id = my_id();
      auto idb = must(encode_body(id), "IDii_b");
      auto mm5 = prove(id, hash_i(idb));
      mm5.push_back(notify_payload::initial_contact(ic_, rc_));
      return {make("MM5", hdr(x), mm5)};
    }
    case 3: { // MM6 <--
      auto chain = open(m);
      auto idb = must(encode_body(need<id_payload>(chain, "ID")), "IDir_b");
      check_proof(chain, hash_r(idb), "HASH_R");
      p1_iv_ = ivs_[0];
      p1_done_ = true;
      step_ = 4;
      if (rsa_)
        return {quick1()};
      return {}; // the responder starts XAuth
    }
    default:
      break;
    }
  } else {
    switch (step_) {
    case 0: { // MM1 <--
      ic_ = m.hdr.icookie;
      const auto& sa = need<sa_payload>(m.payloads, "SA");
      sai_b_ = must(encode_body(sa), "SAi_b");
      auto t = choose(sa, ike_attr::encryption, ike_attr::enc_aes);
      sa_payload reply;
      reply.proposals.push_back(proposal{1, protocol_id::isakmp, {}, {t}});
      step_ = 1;
      return {make("MM2", hdr(x), {reply, vendor_id_payload{vid_dpd}})};
    }
    case 1: { // MM3 <--
      gxi_ = need<ke_payload>(m.payloads, "KE").data;
      ni_ = need<nonce_payload>(m.payloads, "NONCE").data;
      verify(natd(me_), need<nat_d_payload>(m.payloads, "NAT-D").hash, "NAT-D");
      gxr_ = dh_.public_value();
      nr_ = random_bytes(16);
      derive_keys();
      step_ = 2;
      std::vector<payload> mm4 = {ke_payload{gxr_}, nonce_payload{nr_}};
      if (rsa_)
        mm4.push_back(cr_payload{cert_encoding::x509_sig, {}});
      mm4.push_back(nat_d_payload{payload_type::nat_d, natd(peer_)});
      mm4.push_back(nat_d_payload{payload_type::nat_d, natd(me_)});
      return {make("MM4", hdr(x), mm4)};
    }
    case 2: { // MM5 <--
      step_ = 3;
      auto chain = open(m);
      auto idb = must(encode_body(need<id_payload>(chain, "ID")), "IDii_b");
      check_proof(chain, hash_i(idb), "HASH_I");
      need<notify_payload>(chain, "INITIAL-CONTACT");
      auto id = my_id();
      auto my_idb = must(encode_body(id), "IDir_b");
      auto out = make("MM6", hdr(x), prove(id, hash_r(my_idb)));
      p1_iv_ = ivs_[0];
      p1_done_ = true;
      if (rsa_)
        return {out};
      attribute_payload req{cfg_type::request,
                            0x0101,
                            {data_attribute::tv(xauth_attr::type, xauth_attr::type_generic),
                             data_attribute::tlv(xauth_attr::user_name, {}),
                             data_attribute::tlv(xauth_attr::user_password, {})}};
      return {out, protected_msg("XAUTH-REQUEST", exchange_type::transaction, 0, req)};
    }
    default:
      break;
    }
  }
  if (!p1_done_)
    throw std::runtime_error("unexpected message before phase 1 completed");
  auto chain = open(m);
  if (m.hdr.exchange == exchange_type::quick)
    return on_quick(m, std::move(chain));
  if (m.hdr.exchange == exchange_type::informational)
    return on_informational(m, std::move(chain));
  if (m.hdr.exchange == exchange_type::transaction)
    return on_transaction(m, std::move(chain));
  throw std::runtime_error("unexpected exchange");
}

exchanged endpoint::quick1() {
  qm_mid_ = random_mid();
  spi_i_ = random_bytes(4);
  qm_ni_ = random_bytes(16);
  std::vector<payload> chain = {hash_payload{bytes(20, 0)}, phase2_offer(spi_i_),
                                nonce_payload{qm_ni_},
                                id_payload::ipv4_subnet({10, 1, 0, 0}, {255, 255, 0, 0}),
                                id_payload::ipv4_subnet({10, 2, 0, 0}, {255, 255, 0, 0})};
  auto rest = must(encode_payloads(std::span(chain).subspan(1)), "QM1 chain");
  chain[0] = hash_payload{hash1(qm_mid_, rest)};
  return make("QM1", hdr(exchange_type::quick, qm_mid_), chain);
}

std::vector<exchanged> endpoint::on_quick(const message& m, std::vector<payload> chain) {
  auto mid = m.hdr.message_id;
  const auto& h = need<hash_payload>(chain, "HASH").data;
  if (!std::holds_alternative<hash_payload>(chain.front()))
    throw std::runtime_error("quick mode message does not start with HASH");
  auto rest = must(encode_payloads(std::span(chain).subspan(1)), "QM chain");
  bytes zero = {0};
  if (!initiator_ && qm_mid_ == 0) { // QM1 <--
    verify(hash1(mid, rest), h, "HASH(1)");
    qm_mid_ = mid;
    const auto& sa = need<sa_payload>(chain, "SA");
    spi_i_ = sa.proposals.at(0).spi;
    auto t = choose(sa, 0, transform_id::esp_aes_cbc);
    spi_r_ = random_bytes(4);
    qm_ni_ = need<nonce_payload>(chain, "NONCE").data;
    qm_nr_ = random_bytes(16);
    auto ids = std::vector<payload>(chain.begin() + 3, chain.end());
    sa_payload reply;
    reply.proposals.push_back(proposal{1, protocol_id::esp, spi_r_, {t}});
    std::vector<payload> out = {hash_payload{bytes(20, 0)}, reply, nonce_payload{qm_nr_}};
    out.insert(out.end(), ids.begin(), ids.end());
    out.push_back(notify_payload::responder_lifetime(protocol_id::esp, spi_r_, 3600));
    auto out_rest = must(encode_payloads(std::span(out).subspan(1)), "QM2 chain");
    out[0] = hash_payload{hash2(mid, out_rest)};
    km_i_ = keymat(spi_i_);
    km_r_ = keymat(spi_r_);
    return {make("QM2", hdr(exchange_type::quick, mid), out)};
  }
  if (mid != qm_mid_)
    throw std::runtime_error("unexpected quick mode message ID");
  if (initiator_) { // QM2 <--
    verify(hash2(mid, rest), h, "HASH(2)");
    spi_r_ = need<sa_payload>(chain, "SA").proposals.at(0).spi;
    qm_nr_ = need<nonce_payload>(chain, "NONCE").data;
    if (need<notify_payload>(chain, "N").message != notify_type::responder_lifetime)
      throw std::runtime_error("expected RESPONDER-LIFETIME");
    km_i_ = keymat(spi_i_);
    km_r_ = keymat(spi_r_);
    qm_done_ = true;
    auto qm3 = make("QM3", hdr(exchange_type::quick, mid), {hash_payload{hash3(mid)}});
    return {qm3, informational("R-U-THERE",
                               notify_payload::dpd(notify_type::r_u_there, ic_, rc_, dpd_seq_))};
  }
  // QM3 <--
  if (chain.size() != 1)
    throw std::runtime_error("QM3 carries more than HASH(3)");
  verify(hash3(mid), h, "HASH(3)");
  qm_done_ = true;
  return {};
}

exchanged endpoint::informational(const std::string& label, payload p) {
  return protected_msg(label, exchange_type::informational, 0, std::move(p));
}

exchanged endpoint::protected_msg(const std::string& label, exchange_type x, std::uint32_t mid,
                                  payload p) {
  if (mid == 0)
    mid = random_mid();
  std::vector<payload> chain = {hash_payload{bytes(20, 0)}, std::move(p)};
  auto rest = must(encode_payloads(std::span(chain).subspan(1)), "protected chain");
  chain[0] = hash_payload{hash1(mid, rest)};
  return make(label, hdr(x, mid), chain);
}

const payload& endpoint::check_hash1(const message& m, const std::vector<payload>& chain) {
  if (chain.size() != 2 || !std::holds_alternative<hash_payload>(chain.front()))
    throw std::runtime_error("expected HASH(1) + one payload");
  auto rest = must(encode_payloads(std::span(chain).subspan(1)), "protected chain");
  verify(hash1(m.hdr.message_id, rest), std::get<hash_payload>(chain[0]).data, "HASH(1)");
  return chain[1];
}

std::vector<exchanged> endpoint::on_transaction(const message& m, std::vector<payload> chain) {
  const auto* a = std::get_if<attribute_payload>(&check_hash1(m, chain));
  if (!a)
    throw std::runtime_error("transaction without attribute payload");
  auto mid = m.hdr.message_id;
  auto x = exchange_type::transaction;
  if (initiator_ && a->kind == cfg_type::request && a->find(xauth_attr::user_name)) {
    attribute_payload reply{cfg_type::reply,
                            a->identifier,
                            {data_attribute::tv(xauth_attr::type, xauth_attr::type_generic),
                             data_attribute::text(xauth_attr::user_name, "alice"),
                             data_attribute::text(xauth_attr::user_password, "wonderland")}};
    return {protected_msg("XAUTH-REPLY", x, mid, reply)};
  }
  if (!initiator_ && a->kind == cfg_type::reply && a->find(xauth_attr::user_name)) {
    const auto* user = a->find(xauth_attr::user_name);
    const auto* pw = a->find(xauth_attr::user_password);
    bool ok = user && pw && user->as_text() == "alice" && pw->as_text() == "wonderland";
    attribute_payload set{cfg_type::set,
                          a->identifier,
                          {data_attribute::tv(xauth_attr::status, ok ? xauth_attr::status_ok
                                                                     : xauth_attr::status_fail)}};
    return {protected_msg("XAUTH-SET", x, 0, set)};
  }
  if (initiator_ && a->kind == cfg_type::set) {
    const auto* st = a->find(xauth_attr::status);
    if (!st || st->basic_value != xauth_attr::status_ok)
      throw std::runtime_error("XAuth failed");
    attribute_payload ack{
        cfg_type::ack, a->identifier, {data_attribute::tv(xauth_attr::status, 0)}};
    attribute_payload req{cfg_type::request,
                          0x0202,
                          {data_attribute::tlv(cfg_attr::internal_ip4_address, {}),
                           data_attribute::tlv(cfg_attr::internal_ip4_netmask, {}),
                           data_attribute::tlv(cfg_attr::internal_ip4_dns, {}),
                           data_attribute::tlv(unity_attr::split_include, {}),
                           data_attribute::tlv(cfg_attr::application_version, {})}};
    return {protected_msg("XAUTH-ACK", x, mid, ack), protected_msg("CFG-REQUEST", x, 0, req)};
  }
  if (!initiator_ && a->kind == cfg_type::ack) {
    xauth_done_ = true;
    return {};
  }
  if (!initiator_ && a->kind == cfg_type::request) {
    if (!xauth_done_)
      throw std::runtime_error("Mode Config before XAuth");
    attribute_payload reply{
        cfg_type::reply,
        a->identifier,
        {data_attribute::tlv(cfg_attr::internal_ip4_address, {10, 8, 0, 5}),
         data_attribute::tlv(cfg_attr::internal_ip4_netmask, {255, 255, 255, 0}),
         data_attribute::tlv(cfg_attr::internal_ip4_dns, {10, 8, 0, 1}),
         data_attribute::tlv(unity_attr::split_include,
                             {10, 2, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0}),
         data_attribute::text(cfg_attr::application_version, "coati test")}};
    return {protected_msg("CFG-REPLY", x, mid, reply)};
  }
  if (initiator_ && a->kind == cfg_type::reply) {
    const auto* addr = a->find(cfg_attr::internal_ip4_address);
    if (!addr || addr->value.size() != 4)
      throw std::runtime_error("Mode Config reply without an address");
    internal_address_ = addr->value;
    return {quick1()};
  }
  throw std::runtime_error("unexpected transaction message");
}

std::vector<exchanged> endpoint::on_informational(const message& m, std::vector<payload> chain) {
  check_hash1(m, chain);
  if (auto* n = std::get_if<notify_payload>(&chain[1])) {
    auto seq = n->dpd_sequence();
    if (n->message == notify_type::r_u_there && seq)
      return {informational("R-U-THERE-ACK",
                            notify_payload::dpd(notify_type::r_u_there_ack, ic_, rc_, *seq))};
    if (n->message == notify_type::r_u_there_ack && seq == dpd_seq_ && initiator_)
      return {informational("DELETE", delete_payload{doi::ipsec, protocol_id::esp, {spi_i_}})};
    throw std::runtime_error("unexpected notify");
  }
  if (auto* d = std::get_if<delete_payload>(&chain[1])) {
    if (d->protocol != protocol_id::esp || d->spis != std::vector<bytes>{spi_i_})
      throw std::runtime_error("delete for an unknown SA");
    deleted_ = true;
    return {};
  }
  throw std::runtime_error("unexpected informational payload");
}

} // namespace coati::ike::test
