// The `plugins` block: coati's own (racoon has none). Plugin actors are shared objects
// loaded at start-up and fed by the event bus (README "Plugin actors").
//
//   plugins {
//     path "/usr/lib/coati/plugins";    # where NAME.so is found
//     restarts 3;                       # a failing plugin actor is started again this often
//     load "jsonlog" { file "/var/log/coati/events.jsonl"; };
//     load "exec" required { command "/usr/local/sbin/on-event"; max_running 4; };
//   }
//
// A load's options are the plugin's own: `NAME VALUE;` pairs, VALUE a word, number or
// quoted string, kept in file order; coatid hands them over as they are.

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {

/// Plugin and option names: letters, digits, '_' and '-' (a plugin name is a file name).
bool plain_name(const std::string& n) {
  if (n.empty() || n.size() > 64)
    return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

} // namespace

void parser::parse_plugins() {
  auto open = expect(tok::lbrace, "'{' to open the plugins block");
  plugins_block p = st.cfg.plugins.value_or(plugins_block{});
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated plugins block; expected '}' to close this '{'");
    auto t = expect_word("a plugins directive");
    const std::string& w = t.text;
    if (w == "path") {
      st.plugins_path = loc(t);
      p.path = path_arg("the plugin folder");
    } else if (w == "restarts") {
      p.restarts = number(w, 0, 1000);
    } else if (w == "load") {
      auto at = peek();
      plugin_load l;
      l.name = expect_string("the plugin's name");
      if (!plain_name(l.name))
        fail(at, "bad plugin name \"" + l.name +
                     "\"; expected letters, digits, '_' or '-' (the file is NAME.so)");
      for (const auto& o : p.loads)
        if (o.name == l.name)
          fail(at, "plugin \"" + l.name + "\" is loaded twice; expected one load per plugin");
      if (at_word("required")) {
        next();
        l.required = true;
      }
      auto lopen = expect(tok::lbrace, "'{' to open the plugin's options");
      while (!accept(tok::rbrace)) {
        if (peek().kind == tok::end)
          fail(lopen, "unterminated options of plugin \"" + l.name + "\"; expected '}'");
        auto o = expect_word("a plugin option name");
        if (!plain_name(o.text))
          fail(o, "bad option name '" + o.text + "'; expected letters, digits, '_' or '-'");
        auto v = peek();
        if (v.kind != tok::word && v.kind != tok::string)
          fail(v, "expected a value for option '" + o.text + "' (a word, number or quoted string)");
        next();
        l.options.emplace_back(o.text, v.text);
        expect_semi(o);
      }
      p.loads.push_back(std::move(l));
      accept(tok::semi); // `load "x" { ... };` or without the ';', as remote blocks
      continue;
    } else {
      unknown(t, "the plugins block", "path, restarts or load");
    }
    expect_semi(t);
  }
  if (p.path.empty() && !p.loads.empty())
    fail(open, "the plugins block loads plugins but has no path; expected 'path \"FOLDER\";'");
  st.cfg.plugins = std::move(p);
}

} // namespace coati::config::detail
