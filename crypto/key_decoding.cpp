// OpenSSL 3.0 decodes the public key of every certificate it parses (d2i_X509,
// PEM_read_X509, d2i_PUBKEY) through a decoder context it builds afresh each time, walking
// every provider's decoders and key managers under locks: 67 of the 72 us a d2i_X509 of an
// RSA-2048 certificate takes on this project's machines, a sixth of the hub's CPU in a
// main-mode rsasig negotiation (perf on tools/bench/vs_charon.sh; 0.73 -> 0.59 ms once
// gone). It takes the built-in ASN.1 method instead (5 us) when an ENGINE is registered
// for that key type. We register one whose RSA methods are OpenSSL's own built-in ones.
// What that changes besides: every RSA operation context then runs OpenSSL's built-in
// (pre-provider) RSA method, the same arithmetic (coati-bench crypto: sign and verify as
// fast as `openssl speed`), and OpenSSL's ASN.1 signing (X509_sign) refuses a private key
// a provider decoded (builtin_rsa_copy below; coatid signs no ASN.1). This file is the only
// user of the deprecated ENGINE API; without engine support it registers nothing.
#undef OPENSSL_NO_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "crypto/key_decoding.hpp"

#include <openssl/evp.h>
#include <openssl/opensslconf.h>
#include <openssl/rsa.h>
#ifndef OPENSSL_NO_ENGINE
#include <openssl/engine.h>
#endif

#include <mutex>

#include "crypto/error.hpp"

namespace coati::crypto {

#ifndef OPENSSL_NO_ENGINE
namespace {

const int handled[] = {EVP_PKEY_RSA};

// ENGINE_PKEY_METHS_PTR: with no method asked for, the list of key types; otherwise
// OpenSSL's built-in method for that type.
int builtin_methods(ENGINE*, EVP_PKEY_METHOD** method, const int** nids, int nid) {
  if (method == nullptr) {
    *nids = handled;
    return 1;
  }
  *method = nid == EVP_PKEY_RSA ? const_cast<EVP_PKEY_METHOD*>(EVP_PKEY_meth_find(nid)) : nullptr;
  return *method != nullptr ? 1 : 0;
}

} // namespace
#endif

void use_fast_key_decoding() {
#ifndef OPENSSL_NO_ENGINE
  static std::once_flag once;
  std::call_once(once, [] {
    ENGINE* e = ENGINE_new();
    bool ok = e != nullptr && ENGINE_set_id(e, "coati-builtin-keys") == 1 &&
              ENGINE_set_name(e, "OpenSSL's built-in RSA key methods") == 1 &&
              ENGINE_set_pkey_meths(e, builtin_methods) == 1 && ENGINE_init(e) == 1;
    if (ok)
      ok = ENGINE_set_default_pkey_meths(e) == 1;
    // The registration holds its own references; a failure only leaves the slow path.
    if (e != nullptr) {
      if (ok)
        ENGINE_finish(e);
      ENGINE_free(e);
    }
    clear_openssl_errors();
  });
#endif
}

EVP_PKEY* builtin_rsa_copy(EVP_PKEY* key) {
  const RSA* rsa = key != nullptr ? EVP_PKEY_get0_RSA(key) : nullptr;
  EVP_PKEY* out = rsa != nullptr ? EVP_PKEY_new() : nullptr;
  if (out != nullptr && EVP_PKEY_set1_RSA(out, const_cast<RSA*>(rsa)) != 1) {
    EVP_PKEY_free(out);
    out = nullptr;
  }
  clear_openssl_errors();
  return out;
}

} // namespace coati::crypto
