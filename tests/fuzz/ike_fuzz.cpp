// libFuzzer target for the ISAKMP decoder: decode any datagram; when it is accepted,
// encoding it again must give the same bytes. An encrypted body is also read as if it
// were decrypted plaintext (padding allowed) and must survive the same round trip. Every
// input also goes to both informational openers, the protected one under fixed keys (the
// corpus holds informationals sealed with them, so mutations reach the payload checks).
// Every input also goes to the transaction opener and to fresh XAuth and Mode Config state
// machines (both roles) under the same keys (the corpus holds transaction messages sealed
// with them): nothing is accepted without a valid HASH(1), every refusal has a reason, a
// refusal leaves the IV chain alone; attribute payloads found in the clear or in a body
// read as plaintext go through the Mode Config decoder, whose values must survive encoding.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "ike/informational.hpp"
#include "ike/message.hpp"
#include "ike/mode_cfg.hpp"
#include "ike/transaction.hpp"
#include "ike/xauth.hpp"

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ike_fuzz: %s\n", what);
  std::abort();
}

/// Mode Config values decoded from any attribute list must come back the same after
/// encoding (push form) and decoding again.
void check_mode_cfg_values(const std::vector<coati::ike::payload>& chain) {
  using namespace coati::ike;
  for (const auto& p : chain) {
    const auto* a = std::get_if<attribute_payload>(&p);
    if (a == nullptr)
      continue;
    (void)is_xauth(*a);
    auto v = decode_mode_cfg(a->attributes);
    v.ddns_hostname.clear(); // echoed to a REQUEST, never pushed
    auto again = decode_mode_cfg(encode_mode_cfg(v, {}, true));
    if (!(again == v))
      die("Mode Config values change through encode/decode");
    for (const auto& x : a->attributes)
      if (auto nets = decode_split_networks(x.value))
        if (encode_split_networks(*nets) != x.value)
          die("split networks re-encode differently");
  }
}

void check_chain(std::span<const std::uint8_t> body, coati::ike::payload_type first) {
  using namespace coati::ike;
  auto chain = decode_payloads(body, first, header_size, true);
  if (!chain) {
    if (chain.error().offset > header_size + body.size())
      die("plaintext error offset past the buffer");
    return;
  }
  auto again = encode_payloads(*chain);
  if (!again)
    die("a decoded plaintext chain does not encode");
  // Without padding the chain is a prefix of the body (empty when first is none).
  if (again->size() > body.size() || !std::equal(again->begin(), again->end(), body.begin()))
    die("plaintext chain re-encodes differently");
  auto strict = decode_payloads(*again, first, header_size, false);
  if (!strict || *strict != *chain)
    die("re-encoded plaintext chain does not decode to the same payloads");
  check_mode_cfg_values(*chain);
}

/// The ISAKMP SA the protected opener works under: AES-128 / SHA1 with fixed keys.
const coati::ike::phase1_context& fuzz_sa() {
  using namespace coati;
  static const crypto::ikev1::ikev1_keys keys = [] {
    crypto::ikev1::ikev1_keys k;
    k.hash = crypto::hash_alg::sha1;
    k.cipher = crypto::cipher_alg::aes128_cbc;
    k.skeyid_a = crypto::secret_bytes(std::vector<std::uint8_t>(20, 0xa5));
    k.enc_key = crypto::secret_bytes(std::vector<std::uint8_t>(16, 0xe5));
    k.iv.assign(16, 0x1f);
    return k;
  }();
  static const ike::phase1_context sa{
      &keys, {1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16}};
  return sa;
}

void check_informational(std::span<const std::uint8_t> in) {
  using namespace coati::ike;
  auto sealed = open_informational(fuzz_sa(), in);
  auto clear = open_unprotected_informational(in);
  const auto* info = std::get_if<informational>(&sealed);
  const auto* plain = std::get_if<unprotected_informational>(&clear);
  if (info && plain)
    die("an informational opened by both the protected and the unprotected door");
  if (info && info->notifies.empty() && info->deletes.empty())
    die("a protected informational without Notify or Delete accepted");
  if (plain && plain->notifies.empty() && plain->unauthenticated_deletes.empty())
    die("an unprotected informational without Notify or Delete accepted");
  for (const auto* r : {std::get_if<info_rejection>(&sealed), std::get_if<info_rejection>(&clear)})
    if (r && r->text.empty())
      die("an informational refused without a reason");
}

/// True when a step comes from a message a machine took (not a refusal of the datagram).
bool took(const coati::ike::xact_step& s) {
  using coati::ike::xact_reason;
  switch (s.reason) {
  case xact_reason::none:
  case xact_reason::unsupported_type:
  case xact_reason::missing_credentials:
  case xact_reason::auth_failed:
  case xact_reason::no_address:
  case xact_reason::cannot_seal:
    return true;
  default:
    return false;
  }
}

void check_step(const coati::ike::xact_step& s, bool valid) {
  using namespace coati::ike;
  if (took(s) && !valid)
    die("a transaction machine took a message without a valid HASH(1)");
  if (s.reason != xact_reason::none && s.text.empty())
    die("a transaction step with a reason but no text");
  if (s.status == xact_status::failed && s.reason == xact_reason::none)
    die("a failed transaction step without a reason");
  if (s.retransmit && s.send.empty())
    die("a retransmission without a datagram");
}

void check_transaction(std::span<const std::uint8_t> in) {
  using namespace coati::ike;
  const auto& sa = fuzz_sa();
  xact_chain chain;
  auto opened = open_transaction(sa, in, chain);
  bool valid = std::holds_alternative<xact_message>(opened);
  if (const auto* no = std::get_if<xact_rejection>(&opened)) {
    if (no->text.empty())
      die("a transaction refused without a reason");
    if (chain.message_id != 0 || !chain.iv.empty())
      die("a refused transaction moved the IV chain");
  }
  auto password = coati::crypto::secret_bytes::from_string("fuzz-password");
  xauth_server xs(sa, 2);
  xauth_client xc(sa, "fuzz", password);
  mode_cfg_server ms(sa);
  mode_cfg_client mc(sa);
  check_step(xs.receive(in), valid);
  auto from_client = xc.receive(in);
  check_step(from_client, valid);
  check_step(ms.receive(in), valid);
  check_step(mc.receive(in), valid);
  // a duplicate is never processed twice: the second call only replays
  auto again = xc.receive(in);
  if (took(from_client) && !from_client.send.empty() &&
      (again.reason != xact_reason::duplicate || again.send != from_client.send))
    die("a duplicate was not answered with the stored datagram");
  for (const auto* s : {&from_client, &again})
    if (s->text.find("fuzz-password") != std::string::npos)
      die("the password in a step's text");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coati::ike;
  std::span<const std::uint8_t> in(data, size);
  check_informational(in);
  check_transaction(in);
  auto m = decode(in);
  if (!m) {
    if (m.error().offset > size)
      die("error offset past the datagram");
    if (m.error().text.empty())
      die("error without text");
    return 0;
  }
  auto out = encode(*m);
  if (!out)
    die("a decoded message does not encode");
  if (out->size() != size || !std::equal(out->begin(), out->end(), data))
    die("encode(decode(m)) != m");
  for (const auto& p : m->payloads)
    if (!encode_body(p))
      die("a decoded payload body does not encode");
  check_mode_cfg_values(m->payloads);
  if (m->hdr.encrypted())
    check_chain(m->encrypted_body, m->hdr.next_payload);
  return 0;
}
