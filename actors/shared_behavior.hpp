#pragma once
// One behavior for all actors of a kind (peers, children), instead of one per actor.
//
// CAF builds a behavior per actor: one allocation holding every handler (a match case of
// about 40 bytes each) and the index over them; the peer's 17 handlers cost ~0.6 kB per
// ISAKMP SA, a quarter of what the actor itself weighs (heaptrack under
// tools/bench/vs_charon.sh). A behavior is a reference-counted, read-only object, so all
// actors of a kind can hold the same one, if its handlers do not capture their actor.
// They find it instead through `current()`: the actor whose messages this thread is
// handling, set around CAF's resume (the only place an event-based actor's handlers run).
//
// Used as the base of an actor class: the kind spawns with `spawn<kind>(args)`; its
// make_behavior() does what the actor's start needs (with `this`) and returns the kind's
// behavior, built once by a function-local static whose handlers call `current()`.

#include <cstddef>
#include <utility>

#include <caf/execution_unit.hpp>
#include <caf/resumable.hpp>
#include <caf/stateful_actor.hpp>

namespace coati::actors {

template <class Api, class State>
class shared_behavior_actor : public caf::stateful_actor<State, typename Api::base> {
public:
  using super = caf::stateful_actor<State, typename Api::base>;
  /// What the kind's helper functions take (the plain stateful actor pointer).
  using pointer = typename Api::template stateful_pointer<State>;

  using super::super;

  /// The actor of this kind whose message this thread is handling (only valid in its
  /// handlers).
  static pointer current() noexcept { return current_; }

  caf::resumable::resume_result resume(caf::execution_unit* eu, std::size_t max) override {
    struct restore {
      pointer before;
      ~restore() { current_ = before; }
    } guard{std::exchange(current_, this)};
    return super::resume(eu, max);
  }

private:
  static inline thread_local pointer current_ = nullptr;
};

} // namespace coati::actors
