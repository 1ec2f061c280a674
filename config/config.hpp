#pragma once
// Public API of the racoon.conf front end: load a file into an immutable, validated
// model, and print a model back as normalized racoon.conf text.
//
// The full model lives in config/model.hpp. This header fixes what the rest of coati
// (actors, tools) relies on; the model may grow, these names stay.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.hpp"

namespace coati::config {

/// One problem found while loading, with the place it points at.
struct diagnostic {
  enum class severity { error, warning };
  severity sev = severity::error;
  std::string file;        ///< path as given / as included
  unsigned line = 0;       ///< 1-based; 0 when the problem has no place (e.g. missing file)
  unsigned column = 0;     ///< 1-based
  std::string message;     ///< what is wrong and what was expected
  std::string source_line; ///< the offending line's text, for the caret display

  /// "file:line:col: error: message" + the quoted line + a caret under the column.
  std::string render() const;
};

/// How to load.
struct load_options {
  /// When not empty, every absolute path in the configuration (paths, certificates,
  /// scripts, adminsock, includes...) is taken relative to this folder instead of "/".
  std::string config_root;
  /// Check that the files the configuration names exist (certificates, keys, scripts,
  /// psk file). On for coatid; tests of pure syntax may turn it off.
  bool check_files = true;
};

/// What loading gives: a model when there was no error, and every diagnostic.
struct load_result {
  std::shared_ptr<const configuration> config; ///< null when any error was found
  std::vector<diagnostic> diagnostics;
  bool ok() const { return config != nullptr; }
  /// All diagnostics rendered, one after the other.
  std::string render() const;
};

/// Loads a racoon.conf file (includes expanded, validated).
load_result load_file(const std::string& path, const load_options& opts = {});
/// Loads configuration text; `name` is used in diagnostics and to resolve includes
/// relative to `path include`.
load_result load_string(std::string_view text, const std::string& name,
                        const load_options& opts = {});

/// Prints a model as normalized racoon.conf text (includes expanded, defaults explicit).
/// Parsing the output again yields an equal model.
std::string print(const configuration& cfg);

} // namespace coati::config
