// The parser's token helpers, value readers and the load entry points.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "config/parser.hpp"

namespace coati::config::detail {

bool parse_state::has_error() const {
  for (const auto& d : diags)
    if (d.sev == diagnostic::severity::error)
      return true;
  return false;
}

std::string rebase(const load_options& opts, const std::string& path) {
  if (opts.config_root.empty() || path.empty() || path[0] != '/')
    return path;
  std::string root = opts.config_root;
  while (root.size() > 1 && root.back() == '/')
    root.pop_back();
  if (root == "/")
    return path;
  std::string out = root + path;
  while (out.size() > 1 && out.back() == '/') // "/" under a root is the root itself
    out.pop_back();
  return out;
}

parser::parser(parse_state& s, const source& source_, std::vector<token> toks, int depth)
    : st(s), src(source_), toks_(std::move(toks)), depth_(depth) {}

const token& parser::peek(std::size_t ahead) const {
  std::size_t i = pos_ + ahead;
  return i < toks_.size() ? toks_[i] : toks_.back();
}

token parser::next() {
  token t = peek();
  if (pos_ + 1 < toks_.size())
    ++pos_;
  return t;
}

bool parser::at_word(std::string_view w) const {
  return peek().kind == tok::word && peek().text == w;
}

bool parser::accept(tok k) {
  if (peek().kind != k)
    return false;
  next();
  return true;
}

namespace {
std::string describe(const token& t) {
  switch (t.kind) {
  case tok::end:
    return "end of file";
  case tok::string:
    return "string \"" + t.text + "\"";
  default:
    return "'" + t.text + "'";
  }
}
} // namespace

location parser::loc(const token& t) const {
  return location{&src, t.line, t.column};
}

void parser::fail(const token& t, std::string message) const {
  throw parse_error{make_diag(diagnostic::severity::error, loc(t), std::move(message))};
}

void parser::error(const token& t, std::string message) {
  st.diags.push_back(make_diag(diagnostic::severity::error, loc(t), std::move(message)));
}

void parser::warn_unimplemented(const token& t, std::string_view name) {
  st.diags.push_back(make_diag(diagnostic::severity::warning, loc(t), unimplemented_message(name)));
}

token parser::expect(tok k, std::string_view what) {
  if (peek().kind != k)
    fail(peek(), "expected " + std::string(what) + ", found " + describe(peek()));
  return next();
}

token parser::expect_word(std::string_view what) {
  return expect(tok::word, what);
}

std::string parser::expect_string(std::string_view what) {
  return expect(tok::string, std::string(what) + " (a quoted string)").text;
}

void parser::expect_semi(const token& after) {
  if (peek().kind != tok::semi)
    fail(peek(),
         "expected ';' to end the '" + after.text + "' statement, found " + describe(peek()));
  next();
}

void parser::unknown(const token& t, std::string_view block, std::string_view expected) const {
  fail(t, "unknown directive " + describe(t) + " in " + std::string(block) + "; expected " +
              std::string(expected));
}

bool parser::on_off(std::string_view what) {
  auto t = peek();
  if (t.kind == tok::word && (t.text == "on" || t.text == "off")) {
    next();
    return t.text == "on";
  }
  fail(t, "expected on or off for " + std::string(what) + ", found " + describe(t));
}

unsigned parser::number(std::string_view what, unsigned lo, unsigned hi) {
  auto t = peek();
  bool digits = t.kind == tok::word && !t.text.empty() && t.text.size() <= 10;
  for (char c : t.text)
    digits = digits && c >= '0' && c <= '9';
  if (!digits)
    fail(t, "expected a decimal number for " + std::string(what) + ", found " + describe(t));
  unsigned long long v = std::stoull(t.text);
  if (v < lo || v > hi)
    fail(t, std::string(what) + " " + t.text + " is out of range; expected " + std::to_string(lo) +
                " to " + std::to_string(hi));
  next();
  return static_cast<unsigned>(v);
}

std::chrono::seconds parser::time_value(std::string_view what) {
  auto n = number(what, 0, 0x7fffffff);
  auto u = peek();
  unsigned long long mult = 0;
  if (u.kind == tok::word) {
    const std::string& s = u.text;
    if (s == "sec" || s == "secs" || s == "second" || s == "seconds")
      mult = 1;
    else if (s == "min" || s == "mins" || s == "minute" || s == "minutes")
      mult = 60;
    else if (s == "hour" || s == "hours")
      mult = 3600;
  }
  if (!mult)
    fail(u, "expected a time unit (sec, min or hour) after " + std::string(what) + ", found " +
                describe(u));
  next();
  if (n * mult > 0x7fffffffULL)
    fail(u, std::string(what) + " is out of range; expected at most 2147483647 seconds");
  return std::chrono::seconds(static_cast<long long>(n * mult));
}

std::chrono::seconds parser::lifetime(std::string_view what) {
  auto kind = peek();
  if (kind.kind == tok::word && kind.text == "byte")
    fail(kind, "byte lifetimes are deprecated and not supported; expected 'lifetime time N "
               "sec|min|hour'");
  if (!(kind.kind == tok::word && kind.text == "time"))
    fail(kind, "expected 'time' after lifetime, found " + describe(kind));
  next();
  return time_value(what);
}

ip_address parser::address(std::string_view what) {
  auto t = peek();
  if (t.kind != tok::word)
    fail(t, "expected an IP address for " + std::string(what) + ", found " + describe(t));
  auto a = ip_address::parse(t.text);
  if (!a)
    fail(t, "bad IP address '" + t.text + "' for " + std::string(what) +
                "; expected an IPv4 or IPv6 address");
  next();
  return *a;
}

std::uint16_t parser::optional_port() {
  if (peek().kind != tok::lbracket)
    return 0;
  next();
  auto v = number("port", 0, 65535);
  expect(tok::rbracket, "']' after the port");
  return static_cast<std::uint16_t>(v);
}

std::string parser::path_arg(std::string_view what) {
  auto s = expect_string(what);
  if (s.empty())
    fail(toks_[pos_ - 1], std::string(what) + " is empty; expected a file name");
  return s;
}

void parser::run() {
  while (peek().kind != tok::end)
    statement();
}

void parse_text(parse_state& st, std::string name, std::string_view text, int depth) {
  source& src = st.sources.emplace_back();
  src.name = std::move(name);
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos)
      nl = text.size();
    std::string line(text.substr(start, nl - start));
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    src.lines.push_back(std::move(line));
    start = nl + 1;
  }
  parser p(st, src, tokenize(src, text), depth);
  p.run();
}

} // namespace coati::config::detail

namespace coati::config {

namespace {

load_result finish(detail::parse_state& st) {
  load_result r;
  if (!st.has_error())
    detail::validate(st);
  if (!st.has_error())
    r.config = std::make_shared<const configuration>(std::move(st.cfg));
  r.diagnostics = std::move(st.diags);
  return r;
}

load_result load(std::string_view text, const std::string& name, const load_options& opts) {
  detail::parse_state st;
  st.opts = opts;
  if (!opts.config_root.empty()) { // rebased paths are absolute even for a relative root
    std::error_code ec;
    auto abs = std::filesystem::absolute(opts.config_root, ec);
    if (!ec)
      st.opts.config_root = abs.lexically_normal().string();
  }
  try {
    detail::parse_text(st, name, text, 0);
  } catch (const detail::parse_error& e) {
    st.diags.push_back(e.diag);
  }
  return finish(st);
}

} // namespace

load_result load_string(std::string_view text, const std::string& name, const load_options& opts) {
  return load(text, name, opts);
}

load_result load_file(const std::string& path, const load_options& opts) {
  struct stat sb {};
  std::ifstream in(path, std::ios::binary);
  if (::stat(path.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode) || !in) {
    load_result r;
    diagnostic d;
    d.file = path;
    d.message = "cannot read configuration file; expected a readable regular file";
    r.diagnostics.push_back(d);
    return r;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load(ss.str(), path, opts);
}

} // namespace coati::config
