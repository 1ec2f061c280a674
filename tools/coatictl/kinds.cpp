#include "tools/coatictl/kinds.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <thread>
#include <unistd.h>

namespace coati::ctl {

namespace {

constexpr const char* prefix = "actors.";

std::int64_t number(const std::string& v) {
  try {
    return std::stoll(v);
  } catch (...) {
    return 0;
  }
}

/// A duration in ns as "850 ns", "41 us", "2.3 ms".
std::string duration_text(std::int64_t ns) {
  char b[32];
  if (ns < 1000)
    std::snprintf(b, sizeof b, "%lld ns", static_cast<long long>(ns));
  else if (ns < 1000000)
    std::snprintf(b, sizeof b, "%.0f us", static_cast<double>(ns) / 1e3);
  else
    std::snprintf(b, sizeof b, "%.1f ms", static_cast<double>(ns) / 1e6);
  return b;
}

} // namespace

std::vector<kind_row> kinds_of(const key_values& kv) {
  std::vector<kind_row> rows;
  std::map<std::string, std::size_t> at;
  for (const auto& [k, v] : kv) {
    if (!k.starts_with(prefix))
      continue;
    auto rest = k.substr(std::char_traits<char>::length(prefix));
    auto dot = rest.rfind('.');
    if (dot == std::string::npos)
      continue;
    auto kind = rest.substr(0, dot), field = rest.substr(dot + 1);
    auto [it, fresh] = at.try_emplace(kind, rows.size());
    if (fresh)
      rows.push_back(kind_row{kind});
    auto& r = rows[it->second];
    auto n = number(v);
    if (field == "count")
      r.count = n;
    else if (field == "spawned")
      r.spawned = n;
    else if (field == "messages")
      r.messages = n;
    else if (field == "handling_ns")
      r.handling_ns = n;
    else if (field == "handling_p50_ns")
      r.handling_p50_ns = n;
    else if (field == "handling_p99_ns")
      r.handling_p99_ns = n;
    else if (field == "depth_p50")
      r.depth_p50 = n;
    else if (field == "depth_max")
      r.depth_max = n;
  }
  return rows;
}

void print_kinds(const std::vector<kind_row>& rows) {
  std::printf("%-10s %8s %9s %11s %10s %10s %12s %12s\n", "KIND", "COUNT", "SPAWNED", "MESSAGES",
              "DEPTH_P50", "DEPTH_MAX", "HANDLING_P50", "HANDLING_P99");
  for (const auto& r : rows)
    std::printf("%-10s %8lld %9lld %11lld %10lld %10lld %12s %12s\n", r.kind.c_str(),
                static_cast<long long>(r.count), static_cast<long long>(r.spawned),
                static_cast<long long>(r.messages), static_cast<long long>(r.depth_p50),
                static_cast<long long>(r.depth_max), duration_text(r.handling_p50_ns).c_str(),
                duration_text(r.handling_p99_ns).c_str());
}

int top(const std::function<key_values()>& fetch, double interval_s, unsigned iterations,
        bool json) {
  using clock = std::chrono::steady_clock;
  auto tty = ::isatty(STDOUT_FILENO) != 0 && !json;
  auto before = kinds_of(fetch());
  auto t0 = clock::now();
  for (unsigned i = 0; iterations == 0 || i < iterations; ++i) {
    std::this_thread::sleep_for(std::chrono::duration<double>(interval_s));
    auto now = kinds_of(fetch());
    auto t1 = clock::now();
    double secs = std::chrono::duration<double>(t1 - t0).count();
    struct line {
      const kind_row* r;
      double msgs_per_s, busy;
    };
    std::vector<line> lines;
    for (const auto& r : now) {
      const kind_row* old = nullptr;
      for (const auto& b : before)
        if (b.kind == r.kind)
          old = &b;
      auto dm = r.messages - (old ? old->messages : 0);
      auto dns = r.handling_ns - (old ? old->handling_ns : 0);
      lines.push_back({&r, static_cast<double>(dm) / secs, static_cast<double>(dns) / 1e9 / secs});
    }
    std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) {
      return a.busy != b.busy ? a.busy > b.busy : a.msgs_per_s > b.msgs_per_s;
    });
    auto wall = std::time(nullptr);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&wall));
    if (json) {
      std::printf("{\"time\": \"%s\", \"interval_s\": %.3f, \"kinds\": [", when, secs);
      for (std::size_t k = 0; k < lines.size(); ++k) {
        const auto& l = lines[k];
        std::printf("%s{\"kind\": \"%s\", \"count\": %lld, \"messages_per_s\": %.1f, "
                    "\"busy\": %.4f, \"handling_p50_ns\": %lld, \"handling_p99_ns\": %lld, "
                    "\"depth_p50\": %lld, \"depth_max\": %lld}",
                    k == 0 ? "" : ", ", l.r->kind.c_str(), static_cast<long long>(l.r->count),
                    l.msgs_per_s, l.busy, static_cast<long long>(l.r->handling_p50_ns),
                    static_cast<long long>(l.r->handling_p99_ns),
                    static_cast<long long>(l.r->depth_p50), static_cast<long long>(l.r->depth_max));
      }
      std::printf("]}\n");
    } else {
      if (tty)
        std::printf("\033[H\033[2J");
      std::printf("coatid actors at %s (last %.1f s; busy: share of one CPU in handlers)\n", when,
                  secs);
      std::printf("%-10s %8s %12s %7s %12s %12s %10s\n", "KIND", "COUNT", "MESSAGES/S", "BUSY",
                  "HANDLING_P50", "HANDLING_P99", "DEPTH_MAX");
      for (const auto& l : lines)
        std::printf("%-10s %8lld %12.1f %6.1f%% %12s %12s %10lld\n", l.r->kind.c_str(),
                    static_cast<long long>(l.r->count), l.msgs_per_s, l.busy * 100,
                    duration_text(l.r->handling_p50_ns).c_str(),
                    duration_text(l.r->handling_p99_ns).c_str(),
                    static_cast<long long>(l.r->depth_max));
      if (!tty)
        std::printf("\n");
    }
    std::fflush(stdout);
    before = std::move(now);
    t0 = t1;
  }
  return 0;
}

} // namespace coati::ctl
