// libFuzzer target for the racoon.conf front end: load any text (files not checked).
// When it loads, printing the model and loading the print must give an equal model and
// the same text again. Runs in an empty scratch folder (also $HOME) so that `include`
// finds nothing outside it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unistd.h>

#include "config/config.hpp"

namespace {

[[noreturn]] void die(const char* what, const std::string& text) {
  std::fprintf(stderr, "config_fuzz: %s\n--- printed ---\n%s\n", what, text.c_str());
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static char dir[] = "/tmp/coati-config-fuzz-XXXXXX";
  if (::mkdtemp(dir) == nullptr || ::chdir(dir) != 0)
    std::abort();
  ::setenv("HOME", dir, 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coati::config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  load_options opts;
  opts.check_files = false;
  opts.config_root = "/nonexistent-coati-fuzz-root";
  auto r = load_string(text, "fuzz.conf", opts);
  for (const auto& d : r.diagnostics)
    (void)d.render();
  if (!r.ok())
    return 0;
  auto printed = print(*r.config);
  auto again = load_string(printed, "printed.conf", load_options{{}, false});
  if (!again.ok())
    die(("printed configuration does not load:\n" + again.render()).c_str(), printed);
  if (!(*again.config == *r.config))
    die("printed configuration loads to a different model", printed);
  if (print(*again.config) != printed)
    die("printing is not stable", printed);
  return 0;
}
