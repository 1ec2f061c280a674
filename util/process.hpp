#pragma once
// Running an external program (hook scripts, nsupdate...) with an exact environment,
// a time limit, and its outcome. Blocking: call it from a worker, never a scheduler thread.

#include <chrono>
#include <string>
#include <vector>

namespace coati::process {

/// What happened to the program.
struct outcome {
  enum class kind { exited, signaled, timed_out, failed_to_start };
  kind how = kind::failed_to_start;
  int code = 0;       ///< exit status, signal number, or errno for failed_to_start
  std::string output; ///< stdout and stderr together, at most `max_output` bytes
  std::chrono::milliseconds took{0};
  /// True for exit status 0.
  bool success() const { return how == kind::exited && code == 0; }
  /// "exit 0", "killed by signal 9", "timed out after 10 s", "could not start: ...".
  std::string describe() const;
};

/// How to run it.
struct spec {
  std::string path;              ///< absolute path, executed directly (no shell, no PATH)
  std::vector<std::string> args; ///< argv[1..]; argv[0] is `path`
  std::vector<std::string> env;  ///< "NAME=value": the whole environment, nothing inherited
  std::chrono::milliseconds timeout{30000};
  std::size_t max_output = 16384;
};

/// Runs the program in its own process group; on timeout the group gets SIGTERM, then
/// SIGKILL one second later. Standard input is /dev/null.
outcome run(const spec& s);

} // namespace coati::process
