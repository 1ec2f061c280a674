// libFuzzer target for the ISAKMP decoder: decode any datagram; when it is accepted,
// encoding it again must give the same bytes. An encrypted body is also read as if it
// were decrypted plaintext (padding allowed) and must survive the same round trip.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coati::ike;
  std::span<const std::uint8_t> in(data, size);
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
