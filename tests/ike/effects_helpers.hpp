#pragma once
// Reading the effects an ike::session gives back, for the session tests.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "ike/session.hpp"

namespace coati::ike::testing {

/// Every effect of kind T in `fx`, in order.
template <class T>
std::vector<const T*> all(const effects& fx) {
  std::vector<const T*> out;
  for (const auto& e : fx)
    if (const auto* p = std::get_if<T>(&e))
      out.push_back(p);
  return out;
}

/// True when `fx` counts `name`.
inline bool counted(const effects& fx, const std::string& name) {
  auto c = all<count_effect>(fx);
  return std::any_of(c.begin(), c.end(), [&](const auto* e) { return e->name == name; });
}

/// The one datagram `fx` sends.
inline bytes sent(const effects& fx) {
  auto s = all<send_effect>(fx);
  BOOST_REQUIRE_EQUAL(s.size(), 1u);
  return s.front()->wire;
}

} // namespace coati::ike::testing
