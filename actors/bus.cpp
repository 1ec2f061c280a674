#include "actors/bus.hpp"

#include <algorithm>

#include "util/log.hpp"

namespace coati::actors {

void publish_kernel_event(const bus_api& bus, const kernel_event& ke) {
  if (!bus || !ke.ev)
    return;
  if (const auto* a = std::get_if<kernel::acquire_event>(ke.ev.get())) {
    auto e = make_event("kernel_acquire", a->dst.to_string(), a->src.to_string());
    e.detail = a->sel.src.to_string() + "/" + std::to_string(a->sel.src_prefix) + " -> " +
               a->sel.dst.to_string() + "/" + std::to_string(a->sel.dst_prefix);
    publish(bus, std::move(e));
  } else if (const auto* x = std::get_if<kernel::expire_event>(ke.ev.get())) {
    auto e = make_event("kernel_expire", x->dst.to_string(), x->src.to_string());
    e.spi_in = x->spi;
    e.detail = x->hard ? "hard" : "soft";
    publish(bus, std::move(e));
  } else if (const auto* m = std::get_if<kernel::mapping_event>(ke.ev.get())) {
    auto e = make_event("kernel_mapping", m->dst.to_string(), m->new_src.to_string());
    e.spi_in = m->spi;
    e.detail = m->old_src.to_string() + ":" + std::to_string(m->old_sport) + " -> " +
               m->new_src.to_string() + ":" + std::to_string(m->new_sport);
    publish(bus, std::move(e));
  }
}

bus_api::behavior_type bus_actor(bus_api::stateful_pointer<bus_state> self, int) {
  self->set_exception_handler(exit_reason_of);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    std::erase_if(subs, [&](const caf::actor& a) { return a.address() == dm.source; });
  });
  return {
      [self](bus_event& e) {
        handler_clock::scope timing{self};
        auto& st = self->state;
        st.counts["bus.published"] += 1;
        st.counts["bus.event." + e.kind] += 1;
        for (const auto& s : st.subscribers)
          caf::anon_send(s, e);
        st.counts["bus.delivered"] += static_cast<std::int64_t>(st.subscribers.size());
      },
      [self](subscribe_atom, caf::actor who) {
        handler_clock::scope timing{self};
        auto& subs = self->state.subscribers;
        if (!who || std::find(subs.begin(), subs.end(), who) != subs.end())
          return;
        self->monitor(who);
        subs.push_back(std::move(who));
      },
      [self](status_atom) {
        handler_clock::scope timing{self};
        counters out;
        for (const auto& [k, v] : self->state.counts)
          out.values[k] = v;
        out.values["bus.subscribers"] = static_cast<std::int64_t>(self->state.subscribers.size());
        self->state.clock.add_to(out, "bus", mailbox_depth(self));
        return out;
      },
  };
}

} // namespace coati::actors
