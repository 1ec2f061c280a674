#pragma once
// Test helper: a temporary folder holding a seed site laid out by tests/lib/seedroot.sh.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace coati::config::test {

/// Creates a temp dir, runs seedroot.sh for `site` into it, removes it at the end.
struct seed_root {
  std::filesystem::path root;
  explicit seed_root(const std::string& site) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coati-config-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    root = tmpl;
    std::string cmd = "bash " COATI_SOURCE_DIR "/tests/lib/seedroot.sh '" + root.string() + "' " +
                      site + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("seedroot.sh failed for " + site);
  }
  ~seed_root() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  std::string conf() const { return (root / "etc/racoon/racoon.conf").string(); }
  std::string path(const std::string& rel) const { return (root / rel).string(); }
};

} // namespace coati::config::test
