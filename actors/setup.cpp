#include "actors/setup.hpp"

#include "ike/transaction.hpp"

#include <algorithm>
#include <fstream>
#include <sys/stat.h>
#include <utility>

#include "ike/constants.hpp"
#include "ike/dpd.hpp"
#include "ike/fragment.hpp"

namespace coati::actors {

namespace {

using config::ip_address;

std::uint16_t enc_of(config::ike_cipher c) {
  using config::ike_cipher;
  switch (c) {
  case ike_cipher::des:
    return ike::ike_attr::enc_des;
  case ike_cipher::des3:
    return ike::ike_attr::enc_3des;
  case ike_cipher::blowfish:
    return ike::ike_attr::enc_blowfish;
  case ike_cipher::cast128:
    return ike::ike_attr::enc_cast;
  case ike_cipher::aes:
    return ike::ike_attr::enc_aes;
  case ike_cipher::camellia:
    return ike::ike_attr::enc_camellia;
  case ike_cipher::idea:
    return ike::ike_attr::enc_idea;
  case ike_cipher::rc5:
    return ike::ike_attr::enc_rc5;
  }
  return 0;
}

std::uint16_t hash_of(config::ike_hash h) {
  using config::ike_hash;
  switch (h) {
  case ike_hash::md5:
    return ike::ike_attr::hash_md5;
  case ike_hash::sha1:
    return ike::ike_attr::hash_sha1;
  case ike_hash::sha256:
    return ike::ike_attr::hash_sha256;
  case ike_hash::sha384:
    return ike::ike_attr::hash_sha384;
  case ike_hash::sha512:
    return ike::ike_attr::hash_sha512;
  }
  return 0;
}

/// A configured method: the number racoon sends (always the Init value of a hybrid or XAuth
/// pair: algorithm.c maps `*_server` to the Resp value, and isakmpsa_switch_authmethod
/// turns it back to Init on the wire and when matching) and our XAuth role.
struct method_entry {
  config::auth_method method;
  std::uint16_t auth;
  ike::xauth_role role;
};

constexpr method_entry method_table[] = {
    {config::auth_method::pre_shared_key, ike::ike_attr::auth_psk, ike::xauth_role::none},
    {config::auth_method::rsasig, ike::ike_attr::auth_rsa_sig, ike::xauth_role::none},
    {config::auth_method::hybrid_rsa_server, ike::ike_attr::auth_hybrid_rsa_i,
     ike::xauth_role::server},
    {config::auth_method::hybrid_rsa_client, ike::ike_attr::auth_hybrid_rsa_i,
     ike::xauth_role::client},
    {config::auth_method::xauth_rsa_server, ike::ike_attr::auth_xauth_rsa_i,
     ike::xauth_role::server},
    {config::auth_method::xauth_rsa_client, ike::ike_attr::auth_xauth_rsa_i,
     ike::xauth_role::client},
    {config::auth_method::xauth_psk_server, ike::ike_attr::auth_xauth_psk_i,
     ike::xauth_role::server},
    {config::auth_method::xauth_psk_client, ike::ike_attr::auth_xauth_psk_i,
     ike::xauth_role::client},
    // gssapi_krb: not in coati
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

} // namespace

ike::proposal_check check_of(config::proposal_check_mode m) {
  switch (m) {
  case config::proposal_check_mode::obey:
    return ike::proposal_check::obey;
  case config::proposal_check_mode::strict:
    return ike::proposal_check::strict;
  case config::proposal_check_mode::claim:
    return ike::proposal_check::claim;
  case config::proposal_check_mode::exact:
    return ike::proposal_check::exact;
  }
  return ike::proposal_check::strict;
}

ike::id_payload address_id(const ip_address& a, std::uint8_t proto, std::uint16_t port) {
  if (a.fam == ip_address::family::v4) {
    ike::ipv4_address v4{};
    std::copy_n(a.bytes.begin(), 4, v4.begin());
    return ike::id_payload::ipv4(v4, proto, port);
  }
  ike::ipv6_address v6{};
  std::copy_n(a.bytes.begin(), 16, v6.begin());
  return ike::id_payload::ipv6(v6, proto, port);
}

std::map<std::string, crypto::secret_bytes> read_psk_file(const std::string& path,
                                                          std::vector<std::string>& problems) {
  std::map<std::string, crypto::secret_bytes> out;
  if (path.empty())
    return out;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    problems.push_back(path + ": cannot read the pre-shared key file");
    return out;
  }
  if ((st.st_mode & 077) != 0)
    problems.push_back(path + ": readable by group or others; keys are used, but fix its mode");
  std::ifstream in{path};
  std::string line;
  unsigned n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto hash = line.find('#');
    if (hash != std::string::npos)
      line.erase(hash);
    line = trim(line);
    if (line.empty())
      continue;
    auto sep = line.find_first_of(" \t");
    if (sep == std::string::npos) {
      problems.push_back(path + ":" + std::to_string(n) + ": an identifier without a key");
      continue;
    }
    auto id = line.substr(0, sep);
    auto key = trim(line.substr(sep));
    if (key.size() > 2 && key[0] == '0' && (key[1] == 'x' || key[1] == 'X')) {
      auto raw = crypto::from_hex(std::string_view{key}.substr(2));
      if (raw.empty()) {
        problems.push_back(path + ":" + std::to_string(n) + ": a 0x key that is not hex");
        continue;
      }
      out.insert_or_assign(id, crypto::secret_bytes{raw});
      crypto::detail::wipe(raw.data(), raw.size());
    } else {
      out.insert_or_assign(id, crypto::secret_bytes::from_string(key));
    }
    crypto::detail::wipe(key.data(), key.size());
    crypto::detail::wipe(line.data(), line.size());
  }
  return out;
}

std::shared_ptr<const credentials> load_credentials(const config::configuration& cfg,
                                                    std::vector<std::string>& problems) {
  auto out = std::make_shared<credentials>();
  auto cas = std::make_shared<crypto::cert_store>();
  if (!cfg.paths.certificate.empty() && !cas->add_hash_dir(cfg.paths.certificate))
    problems.push_back(cfg.paths.certificate + ": cannot use as the CA folder");
  for (const auto& r : cfg.remotes) {
    remote_credentials rc;
    if (!r.ca_file.empty() && !cas->add_ca_file(r.ca_file))
      problems.push_back("remote " + r.name + ": cannot read CA file " + r.ca_file);
    if (r.certificate_type && r.certificate_type->type == config::cert_type::x509) {
      rc.cert = crypto::certificate::load_pem_file(r.certificate_type->cert);
      auto key = crypto::private_key::load_pem_file(r.certificate_type->key);
      if (!rc.cert)
        rc.problem = "cannot read certificate " + r.certificate_type->cert;
      else if (!key)
        rc.problem = "cannot read private key " + r.certificate_type->key;
      else
        rc.key = std::make_shared<const crypto::private_key>(std::move(*key));
      if (!rc.problem.empty())
        problems.push_back("remote " + r.name + ": " + rc.problem);
    }
    out->remotes.push_back(std::move(rc));
  }
  out->cas = std::move(cas);
  out->psk = read_psk_file(cfg.paths.pre_shared_key, problems);
  return out;
}

std::optional<std::size_t> find_remote(const config::configuration& cfg, const ip_address& peer,
                                       std::uint16_t port) {
  std::optional<std::size_t> anonymous;
  for (std::size_t i = 0; i < cfg.remotes.size(); ++i) {
    const auto& r = cfg.remotes[i];
    if (!r.address) {
      if (!anonymous && r.name == "anonymous")
        anonymous = i;
      continue;
    }
    if (*r.address == peer && (r.port == 0 || r.port == port))
      return i;
  }
  return anonymous;
}

std::vector<ike::phase1_offer> phase1_offers(const config::remote_block& r,
                                             std::vector<std::string>* skipped) {
  std::vector<ike::phase1_offer> out;
  for (const auto& p : r.proposals) {
    ike::phase1_offer o;
    o.enc = enc_of(p.encryption);
    o.key_bits = static_cast<std::uint16_t>(p.key_bits);
    if (p.encryption == config::ike_cipher::aes && o.key_bits == 0)
      o.key_bits = 128;
    o.hash = hash_of(p.hash);
    o.group = static_cast<std::uint16_t>(p.dh);
    o.lifetime = static_cast<std::uint32_t>(p.lifetime.value_or(r.lifetime).count());
    const auto* m = std::find_if(std::begin(method_table), std::end(method_table),
                                 [&](const method_entry& e) { return e.method == p.auth; });
    if (m == std::end(method_table)) {
      if (skipped != nullptr)
        skipped->push_back("proposal " + std::to_string(&p - r.proposals.data() + 1) +
                           ": GSSAPI authentication is not available");
      continue;
    }
    o.auth = m->auth;
    o.xauth = m->role;
    out.push_back(o);
  }
  return out;
}

std::optional<phase1_setup> make_phase1(const config::configuration& cfg, std::size_t remote,
                                        const credentials& creds, const ip_address& local,
                                        const ip_address& peer, std::string& why) {
  const auto& r = cfg.remotes.at(remote);
  phase1_setup s;
  s.policy.offers = phase1_offers(r);
  if (s.policy.offers.empty()) {
    why = "remote " + r.name + " has no proposal coati can use";
    return std::nullopt;
  }
  // Offers where we sign (rsasig, xauth_rsa_*, hybrid_rsa_server) need our certificate
  // and key; without them they are dropped, and the block fails if nothing is left. A
  // hybrid client signs nothing: it needs only the CAs to check the server.
  auto signs = [](const ike::phase1_offer& o) { return ike::plan_for(o).we_sign; };
  bool rsa = std::any_of(s.policy.offers.begin(), s.policy.offers.end(), signs);
  bool psk = std::any_of(s.policy.offers.begin(), s.policy.offers.end(),
                         [](const ike::phase1_offer& o) { return ike::plan_for(o).psk; });
  const auto& rc = creds.remotes.at(remote);
  if (rsa) {
    if (!rc.cert || !rc.key) {
      why = "remote " + r.name + ": " +
            (rc.problem.empty() ? std::string{"signing needs certificate_type x509"} : rc.problem);
      std::erase_if(s.policy.offers, signs);
      if (s.policy.offers.empty())
        return std::nullopt;
    } else {
      s.me.cert = rc.cert;
      s.me.key = rc.key;
    }
  }
  s.me.send_cert = r.send_cert;
  s.me.send_cr = r.send_cr;
  // Our identity: racoon's default is the address.
  config::identifier mine;
  if (r.my_identifier)
    mine = *r.my_identifier;
  switch (mine.type) {
  case config::identifier::kind::asn1dn:
    if (mine.value.empty()) {
      if (!s.me.cert) {
        why = "remote " + r.name + ": my_identifier asn1dn needs a certificate";
        return std::nullopt;
      }
      s.me.id = ike::id_payload::der_asn1_dn(s.me.cert->subject_der());
    } else {
      auto der = crypto::dn_from_text(mine.value);
      if (!der) {
        why = "remote " + r.name + ": my_identifier is not a distinguished name";
        return std::nullopt;
      }
      s.me.id = ike::id_payload::der_asn1_dn(*der);
    }
    break;
  case config::identifier::kind::fqdn:
    s.me.id = ike::id_payload::fqdn(mine.value);
    break;
  case config::identifier::kind::user_fqdn:
    s.me.id = ike::id_payload::user_fqdn(mine.value);
    break;
  case config::identifier::kind::keyid_tag:
    s.me.id = ike::id_payload::key_id(
        std::span{reinterpret_cast<const std::uint8_t*>(mine.value.data()), mine.value.size()});
    break;
  default:
    s.me.id = address_id(mine.addr.value_or(local));
    break;
  }
  // What we accept.
  s.policy.check = check_of(r.proposal_check);
  if (psk) {
    auto i = creds.psk.find(peer.to_string());
    if (i != creds.psk.end())
      s.policy.psk = i->second;
  }
  s.policy.cas = creds.cas;
  s.policy.verify_cert = r.verify_cert;
  s.policy.verify_identifier = r.verify_identifier;
  for (const auto& id : r.peers_identifiers)
    if (id.type == config::identifier::kind::asn1dn && !id.value.empty())
      if (auto der = crypto::dn_from_text(id.value))
        s.policy.peers_identifier.push_back(std::move(*der));
  s.policy.nonce_size = r.nonce_size;
  s.policy.initial_contact = r.initial_contact;
  // An XAuth server says it speaks XAuth and Cisco Unity (split networks, domain): clients
  // such as strongSwan's unity plugin ask for those attributes only after the Unity VID.
  bool xauth_server = std::any_of(s.policy.offers.begin(), s.policy.offers.end(),
                                  [](const auto& o) { return o.xauth == ike::xauth_role::server; });
  if (xauth_server) {
    s.policy.vendor_ids.push_back(ike::vendor_ids::xauth);
    s.policy.vendor_ids.push_back(ike::vendor_ids::unity);
  }
  // As racoon: `dpd on` (the default) announces DPD in MM1/MM2 and AM1/AM2; whether we
  // probe is dpd_delay's business (ike/dpd.hpp).
  if (r.dpd)
    s.policy.vendor_ids.push_back(ike::vendor_ids::dpd);
  // ike_frag on|force: we take fragments (racoon sends this VID in MM1/MM2 and AM1/AM2).
  if (r.ike_frag != config::tristate::off)
    s.policy.vendor_ids.push_back(ike::vendor_ids::fragmentation);
  return s;
}

} // namespace coati::actors
