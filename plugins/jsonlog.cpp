// jsonlog: one JSON object per bus event, one line each, appended to a file and flushed
// per line (for log shippers: Filebeat, Vector, fluent-bit...).
//
//   load "jsonlog" { file "/var/log/coati/events.jsonl"; };
//
// A line: {"time":"2026-12-06T00:55:01.123Z","time_ms":...,"event":"phase1_up",
// "peer":"198.51.100.2","local":"192.0.2.1","id":"...","user":"...","lease":"...",
// "spi_in":"0x...","spi_out":"0x...","detail":"..."}; fields that do not apply are left out.
// The file is opened at start (created 0640 when missing) and reopened when it was moved
// away (log rotation). The actor is detached: a slow disk does not hold up CAF's workers.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include "actors/plugin_api.hpp"

namespace {

using coati::actors::bus_event;

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string iso_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string line_of(const bus_event& e) {
  std::string l = "{\"time\":" + json_string(iso_time(e.time_ms)) +
                  ",\"time_ms\":" + std::to_string(e.time_ms) + ",\"event\":" + json_string(e.kind);
  auto field = [&](const char* k, const std::string& v) {
    if (!v.empty())
      l += std::string{",\""} + k + "\":" + json_string(v);
  };
  field("peer", e.peer);
  field("local", e.local);
  field("id", e.id);
  field("user", e.user);
  field("lease", e.lease);
  if (e.spi_in != 0)
    field("spi_in", hex32(e.spi_in));
  if (e.spi_out != 0)
    field("spi_out", hex32(e.spi_out));
  field("detail", e.detail);
  return l + "}\n";
}

struct jsonlog_state {
  static inline const char* name = "plugin.jsonlog";
  std::string path;
  int fd = -1;
  ino_t inode = 0;
  std::function<void(const std::string&)> warn;
  ~jsonlog_state() {
    if (fd >= 0)
      ::close(fd);
  }
  bool open_file() {
    if (fd >= 0)
      ::close(fd);
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    struct stat sb {};
    inode = fd >= 0 && ::fstat(fd, &sb) == 0 ? sb.st_ino : 0;
    return fd >= 0;
  }
  /// Rotated away (moved or removed): a fresh file at the path.
  void follow_rotation() {
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0 || sb.st_ino != inode)
      open_file();
  }
};

caf::behavior jsonlog(caf::stateful_actor<jsonlog_state>* self, std::string path,
                      std::function<void(const std::string&)> warn) {
  self->state.path = std::move(path);
  self->state.warn = std::move(warn);
  if (!self->state.open_file())
    throw std::runtime_error("cannot open " + self->state.path + ": " + std::strerror(errno));
  return {
      [self](const bus_event& e) {
        auto& st = self->state;
        st.follow_rotation();
        auto l = line_of(e);
        // One write per line (O_APPEND): a reader never sees half a line from us.
        if (st.fd < 0 || ::write(st.fd, l.data(), l.size()) != static_cast<ssize_t>(l.size()))
          st.warn("cannot write to " + st.path + ": " + std::strerror(errno));
      },
  };
}

caf::actor start(const coati::plugin::context& ctx) {
  auto file = ctx.option("file");
  if (file.empty())
    throw std::runtime_error("no file option; expected file \"/var/log/coati/events.jsonl\"");
  // Opened here first so a bad path is refused at start-up with its reason.
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    throw std::runtime_error("cannot open " + file + ": " + std::strerror(errno));
  ::close(fd);
  auto a = ctx.system->spawn<caf::detached>(jsonlog, file, ctx.warn);
  ctx.subscribe(a);
  ctx.log("writing events to " + file);
  return a;
}

} // namespace

COATI_PLUGIN(start)
