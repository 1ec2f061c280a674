#pragma once
// coatictl show-sa rows are pulled, not pushed: the listener asks every peer actor, each
// peer answers its ISAKMP SA's row and asks its children for their IPsec SAs' rows. No
// actor keeps another's rows, and nothing is sent while nobody looks.
//
//   admin --show_sa--> daemon --> listener --(sa_rows_atom)--> peer --(sa_rows_atom)--> child

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"

namespace coati::actors {

/// One actor's answer to sa_rows_atom.
struct sa_rows_part {
  std::vector<std::string> isakmp, esp;
};

/// Asks each of `from` for its rows (within `wait`) and calls `done` with the answers in
/// the order asked; an actor that ended or did not answer in time adds none.
template <class Self, class Handle, class Done>
void gather_rows(Self* self, const std::vector<Handle>& from, std::chrono::milliseconds wait,
                 Done done) {
  struct pending {
    std::vector<sa_rows_part> parts;
    std::size_t left;
    Done done;
    void one() {
      if (--left == 0)
        done(std::move(parts));
    }
  };
  auto p = std::make_shared<pending>(
      pending{std::vector<sa_rows_part>(from.size()), from.size() + 1, std::move(done)});
  for (std::size_t i = 0; i < from.size(); ++i)
    self->request(from[i], wait, sa_rows_atom_v)
        .then(
            [p, i](std::vector<std::string>& isakmp, std::vector<std::string>& esp) {
              p->parts[i] = sa_rows_part{std::move(isakmp), std::move(esp)};
              p->one();
            },
            [p](caf::error&) { p->one(); });
  p->one(); // none to ask: done at once
}

} // namespace coati::actors
