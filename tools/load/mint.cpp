#include "tools/load/mint.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/key_decoding.hpp"

namespace coati::load {
namespace {

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct name_free {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};

} // namespace

std::vector<crypto::certificate> mint_certificates(const crypto::certificate& tmpl,
                                                   const std::string& ca_cert_file,
                                                   const std::string& ca_key_file, std::size_t n) {
  std::unique_ptr<std::FILE, file_closer> kf{std::fopen(ca_key_file.c_str(), "r")};
  if (!kf)
    throw std::runtime_error("cannot read the CA key (--ca-key) '" + ca_key_file + "'");
  std::unique_ptr<EVP_PKEY, pkey_free> read_key{
      PEM_read_PrivateKey(kf.get(), nullptr, nullptr, nullptr)};
  // X509_sign wants the key in the form coati_crypto has OpenSSL use (key_decoding.hpp).
  std::unique_ptr<EVP_PKEY, pkey_free> ca_key{crypto::builtin_rsa_copy(read_key.get())};
  if (!ca_key)
    throw std::runtime_error("no RSA private key in '" + ca_key_file + "' (--ca-key)");
  auto ca_cert = crypto::certificate::load_pem_file(ca_cert_file);
  if (!ca_cert)
    throw std::runtime_error("no certificate in '" + ca_cert_file + "' (--ca)");
  auto* ca = static_cast<X509*>(ca_cert->native());
  if (X509_check_private_key(ca, ca_key.get()) != 1)
    throw std::runtime_error("--ca-key is not the key of the CA in --ca");
  const auto* base = static_cast<const X509*>(tmpl.native());
  // The template's subject without its CN, once; each certificate adds its own.
  std::unique_ptr<X509_NAME, name_free> rest{X509_NAME_dup(X509_get_subject_name(base))};
  if (!rest)
    throw std::runtime_error("out of memory minting certificates");
  for (int at; (at = X509_NAME_get_index_by_NID(rest.get(), NID_commonName, -1)) >= 0;)
    X509_NAME_ENTRY_free(X509_NAME_delete_entry(rest.get(), at));
  std::vector<crypto::certificate> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::unique_ptr<X509, x509_free> x{X509_dup(base)};
    std::unique_ptr<X509_NAME, name_free> name{X509_NAME_dup(rest.get())};
    if (!x || !name)
      throw std::runtime_error("out of memory minting certificates");
    auto cn = "n" + std::to_string(i) + ".load.test";
    if (X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) != 1 ||
        X509_set_subject_name(x.get(), name.get()) != 1 ||
        X509_set_issuer_name(x.get(), X509_get_subject_name(ca)) != 1 ||
        ASN1_INTEGER_set_int64(X509_get_serialNumber(x.get()),
                               static_cast<std::int64_t>(0x10000 + i)) != 1 ||
        X509_sign(x.get(), ca_key.get(), EVP_sha256()) <= 0)
      throw std::runtime_error("cannot mint certificate " + cn);
    unsigned char* der = nullptr;
    int len = i2d_X509(x.get(), &der);
    if (len <= 0)
      throw std::runtime_error("cannot encode certificate " + cn);
    auto c = crypto::certificate::from_der({der, static_cast<std::size_t>(len)});
    OPENSSL_free(der);
    if (!c)
      throw std::runtime_error("cannot read back certificate " + cn);
    out.push_back(std::move(*c));
  }
  return out;
}

} // namespace coati::load
