#pragma once
// The peer actor (one per ISAKMP SA) and its child actors (one per quick mode / pair of
// IPsec SAs). The exchanges themselves are ike/'s state machines; these actors own what
// is around them: the datagrams (through the listener's sockets), retransmission and
// give-up per the `timer` block, phase-1 and SA lifetimes, the kernel SAs and generated
// policies (through the kernel and policy actors), and the hook scripts.
//
//   listener --datagram--> peer --datagram (quick mode, by message ID)--> child
//   peer/child --outgoing--> listener (sent from our address and port)
//   child --kernel_request--> kernel, --policy_set--> policy
//   peer --(script_atom, path, env)--> script              phase1_up / phase1_down
//   peer --(sa_rows_atom, isakmp, esp)--> listener          rows for coatictl show-sa
//   peer/child --(event_atom, counter)--> listener          ike.* counters for stats
//
// A peer's crash stops only its own children (linked); the listener (monitoring) forgets
// its cookies and rows; each child's exit removes its own SAs and the policy actor
// removes its policies.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "actors/setup.hpp"
#include "ike/aggressive_mode.hpp"
#include "ike/main_mode.hpp"
#include "ike/quick_mode.hpp"

namespace coati::actors {

/// Where a peer talks from and to.
struct peer_endpoints {
  config::ip_address local, remote;
  std::uint16_t local_port = 500, remote_port = 500;
};

/// What a peer actor is started with.
struct peer_args {
  snapshot snap;
  services svc;
  caf::actor listener;
  std::size_t remote = 0; ///< index of the remote block in snap.cfg->remotes
  peer_endpoints ends;
  bool initiator = false;
  bool aggressive = false;          ///< aggressive mode instead of main mode
  ike::cookie cookie{};             ///< ours: icookie as initiator, rcookie as responder
  std::optional<datagram> first;    ///< responder: the first message
  std::optional<kernel::selector> acquire; ///< initiator: quick mode for this traffic
  /// The acquiring policy wants IPComp (its first template is IPComp). racoon builds its
  /// proposal from the policy: an ESP-only policy gets an ESP-only proposal, whatever the
  /// sainfo's compression_algorithm says, so the SAs fit the policy's templates.
  bool acquire_ipcomp = false;
  /// The acquiring policy's reqid: our SAs must carry it to be used by that policy.
  std::optional<std::uint32_t> acquire_reqid;
};

/// The phase-1 SA a peer's children run under (immutable once made, shared read-only).
struct phase1_shared {
  ike::phase1_established sa;
  std::string peer_id; ///< for logs and REMOTE_ID
};

/// Main mode or aggressive mode, behind one face.
class phase1_exchange {
public:
  explicit phase1_exchange(ike::main_mode m) : x_(std::move(m)) {}
  explicit phase1_exchange(ike::aggressive_mode a) : x_(std::move(a)) {}
  ike::phase1_step start() {
    return std::visit([](auto& x) { return x.start(); }, x_);
  }
  ike::phase1_step receive(std::span<const std::uint8_t> d) {
    return std::visit([d](auto& x) { return x.receive(d); }, x_);
  }
  const ike::phase1_established* established() const {
    return std::visit([](const auto& x) { return x.established(); }, x_);
  }
  const ike::bytes& last_sent() const {
    return std::visit([](const auto& x) -> const ike::bytes& { return x.last_sent(); }, x_);
  }
  bool aggressive() const { return x_.index() == 1; }

private:
  std::variant<ike::main_mode, ike::aggressive_mode> x_;
};

/// A peer actor's state.
struct peer_state {
  static inline const char* name = "peer";
  peer_args args;
  std::optional<phase1_exchange> mm;
  std::shared_ptr<const phase1_shared> p1;
  std::map<std::uint32_t, caf::actor> children; ///< by quick mode message ID
  std::map<std::uint32_t, const config::sainfo_block*> child_sainfo; ///< initiator's children
  std::map<caf::actor_addr, std::vector<std::string>> child_rows;
  std::uint64_t timer_gen = 0; ///< invalidates older retransmission ticks
  unsigned tries = 0;
  std::string state_text = "negotiating";
  std::chrono::system_clock::time_point created = std::chrono::system_clock::now();
  bool remote_deleted = false; ///< the peer deleted the ISAKMP SA: no Delete back
  peer_state() = default;
  peer_state(const peer_state&) = delete;
  peer_state& operator=(const peer_state&) = delete;
  /// The end of the ISAKMP SA: phase1_down script, children stopped. CAF destroys the
  /// state before attached functors run, so the clean-up lives here.
  ~peer_state();
};

caf::behavior peer_actor(caf::stateful_actor<peer_state>* self, peer_args args);

/// What a child actor is started with.
struct child_args {
  snapshot snap;
  services svc;
  caf::actor listener;
  caf::actor peer;
  std::size_t remote = 0;
  peer_endpoints ends;
  std::shared_ptr<const phase1_shared> p1;
  std::uint32_t message_id = 0;
  bool initiator = false;
  std::optional<datagram> first;            ///< responder: QM1
  const config::sainfo_block* sainfo = nullptr; ///< initiator: what to propose (in snap.cfg)
  bool offer_ipcomp = true;                 ///< initiator: may propose IPComp
  std::optional<std::uint32_t> reqid; ///< the SAs' reqid (an acquiring policy's); else ours
};

/// A child actor's state.
struct child_state {
  static inline const char* name = "child";
  child_args args;
  std::optional<ike::quick_mode> qm;
  const config::sainfo_block* sainfo = nullptr;
  std::vector<datagram> waiting; ///< datagrams that came before the SPIs
  std::uint32_t spi = 0;
  std::uint16_t cpi = 0;
  bool installed_in = false, installed_out = false;
  std::string install_error;
  std::vector<kernel_request> to_remove; ///< delete requests for what was installed
  bool policies = false;
  std::uint64_t timer_gen = 0;
  unsigned tries = 0;
  caf::actor_addr self_addr;
  bool remote_deleted = false; ///< the peer deleted these SAs: no Delete back
  child_state() = default;
  child_state(const child_state&) = delete;
  child_state& operator=(const child_state&) = delete;
  /// Removes the SAs and policies this child installed.
  ~child_state();
};

caf::behavior child_actor(caf::stateful_actor<child_state>* self, child_args args);

/// The datagram of a protected informational carrying `body` under `p1`, to `ends`;
/// nullopt (logged) when it cannot be built.
std::optional<outgoing> informational_to(const peer_endpoints& ends, const phase1_shared& p1,
                                         const std::vector<ike::payload>& body);

/// "c0ffee..:12ab.." for logs and show-sa.
std::string cookie_text(const ike::cookie& i, const ike::cookie& r);

} // namespace coati::actors
