#pragma once
// coati-load's roadwarrior login, as a hybrid_rsa_client would do it against a hub that
// is a hybrid_rsa_server (racoon's roadwarrior setup):
//
//   phase 1   MM1..MM6 or AM1..AM3: the hub signs with its certificate (checked against
//             --ca), we send HASH only; MM1/AM1 carry the XAuth and Unity vendor IDs
//   XAuth     <-- REQUEST   REPLY (user, password) -->   <-- SET (status)   ACK -->
//   Mode Cfg  REQUEST -->   <-- REPLY (the address leased from the hub's pool, DNS...)
//   [quick]   QM1 (IDci = leased address/32) -->   <-- QM2   QM3 -->
//
// Pure, like the ike/ exchanges it strings together: datagrams in, datagrams out. The
// driver's poll loop owns the socket, routes replies by initiator cookie, retransmits
// last_sent() on its timer and counts what each step reports.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "crypto/secret.hpp"
#include "ike/aggressive_mode.hpp"
#include "ike/main_mode.hpp"
#include "ike/mode_cfg.hpp"
#include "ike/quick_mode.hpp"
#include "ike/xauth.hpp"
#include "tools/load/driver.hpp"

namespace coati::load {

/// What every login from one local address shares.
struct login_setup {
  ike::phase1_identity me;   ///< our ID (our address); no certificate, no key
  ike::phase1_policy policy; ///< hybrid client offers, the CA, XAuth + Unity VIDs
  bool aggressive = false;   ///< aggressive mode instead of main mode
  crypto::secret_bytes password;
  bool quick = false;           ///< a quick mode for the leased address after Mode Config
  ike::phase2_policy p2;        ///< its offers
  ike::id_payload quick_remote; ///< its IDcr
};

/// The setup for logins as `o` asks (--hybrid, --aggressive, --password, --quick), from an
/// address whose ID is `me`: `o.offers` made hybrid (we are the XAuth client), the XAuth and
/// Unity vendor IDs, `cas` to check the hub's certificate.
login_setup login_setup_for(const load_options& o, const ike::phase1_identity& me,
                            std::shared_ptr<const crypto::cert_store> cas,
                            const ike::phase2_policy& p2, const ike::id_payload& quick_remote);

/// What one step of a login says to the driver.
struct login_step {
  std::vector<ike::bytes> send; ///< datagrams to send now, in order
  bool awaits_reply = false;    ///< `send` is a fresh request: restart the retransmission timer
  bool duplicate = false;       ///< a copy of something handled already (`send`: our stored answer)
  std::string ignored;          ///< not empty: the datagram was ignored, why
  std::string failed;           ///< not empty: the login failed; a short reason, to count
  std::string detail;           ///< with `failed`: the exchange's own words
  bool cross_wired = false;     ///< with `failed`: a reply that does not verify under our keys
  bool phase1_up = false;       ///< the ISAKMP SA came up in this step
  bool xauth_ok = false;        ///< the hub's XAuth SET said ok in this step
  bool configured = false;      ///< Mode Config gave us an address in this step
  bool done = false;            ///< the login is complete
};

/// One roadwarrior login: its exchanges in order. Neither copied nor moved: the XAuth,
/// Mode Config and quick mode objects borrow the phase-1 keys held inside.
class login {
public:
  login(const login_setup& setup, std::string user, ike::cookie icookie);
  login(const login&) = delete;
  login& operator=(const login&) = delete;

  /// MM1 or AM1.
  login_step start();
  /// A datagram that carries our initiator cookie (header `h` already decoded).
  login_step receive(const ike::header& h, std::span<const std::uint8_t> d);

  /// What to send again when the hub stays silent.
  const ike::bytes& last_sent() const;
  /// "(waiting for MM4)", "(waiting for the XAuth SET)"... for a failure's text.
  std::string waiting_for() const;
  /// The ISAKMP SA, once up.
  const ike::phase1_established* phase1() const;
  /// The address Mode Config gave us, once it did.
  const std::optional<ike::ipv4_address>& address() const { return address_; }
  const std::string& user() const { return user_; }

private:
  enum class stage : std::uint8_t { phase1, xauth_request, xauth_set, config, quick, done };

  login_step on_phase1(std::span<const std::uint8_t> d);
  login_step on_transaction(std::span<const std::uint8_t> d);
  login_step on_quick(const ike::header& h, std::span<const std::uint8_t> d);
  login_step start_quick(login_step s);
  ike::phase1_context context() const;

  const login_setup& setup_;
  std::string user_;
  stage st_ = stage::phase1;
  std::variant<ike::main_mode, ike::aggressive_mode> p1_;
  std::optional<ike::xauth_client> xauth_;
  std::optional<ike::mode_cfg_client> config_;
  std::optional<ike::quick_mode> quick_;
  std::uint32_t quick_mid_ = 0;
  std::optional<ike::ipv4_address> address_;
};

} // namespace coati::load
