// libFuzzer target for the ISAKMP decoder: decode any datagram; when it is accepted,
// encoding it again must give the same bytes. An encrypted body is also read as if it
// were decrypted plaintext (padding allowed) and must survive the same round trip. Every
// input also goes to both informational openers, the protected one under fixed keys (the
// corpus holds informationals sealed with them, so mutations reach the payload checks).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "ike/informational.hpp"
#include "ike/message.hpp"

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ike_fuzz: %s\n", what);
  std::abort();
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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coati::ike;
  std::span<const std::uint8_t> in(data, size);
  check_informational(in);
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
  if (m->hdr.encrypted())
    check_chain(m->encrypted_body, m->hdr.next_payload);
  return 0;
}
