#pragma once
// A classic libpcap file writer for tests: each datagram framed as Ethernet / IPv4 / UDP.

#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace coati::ike::test {

/// Writes UDP datagrams between two IPv4 endpoints into a .pcap file (link type Ethernet).
class pcap_writer {
public:
  using addr = std::array<std::uint8_t, 4>;

  explicit pcap_writer(const std::string& path) : out_(path, std::ios::binary) {
    put32(0xa1b2c3d4); // magic, microsecond timestamps
    put16(2);          // version major
    put16(4);          // version minor
    put32(0);          // thiszone
    put32(0);          // sigfigs
    put32(65535);      // snaplen
    put32(1);          // link type Ethernet
  }

  bool ok() const { return out_.good(); }

  /// Appends one UDP datagram; `time_ms` is the packet's timestamp in milliseconds.
  void add(const addr& src, std::uint16_t sport, const addr& dst, std::uint16_t dport,
           const std::vector<std::uint8_t>& payload, std::uint32_t time_ms) {
    std::vector<std::uint8_t> f;
    auto b16 = [&](std::uint16_t v) {
      f.push_back(static_cast<std::uint8_t>(v >> 8));
      f.push_back(static_cast<std::uint8_t>(v));
    };
    // Ethernet: locally administered MACs derived from the last address byte.
    for (auto m : {std::uint8_t{0x02}, std::uint8_t{0}, std::uint8_t{0}, std::uint8_t{0},
                   std::uint8_t{0}, dst[3]})
      f.push_back(m);
    for (auto m : {std::uint8_t{0x02}, std::uint8_t{0}, std::uint8_t{0}, std::uint8_t{0},
                   std::uint8_t{0}, src[3]})
      f.push_back(m);
    b16(0x0800); // IPv4
    auto ip_start = f.size();
    auto total = static_cast<std::uint16_t>(20 + 8 + payload.size());
    f.push_back(0x45); // version 4, IHL 5
    f.push_back(0);    // DSCP/ECN
    b16(total);        // total length
    b16(++ip_id_);     // identification
    b16(0x4000);       // don't fragment
    f.push_back(64);   // TTL
    f.push_back(17);   // UDP
    b16(0);            // checksum, patched below
    f.insert(f.end(), src.begin(), src.end());
    f.insert(f.end(), dst.begin(), dst.end());
    std::uint32_t sum = 0;
    for (std::size_t i = ip_start; i < ip_start + 20; i += 2)
      sum += (f[i] << 8) | f[i + 1];
    while (sum >> 16)
      sum = (sum & 0xffff) + (sum >> 16);
    auto csum = static_cast<std::uint16_t>(~sum);
    f[ip_start + 10] = static_cast<std::uint8_t>(csum >> 8);
    f[ip_start + 11] = static_cast<std::uint8_t>(csum);
    b16(sport);                                          // UDP source port
    b16(dport);                                          // UDP destination port
    b16(static_cast<std::uint16_t>(8 + payload.size())); // UDP length
    b16(0);                                              // no UDP checksum (IPv4)
    f.insert(f.end(), payload.begin(), payload.end());
    put32(time_ms / 1000);                       // seconds
    put32((time_ms % 1000) * 1000);              // microseconds
    put32(static_cast<std::uint32_t>(f.size())); // captured length
    put32(static_cast<std::uint32_t>(f.size())); // original length
    out_.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
    out_.flush();
  }

private:
  void put16(std::uint16_t v) { out_.write(reinterpret_cast<const char*>(&v), 2); }
  void put32(std::uint32_t v) { out_.write(reinterpret_cast<const char*>(&v), 4); }

  std::ofstream out_;
  std::uint16_t ip_id_ = 0;
};

} // namespace coati::ike::test
