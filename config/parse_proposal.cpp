// `proposal { ... }` inside a remote, and key length checks shared with sainfo.

#include <cctype>

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {

/// Valid key lengths of a phase-1 cipher; empty message = valid.
std::string ike_key_bits_error(ike_cipher c, unsigned bits) {
  switch (c) {
  case ike_cipher::aes:
  case ike_cipher::camellia:
    if (bits == 128 || bits == 192 || bits == 256)
      return {};
    return "expected 128, 192 or 256";
  case ike_cipher::blowfish:
    if (bits >= 40 && bits <= 448 && bits % 8 == 0)
      return {};
    return "expected a multiple of 8 from 40 to 448";
  case ike_cipher::cast128:
    if (bits >= 40 && bits <= 128 && bits % 8 == 0)
      return {};
    return "expected a multiple of 8 from 40 to 128";
  default:
    return "expected no key length (it is fixed)";
  }
}

} // namespace

std::optional<dh_group> dh_group_from(std::string_view text) {
  static constexpr dh_group all[] = {dh_group::modp768,  dh_group::modp1024, dh_group::modp1536,
                                     dh_group::modp2048, dh_group::modp3072, dh_group::modp4096,
                                     dh_group::modp6144, dh_group::modp8192};
  for (auto g : all)
    if (name_of(g) == text || std::to_string(static_cast<unsigned>(g)) == text)
      return g;
  return std::nullopt;
}

proposal parser::parse_proposal(remote_places& pl) {
  auto kw = toks_[pos_ - 1];
  auto open = expect(tok::lbrace, "'{' to open the proposal block");
  proposal p;
  bool have_enc = false, have_hash = false, have_auth = false, have_dh = false;
  location dh_loc = loc(kw), auth_loc = loc(kw);
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated proposal block; expected '}' to close this '{'");
    auto t = expect_word("a proposal directive");
    const std::string& w = t.text;
    if (w == "encryption_algorithm") {
      auto v = expect_word("an encryption algorithm");
      auto e = enum_from<ike_cipher>(v.text, 8);
      if (!e)
        fail(v, "bad phase 1 encryption_algorithm '" + v.text + "'; expected " +
                    enum_list<ike_cipher>(8));
      p.encryption = *e;
      p.key_bits = 0;
      if (peek().kind == tok::word && !peek().text.empty() &&
          std::isdigit(static_cast<unsigned char>(peek().text[0]))) {
        auto bt = peek();
        p.key_bits = number("key length", 1, 1024);
        if (auto msg = ike_key_bits_error(p.encryption, p.key_bits); !msg.empty())
          fail(bt, "key length " + bt.text + " is not valid for " + v.text + "; " + msg);
      }
      have_enc = true;
    } else if (w == "hash_algorithm") {
      auto v = expect_word("a hash algorithm");
      auto e = enum_from<ike_hash>(v.text, 5);
      if (!e)
        fail(v, "bad hash_algorithm '" + v.text + "'; expected " + enum_list<ike_hash>(5));
      p.hash = *e;
      have_hash = true;
    } else if (w == "authentication_method") {
      auto v = expect_word("an authentication method");
      auto e = enum_from<auth_method>(v.text, 9);
      if (v.text == "dsssig" || v.text == "rsaenc" || v.text == "rsarev" ||
          v.text == "hybrid_dss_server" || v.text == "hybrid_dss_client")
        fail(v, "authentication method '" + v.text +
                    "' is not supported (racoon never implemented it); expected " +
                    enum_list<auth_method>(9));
      if (!e)
        fail(v,
             "bad authentication_method '" + v.text + "'; expected " + enum_list<auth_method>(9));
      if (*e == auth_method::gssapi_krb)
        warn_unimplemented(v, "gssapi_krb");
      p.auth = *e;
      auth_loc = loc(t);
      have_auth = true;
    } else if (w == "dh_group") {
      auto v = expect_word("a DH group");
      auto g = dh_group_from(v.text);
      if (!g)
        fail(v, "bad dh_group '" + v.text +
                    "'; expected modp768, modp1024, modp1536, modp2048, modp3072, modp4096, "
                    "modp6144, modp8192 or their numbers 1, 2, 5, 14-18");
      p.dh = *g;
      dh_loc = loc(t);
      have_dh = true;
    } else if (w == "lifetime") {
      p.lifetime = lifetime("lifetime");
    } else if (w == "gss_id" || w == "gssapi_id") {
      warn_unimplemented(t, "gss_id");
      p.gss_id = expect_string("the GSS-API id");
    } else {
      unknown(t, "a proposal block",
              "encryption_algorithm, hash_algorithm, authentication_method, dh_group, lifetime "
              "or gss_id");
    }
    expect_semi(t);
  }
  const char* missing = !have_enc    ? "encryption_algorithm"
                        : !have_hash ? "hash_algorithm"
                        : !have_auth ? "authentication_method"
                        : !have_dh   ? "dh_group"
                                     : nullptr;
  if (missing)
    fail(kw, std::string("proposal lacks ") + missing +
                 "; expected encryption_algorithm, hash_algorithm, authentication_method and "
                 "dh_group in every proposal");
  pl.proposal_dh.push_back(dh_loc);
  pl.proposal_auth.push_back(auth_loc);
  return p;
}

} // namespace coati::config::detail
