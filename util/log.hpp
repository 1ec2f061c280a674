#pragma once
// Process-wide logger with racoon's levels; thread-safe, writes whole lines.

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace coati::log {

/// racoon's log levels, most severe first (racoon.conf `log LEVEL;`).
enum class level : std::uint8_t { error, warning, notify, info, debug, debug2 };

/// Parses a racoon level word; nullopt if unknown.
std::optional<level> parse_level(std::string_view word);
/// The racoon word for a level.
std::string_view to_string(level lvl);

/// Where lines go.
enum class sink : std::uint8_t { stderr_sink, syslog_sink, file_sink };

/// Sets the threshold; lines above it are dropped.
void set_level(level lvl);
level current_level();
/// Sends lines to stderr (default), syslog (ident "coatid") or an appended file.
/// Returns false with errno set when the file cannot be opened.
bool set_sink(sink s, const std::string& file = {});

/// True when a line at `lvl` would be written.
bool enabled(level lvl);
/// Writes one line: "<time> <LEVEL> [component] text".
void write(level lvl, std::string_view component, std::string_view text);

namespace detail {
template <class... Ts>
std::string concat(const Ts&... xs) {
  std::ostringstream os;
  (os << ... << xs);
  return os.str();
}
} // namespace detail

} // namespace coati::log

/// COATI_LOG(level, "component", a, b, c): formats only when the level is enabled.
#define COATI_LOG(lvl, component, ...)                                                   \
  do {                                                                                   \
    if (::coati::log::enabled(::coati::log::level::lvl))                                 \
      ::coati::log::write(::coati::log::level::lvl, component,                           \
                          ::coati::log::detail::concat(__VA_ARGS__));                    \
  } while (false)
