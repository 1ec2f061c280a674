#pragma once
// Fast decoding of the public key in certificates and SubjectPublicKeyInfo (see the .cpp).

struct evp_pkey_st;

namespace coati::crypto {

/// Makes OpenSSL decode RSA public keys with its built-in ASN.1 method instead of building
/// a provider decoder context per key. Once per process; every parse in crypto/ calls it.
void use_fast_key_decoding();

/// A new key object holding `key`'s RSA key in OpenSSL's built-in form (the caller frees
/// it), or null if `key` is not RSA. Once the built-in methods are registered, OpenSSL's
/// ASN.1 signing (X509_sign) refuses a key decoded by a provider: a test tool that mints
/// certificates signs with this copy. coatid itself signs no ASN.1 structures.
evp_pkey_st* builtin_rsa_copy(evp_pkey_st* key);

} // namespace coati::crypto
