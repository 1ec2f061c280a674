#pragma once
// Internals of the racoon.conf front end: tokens, the shared parse state and the
// recursive-descent parser whose block parsers live in parse_*.cpp.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace coati::config::detail {

/// Token kinds of racoon.conf.
enum class tok : std::uint8_t {
  word,
  string,
  lbrace,
  rbrace,
  semi,
  lbracket,
  rbracket,
  comma,
  slash,
  end
};

/// One token with its place (1-based line and column).
struct token {
  tok kind = tok::end;
  std::string text;
  unsigned line = 0, column = 0;
};

/// One loaded file (or string): its name and lines, kept for caret displays.
struct source {
  std::string name;
  std::vector<std::string> lines;
};

/// A place in a source, for diagnostics issued after parsing.
struct location {
  const source* src = nullptr;
  unsigned line = 0, column = 0;
};

/// Thrown to stop at the first syntax error.
struct parse_error {
  diagnostic diag;
};

/// Builds a diagnostic pointing at `loc`.
diagnostic make_diag(diagnostic::severity sev, const location& loc, std::string message);

/// Splits `text` into tokens; throws parse_error on a lexical error.
std::vector<token> tokenize(const source& src, std::string_view text);

/// Places of things the validator reports on (file names are resolved after parsing,
/// since the `path` values may change until the end).
struct remote_places {
  location header;
  location exchange_mode;
  std::vector<location> proposal;      ///< per proposal, its `proposal` keyword
  std::vector<location> proposal_dh;   ///< per proposal, its dh_group line
  std::vector<location> proposal_auth; ///< per proposal, its authentication_method line
  location cert, key, ca, peers_cert, keyid, my_identifier;
  location scripts[3];
};

/// Everything one load shares across files.
struct parse_state {
  load_options opts;
  configuration cfg;
  std::vector<diagnostic> diags;
  std::deque<source> sources;
  std::deque<remote_places> remote_locs; ///< parallel to cfg.remotes
  std::vector<location> sainfo_locs;     ///< parallel to cfg.sainfos
  location banner;                       ///< mode_cfg banner line
  location ldap_use;                     ///< first mode_cfg use of an LDAP source
  location ddns, ddns_key;               ///< the ddns block's '{' and its key line
  location plugins_path;                 ///< the plugins block's path line
  location ldap_cacert;                  ///< the ldapcfg block's tls_cacert line
  location psk_path_loc;
  bool psk_path_set = false;
  bool has_error() const;
};

/// Turns an absolute path into one under --config-root (unchanged when no root).
std::string rebase(const load_options& opts, const std::string& path);

/// Parses one source's tokens into the state; `depth` counts include nesting.
class parser {
public:
  parser(parse_state& st, const source& src, std::vector<token> toks, int depth);
  /// Parses every statement to the end of the tokens.
  void run();

  // --- token helpers (parser.cpp) ---
  const token& peek(std::size_t ahead = 0) const;
  token next();
  bool at_word(std::string_view w) const;
  bool accept(tok k);
  token expect(tok k, std::string_view what);
  token expect_word(std::string_view what);
  std::string expect_string(std::string_view what);
  void expect_semi(const token& after);
  location loc(const token& t) const;
  [[noreturn]] void fail(const token& t, std::string message) const;
  void error(const token& t, std::string message);
  void warn_unimplemented(const token& t, std::string_view name);
  bool on_off(std::string_view what);
  unsigned number(std::string_view what, unsigned lo, unsigned hi);
  std::chrono::seconds time_value(std::string_view what);
  std::chrono::seconds lifetime(std::string_view what);
  ip_address address(std::string_view what);
  std::uint16_t optional_port();
  [[noreturn]] void unknown(const token& t, std::string_view block,
                            std::string_view expected) const;
  std::string path_arg(std::string_view what);

  // --- blocks ---
  void statement(); // parse_global.cpp
  void parse_path();
  void parse_include(const token& kw);
  void parse_listen();
  void parse_timer();
  void parse_padding();
  void parse_privsep();
  void parse_admission();
  void parse_remote(const token& kw); // parse_remote.cpp
  void remote_body(remote_block& r, remote_places& places);
  proposal parse_proposal(remote_places& places);
  identifier parse_identifier(const token& kw, bool peers);
  void parse_sainfo(const token& kw); // parse_sainfo.cpp
  std::optional<sainfo_id> parse_sainfo_id(bool& clientaddr, bool allow_clientaddr);
  void parse_mode_cfg(); // parse_modecfg.cpp
  ip_address ipv4(std::string_view what);
  void server_list(const token& kw, std::vector<ip_address>& list);
  void split_networks(std::optional<split_type>& type, std::vector<prefix>& nets);
  void parse_mode_cfg_group(mode_cfg_block& m);
  void parse_ldapcfg();
  void parse_radiuscfg();
  void parse_ddns();    // parse_ddns.cpp
  void parse_plugins(); // parse_plugins.cpp

  parse_state& st;
  const source& src;

private:
  std::vector<token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

/// Loads one file's text as a source and parses it (used for the top file and includes).
void parse_text(parse_state& st, std::string name, std::string_view text, int depth);

/// A DH group by name (modp1024) or number (2).
std::optional<dh_group> dh_group_from(std::string_view text);

/// The name of an upper-layer protocol number, empty if it has none.
std::string_view proto_to_name(std::uint16_t number);

/// Cross-block checks and file resolution after the whole parse (validate.cpp).
void validate(parse_state& st);

/// Whether a directive is parsed but not implemented yet (support.cpp).
bool is_unimplemented(std::string_view name);
/// The warning text for it.
std::string unimplemented_message(std::string_view name);

/// Enum names shared by parser and printer (names.cpp).
std::string_view name_of(log_level v);
std::string_view name_of(exchange_mode v);
std::string_view name_of(ike_cipher v);
std::string_view name_of(ike_hash v);
std::string_view name_of(auth_method v);
std::string_view name_of(dh_group v);
std::string_view name_of(esp_cipher v);
std::string_view name_of(esp_auth v);
std::string_view name_of(ipcomp_alg v);
std::string_view name_of(proposal_check_mode v);
std::string_view name_of(generate_policy_mode v);
std::string_view name_of(tristate v);
std::string_view name_of(situation v);
std::string_view name_of(auth_source v);
std::string_view name_of(group_source v);
std::string_view name_of(conf_source v);
std::string_view name_of(accounting v);
std::string_view name_of(identifier::kind v);
std::string_view name_of(sainfo_id::kind v);

/// Looks `text` up among `count` enum values by name_of; nullopt if absent.
template <typename E>
std::optional<E> enum_from(std::string_view text, unsigned count) {
  for (unsigned i = 0; i < count; ++i)
    if (name_of(static_cast<E>(i)) == text)
      return static_cast<E>(i);
  return std::nullopt;
}

/// "a, b or c" for `count` enum values (for "expected ..." messages).
template <typename E>
std::string enum_list(unsigned count) {
  std::string out;
  for (unsigned i = 0; i < count; ++i) {
    if (i)
      out += i + 1 == count ? " or " : ", ";
    out += name_of(static_cast<E>(i));
  }
  return out;
}

} // namespace coati::config::detail
