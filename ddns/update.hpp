#pragma once
// RFC 2136 DNS UPDATE messages, TSIG-signed (RFC 8945, hmac-sha256 and the other HMACs
// ldns knows), built and checked with ldns; bind's key file format; one blocking round
// trip over UDP with a time limit (call it from a worker thread, never a scheduler thread).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret.hpp"

namespace coati::ddns {

/// A TSIG key as bind's `key "NAME" { algorithm ALG; secret "BASE64"; };` gives it.
struct tsig_key {
  std::string name;          ///< the key's name, e.g. "coati-ddns"
  std::string algorithm;     ///< e.g. "hmac-sha256"
  crypto::secret_bytes data; ///< the base64 secret with a trailing NUL (ldns wants text)
};

/// Parses the first `key` statement of bind's key file text; nullopt and `why` when there
/// is none or it lacks its algorithm or secret, or the algorithm is not an HMAC.
std::optional<tsig_key> parse_key(std::string_view text, std::string& why);
/// Reads and parses a key file; nullopt and `why` on failure (the secret is never in `why`).
std::optional<tsig_key> load_key(const std::string& path, std::string& why);

/// DNS record types we write.
enum class rr_type : std::uint16_t { a = 1, ptr = 12 };

/// One change of an UPDATE's update section.
struct rr_change {
  bool add = true;  ///< false: delete the whole RRset (name, type), class ANY
  std::string name; ///< absolute, without the trailing dot
  rr_type type = rr_type::a;
  std::uint32_t ttl = 0; ///< of an added record
  std::string data;      ///< an added record's data: dotted quad (A) or a name (PTR)
  bool operator==(const rr_change&) const = default;
};

/// One UPDATE message: a zone and its changes, in order (no prerequisites).
struct update_msg {
  std::string zone;
  std::vector<rr_change> changes;
  bool operator==(const update_msg&) const = default;
};

/// Wire bytes of `m` with message id `id`, signed with `key` when given (time signed: now,
/// fudge 300 s); `mac` gets the request MAC then (to check the answer's signature).
/// Throws std::invalid_argument on a name or address ldns does not take.
std::vector<std::uint8_t> build_update(const update_msg& m, std::uint16_t id, const tsig_key* key,
                                       std::vector<std::uint8_t>* mac = nullptr);

/// True when the TSIG record that ends `wire` verifies with `key` (`request_mac` empty for
/// a request, the request's MAC for an answer).
bool verify_tsig(const std::vector<std::uint8_t>& wire, const tsig_key& key,
                 const std::vector<std::uint8_t>& request_mac = {});

/// How one UPDATE round trip went.
struct outcome {
  enum class kind : std::uint8_t {
    ok,
    timeout,  ///< no answer in time
    network,  ///< socket error (unreachable, refused port)
    badsig,   ///< TSIG error BADSIG, or an answer whose signature does not verify
    badkey,   ///< TSIG error BADKEY: the server does not know the key
    badtime,  ///< TSIG error BADTIME: clocks too far apart
    notauth,  ///< rcode NOTAUTH: not authoritative, or not authorised with this key
    refused,  ///< rcode REFUSED: the server's policy says no
    servfail, ///< rcode SERVFAIL
    other,    ///< another rcode or a malformed answer
  };
  kind what = kind::ok;
  std::string text; ///< for the log
  bool ok() const { return what == kind::ok; }
};

/// The counter suffix for `k` ("ok", "timeout", "badsig", ...).
std::string_view kind_name(outcome::kind k);

/// Sends `m` to server:port over UDP and waits at most `limit` for the answer. Blocking.
outcome send_update(const update_msg& m, const std::string& server, std::uint16_t port,
                    const tsig_key* key, std::chrono::milliseconds limit);

/// "%u-vpn" + "alice" + "local" -> "alice-vpn.local"; the user is lowercased and every
/// character outside [a-z0-9-] becomes '-'. Empty when the result is not a usable name.
std::string forward_name(std::string_view pattern, std::string_view user, std::string_view zone);
/// "192.168.201.20" -> "20.201.168.192.in-addr.arpa"; empty when not a dotted quad.
std::string reverse_name(std::string_view ipv4);
/// True when `name` is `zone` or lies under it (case-insensitive).
bool in_zone(std::string_view name, std::string_view zone);

} // namespace coati::ddns
