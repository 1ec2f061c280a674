#include "util/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace coati::process {
namespace {

using clock = std::chrono::steady_clock;

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

} // namespace

std::string outcome::describe() const {
  switch (how) {
  case kind::exited:
    return "exit " + std::to_string(code);
  case kind::signaled:
    return "killed by signal " + std::to_string(code);
  case kind::timed_out:
    return "timed out after " + std::to_string(took.count()) + " ms (killed)";
  case kind::failed_to_start:
    return std::string{"could not start: "} + std::strerror(code);
  }
  return "?";
}

outcome run(const spec& s) {
  outcome out;
  auto start = clock::now();
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    out.code = errno;
    return out;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> argv_s{s.path};
  argv_s.insert(argv_s.end(), s.args.begin(), s.args.end());
  std::vector<std::string> env_s = s.env;
  auto argv = c_strings(argv_s);
  auto envp = c_strings(env_s);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, s.path.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    out.code = rc;
    return out;
  }
  auto deadline = start + s.timeout;
  bool term_sent = false, open = true;
  clock::time_point kill_at{};
  char buf[4096];
  int status = 0;
  bool reaped = false;
  for (;;) {
    if (!reaped && waitpid(pid, &status, WNOHANG) == pid)
      reaped = true;
    if (reaped && !open)
      break;
    auto now = clock::now();
    if (!term_sent && now >= deadline && !(reaped && !open)) {
      kill(-pid, SIGTERM);
      term_sent = true;
      kill_at = now + std::chrono::seconds(1);
    } else if (term_sent && now >= kill_at) {
      kill(-pid, SIGKILL);
      kill_at = now + std::chrono::hours(1);
    }
    if (!open) {
      // The program closed its output but has not exited yet.
      usleep(10000);
      continue;
    }
    pollfd p{pipefd[0], POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      ssize_t n = read(pipefd[0], buf, sizeof buf);
      if (n > 0) {
        std::size_t room = s.max_output - std::min(s.max_output, out.output.size());
        out.output.append(buf, std::min(room, static_cast<std::size_t>(n)));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        open = false;
      }
    }
  }
  close(pipefd[0]);
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
  if (term_sent) {
    out.how = outcome::kind::timed_out;
    out.code = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.how = outcome::kind::signaled;
    out.code = WTERMSIG(status);
  } else {
    out.how = outcome::kind::exited;
    out.code = WEXITSTATUS(status);
  }
  return out;
}

} // namespace coati::process
