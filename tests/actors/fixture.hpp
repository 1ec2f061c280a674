#pragma once
// A real actor system for actor tests, with coati's message types registered, and a
// bounded wait helper.

#include <chrono>
#include <functional>
#include <thread>

#include <caf/all.hpp>

#include "actors/auth.hpp"
#include "actors/interfaces.hpp"
#include "actors/pool.hpp"
#include "actors/services.hpp"

namespace coati::test {

/// An actor system config with coati's type-ID block loaded.
struct system_config : caf::actor_system_config {
  system_config() {
    add_message_types<caf::id_block::coati>();
    add_message_types<caf::id_block::coati_auth>();
    add_message_types<caf::id_block::coati_pool>();
    add_message_types<caf::id_block::coati_ddns>();
    add_message_types<caf::id_block::coati_bus>();
    set("scheduler.max-threads", 2);
  }
};

/// One actor system per test case, plus a scoped actor to talk from the test.
struct actor_fixture {
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  /// Asks `who` for its status counters (empty map on error).
  template <class Handle>
  actors::counters status_of(const Handle& who) {
    actors::counters out;
    self->request(who, std::chrono::seconds{5}, actors::status_atom_v)
        .receive([&](actors::counters& c) { out = std::move(c); }, [](caf::error&) {});
    return out;
  }

  /// Polls `pred` every 10 ms for at most `limit`; true when it held.
  static bool eventually(const std::function<bool()>& pred,
                         std::chrono::milliseconds limit = std::chrono::seconds{5}) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred())
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return pred();
  }
};

} // namespace coati::test
