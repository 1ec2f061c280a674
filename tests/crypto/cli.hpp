#pragma once
// Test helpers: a scratch folder and the `openssl` command line as the second,
// independent computation the crypto known-answer tests compare against.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/secret.hpp"

namespace coati::test {

using bytes = std::vector<std::uint8_t>;

/// A fresh folder under /tmp, removed at the end.
struct scratch {
  std::filesystem::path dir;
  scratch() {
    std::string tmpl = "/tmp/coati-crypto-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp");
    dir = tmpl;
  }
  ~scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

inline void write_file(const std::string& path, crypto::bytes_view data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

/// Runs a shell command; throws when it fails.
inline void sh(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("command failed: " + cmd);
}

/// Runs a shell command and returns its standard output.
inline std::string sh_out(const std::string& cmd) {
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr)
    throw std::runtime_error("popen: " + cmd);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  if (pclose(p) != 0)
    throw std::runtime_error("command failed: " + cmd);
  return out;
}

/// `openssl dgst` digest names for coati's hash_alg order.
inline const char* dgst_name(int alg) {
  static const char* names[] = {"md5", "sha1", "sha256", "sha384", "sha512"};
  return names[alg];
}

/// HMAC computed by `openssl dgst -mac HMAC -macopt hexkey:...`.
inline bytes openssl_hmac(const scratch& s, const char* md, crypto::bytes_view key,
                          crypto::bytes_view data) {
  write_file(s.path("hmac.in"), data);
  auto out = sh_out("openssl dgst -" + std::string(md) + " -mac HMAC -macopt hexkey:" +
                    crypto::to_hex(key) + " -r " + s.path("hmac.in"));
  return crypto::from_hex(out.substr(0, out.find(' ')));
}

/// Digest computed by `openssl dgst`.
inline bytes openssl_hash(const scratch& s, const char* md, crypto::bytes_view data) {
  write_file(s.path("hash.in"), data);
  auto out = sh_out("openssl dgst -" + std::string(md) + " -r " + s.path("hash.in"));
  return crypto::from_hex(out.substr(0, out.find(' ')));
}

inline bytes cat(std::initializer_list<crypto::bytes_view> parts) {
  bytes r;
  for (auto p : parts)
    r.insert(r.end(), p.begin(), p.end());
  return r;
}

inline bytes to_bytes(const crypto::secret_bytes& s) {
  return bytes(s.begin(), s.end());
}

} // namespace coati::test
