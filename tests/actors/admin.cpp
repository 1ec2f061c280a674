// The admin actor: frames in, frames out, over a real UNIX socket it creates.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <filesystem>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "actors/admin.hpp"
#include "actors/daemon.hpp"
#include "fixture.hpp"

using namespace coati;
using namespace coati::actors;

namespace {

/// Sends one request on a fresh connection; "" when the connection fails.
std::string ask(const std::string& path, const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 && write_frame(fd, request))
    read_frame(fd, answer);
  ::close(fd);
  return answer;
}

} // namespace

BOOST_AUTO_TEST_SUITE(admin_actor)

BOOST_FIXTURE_TEST_CASE(serves_the_socket, test::actor_fixture) {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("coati-admin-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto path = (dir / "sub" / "racoon.sock").string(); // parent folders made by admin
  daemon_options o;
  o.load = [](const std::string&) { return config::load_result{}; };
  o.bind_sockets = false;
  o.with_admin = false; // this test spawns its own admin actor
  auto d = sys.spawn(actors::daemon, o, std::make_shared<config::configuration>());
  auto a = sys.spawn(admin, d, admin_options{path, 0640, "", "", false});
  BOOST_TEST(eventually([&] { return fs::exists(path); }));
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0640u);
  BOOST_TEST(S_ISSOCK(st.st_mode));
  auto status = ask(path, "status");
  BOOST_TEST(status.starts_with("ok\n"));
  BOOST_TEST(status.find("daemon.generation 1\n") != std::string::npos);
  auto stats = ask(path, "stats");
  BOOST_TEST(stats.find("stats.fanouts 1\n") != std::string::npos);
  BOOST_TEST(stats.find("listener.messages_handled ") != std::string::npos);
  BOOST_TEST(ask(path, "frobnicate") == "error\nunknown command: frobnicate\n");
  BOOST_TEST(ask(path, "debug-crash listener").starts_with("error\ntest hooks are off"));
  auto c = status_of(a).values;
  BOOST_TEST(c["admin.requests"] == 4);
  BOOST_TEST(c["admin.errors"] == 2);
  // Stopping the actor removes the socket file.
  self->send_exit(a, caf::exit_reason::user_shutdown);
  BOOST_TEST(eventually([&] { return !fs::exists(path); }));
  self->send_exit(d, caf::exit_reason::user_shutdown);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
