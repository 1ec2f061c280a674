#pragma once
// A light actor for the kind a hub holds by the ten thousand: the peer (one per ISAKMP
// SA). CAF's event-based actor weighs 960 bytes before any state: a 400-byte mailbox of
// four weighted queues (urgent, normal, two for streams), stream managers, response maps,
// five default handlers, a behavior stack. A peer uses none of that: it takes one message
// at a time in order, answers at most a direct question (show-sa), and never asks and
// waits. This actor is CAF's `local_actor` (addresses, monitors, sending, spawning: the
// same as every other actor) with a mailbox of two pointers, about 190 bytes in all.
//
// What it is, for a reader of the peer:
// - typed: the kind's `Api` (a caf::typed_actor) is its interface; `spawn<kind>(args)`
//   gives that handle, and what it sends is checked against the receiver's interface;
// - one behavior for the kind: CAF builds a behavior per actor (the peer's 17 handlers:
//   0.6 kB); here the kind's make_behavior() returns one built once, whose handlers
//   capture nothing and find their actor through `current()`, set around each run;
// - its mailbox: a lock-free stack that senders push onto (the first message into an
//   empty one schedules the actor on CAF's workers, as CAF's own mailbox does) and a
//   private FIFO the actor takes in arrival order; no priorities;
// - an exit message with a reason ends it, a down message goes to on_down(), an
//   exception to on_exception() whose error it then ends with; a question is answered
//   with its handler's result (or an error if no handler takes it); a message left when
//   it ends is dropped, a question among them answered with its exit reason;
// - ending (quit()): after the message under way, its state is destroyed (the kind's
//   clean-up lives in its state's destructor), monitors get their down message, the
//   actor leaves the system's count;
// - it may ask (`request(dest, timeout, ...).then(ok, err)`, a roadwarrior's peer asks the
//   auth and pool actors): the answer, or the error (a timeout included), runs its
//   continuation in turn with other messages; nothing is held for an actor that never
//   asks (one null pointer).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/behavior.hpp>
#include <caf/check_typed_input.hpp>
#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/duration.hpp>
#include <caf/extend.hpp>
#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/mixin/sender.hpp>
#include <caf/response_type.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/sec.hpp>

#include "actors/interfaces.hpp"

namespace coati::actors {

template <class Api, class State>
class light_actor : public caf::extend<caf::local_actor,
                                       light_actor<Api, State>>::template with<caf::mixin::sender>,
                    public caf::resumable {
public:
  using super = typename caf::extend<caf::local_actor,
                                     light_actor<Api, State>>::template with<caf::mixin::sender>;
  using signatures = typename Api::signatures;
  using behavior_type = typename Api::behavior_type;
  /// What the kind's helper functions take.
  using pointer = light_actor*;

  explicit light_actor(caf::actor_config& cfg) : super(cfg) { new (&state) State(); }

  ~light_actor() override {
    destroy_state();
    drop(inbox_.exchange(closed(), std::memory_order_acq_rel));
    drop(std::exchange(cache_, nullptr));
  }

  light_actor(const light_actor&) = delete;
  light_actor& operator=(const light_actor&) = delete;

  /// The actor of this kind whose message this thread is handling (only valid in its
  /// handlers and in make_behavior()).
  static pointer current() noexcept { return current_; }

  /// The kind's behavior (one for all its actors); runs on the actor's first turn.
  virtual behavior_type make_behavior() = 0;
  /// A monitored actor ended.
  virtual void on_down(caf::down_msg&) {}
  /// A handler threw: the error the actor ends with (by default with its what()).
  virtual caf::error on_exception(std::exception_ptr& ep) { return exit_reason_of(ep); }

  /// Ends the actor once the message under way is handled.
  void quit(caf::error reason = caf::error{}) {
    if (quitting_)
      return;
    quitting_ = true;
    this->fail_state_ = std::move(reason);
  }

  /// A question under way: `then` names what runs with its answer or error.
  class pending_request {
  public:
    pending_request(light_actor* self, caf::message_id id) : self_(self), id_(id) {}
    template <class OnAnswer, class OnError>
    void then(OnAnswer ok, OnError err) {
      self_->await(id_, caf::behavior{std::move(ok), [err](caf::error& e) mutable { err(e); }});
    }

  private:
    light_actor* self_;
    caf::message_id id_;
  };

  /// Asks `dest`; `timeout` (a std::chrono duration, or caf::infinite: no timer at all)
  /// later without an answer, the error handler gets sec::request_timeout.
  template <class Dest, class Timeout, class... Ts>
  pending_request request(const Dest& dest, Timeout timeout, Ts&&... xs) {
    using token = caf::detail::type_list<caf::detail::strip_and_convert_t<Ts>...>;
    static_assert(caf::response_type_unbox<caf::signatures_of_t<Dest>, token>::valid,
                  "the receiver's interface does not take this question");
    auto mid = this->new_request_id(caf::message_priority::normal);
    auto to = caf::actor_cast<caf::strong_actor_ptr>(dest);
    if (to)
      to->enqueue(caf::make_mailbox_element(this->ctrl(), mid, {}, std::forward<Ts>(xs)...),
                  this->context());
    else
      this->enqueue(caf::make_mailbox_element(nullptr, mid.response_id(), {},
                                              caf::make_error(caf::sec::invalid_argument)),
                    this->context());
    this->request_response_timeout(caf::duration{timeout}, mid);
    return {this, mid.response_id()};
  }

  /// Messages waiting (the handler clock's mailbox depth).
  std::size_t mailbox_depth() const noexcept {
    auto n = depth_.load(std::memory_order_relaxed);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }

  const char* name() const override { return State::name; }

  // -- CAF's side: sending to it, starting and running it ---------------------------

  using super::enqueue;

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit* eu) override {
    auto* e = ptr.release();
    depth_.fetch_add(1, std::memory_order_relaxed);
    auto* head = inbox_.load(std::memory_order_acquire);
    for (;;) {
      if (head == closed()) {
        depth_.fetch_sub(1, std::memory_order_relaxed);
        caf::mailbox_element_ptr back{e};
        this->bounce(back);
        return;
      }
      e->next = head == idle() ? nullptr : head;
      if (inbox_.compare_exchange_weak(head, e, std::memory_order_acq_rel,
                                       std::memory_order_acquire))
        break;
    }
    if (head == idle()) // it was waiting for this: the scheduler holds it until it has run
      schedule(eu);
  }

  void launch(caf::execution_unit* eu, bool /*lazy*/, bool hide) override {
    if (!hide)
      this->register_at_system();
    schedule(eu); // its mailbox is not idle yet: it runs make_behavior() first
  }

  caf::resumable::subtype_t subtype() const override { return caf::resumable::unspecified; }
  void intrusive_ptr_add_ref_impl() override { intrusive_ptr_add_ref(this->ctrl()); }
  void intrusive_ptr_release_impl() override { intrusive_ptr_release(this->ctrl()); }

  caf::resumable::resume_result resume(caf::execution_unit* eu, std::size_t max) override {
    struct restore {
      pointer before;
      ~restore() { current_ = before; }
    } guard{std::exchange(current_, this)};
    this->context(eu);
    if (!started_) {
      started_ = true;
      try {
        behavior_ = make_behavior().unbox();
      } catch (...) {
        quit(failure());
      }
    }
    for (std::size_t handled = 0; handled < max && !quitting_;) {
      auto* e = take();
      if (e == nullptr) {
        caf::mailbox_element* empty = nullptr;
        if (inbox_.compare_exchange_strong(empty, idle(), std::memory_order_acq_rel))
          return caf::resumable::awaiting_message;
        continue; // a message came in meanwhile
      }
      caf::mailbox_element_ptr msg{e};
      depth_.fetch_sub(1, std::memory_order_relaxed);
      handle(*msg);
      ++handled;
    }
    if (!quitting_)
      return caf::resumable::resume_later;
    finish(eu);
    return caf::resumable::done;
  }

  void on_exit() override { destroy_state(); }

  union {
    State state; ///< constructed with the actor, destroyed when it ends (or is freed)
  };

private:
  static caf::mailbox_element* idle() noexcept {
    return reinterpret_cast<caf::mailbox_element*>(std::uintptr_t{1});
  }
  static caf::mailbox_element* closed() noexcept {
    return reinterpret_cast<caf::mailbox_element*>(std::uintptr_t{2});
  }

  static caf::mailbox_element* next_of(caf::mailbox_element* e) noexcept {
    return static_cast<caf::mailbox_element*>(e->next);
  }

  void schedule(caf::execution_unit* eu) {
    intrusive_ptr_add_ref(this->ctrl()); // the scheduler's, released after the run
    if (eu != nullptr)
      eu->exec_later(this);
    else
      this->home_system().scheduler().enqueue(this);
  }

  /// The oldest waiting message (the inbox's newest-first list, reversed into the cache).
  caf::mailbox_element* take() {
    if (cache_ == nullptr) {
      auto* list = inbox_.exchange(nullptr, std::memory_order_acq_rel);
      while (list != nullptr) {
        auto* next = next_of(list);
        list->next = cache_;
        cache_ = list;
        list = next;
      }
    }
    auto* e = cache_;
    if (e != nullptr)
      cache_ = next_of(e);
    return e;
  }

  void handle(caf::mailbox_element& e) {
    this->current_mailbox_element(&e);
    auto& content = e.content();
    if (content.type_token() == caf::make_type_token<caf::down_msg>()) {
      on_down(content.get_mutable_as<caf::down_msg>(0));
    } else if (content.type_token() == caf::make_type_token<caf::exit_msg>()) {
      auto& x = content.get_mutable_as<caf::exit_msg>(0);
      if (x.reason)
        quit(std::move(x.reason));
    } else if (e.mid.is_response()) {
      answered(e);
    } else {
      try {
        auto result = behavior_(content);
        if (!result)
          answer(e, caf::make_message(caf::make_error(caf::sec::unexpected_message)));
        else
          answer(e, std::move(*result));
      } catch (...) {
        auto why = failure();
        answer(e, caf::make_message(why));
        quit(std::move(why));
      }
    }
    this->current_mailbox_element(nullptr);
  }

  /// The exception being handled, as the error the actor ends with.
  caf::error failure() {
    auto ep = std::current_exception();
    return on_exception(ep);
  }

  void await(caf::message_id id, caf::behavior continuation) {
    if (!awaited_)
      awaited_ = std::make_unique<awaited>();
    awaited_->emplace_back(id, std::move(continuation));
  }

  /// An answer to one of our questions (or its timeout): its continuation runs once; a
  /// second answer (the timeout after the answer) finds none and goes.
  void answered(caf::mailbox_element& e) {
    if (!awaited_)
      return;
    auto i = std::find_if(awaited_->begin(), awaited_->end(),
                          [&](const auto& w) { return w.first == e.mid; });
    if (i == awaited_->end())
      return;
    auto continuation = std::move(i->second);
    awaited_->erase(i);
    if (awaited_->empty())
      awaited_.reset();
    try {
      if (!continuation(e.content())) { // an answer of another type: its error handler
        auto unexpected = caf::make_message(caf::make_error(caf::sec::unexpected_response));
        continuation(unexpected);
      }
    } catch (...) {
      quit(failure());
    }
  }

  /// A question's answer, to whoever asked (or the next stage of its forwarding chain).
  void answer(caf::mailbox_element& e, caf::message result) {
    if (!e.mid.is_request() || e.mid.is_answered())
      return;
    auto to = e.sender;
    if (!e.stages.empty()) {
      to = std::move(e.stages.back());
      e.stages.pop_back();
    }
    if (to)
      to->enqueue(caf::make_mailbox_element(this->ctrl(), e.mid.response_id(), std::move(e.stages),
                                            std::move(result)),
                  this->context());
  }

  /// The end: state gone (its destructor does the kind's clean-up), monitors told, what
  /// is left in the mailbox dropped (questions answered with the exit reason).
  void finish(caf::execution_unit* eu) {
    behavior_ = caf::behavior{};
    awaited_.reset();
    this->on_exit();
    this->cleanup(std::move(this->fail_state_), eu);
    drop(inbox_.exchange(closed(), std::memory_order_acq_rel));
    drop(std::exchange(cache_, nullptr));
  }

  void drop(caf::mailbox_element* list) {
    if (list == idle() || list == closed())
      return;
    caf::detail::sync_request_bouncer bounce{this->fail_state_};
    while (list != nullptr) {
      caf::mailbox_element_ptr e{list};
      list = next_of(list);
      depth_.fetch_sub(1, std::memory_order_relaxed);
      bounce(*e);
    }
  }

  void destroy_state() {
    if (state_alive_) {
      state_alive_ = false;
      state.~State();
    }
  }

  static inline thread_local pointer current_ = nullptr;

  std::atomic<caf::mailbox_element*> inbox_{nullptr}; ///< newest first; or idle(), closed()
  caf::mailbox_element* cache_ = nullptr;             ///< oldest first, taken in order
  caf::behavior behavior_;                            ///< the kind's one behavior
  using awaited = std::vector<std::pair<caf::message_id, caf::behavior>>;
  std::unique_ptr<awaited> awaited_; ///< our questions' continuations (none: null)
  std::atomic<std::int32_t> depth_{0};
  bool started_ = false;
  bool quitting_ = false;
  bool state_alive_ = true;
};

} // namespace coati::actors
