// Global statements: path, include, log, padding, listen, timer, privsep and the
// one-line switches; dispatches to the block parsers.

#include <fstream>
#include <glob.h>
#include <sstream>
#include <sys/stat.h>

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {
constexpr std::string_view global_words =
    "path, include, log, padding, listen, timer, remote, sainfo, mode_cfg, ldapcfg, radiuscfg, "
    "ddns, admission, plugins, privsep, gss_id_enc, pfkey_buffer or complex_bundle";
} // namespace

void parser::statement() {
  token kw = peek();
  if (kw.kind != tok::word)
    fail(kw, "expected a directive (" + std::string(global_words) + "), found " +
                 (kw.kind == tok::string ? "string \"" + kw.text + "\"" : "'" + kw.text + "'"));
  next();
  const std::string& w = kw.text;
  if (w == "path") {
    parse_path();
  } else if (w == "include") {
    parse_include(kw);
  } else if (w == "log") {
    auto t = expect_word("a log level");
    auto lv = enum_from<log_level>(t.text, 6);
    if (!lv)
      fail(t, "bad log level '" + t.text + "'; expected " + enum_list<log_level>(6));
    st.cfg.log = *lv;
    expect_semi(kw);
  } else if (w == "padding") {
    parse_padding();
  } else if (w == "listen") {
    parse_listen();
  } else if (w == "timer") {
    parse_timer();
  } else if (w == "admission") {
    parse_admission();
  } else if (w == "privsep") {
    warn_unimplemented(kw, "privsep");
    parse_privsep();
  } else if (w == "gss_id_enc") {
    warn_unimplemented(kw, "gss_id_enc");
    auto t = expect_word("utf-16le or latin1");
    if (t.text == "utf-16le")
      st.cfg.gss_id_enc = gss_id_encoding::utf16le;
    else if (t.text == "latin1")
      st.cfg.gss_id_enc = gss_id_encoding::latin1;
    else
      fail(t, "bad gss_id_enc '" + t.text + "'; expected utf-16le or latin1");
    expect_semi(kw);
  } else if (w == "pfkey_buffer") {
    warn_unimplemented(kw, "pfkey_buffer");
    st.cfg.pfkey_buffer = number("pfkey_buffer", 0, 1048576);
    expect_semi(kw);
  } else if (w == "complex_bundle") {
    warn_unimplemented(kw, "complex_bundle");
    st.cfg.complex_bundle = on_off("complex_bundle");
    expect_semi(kw);
  } else if (w == "remote") {
    parse_remote(kw);
  } else if (w == "sainfo") {
    parse_sainfo(kw);
  } else if (w == "mode_cfg") {
    parse_mode_cfg();
  } else if (w == "ldapcfg") {
    parse_ldapcfg();
  } else if (w == "radiuscfg") {
    warn_unimplemented(kw, "radiuscfg");
    parse_radiuscfg();
  } else if (w == "ddns") {
    parse_ddns();
  } else if (w == "plugins") {
    parse_plugins();
  } else {
    unknown(kw, "the global section", global_words);
  }
}

void parser::parse_path() {
  auto t = expect_word("a path type (include, pre_shared_key, certificate, script, backupsa "
                       "or pidfile)");
  auto& p = st.cfg.paths;
  std::string* target = nullptr;
  if (t.text == "include")
    target = &p.include;
  else if (t.text == "pre_shared_key")
    target = &p.pre_shared_key;
  else if (t.text == "certificate")
    target = &p.certificate;
  else if (t.text == "script")
    target = &p.script;
  else if (t.text == "backupsa")
    target = &p.backupsa;
  else if (t.text == "pidfile")
    target = &p.pidfile;
  else
    fail(t, "bad path type '" + t.text +
                "'; expected include, pre_shared_key, certificate, script, backupsa or pidfile");
  if (t.text == "backupsa")
    warn_unimplemented(t, "path backupsa");
  auto vt = peek();
  auto value = path_arg("path " + t.text);
  if (value[0] != '/')
    fail(vt, "path " + t.text + " \"" + value + "\" is relative; expected an absolute path");
  while (value.size() > 1 && value.back() == '/')
    value.pop_back();
  *target = rebase(st.opts, value);
  if (t.text == "pre_shared_key") {
    st.psk_path_loc = loc(t);
    st.psk_path_set = true;
  }
  expect_semi(t);
}

void parser::parse_include(const token& kw) {
  auto name_tok = peek();
  auto name = path_arg("include file");
  expect_semi(kw);
  if (depth_ + 1 > 10)
    fail(name_tok, "include nesting is deeper than 10 levels; expected at most 10 (an include "
                   "loop?)");
  std::string pattern = name;
  if (pattern[0] != '/' && pattern[0] != '~' && !st.cfg.paths.include.empty())
    pattern = st.cfg.paths.include + "/" + pattern;
  else
    pattern = rebase(st.opts, pattern);
  glob_t g{};
  int rc = ::glob(pattern.c_str(), GLOB_TILDE, nullptr, &g);
  std::vector<std::string> files;
  if (rc == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i)
      files.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  if (files.empty())
    fail(name_tok, "include \"" + name + "\": no file matches '" + pattern +
                       "'; expected an existing file (relative names are taken from "
                       "'path include')");
  for (const auto& f : files) {
    struct stat sb {};
    std::ifstream in(f, std::ios::binary);
    if (::stat(f.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (1 << 20) || !in)
      fail(name_tok, "include \"" + name + "\": cannot read '" + f +
                         "'; expected a readable regular file of at most 1 MiB");
    std::ostringstream ss;
    ss << in.rdbuf();
    parse_text(st, f, ss.str(), depth_ + 1);
  }
}

void parser::parse_padding() {
  auto open = expect(tok::lbrace, "'{' to open the padding block");
  auto& p = st.cfg.padding;
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated padding block; expected '}' to close this '{'");
    auto t = expect_word("a padding directive");
    if (t.text == "randomize")
      p.randomize = on_off("randomize");
    else if (t.text == "randomize_length")
      p.randomize_length = on_off("randomize_length");
    else if (t.text == "maximum_length")
      p.maximum_length = number("maximum_length", 0, 255);
    else if (t.text == "exclusive_tail")
      p.exclusive_tail = on_off("exclusive_tail");
    else if (t.text == "strict_check")
      p.strict_check = on_off("strict_check");
    else
      unknown(t, "the padding block",
              "randomize, randomize_length, maximum_length, exclusive_tail or strict_check");
    expect_semi(t);
  }
}

void parser::parse_listen() {
  auto open = expect(tok::lbrace, "'{' to open the listen block");
  auto& l = st.cfg.listen;
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated listen block; expected '}' to close this '{'");
    auto t = expect_word("a listen directive");
    if (t.text == "isakmp" || t.text == "isakmp_natt") {
      endpoint e;
      e.addr = address(t.text);
      e.port = optional_port();
      (t.text == "isakmp" ? l.isakmp : l.isakmp_natt).push_back(e);
    } else if (t.text == "adminsock") {
      if (at_word("disabled")) {
        next();
        l.adminsock.reset();
        l.adminsock_disabled = true;
      } else {
        listen_block::admin_socket a;
        a.path = rebase(st.opts, path_arg("adminsock path"));
        if (peek().kind == tok::string) {
          a.owner = next().text;
          a.group = expect_string("the adminsock group");
          auto m = peek();
          bool octal = m.kind == tok::word && !m.text.empty() && m.text.size() <= 4;
          for (char c : m.text)
            octal = octal && c >= '0' && c <= '7';
          if (octal && std::stoul(m.text, nullptr, 8) > 0777)
            octal = false;
          if (!octal)
            fail(m, "bad adminsock mode " +
                        (m.kind == tok::end ? std::string("(end of file)") : "'" + m.text + "'") +
                        "; expected octal permission bits (0 to 0777) such as 0660");
          a.mode = static_cast<unsigned>(std::stoul(m.text, nullptr, 8));
          next();
        }
        l.adminsock = a;
        l.adminsock_disabled = false;
      }
    } else if (t.text == "strict_address") {
      l.strict_address = true;
    } else {
      unknown(t, "the listen block", "isakmp, isakmp_natt, adminsock or strict_address");
    }
    expect_semi(t);
  }
}

// coati's own block: admission control of new phase 1 responders (see model.hpp).
void parser::parse_admission() {
  auto open = expect(tok::lbrace, "'{' to open the admission block");
  auto& a = st.cfg.admission;
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated admission block; expected '}' to close this '{'");
    auto t = expect_word("an admission directive");
    if (t.text == "half_open")
      a.half_open = number(t.text, 0, 10000000);
    else if (t.text == "half_open_per_source")
      a.half_open_per_source = number(t.text, 0, 10000000);
    else if (t.text == "rate")
      a.rate = number(t.text, 0, 10000000);
    else if (t.text == "burst")
      a.burst = number(t.text, 1, 10000000);
    else
      unknown(t, "the admission block", "half_open, half_open_per_source, rate or burst");
    expect_semi(t);
  }
}

void parser::parse_timer() {
  auto open = expect(tok::lbrace, "'{' to open the timer block");
  auto& tm = st.cfg.timer;
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated timer block; expected '}' to close this '{'");
    auto t = expect_word("a timer directive");
    if (t.text == "counter")
      tm.counter = number("counter", 1, 1000);
    else if (t.text == "interval")
      tm.interval = time_value("interval");
    else if (t.text == "persend")
      tm.persend = number("persend", 1, 100);
    else if (t.text == "phase1")
      tm.phase1 = time_value("phase1");
    else if (t.text == "phase2")
      tm.phase2 = time_value("phase2");
    else if (t.text == "natt_keepalive")
      tm.natt_keepalive = time_value("natt_keepalive");
    else
      unknown(t, "the timer block", "counter, interval, persend, phase1, phase2 or natt_keepalive");
    if ((t.text == "interval" || t.text == "phase1" || t.text == "phase2") &&
        (t.text == "interval" ? tm.interval
         : t.text == "phase1" ? tm.phase1
                              : tm.phase2)
                .count() == 0)
      fail(t, t.text + " is 0 seconds; expected a time of at least 1 sec");
    expect_semi(t);
  }
}

void parser::parse_privsep() {
  auto open = expect(tok::lbrace, "'{' to open the privsep block");
  privsep_block p = st.cfg.privsep.value_or(privsep_block{});
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated privsep block; expected '}' to close this '{'");
    auto t = expect_word("a privsep directive");
    if (t.text == "user" || t.text == "group") {
      std::string v;
      if (peek().kind == tok::string)
        v = next().text;
      else
        v = std::to_string(number(t.text + " id", 0, 0x7fffffff));
      (t.text == "user" ? p.user : p.group) = v;
    } else if (t.text == "chroot") {
      p.chroot = rebase(st.opts, path_arg("chroot directory"));
    } else {
      unknown(t, "the privsep block", "user, group or chroot");
    }
    expect_semi(t);
  }
  st.cfg.privsep = p;
}

} // namespace coati::config::detail
