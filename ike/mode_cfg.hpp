#pragma once
// Mode Config (draft-dukes-ike-mode-cfg-02) with the Cisco Unity attributes, over
// transaction exchanges, as two pure state machines.
//
//   pull:  C->S  new M-ID: REQUEST {types wanted, empty; maybe a suggested address}
//          (the server's caller finds the values, e.g. leases an address, then answer())
//          S->C  same M-ID: REPLY  {values}
//   push:  S->C  new M-ID: SET     {values}
//          C->S  same M-ID: ACK    {types accepted, empty}
//
// What the server answers, after racoon (isakmp_cfg.c isakmp_cfg_request, isakmp_unity.c):
// for each type asked, the values it has, in the order asked; a type it does not know or
// has no value for is left out of the REPLY (racoon logs "Ignored attribute" and sends
// nothing for it; vpnc only insists on INTERNAL_IP4_ADDRESS, strongSwan takes what comes);
// a REQUEST is never failed for what it asks. An address the client suggests in its
// REQUEST is handed to the caller in `mode_cfg_request::suggested_address` for it to
// decide; racoon ignores it and leases from its pool, and so does a hub that just passes
// pool values to answer(). Unity attributes are answered only when the peer sent the Unity
// vendor ID (the `unity` flag), like racoon. UNITY_DDNS_HOSTNAME is echoed as racoon does.
//
// Everything read from the wire is untrusted: addresses of the wrong size and split lists
// that are not whole 14-byte entries are skipped (and reported), strings are kept as
// received minus trailing NULs: escape them before logging or handing them to scripts.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ike/transaction.hpp"

namespace coati::ike {

/// The types a Mode Config client asks for by default (what vpnc asks, minus what coati
/// does not use); with `unity` also the Cisco Unity ones.
std::vector<std::uint16_t> default_mode_cfg_request(bool unity = true);

/// Mode Config attributes for `v`: for each type in `asked` (in order) the values set for
/// it, or every value set when `asked` is empty (a push). Unity types only when `unity`.
std::vector<data_attribute> encode_mode_cfg(const mode_cfg_values& v,
                                            std::span<const std::uint16_t> asked, bool unity);

/// Reads Mode Config attributes (a REPLY or SET) into values. Types not understood, and
/// values of the wrong size, are skipped; their types go to `skipped` when given.
mode_cfg_values decode_mode_cfg(const std::vector<data_attribute>& attrs,
                                std::vector<std::uint16_t>* skipped = nullptr);

/// Cisco Unity split networks as one attribute value: 14 bytes each (address, mask,
/// protocol, source port, destination port, all big-endian).
bytes encode_split_networks(std::span<const split_network> nets);
/// The reverse; nullopt unless the value is a whole number of 14-byte entries.
std::optional<std::vector<split_network>> decode_split_networks(std::span<const std::uint8_t> v);

/// The hub's side of Mode Config for one ISAKMP SA: pull and push, one exchange at a time.
class mode_cfg_server {
public:
  /// `unity`: the peer sent the Cisco Unity vendor ID.
  explicit mode_cfg_server(phase1_context p1, bool unity = true);

  /// A transaction datagram: a REQUEST (new exchange) -> provide_values with `request`;
  /// the ACK of a push -> succeeded; duplicates are answered from the store.
  xact_step receive(std::span<const std::uint8_t> datagram);
  /// The REPLY to the pending REQUEST, built from `values` (succeeded).
  xact_step answer(const mode_cfg_values& values);
  /// Pushes `values` in a SET (new exchange, `message_id` 0 = random); the ACK ends it.
  xact_step push(const mode_cfg_values& values, std::uint32_t message_id = 0);

  /// What the pending (or last) REQUEST asked.
  const mode_cfg_request& request() const { return request_; }
  /// The last datagram sent, for the actor's retransmission timer (push).
  const bytes& last_sent() const { return core_.last_sent(); }
  /// The exchange in progress.
  std::uint32_t message_id() const { return core_.message_id(); }
  /// The shared machinery (IV chain), for tests and the fuzzer.
  const detail::xact_core& core() const { return core_; }

private:
  enum class state : std::uint8_t { idle, need_values, pushed };

  detail::xact_core core_;
  bool unity_;
  state state_ = state::idle;
  mode_cfg_request request_;
};

/// coati's side as a Mode Config client.
class mode_cfg_client {
public:
  explicit mode_cfg_client(phase1_context p1);

  /// A REQUEST for `wanted` (new exchange, `message_id` 0 = random), suggesting an address
  /// when given.
  xact_step request(std::vector<std::uint16_t> wanted = default_mode_cfg_request(),
                    std::uint32_t message_id = 0,
                    std::optional<ipv4_address> suggest = std::nullopt);
  /// A transaction datagram: the REPLY -> values (failed without the address asked for);
  /// a pushed SET -> ACK and values.
  xact_step receive(std::span<const std::uint8_t> datagram);

  /// The values received last.
  const mode_cfg_values& values() const { return values_; }
  /// The last datagram sent, for the actor's retransmission timer (pull).
  const bytes& last_sent() const { return core_.last_sent(); }
  /// The exchange in progress.
  std::uint32_t message_id() const { return core_.message_id(); }
  /// The shared machinery (IV chain), for tests and the fuzzer.
  const detail::xact_core& core() const { return core_; }

private:
  detail::xact_core core_;
  bool waiting_ = false;
  bool want_address_ = false;
  mode_cfg_values values_;
};

} // namespace coati::ike
