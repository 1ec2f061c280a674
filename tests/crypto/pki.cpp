// RSA signatures and the X.509 store, against a test PKI made by tests/lib/mkpki.sh and the
// openssl command line.
#define BOOST_TEST_MODULE crypto_pki
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.hpp"
#include "crypto/key_decoding.hpp"
#include "crypto/random.hpp"
#include "crypto/rsa.hpp"
#include "crypto/x509.hpp"

using namespace coati::crypto;
using namespace coati::test;
namespace fs = std::filesystem;

namespace {
std::string mkpki() {
  return std::string("bash ") + COATI_SOURCE_DIR + "/tests/lib/mkpki.sh ";
}
// `openssl x509 -subject -nameopt RFC2253` without the "subject=" prefix.
std::string cli_subject(const std::string& crt) {
  auto out = sh_out("openssl x509 -noout -subject -nameopt RFC2253 -in " + crt);
  out = out.substr(out.find('=') + 1);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  while (!out.empty() && out.front() == ' ')
    out.erase(out.begin());
  return out;
}
} // namespace

BOOST_AUTO_TEST_CASE(rsa_signatures_match_openssl_cli) {
  scratch s;
  sh(mkpki() + s.path("pki") + " rhum");
  auto key = private_key::load_pem_file(s.path("pki/rhum.pem"));
  auto cert = certificate::load_pem_file(s.path("pki/rhum.crt"));
  BOOST_REQUIRE(key);
  BOOST_REQUIRE(cert);
  auto pub = cert->public_key();
  BOOST_REQUIRE(pub);
  BOOST_TEST(key->size() == 256u);
  for (std::size_t hlen : {16u, 20u, 32u, 64u}) {
    // IKEv1 form: PKCS#1 v1.5 type 1 over the raw hash = `pkeyutl -sign` without a digest.
    auto h = random_bytes(hlen);
    write_file(s.path("h.bin"), h);
    sh("openssl pkeyutl -sign -inkey " + s.path("pki/rhum.pem") +
       " -pkeyopt rsa_padding_mode:pkcs1 -in " + s.path("h.bin") + " -out " + s.path("sig.bin"));
    auto sig = sign_ikev1(*key, h);
    BOOST_TEST(sig == read_file(s.path("sig.bin")));
    BOOST_TEST(verify_ikev1(*pub, h, sig));
    BOOST_TEST(verify_ikev1(key->public_key(), h, sig));
    auto bad = h;
    bad[0] ^= 1;
    BOOST_TEST(!verify_ikev1(*pub, bad, sig));
    sig[5] ^= 1;
    BOOST_TEST(!verify_ikev1(*pub, h, sig));
  }
  // The usual form, against `openssl dgst -sign`.
  auto data = random_bytes(300);
  write_file(s.path("d.bin"), data);
  sh("openssl dgst -sha256 -sign " + s.path("pki/rhum.pem") + " -out " + s.path("dsig.bin") + " " +
     s.path("d.bin"));
  auto dsig = sign_digest(*key, hash_alg::sha256, data);
  BOOST_TEST(dsig == read_file(s.path("dsig.bin")));
  BOOST_TEST(verify_digest(*pub, hash_alg::sha256, data, dsig));
  BOOST_TEST(!verify_digest(*pub, hash_alg::sha1, data, dsig));
  // A raw signature is not a digest signature.
  BOOST_TEST(!verify_ikev1(*pub, hash(hash_alg::sha256, {data}), dsig));
  BOOST_TEST(!private_key::load_pem_file(s.path("pki/rhum.crt")));
  BOOST_TEST(!private_key::load_pem_file(s.path("missing.pem")));
}

BOOST_AUTO_TEST_CASE(store_from_hash_links) {
  scratch s;
  const auto dir = s.path("cert");
  sh(mkpki() + dir + " rhum armagnac");
  sh("PKI_NOT_BEFORE=20200101000000Z PKI_NOT_AFTER=20210101000000Z " + mkpki() + dir + " old");
  sh("PKI_CA_NAME='other CA' " + mkpki() + s.path("other") + " stranger");

  cert_store store;
  BOOST_REQUIRE(store.add_hash_dir(dir));
  auto good = certificate::load_pem_file(dir + "/armagnac.crt");
  BOOST_REQUIRE(good);
  auto r = store.verify(*good);
  BOOST_TEST(r.ok, r.reason);

  // Validity: at a time before the certificate existed it fails.
  auto early = store.verify(*good, {}, std::time_t{1000000000});
  BOOST_TEST(!early.ok);
  BOOST_TEST(early.code == 9); // X509_V_ERR_CERT_NOT_YET_VALID

  auto old = certificate::load_pem_file(dir + "/old.crt");
  BOOST_REQUIRE(old);
  auto ro = store.verify(*old);
  BOOST_TEST(!ro.ok);
  BOOST_TEST(ro.code == 10, ro.reason); // X509_V_ERR_CERT_HAS_EXPIRED

  auto stranger = certificate::load_pem_file(s.path("other/stranger.crt"));
  BOOST_REQUIRE(stranger);
  auto rs = store.verify(*stranger);
  BOOST_TEST(!rs.ok);
  BOOST_TEST(rs.code == 20, rs.reason); // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY

  // The CA is found only through its <hash>.0 link, as racoon finds it.
  const auto nolink = s.path("nolink");
  fs::create_directories(nolink);
  fs::copy_file(dir + "/ca.crt", nolink + "/ca.crt");
  cert_store bare;
  BOOST_REQUIRE(bare.add_hash_dir(nolink));
  BOOST_TEST(!bare.verify(*good).ok);
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".0")
      fs::copy(e.path(), nolink + "/" + e.path().filename().string(),
               fs::copy_options::copy_symlinks);
  cert_store linked;
  BOOST_REQUIRE(linked.add_hash_dir(nolink));
  BOOST_TEST(linked.verify(*good).ok);

  // A CA file (ca_type x509) works too.
  cert_store by_file;
  BOOST_REQUIRE(by_file.add_ca_file(s.path("other/ca.crt")));
  BOOST_TEST(by_file.verify(*stranger).ok);
  BOOST_TEST(!by_file.verify(*good).ok);

  // Copies share the certificate; a moved-from one can still be copied and destroyed.
  certificate shared = *good;
  BOOST_TEST(shared.der() == good->der());
  certificate taken = std::move(shared);
  certificate empty_copy = shared; // NOLINT(bugprone-use-after-move): on purpose
  BOOST_TEST(empty_copy.native() == nullptr);
  BOOST_TEST(taken.subject_der() == good->subject_der());

  // DER round trip.
  auto again = certificate::from_der(good->der());
  BOOST_REQUIRE(again);
  BOOST_TEST(again->der() == good->der());
  BOOST_TEST(!certificate::from_der(bytes(10, 0x30)));
}

// A three-level chain: the peer sends its intermediate CA with its certificate (the
// `untrusted` list); a signer that is not a CA (basicConstraints CA:FALSE) is refused.
BOOST_AUTO_TEST_CASE(chain_through_an_intermediate) {
  scratch s;
  const auto dir = s.path("cert");
  sh(mkpki() + dir);
  // issue(NAME, ISSUER, EXT): key NAME.key, certificate NAME.crt signed by ISSUER.
  auto issue = [&](const std::string& name, const std::string& issuer, const std::string& ext) {
    std::ofstream(s.path(name + ".ext")) << ext << "\n";
    sh("cd " + s.dir.string() + " && openssl req -newkey rsa:2048 -nodes -keyout " + name +
       ".key -out " + name + ".csr -subj '/C=FR/O=coati test/CN=" + name +
       "' 2>/dev/null && openssl x509 -req -in " + name + ".csr -CA " + issuer + ".crt -CAkey " +
       issuer + ".key -CAcreateserial -days 30 -sha256 -extfile " + name + ".ext -out " + name +
       ".crt 2>/dev/null");
  };
  fs::copy_file(dir + "/ca.crt", s.path("root.crt"));
  fs::copy_file(dir + "/ca.key", s.path("root.key"));
  issue("sub", "root", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign");
  issue("leaf", "sub", "basicConstraints=CA:FALSE");
  issue("notca", "root", "basicConstraints=critical,CA:FALSE");
  issue("forged", "notca", "basicConstraints=CA:FALSE");

  cert_store store;
  BOOST_REQUIRE(store.add_hash_dir(dir));
  auto sub = certificate::load_pem_file(s.path("sub.crt"));
  auto leaf = certificate::load_pem_file(s.path("leaf.crt"));
  auto notca = certificate::load_pem_file(s.path("notca.crt"));
  auto forged = certificate::load_pem_file(s.path("forged.crt"));
  BOOST_REQUIRE((sub && leaf && notca && forged));
  auto with_sub = store.verify(*leaf, {*sub});
  BOOST_TEST(with_sub.ok, with_sub.reason);
  // The same verdict from `openssl verify` with the same inputs.
  BOOST_TEST(sh_out("openssl verify -CApath " + dir + " -untrusted " + s.path("sub.crt") + " " +
                    s.path("leaf.crt"))
                 .find(": OK") != std::string::npos);
  auto without = store.verify(*leaf);
  BOOST_TEST(!without.ok);
  BOOST_TEST(without.code == 20, without.reason); // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
  BOOST_TEST(store.verify(*notca).ok);            // a good end-entity certificate...
  auto bad = store.verify(*forged, {*notca});     // ...cannot sign others
  BOOST_TEST(!bad.ok);
  BOOST_TEST(bad.code == 79, bad.reason); // X509_V_ERR_INVALID_CA
}

BOOST_AUTO_TEST_CASE(asn1dn_text_compare_and_wildcards) {
  scratch s;
  sh(mkpki() + s.path("pki") + " rhum armagnac");
  auto rhum = certificate::load_pem_file(s.path("pki/rhum.crt"));
  auto arm = certificate::load_pem_file(s.path("pki/armagnac.crt"));
  BOOST_REQUIRE(rhum && arm);
  // Extraction, printed as `openssl x509 -subject -nameopt RFC2253` prints it.
  BOOST_TEST(rhum->subject_text() == cli_subject(s.path("pki/rhum.crt")));
  BOOST_TEST(rhum->subject_text() == "CN=rhum,OU=rhum,O=coati test,C=FR");
  BOOST_TEST(dn_to_text(rhum->issuer_der()) == "CN=coati test CA,O=coati test,C=FR");

  // racoon.conf text (written order) to DER, compared with the certificate's DER subject.
  auto conf = dn_from_text("C=FR, O=coati test, OU=rhum, CN=rhum");
  BOOST_REQUIRE(conf);
  BOOST_TEST(dn_equal(*conf, rhum->subject_der()));
  BOOST_TEST(!dn_equal(*conf, arm->subject_der()));
  BOOST_TEST(dn_equal(*dn_from_text("C=FR/O=COATI  test/OU=rhum/CN=rhum"), rhum->subject_der()));
  BOOST_TEST(!dn_equal(*dn_from_text("CN=rhum, OU=rhum, O=coati test, C=FR"),
                       rhum->subject_der())); // order matters
  BOOST_TEST(dn_equal(rhum->subject_der(), rhum->subject_der()));
  // The same against the certificate itself: its own bytes, or the same name otherwise
  // encoded (case, spacing), and not another name nor a name that does not parse.
  BOOST_TEST(rhum->subject_is(rhum->subject_der()));
  BOOST_TEST(rhum->subject_is(*conf));
  BOOST_TEST(rhum->subject_is(*dn_from_text("C=FR/O=COATI  test/OU=rhum/CN=rhum")));
  BOOST_TEST(!rhum->subject_is(*dn_from_text("CN=rhum, OU=rhum, O=coati test, C=FR")));
  BOOST_TEST(!arm->subject_is(*conf));
  auto cut = rhum->subject_der();
  cut.pop_back();
  BOOST_TEST(!rhum->subject_is(cut));
  BOOST_TEST(!rhum->subject_is({}));
  BOOST_TEST(dn_to_text(*dn_from_text("C=FR, O=a\\, b, CN=x")) == "CN=x,O=a\\, b,C=FR");

  // peers_identifier asn1dn with '*' per RDN.
  auto any_host = dn_from_text("C=FR, O=coati test, OU=*, CN=*");
  BOOST_REQUIRE(any_host);
  BOOST_TEST(dn_match(*any_host, rhum->subject_der()));
  BOOST_TEST(dn_match(*any_host, arm->subject_der()));
  BOOST_TEST(dn_match(*dn_from_text("C=FR, O=coati test, OU=*, CN=rhum"), rhum->subject_der()));
  BOOST_TEST(!dn_match(*dn_from_text("C=FR, O=coati test, OU=*, CN=rhum"), arm->subject_der()));
  BOOST_TEST(!dn_match(*dn_from_text("C=FR, O=other, OU=*, CN=*"), rhum->subject_der()));
  BOOST_TEST(!dn_match(*dn_from_text("C=FR, O=coati test, CN=*"), rhum->subject_der()));
  BOOST_TEST(!dn_match(*dn_from_text("C=FR, O=coati test, CN=*, OU=*"), rhum->subject_der()));
  BOOST_TEST(dn_match(*conf, rhum->subject_der())); // no wildcard = dn_equal

  // Characters RFC 2253 escapes (, + ; = " < > # and a trailing space), two CNs.
  sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -keyout " + s.path("odd.key") + " -out " +
     s.path("odd.crt") +
     " -subj '/C=FR/O=Smith, Jones \\+ Co/OU=a=b;c/CN=#hash \"q\" <x> /CN=second' 2>/dev/null");
  auto odd = certificate::load_pem_file(s.path("odd.crt"));
  BOOST_REQUIRE(odd);
  BOOST_TEST(odd->subject_text() == cli_subject(s.path("odd.crt")));
  auto odd_conf = dn_from_text("C=FR, O=Smith\\, Jones + Co, OU=a=b;c, CN=#hash \"q\" <x>, "
                               "CN=second");
  BOOST_REQUIRE(odd_conf);
  BOOST_TEST(dn_equal(*odd_conf, odd->subject_der()));
  BOOST_TEST(!dn_equal(*odd_conf, rhum->subject_der()));
  BOOST_TEST(dn_match(*dn_from_text("C=FR, O=*, OU=a=b;c, CN=*, CN=second"), odd->subject_der()));

  BOOST_TEST(!dn_from_text("C=FR, nonsense"));
  BOOST_TEST(!dn_from_text("XX=1"));
  BOOST_TEST(dn_to_text(bytes{1, 2, 3}).empty());
}

// crypto/key_decoding.cpp has OpenSSL decode RSA keys with its built-in method. After a
// certificate was parsed: a provider-decoded private key still signs what a parsed
// certificate's key checks, and builtin_rsa_copy's CA key signs a certificate (as
// coati-load mints them) that the store then accepts.
BOOST_AUTO_TEST_CASE(keys_after_the_fast_decoding_sign_check_and_mint) {
  scratch s;
  const auto dir = s.path("pki");
  sh(mkpki() + dir + " rhum");
  auto cert = certificate::load_pem_file(dir + "/rhum.crt");
  auto key = private_key::load_pem_file(dir + "/rhum.pem");
  BOOST_REQUIRE(cert);
  BOOST_REQUIRE(key);
  auto again = certificate::from_der(cert->der());
  BOOST_REQUIRE(again);
  auto h = random_bytes(20);
  BOOST_TEST(verify_ikev1(*again->public_key(), h, sign_ikev1(*key, h)));

  std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen((dir + "/ca.key").c_str(), "r"),
                                                       &std::fclose);
  BOOST_REQUIRE(f);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> read(
      PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ca_key(builtin_rsa_copy(read.get()),
                                                             &EVP_PKEY_free);
  BOOST_REQUIRE(ca_key);
  std::unique_ptr<X509, decltype(&X509_free)> minted(X509_dup(static_cast<X509*>(cert->native())),
                                                     &X509_free);
  BOOST_REQUIRE(minted);
  ASN1_INTEGER_set_int64(X509_get_serialNumber(minted.get()), 4242);
  BOOST_REQUIRE(X509_sign(minted.get(), ca_key.get(), EVP_sha256()) > 0);
  unsigned char* der = nullptr;
  int len = i2d_X509(minted.get(), &der);
  BOOST_REQUIRE(len > 0);
  auto parsed = certificate::from_der(std::vector<std::uint8_t>(der, der + len));
  OPENSSL_free(der);
  BOOST_REQUIRE(parsed);
  BOOST_TEST(parsed->der() != cert->der());
  cert_store store;
  BOOST_REQUIRE(store.add_hash_dir(dir));
  auto r = store.verify(*parsed);
  BOOST_TEST(r.ok, r.reason);
  // Not RSA (or nothing): no copy.
  BOOST_TEST(builtin_rsa_copy(nullptr) == nullptr);
}
