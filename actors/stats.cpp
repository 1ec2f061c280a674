#include "actors/stats.hpp"

#include <memory>

namespace coati::actors {

namespace {

/// Collects the answers of one fan-out and delivers the merge when the last arrives.
struct merge_job {
  caf::typed_response_promise<counters> promise;
  counters merged;
  std::size_t pending = 0;

  void add(const counters& c) {
    for (const auto& [k, v] : c.values)
      merged.values[k] = v;
  }
  void done() {
    if (--pending == 0)
      promise.deliver(merged);
  }
};

} // namespace

caf::behavior stats(caf::stateful_actor<stats_state>* self, caf::actor daemon,
                    std::chrono::milliseconds wait) {
  self->set_exception_handler(exit_reason_of);
  auto own = [self] {
    counters out;
    out.values["stats.fanouts"] = self->state.fanouts;
    out.values["stats.timeouts"] = self->state.timeouts;
    self->state.clock.add_to(out, "stats", mailbox_depth(self));
    return out;
  };
  return {
      [self, daemon, wait, own](stats_atom) -> caf::result<counters> {
        handler_clock::scope timing{self};
        self->state.fanouts += 1;
        auto job = std::make_shared<merge_job>();
        job->promise = self->make_response_promise<counters>();
        job->add(own());
        kind_metrics::add_all(job->merged); // actors.KIND.*: every kind's figures
        job->pending = 1;
        self->request(daemon, wait, children_atom_v)
            .then(
                [self, job, wait](child_list& kids) {
                  auto ask = [self, job, wait](const std::string& name, const caf::actor& who) {
                    job->pending += 1;
                    self->request(who, wait, status_atom_v)
                        .then(
                            [job](counters& c) {
                              job->add(c);
                              job->done();
                            },
                            [self, job, name](caf::error&) {
                              self->state.timeouts += 1;
                              job->merged.values[name + ".unreachable"] = 1;
                              job->done();
                            });
                  };
                  for (std::size_t i = 0; i < kids.names.size(); ++i)
                    if (kids.handles[i] != caf::actor_cast<caf::actor>(self))
                      ask(kids.names[i], kids.handles[i]);
                  job->done();
                },
                [self, job](caf::error&) {
                  self->state.timeouts += 1;
                  job->merged.values["daemon.unreachable"] = 1;
                  job->done();
                });
        return job->promise;
      },
      [self, own](status_atom) {
        handler_clock::scope timing{self};
        return own();
      },
      [](crash_atom) -> counters { throw std::runtime_error("stats: test crash requested"); },
  };
}

} // namespace coati::actors
