#pragma once
// From a configuration snapshot to what one exchange needs: the remote block that answers
// a peer, its phase-1 offers, identity and policy, the pre-shared keys of psk.txt, and the
// sainfo for a pair of quick mode IDs. Certificates, keys and CA stores are read once per
// snapshot (load_credentials) and shared read-only by every peer actor.

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "crypto/rsa.hpp"
#include "crypto/secret.hpp"
#include "crypto/x509.hpp"
#include "ike/main_mode.hpp"
#include "ike/quick_mode.hpp"

namespace coati::actors {

/// One remote block's own certificate and key, read from its `certificate_type` line.
struct remote_credentials {
  std::optional<crypto::certificate> cert;
  std::shared_ptr<const crypto::private_key> key;
  std::string problem; ///< why the block cannot sign (logged once at load), empty if it can
};

/// Everything secret or slow to read that a snapshot needs, read once.
struct credentials {
  std::vector<remote_credentials> remotes;         ///< by index in configuration::remotes
  std::shared_ptr<const crypto::cert_store> cas;   ///< the `path certificate` folder's hash links
  std::map<std::string, crypto::secret_bytes> psk; ///< psk.txt: identifier text -> key
};

/// Reads psk.txt as racoon does: "identifier key" per line, '#' comments, blank lines,
/// a key given as "0x..." is hex. Problems (unreadable file, a line without a key, a
/// group- or world-readable file) are added to `problems`; good lines are still used.
std::map<std::string, crypto::secret_bytes> read_psk_file(const std::string& path,
                                                          std::vector<std::string>& problems);

/// Reads the certificates, keys, CA folder and psk.txt a configuration names. Never
/// fails: what cannot be read is described in `problems` and the remote concerned cannot
/// use RSA signatures.
std::shared_ptr<const credentials> load_credentials(const config::configuration& cfg,
                                                    std::vector<std::string>& problems);

/// The remote block for a peer: `remote ADDRESS` (with a matching port, if one is given)
/// first, then `remote anonymous`. nullopt when none applies.
std::optional<std::size_t> find_remote(const config::configuration& cfg,
                                       const config::ip_address& peer, std::uint16_t port);

/// The phase-1 offers of a remote block, as the exchange needs them: racoon's wire
/// numbers (the Init value for hybrid and XAuth methods, `*_server` and `*_client` alike)
/// with our XAuth role from the method's name. GSSAPI proposals are left out and named in
/// `skipped`.
std::vector<ike::phase1_offer> phase1_offers(const config::remote_block& r,
                                             std::vector<std::string>* skipped = nullptr);

/// Identity and policy for one main mode with `peer`, from our address `local`.
/// Offers where we sign (rsasig, xauth_rsa_*, hybrid_rsa_server) need the block's
/// certificate and key: without them they are dropped (`why` says so) and nullopt comes
/// only when nothing is left; a hybrid_rsa_client needs only the CAs. nullopt (with
/// `why`) when the block has nothing usable.
struct phase1_setup {
  ike::phase1_identity me;
  ike::phase1_policy policy;
};
std::optional<phase1_setup> make_phase1(const config::configuration& cfg, std::size_t remote,
                                        const credentials& creds, const config::ip_address& local,
                                        const config::ip_address& peer, std::string& why);

/// An ID payload naming one address (ID_IPV4_ADDR / ID_IPV6_ADDR), with protocol and port.
ike::id_payload address_id(const config::ip_address& a, std::uint8_t proto = 0,
                           std::uint16_t port = 0);

/// racoon's proposal_check mode as the protocol core's.
ike::proposal_check check_of(config::proposal_check_mode m);

/// A quick mode ID for a sainfo side (address, subnet or range, with port and protocol).
std::optional<ike::id_payload> id_of(const config::sainfo_id& s);

/// The phase-2 policy a sainfo block asks for.
ike::phase2_policy phase2_of(const config::sainfo_block& s, const config::remote_block& r);

/// What the responder's sainfo search found.
struct sainfo_match {
  const config::sainfo_block* sainfo = nullptr;  ///< the one that applies; nullptr: none
  const config::sainfo_block* refused = nullptr; ///< when none: the first whose IDs matched
                                                 ///< but whose `group` the user is not in
};

/// The responder's sainfo for the initiator's IDs and the phase-1's XAuth user's `groups`
/// (empty without XAuth): `local` must equal IDcr (our side) and `remote` IDci, exactly as
/// racoon compares them; `sainfo anonymous` catches the rest. A sainfo with a `group`
/// applies only to members of that group: the first matching sainfo the user may use is
/// taken, and when sainfos name these IDs but none of them is for the user, the quick mode
/// is refused (`sainfo anonymous` is not tried: as racoon, the group narrows a sainfo, it
/// never widens to the catch-all).
sainfo_match match_sainfo(const config::configuration& cfg, const ike::id_payload& idci,
                          const ike::id_payload& idcr, const std::vector<std::string>& groups);

/// match_sainfo for a peer without XAuth groups; nullptr when nothing applies.
const config::sainfo_block* find_sainfo(const config::configuration& cfg,
                                        const ike::id_payload& idci, const ike::id_payload& idcr);

/// The sainfo blocks an initiator proposes to a peer: those with both sides given as
/// addresses (anonymous ones have no IDs to propose).
std::vector<const config::sainfo_block*> initiator_sainfos(const config::configuration& cfg);

} // namespace coati::actors
