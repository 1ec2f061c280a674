// coati-lab-delay LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT DELAY_MS
// A TCP relay for the lab: every byte a client sends is held DELAY_MS before it goes on to
// the target; the target's answers go back at once. A server behind it answers every
// request DELAY_MS late, as a loaded or distant directory does (the kernel has no netem
// here). One thread, poll(2); stops on SIGTERM. Prints one line per connection.

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace {

long long now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

sockaddr_in address(const char* host, const char* port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(std::atoi(port)));
  if (::inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    std::fprintf(stderr, "coati-lab-delay: bad address %s\n", host);
    std::exit(2);
  }
  return a;
}

/// One client and its connection to the target.
struct relay {
  int client = -1, server = -1;
  std::deque<std::pair<long long, std::string>> held; ///< client bytes and when they are due
  std::string to_server, to_client;                   ///< due, not yet written
  bool client_done = false; ///< the client closed its side (passed on when due)
  bool closing = false;
  ~relay() {
    if (client >= 0)
      ::close(client);
    if (server >= 0)
      ::close(server);
  }
};

volatile std::sig_atomic_t stop = 0;

/// Writes what it can of `buf` to `fd`; false on a broken connection.
bool flush(int fd, std::string& buf) {
  while (!buf.empty()) {
    auto n = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0)
      return errno == EAGAIN || errno == EWOULDBLOCK;
    buf.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: coati-lab-delay LISTEN_ADDR LISTEN_PORT TARGET_ADDR "
                         "TARGET_PORT DELAY_MS\n");
    return 2;
  }
  auto listen_at = address(argv[1], argv[2]);
  auto target = address(argv[3], argv[4]);
  long long delay = std::atoll(argv[5]);
  std::signal(SIGTERM, [](int) { stop = 1; });
  std::signal(SIGINT, [](int) { stop = 1; });
  int l = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(l, reinterpret_cast<sockaddr*>(&listen_at), sizeof listen_at) != 0 ||
      ::listen(l, 256) != 0) {
    std::perror("coati-lab-delay: bind/listen");
    return 1;
  }
  std::printf("relaying %s:%s -> %s:%s, client bytes held %lld ms\n", argv[1], argv[2], argv[3],
              argv[4], delay);
  std::fflush(stdout);
  std::vector<std::unique_ptr<relay>> relays;
  long long accepted = 0;
  while (!stop) {
    std::vector<pollfd> fds{{l, POLLIN, 0}};
    long long next = -1;
    for (auto& r : relays) {
      // A client that closed is not polled (its hang-up would wake poll at once, over and
      // over); what is left for it is written on each round.
      fds.push_back({r->client_done ? -1 : r->client,
                     static_cast<short>(POLLIN | (r->to_client.empty() ? 0 : POLLOUT)), 0});
      fds.push_back(
          {r->server, static_cast<short>(POLLIN | (r->to_server.empty() ? 0 : POLLOUT)), 0});
      if (!r->held.empty() && (next < 0 || r->held.front().first < next))
        next = r->held.front().first;
    }
    int wait = next < 0 ? 1000 : static_cast<int>(std::max(0LL, next - now_ms()));
    if (::poll(fds.data(), fds.size(), std::min(wait, 1000)) < 0 && errno != EINTR)
      break;
    auto t = now_ms();
    if (fds[0].revents & POLLIN) {
      int c = ::accept(l, nullptr, nullptr);
      if (c >= 0) {
        auto r = std::make_unique<relay>();
        r->client = c;
        r->server = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(r->server, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0) {
          ::fcntl(c, F_SETFL, ::fcntl(c, F_GETFL) | O_NONBLOCK);
          ::fcntl(r->server, F_SETFL, ::fcntl(r->server, F_GETFL) | O_NONBLOCK);
          std::printf("connection %lld\n", ++accepted);
          std::fflush(stdout);
          relays.push_back(std::move(r));
        } else {
          std::perror("coati-lab-delay: connect to the target");
        }
      }
    }
    char buf[16384];
    // The relays polled above (one accepted just now has no entries in `fds` yet).
    std::size_t polled = (fds.size() - 1) / 2;
    for (std::size_t i = 0; i < polled; ++i) {
      auto& r = *relays[i];
      const auto& cf = fds[1 + 2 * i];
      const auto& sf = fds[2 + 2 * i];
      if (cf.revents & (POLLIN | POLLHUP | POLLERR)) {
        auto n = ::recv(r.client, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0)
          r.held.emplace_back(t + delay, std::string(buf, static_cast<std::size_t>(n)));
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
          r.client_done = true;
          r.held.emplace_back(t + delay, std::string{}); // the end, passed on when due
        }
      }
      if (sf.revents & (POLLIN | POLLHUP | POLLERR)) {
        auto n = ::recv(r.server, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0)
          r.to_client.append(buf, static_cast<std::size_t>(n));
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
          r.closing = true;
      }
      while (!r.held.empty() && r.held.front().first <= t) {
        if (r.held.front().second.empty())
          r.closing = true;
        r.to_server += r.held.front().second;
        r.held.pop_front();
      }
      if (!flush(r.server, r.to_server) || !flush(r.client, r.to_client))
        r.closing = true;
    }
    std::erase_if(relays, [](const auto& r) {
      return r->closing && r->to_client.empty() && r->to_server.empty();
    });
  }
  ::close(l);
  return 0;
}
