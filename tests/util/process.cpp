#define BOOST_TEST_MODULE util_process
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>

#include "util/process.hpp"

using namespace coati::process;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(exact_environment_and_arguments) {
  spec s;
  s.path = "/usr/bin/env";
  s.env = {"REMOTE_ADDR=198.51.100.3", "LOCAL_PORT=500"};
  auto o = run(s);
  BOOST_TEST(o.success());
  // Only what we passed: racoon gives scripts no PATH either.
  BOOST_TEST(o.output == "REMOTE_ADDR=198.51.100.3\nLOCAL_PORT=500\n");
  s.path = "/bin/echo";
  s.args = {"phase1_up", "x y"};
  BOOST_TEST(run(s).output == "phase1_up x y\n");
  BOOST_TEST(o.describe() == "exit 0");
}

BOOST_AUTO_TEST_CASE(exit_status_and_stderr) {
  spec s;
  s.path = "/bin/sh";
  s.args = {"-c", "echo oops >&2; exit 3"};
  auto o = run(s);
  BOOST_TEST(!o.success());
  BOOST_TEST((o.how == outcome::kind::exited));
  BOOST_TEST(o.code == 3);
  BOOST_TEST(o.output == "oops\n");
}

BOOST_AUTO_TEST_CASE(timeout_kills_the_whole_group) {
  spec s;
  s.path = "/bin/sh";
  // A child that ignores SIGTERM in the background, the script itself sleeping.
  s.args = {"-c", "(trap '' TERM; sleep 30) & sleep 30"};
  s.timeout = 300ms;
  auto o = run(s);
  BOOST_TEST((o.how == outcome::kind::timed_out));
  BOOST_TEST(o.took < 5000ms);
  BOOST_TEST(o.describe().find("timed out") == 0u);
}

BOOST_AUTO_TEST_CASE(missing_program) {
  spec s;
  s.path = "/nonexistent/phase1_up.sh";
  auto o = run(s);
  BOOST_TEST((o.how == outcome::kind::failed_to_start || o.code == 127));
  BOOST_TEST(!o.success());
}

BOOST_AUTO_TEST_CASE(output_is_capped) {
  spec s;
  s.path = "/bin/sh";
  s.args = {"-c", "i=0; while [ $i -lt 2000 ]; do echo 0123456789; i=$((i+1)); done"};
  s.max_output = 100;
  auto o = run(s);
  BOOST_TEST(o.success());
  BOOST_TEST(o.output.size() == 100u);
}
