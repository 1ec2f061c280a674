#include "util/log.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <syslog.h>

namespace coati::log {
namespace {

constexpr std::array<std::string_view, 6> names{"error", "warning", "notify",
                                                "info",  "debug",   "debug2"};

std::atomic<level> threshold{level::info};
std::mutex out_mutex;
sink current_sink = sink::stderr_sink;
std::FILE* file = nullptr;

int syslog_priority(level lvl) {
  switch (lvl) {
    case level::error: return LOG_ERR;
    case level::warning: return LOG_WARNING;
    case level::notify: return LOG_NOTICE;
    case level::info: return LOG_INFO;
    case level::debug:
    case level::debug2: return LOG_DEBUG;
  }
  return LOG_INFO;
}

} // namespace

std::optional<level> parse_level(std::string_view word) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == word)
      return static_cast<level>(i);
  return std::nullopt;
}

std::string_view to_string(level lvl) {
  return names[static_cast<std::size_t>(lvl)];
}

void set_level(level lvl) { threshold.store(lvl); }
level current_level() { return threshold.load(); }

bool set_sink(sink s, const std::string& path) {
  std::lock_guard guard{out_mutex};
  if (s == sink::file_sink) {
    std::FILE* f = std::fopen(path.c_str(), "ae");
    if (f == nullptr)
      return false;
    std::setvbuf(f, nullptr, _IOLBF, 0);
    if (file != nullptr)
      std::fclose(file);
    file = f;
  } else if (s == sink::syslog_sink) {
    openlog("coatid", LOG_PID | LOG_NDELAY, LOG_DAEMON);
  }
  current_sink = s;
  return true;
}

bool enabled(level lvl) { return lvl <= threshold.load(std::memory_order_relaxed); }

void write(level lvl, std::string_view component, std::string_view text) {
  std::lock_guard guard{out_mutex};
  if (current_sink == sink::syslog_sink) {
    syslog(syslog_priority(lvl), "%s [%.*s] %.*s", names[static_cast<std::size_t>(lvl)].data(),
           static_cast<int>(component.size()), component.data(), static_cast<int>(text.size()),
           text.data());
    return;
  }
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  std::FILE* out = current_sink == sink::file_sink && file != nullptr ? file : stderr;
  auto name = names[static_cast<std::size_t>(lvl)];
  std::fprintf(out, "%s.%03d %s [%.*s] %.*s\n", stamp, static_cast<int>(ms.count()), name.data(),
               static_cast<int>(component.size()), component.data(), static_cast<int>(text.size()),
               text.data());
}

} // namespace coati::log
