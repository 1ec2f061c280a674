// racoon.conf tokens, diagnostics and their rendering.

#include <cctype>
#include <cstdio>

#include "config/parser.hpp"

namespace coati::config {

std::string diagnostic::render() const {
  std::string out = file;
  if (line) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  out += sev == severity::error ? ": error: " : ": warning: ";
  out += message;
  out += '\n';
  if (line) {
    out += "  " + source_line + "\n  ";
    for (unsigned i = 1; i < column && i <= source_line.size(); ++i)
      out += source_line[i - 1] == '\t' ? '\t' : ' ';
    out += "^\n";
  }
  return out;
}

std::string load_result::render() const {
  std::string out;
  for (const auto& d : diagnostics)
    out += d.render();
  return out;
}

namespace detail {

diagnostic make_diag(diagnostic::severity sev, const location& loc, std::string message) {
  diagnostic d;
  d.sev = sev;
  d.message = std::move(message);
  if (loc.src) {
    d.file = loc.src->name;
    d.line = loc.line;
    d.column = loc.column;
    if (loc.line >= 1 && loc.line <= loc.src->lines.size())
      d.source_line = loc.src->lines[loc.line - 1];
  }
  return d;
}

namespace {

bool word_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '.' || c == ':' || c == '%' || c == '-' || c == '*' ||
         c == '@';
}

[[noreturn]] void lex_fail(const source& src, unsigned line, unsigned col, std::string msg) {
  throw parse_error{
      make_diag(diagnostic::severity::error, location{&src, line, col}, std::move(msg))};
}

} // namespace

std::vector<token> tokenize(const source& src, std::string_view text) {
  std::vector<token> out;
  unsigned line = 1, col = 1;
  std::size_t i = 0;
  auto advance = [&] {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    ++i;
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      advance();
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n')
        advance();
      continue;
    }
    token t;
    t.line = line;
    t.column = col;
    if (c == '"') {
      advance();
      std::size_t start = i;
      while (i < text.size() && text[i] != '"' && text[i] != '\n')
        advance();
      if (i >= text.size() || text[i] != '"')
        lex_fail(src, t.line, t.column,
                 "unterminated string; expected a closing '\"' on the same line");
      t.kind = tok::string;
      t.text = std::string(text.substr(start, i - start));
      if (t.text.find('\0') != std::string::npos)
        lex_fail(src, t.line, t.column, "a string may not contain a NUL byte");
      advance();
      out.push_back(std::move(t));
      continue;
    }
    static constexpr std::string_view punct = "{};[],/";
    if (auto p = punct.find(c); p != std::string_view::npos) {
      static constexpr tok kinds[] = {tok::lbrace,   tok::rbrace, tok::semi, tok::lbracket,
                                      tok::rbracket, tok::comma,  tok::slash};
      t.kind = kinds[p];
      t.text = std::string(1, c);
      advance();
      out.push_back(std::move(t));
      continue;
    }
    if (!word_char(c)) {
      auto u = static_cast<unsigned char>(c);
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", u);
      lex_fail(src, line, col,
               std::string("unexpected character ") +
                   (std::isprint(u) ? "'" + std::string(1, c) + "'" : std::string(buf)) +
                   "; expected a word, number, address, quoted string or one of { } ; [ ] , /");
    }
    std::size_t start = i;
    while (i < text.size() && word_char(text[i]))
      advance();
    t.kind = tok::word;
    t.text = std::string(text.substr(start, i - start));
    if (t.text.size() > 2 && t.text[0] == '0' && (t.text[1] == 'x' || t.text[1] == 'X'))
      lex_fail(src, t.line, t.column,
               "hexadecimal number '" + t.text +
                   "' is not accepted (racoon's grammar has no rule for it); write it in decimal");
    out.push_back(std::move(t));
  }
  token end;
  end.kind = tok::end;
  end.line = line;
  end.column = col;
  out.push_back(end);
  return out;
}

} // namespace detail
} // namespace coati::config
