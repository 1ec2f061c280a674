#include "crypto/x509.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "crypto/error.hpp"
#include "crypto/key_decoding.hpp"

namespace coati::crypto {

namespace {

X509* xp(void* x) {
  return static_cast<X509*>(x);
}
X509_STORE* sp(void* s) {
  return static_cast<X509_STORE*>(s);
}

std::vector<std::uint8_t> name_der(const X509_NAME* n) {
  unsigned char* buf = nullptr;
  int len = i2d_X509_NAME(n, &buf);
  if (len <= 0)
    throw error("name encoding");
  std::vector<std::uint8_t> out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

using name_ptr = std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)>;

name_ptr parse_name(bytes_view der) {
  const unsigned char* p = der.data();
  X509_NAME* n = d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size()));
  if (n == nullptr || p != der.data() + der.size()) {
    X509_NAME_free(n);
    clear_openssl_errors();
    return name_ptr(nullptr, X509_NAME_free);
  }
  return name_ptr(n, X509_NAME_free);
}

bool is_wildcard(X509_NAME_ENTRY* e) {
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(e);
  return ASN1_STRING_length(s) == 1 && ASN1_STRING_get0_data(s)[0] == '*';
}

} // namespace

std::optional<certificate> certificate::from_der(bytes_view der) {
  use_fast_key_decoding();
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr || p != der.data() + der.size()) {
    X509_free(x);
    clear_openssl_errors();
    return std::nullopt;
  }
  return certificate(x);
}

std::optional<certificate> certificate::load_pem_file(const std::string& path) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!f)
    return std::nullopt;
  use_fast_key_decoding();
  X509* x = PEM_read_X509(f.get(), nullptr, nullptr, nullptr);
  if (x == nullptr) {
    clear_openssl_errors();
    return std::nullopt;
  }
  return certificate(x);
}

certificate::certificate(const certificate& o) : x_(o.x_) {
  if (x_ != nullptr)
    X509_up_ref(xp(x_));
}
certificate& certificate::operator=(const certificate& o) {
  if (this != &o) {
    if (o.x_ != nullptr)
      X509_up_ref(xp(o.x_));
    X509_free(xp(x_));
    x_ = o.x_;
  }
  return *this;
}
certificate::certificate(certificate&& o) noexcept : x_(o.x_) {
  o.x_ = nullptr;
}
certificate& certificate::operator=(certificate&& o) noexcept {
  std::swap(x_, o.x_);
  return *this;
}
certificate::~certificate() {
  X509_free(xp(x_));
}

std::vector<std::uint8_t> certificate::der() const {
  unsigned char* buf = nullptr;
  int len = i2d_X509(xp(x_), &buf);
  if (len <= 0)
    throw error("certificate encoding");
  std::vector<std::uint8_t> out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

std::vector<std::uint8_t> certificate::subject_der() const {
  return name_der(X509_get_subject_name(xp(x_)));
}

bool certificate::subject_is(bytes_view dn) const {
  const X509_NAME* subject = X509_get_subject_name(xp(x_));
  const unsigned char* own = nullptr;
  std::size_t len = 0;
  if (X509_NAME_get0_der(subject, &own, &len) == 1 && len == dn.size() &&
      std::equal(dn.begin(), dn.end(), own))
    return true;
  auto n = parse_name(dn);
  return n && X509_NAME_cmp(n.get(), subject) == 0;
}

std::vector<std::uint8_t> certificate::issuer_der() const {
  return name_der(X509_get_issuer_name(xp(x_)));
}

std::string certificate::subject_text() const {
  return dn_to_text(subject_der());
}

std::optional<crypto::public_key> certificate::public_key() const {
  EVP_PKEY* k = X509_get_pubkey(xp(x_));
  if (k == nullptr || EVP_PKEY_is_a(k, "RSA") != 1) {
    EVP_PKEY_free(k);
    clear_openssl_errors();
    return std::nullopt;
  }
  return crypto::public_key(k);
}

cert_store::cert_store() : store_(X509_STORE_new()) {
  if (store_ == nullptr)
    throw error("X509_STORE_new");
}
cert_store::cert_store(cert_store&& o) noexcept : store_(o.store_) {
  o.store_ = nullptr;
}
cert_store& cert_store::operator=(cert_store&& o) noexcept {
  std::swap(store_, o.store_);
  return *this;
}
cert_store::~cert_store() {
  X509_STORE_free(sp(store_));
}

bool cert_store::add_hash_dir(const std::string& dir) {
  X509_LOOKUP* lookup = X509_STORE_add_lookup(sp(store_), X509_LOOKUP_hash_dir());
  bool ok = lookup != nullptr && X509_LOOKUP_add_dir(lookup, dir.c_str(), X509_FILETYPE_PEM) == 1;
  clear_openssl_errors();
  return ok;
}

bool cert_store::add_ca_file(const std::string& path) {
  X509_LOOKUP* lookup = X509_STORE_add_lookup(sp(store_), X509_LOOKUP_file());
  bool ok = lookup != nullptr && X509_LOOKUP_load_file(lookup, path.c_str(), X509_FILETYPE_PEM) > 0;
  clear_openssl_errors();
  return ok;
}

bool verify_result::out_of_validity() const {
  return code == X509_V_ERR_CERT_HAS_EXPIRED || code == X509_V_ERR_CERT_NOT_YET_VALID;
}

verify_result cert_store::verify(const certificate& cert, const std::vector<certificate>& untrusted,
                                 std::optional<std::time_t> when) const {
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> chain(
      sk_X509_new_null(), [](STACK_OF(X509) * s) { sk_X509_free(s); });
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  if (!chain || !ctx)
    throw error("verify context");
  for (const auto& c : untrusted)
    sk_X509_push(chain.get(), xp(c.native()));
  if (X509_STORE_CTX_init(ctx.get(), sp(store_), xp(cert.native()), chain.get()) != 1)
    throw error("verify init");
  if (when)
    X509_STORE_CTX_set_time(ctx.get(), 0, *when);
  verify_result r;
  r.ok = X509_verify_cert(ctx.get()) == 1;
  r.code = r.ok ? 0 : X509_STORE_CTX_get_error(ctx.get());
  r.reason = X509_verify_cert_error_string(r.code);
  clear_openssl_errors();
  return r;
}

std::optional<std::vector<std::uint8_t>> dn_from_text(std::string_view text) {
  name_ptr name(X509_NAME_new(), X509_NAME_free);
  if (!name)
    throw error("X509_NAME_new");
  std::string field, value;
  bool in_value = false;
  auto flush = [&]() -> bool {
    auto trim = [](std::string& s) {
      while (!s.empty() && s.back() == ' ')
        s.pop_back();
      while (!s.empty() && s.front() == ' ')
        s.erase(s.begin());
    };
    trim(field);
    trim(value);
    if (!in_value || field.empty())
      return false;
    int type = value == "*" ? V_ASN1_PRINTABLESTRING : MBSTRING_ASC;
    bool ok = X509_NAME_add_entry_by_txt(name.get(), field.c_str(), type,
                                         reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                         -1, 0) == 1;
    field.clear();
    value.clear();
    in_value = false;
    return ok;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      (in_value ? value : field).push_back(text[++i]);
    } else if (c == '=' && !in_value) {
      in_value = true;
    } else if (c == ',' || c == '/') {
      if (!flush()) {
        clear_openssl_errors();
        return std::nullopt;
      }
    } else {
      (in_value ? value : field).push_back(c);
    }
  }
  if (!flush()) {
    clear_openssl_errors();
    return std::nullopt;
  }
  return name_der(name.get());
}

std::string dn_to_text(bytes_view der) {
  auto n = parse_name(der);
  if (!n)
    return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), n.get(), 0, XN_FLAG_RFC2253) < 0)
    throw error("name printing");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

bool dn_equal(bytes_view a, bytes_view b) {
  auto na = parse_name(a);
  auto nb = parse_name(b);
  return na && nb && X509_NAME_cmp(na.get(), nb.get()) == 0;
}

bool dn_match(bytes_view pattern, bytes_view name) {
  auto a = parse_name(pattern);
  auto b = parse_name(name);
  if (!a || !b || X509_NAME_entry_count(a.get()) != X509_NAME_entry_count(b.get()))
    return false;
  // Drop the wildcard positions (after checking their attribute types), then compare
  // what is left canonically.
  for (int i = X509_NAME_entry_count(a.get()) - 1; i >= 0; --i) {
    X509_NAME_ENTRY* ea = X509_NAME_get_entry(a.get(), i);
    X509_NAME_ENTRY* eb = X509_NAME_get_entry(b.get(), i);
    if (OBJ_cmp(X509_NAME_ENTRY_get_object(ea), X509_NAME_ENTRY_get_object(eb)) != 0)
      return false;
    if (is_wildcard(ea) || is_wildcard(eb)) {
      X509_NAME_ENTRY_free(X509_NAME_delete_entry(a.get(), i));
      X509_NAME_ENTRY_free(X509_NAME_delete_entry(b.get(), i));
    }
  }
  if (X509_NAME_entry_count(a.get()) == 0)
    return true;
  return X509_NAME_cmp(a.get(), b.get()) == 0;
}

} // namespace coati::crypto
