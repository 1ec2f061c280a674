#pragma once
// coatictl show-sa rows are pulled, not pushed: the listener asks every peer actor for its
// ISAKMP SA's row and its children, then asks each child for its IPsec SAs' rows. No actor
// keeps another's rows, and nothing is sent while nobody looks.
//
//   admin --show_sa--> daemon --> listener --(sa_rows_atom)--> peer   -> row, children
//                                          --(sa_rows_atom)--> child  -> {}, esp rows
//
// Every answer is given at once by the actor asked (no actor waits on another to answer),
// so the requests need no timeout: an actor that ended meanwhile bounces the request with
// an error, which counts as no rows. (No timeout also means no clock entry per request:
// CAF's clock finds a request's timeout among all of the requester's by a scan, which
// makes a timeout per request quadratic when the listener asks 100,000 peers.)

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"

namespace coati::actors {

/// One peer's rows: its ISAKMP SA's and its children's IPsec SAs'.
struct sa_rows_part {
  std::vector<std::string> isakmp, esp;
};

/// Asks each of `peers` for its rows and children, then each child for its rows, and calls
/// `done` with one part per peer, in the order given, once every answer (or error) is in.
template <class Self, class Done>
void gather_rows(Self* self, const std::vector<peer_api>& peers, Done done) {
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
      pending{std::vector<sa_rows_part>(peers.size()), peers.size() + 1, std::move(done)});
  for (std::size_t i = 0; i < peers.size(); ++i)
    self->request(peers[i], caf::infinite, sa_rows_atom_v)
        .then(
            [self, p, i](std::vector<std::string>& isakmp, std::vector<caf::actor>& children) {
              p->parts[i].isakmp = std::move(isakmp);
              for (const auto& c : children) {
                p->left += 1;
                self->request(caf::actor_cast<child_api>(c), caf::infinite, sa_rows_atom_v)
                    .then(
                        [p, i](std::vector<std::string>&, std::vector<std::string>& esp) {
                          auto& to = p->parts[i].esp;
                          to.insert(to.end(), std::make_move_iterator(esp.begin()),
                                    std::make_move_iterator(esp.end()));
                          p->one();
                        },
                        [p](caf::error&) { p->one(); });
              }
              p->one();
            },
            [p](caf::error&) { p->one(); });
  p->one(); // none to ask: done at once
}

} // namespace coati::actors
