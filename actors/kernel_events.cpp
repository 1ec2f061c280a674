#include "actors/kernel_events.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <utility>

#include "util/log.hpp"

namespace coati::actors {

event_reader::event_reader(std::optional<kernel::xfrm_events> ev,
                           std::optional<kernel::net_events> net)
    : ev_(std::move(ev)), net_(std::move(net)) {
  stop_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread{[this] { run(); }};
}

event_reader::~event_reader() {
  std::uint64_t one = 1;
  if (::write(stop_, &one, sizeof one) < 0)
    COATI_LOG(warning, "kernel", "cannot wake the event thread");
  thread_.join();
  ::close(stop_);
}

void event_reader::read_xfrm() {
  auto got = ev_->drain();
  if (!got) {
    errors += 1;
    return;
  }
  auto to = subscriber();
  for (auto& e : got.value()) {
    if (std::holds_alternative<kernel::acquire_event>(e))
      acquires += 1;
    else if (std::holds_alternative<kernel::expire_event>(e))
      expires += 1;
    else if (!pass_mapping(std::get<kernel::mapping_event>(e)))
      continue;
    if (to)
      caf::anon_send(to, kernel_event{std::make_shared<const kernel::xfrm_event>(std::move(e))});
  }
}

bool event_reader::pass_mapping(const kernel::mapping_event& m) {
  mappings += 1;
  auto now = std::chrono::steady_clock::now();
  auto& l = last_mapping_;
  if (l.spi == m.spi && l.src == m.new_src && l.sport == m.new_sport &&
      now - l.at < std::chrono::seconds{1})
    return false;
  l = last_mapping{m.spi, m.new_src, m.new_sport, now};
  mappings_passed += 1;
  return true;
}

void event_reader::read_net() {
  auto got = net_->drain();
  if (!got) {
    net_errors += 1;
    return;
  }
  auto to = subscriber();
  bool added = false, removed = false; // routes: one message of each kind per read
  for (auto& e : got.value()) {
    net_seen += 1;
    if (e.what == kernel::net_event::kind::route_added && std::exchange(added, true))
      continue;
    if (e.what == kernel::net_event::kind::route_removed && std::exchange(removed, true))
      continue;
    if (to)
      caf::anon_send(to, net_atom_v, std::string{kernel::to_string(e.what)}, e.address);
  }
}

void event_reader::run() {
  pollfd fds[3] = {
      {stop_, POLLIN, 0}, {ev_ ? ev_->fd() : -1, POLLIN, 0}, {net_ ? net_->fd() : -1, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[0].revents != 0)
      return;
    if (fds[1].revents != 0)
      read_xfrm();
    if (fds[2].revents != 0)
      read_net();
  }
}

} // namespace coati::actors
