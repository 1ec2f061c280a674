#pragma once
// coati-load's engine: many main mode (and optionally quick mode) initiators against one
// responder, on a few UDP sockets (one per local address) served by one poll loop. Each
// negotiation has its own ike::main_mode / ike::quick_mode objects, so its own cookies,
// nonces, DH key and IVs; replies are routed by the initiator cookie and checked against
// the exchange they arrive for. With `hybrid`, each negotiation is a roadwarrior login
// instead (tools/load/roadwarrior.hpp: hybrid phase 1, XAuth, Mode Config, quick mode).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ike/phase1_sa.hpp"

namespace coati::load {

/// What to run.
struct load_options {
  std::string hub;                       ///< the responder's IPv4 address
  std::uint16_t hub_port = 500;          ///< its IKE port
  std::vector<std::string> from;         ///< local IPv4 addresses, used in turn (one socket each)
  std::uint16_t local_port = 500;        ///< our source port on each address
  std::size_t count = 1000;              ///< negotiations to run
  std::size_t window = 0;                ///< at most this many unfinished at once; 0: all at once
  std::string psk;                       ///< the pre-shared key (coatid finds it by our address)
  std::vector<ike::phase1_offer> offers; ///< phase-1 transforms offered, in order
  bool quick = false;                    ///< a quick mode after each phase 1
  /// PSK: negotiation i says ID_FQDN n<i>.load.test (else its address); with --cert and
  /// --ca-key, negotiation i has its own certificate (CN=n<i>.load.test, tools/load/mint.hpp)
  bool unique_ids = false;
  std::string quick_remote = "192.168.0.0/16"; ///< IDcr of each quick mode (IDci: 10.x.y.z/32)
  std::chrono::milliseconds interval{10000};   ///< retransmission interval (racoon's timer)
  unsigned counter = 5;                        ///< transmissions before giving up
  std::chrono::milliseconds timeout{120000};   ///< the whole run
  bool hold_after_mm4 = false;                 ///< keep MM5 back until every exchange has its MM4
  std::chrono::milliseconds hold_max{60000};   ///< ... then until SIGUSR1, at most this long
  unsigned retries = 0;                        ///< a negotiation that gave up starts again
  std::size_t lose_mm6 = 0; ///< drop the first MM6 of this many negotiations (a lost reply)
  std::string sa_file;      ///< where to write "ICOOKIE:RCOOKIE" of each established ISAKMP SA
  bool verbose = false;
  // Roadwarrior logins (hybrid_rsa_client + XAuth + Mode Config pull).
  bool hybrid = false;     ///< each negotiation is a roadwarrior login
  bool aggressive = false; ///< its phase 1 in aggressive mode (main mode otherwise)
  std::string user_prefix; ///< login i is user PREFIX<i> ...
  std::string user;        ///< ... or every login is this user
  std::string password;    ///< XAuth password of every user
  std::string ca_file;     ///< PEM CA(s) the hub's certificate must chain to
  // Main mode with RSA signatures (--cert, --key, --ca; not with --hybrid).
  std::string cert_file;   ///< our certificate (PEM): we sign MM5, our ID is its subject
  std::string key_file;    ///< its RSA key (PEM)
  std::string ca_key_file; ///< the CA's key (PEM): --unique-ids mints a certificate each
  std::string logins_file; ///< where to write one line per login (see main.cpp)
};

/// This process's user + system CPU time so far, in seconds.
double process_cpu_seconds();

/// What happened.
struct load_report {
  std::size_t started = 0;     ///< negotiations begun (retries not counted again)
  std::size_t completed = 0;   ///< phase 1 (and quick mode, when asked) established
  std::size_t failed = 0;      ///< gave up or refused
  std::size_t cross_wired = 0; ///< replies that did not fit the exchange they arrived for
  std::size_t retried = 0;     ///< fresh attempts after a failure
  std::size_t phase1_up = 0;   ///< ISAKMP SAs established
  std::size_t retransmits = 0; ///< our datagrams sent again after a silent interval
  std::size_t duplicates = 0;  ///< replies we had already handled (the hub's retransmissions)
  std::size_t ignored = 0;     ///< replies the exchange ignored for another reason
  std::size_t strays = 0;      ///< datagrams for no exchange of ours
  std::size_t notifies = 0;    ///< informational exchanges received
  std::size_t held = 0;        ///< exchanges held after MM4
  std::size_t lost = 0;        ///< MM6s dropped on purpose (--lose-mm6)
  std::map<std::string, std::size_t> failures;    ///< reason -> count
  std::map<std::string, std::size_t> ignored_why; ///< reason -> count
  std::vector<std::string> failed_cookies;        ///< "ICOOKIE reason" of each failure
  std::vector<std::string> cross_wired_samples;   ///< the first few, with the reason
  double seconds = 0;                             ///< first MM1 to the last outcome
  double setup_cpu_s = 0; ///< our CPU time before the first MM1 (certificates minted...)
  double p50_ms = 0, p99_ms = 0, max_ms = 0; ///< completed negotiations' own durations
  std::size_t xauth_ok = 0;                  ///< logins: XAuth SETs that said ok
  std::size_t configured = 0;                ///< logins: Mode Config REPLYs with an address
  std::size_t addresses = 0;                 ///< logins: distinct addresses received
};

/// Runs the negotiations; throws std::runtime_error when the sockets cannot be set up.
load_report run_load(const load_options& opts);

/// Parses "3des-sha1-modp1024", "aes128-sha256-modp2048" (PSK auth; the driver makes them
/// rsasig with --cert); throws on others.
ike::phase1_offer parse_offer(const std::string& text);

} // namespace coati::load
