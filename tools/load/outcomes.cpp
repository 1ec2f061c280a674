#include "tools/load/outcomes.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace coati::load {

void add_durations(load_report& r, const std::vector<outcome>& all) {
  std::vector<double> took;
  for (const auto& o : all)
    if (o.ok)
      took.push_back(o.ended_ms - o.began_ms);
  if (took.empty())
    return;
  std::sort(took.begin(), took.end());
  auto rank = [&](double p) {
    auto k = static_cast<std::size_t>(p * static_cast<double>(took.size()) + 0.999999);
    return took[std::clamp<std::size_t>(k, 1, took.size()) - 1];
  };
  r.p50_ms = rank(0.50);
  r.p99_ms = rank(0.99);
  r.max_ms = took.back();
}

void write_outcomes(const std::string& path, std::vector<outcome> all) {
  std::stable_sort(all.begin(), all.end(),
                   [](const outcome& a, const outcome& b) { return a.ended_ms < b.ended_ms; });
  std::ofstream out{path};
  char line[256];
  for (const auto& o : all) {
    std::snprintf(line, sizeof line, "%zu %s %s %s %.1f %.1f %.1f\n", o.index, o.user.c_str(),
                  o.address.c_str(), o.ok ? "ok" : "failed", o.began_ms, o.ended_ms,
                  o.ended_ms - o.began_ms);
    out << line;
  }
}

} // namespace coati::load
