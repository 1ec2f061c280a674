// coati-setkey: runs racoon-era setkey scripts on Linux through XFRM netlink.
//   coati-setkey -c            read commands from standard input (what the seed scripts do)
//   coati-setkey -f FILE       read commands from FILE
//   coati-setkey -n ...        parse and print what would be done, change nothing
// Install it as /sbin/setkey (or bind-mount it there) to run the seed's phase1 scripts as
// they are.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "tools/setkey/setkey_parse.hpp"

namespace {

using namespace coati;

const char* dir_name(kernel::direction d) {
  switch (d) {
  case kernel::direction::in:
    return "in";
  case kernel::direction::out:
    return "out";
  case kernel::direction::fwd:
    return "fwd";
  }
  return "?";
}

std::string describe(const kernel::selector& s) {
  return s.src.to_string() + "/" + std::to_string(s.src_prefix) + " " + s.dst.to_string() + "/" +
         std::to_string(s.dst_prefix) + " proto " + std::to_string(s.proto);
}

/// Performs one operation; returns an error text or "".
std::string apply(kernel::xfrm_socket& x, const setkey::operation& op) {
  if (const auto* spd = std::get_if<setkey::spd_op>(&op)) {
    auto r =
        spd->add ? x.add_policy(spd->policy) : x.delete_policy(spd->policy.sel, spd->policy.dir);
    return r.ok() ? "" : r.err().text;
  }
  if (const auto* del = std::get_if<setkey::sa_delete_op>(&op)) {
    if (del->spi) {
      auto r = x.delete_sa(del->dst, *del->spi, del->proto);
      return r.ok() ? "" : r.err().text;
    }
    auto sas = x.list_sas();
    if (!sas.ok())
      return sas.err().text;
    // SPI 0 entries are the kernel's own ACQUIRE placeholders (PF_KEY's setkey never lists
    // them); an SA that vanished meanwhile (ESRCH) is what deleteall wanted anyway.
    std::string first_error;
    for (const auto& sa : sas.value())
      if (sa.src == del->src && sa.dst == del->dst && sa.proto == del->proto && sa.spi != 0)
        if (auto r = x.delete_sa(sa.dst, sa.spi, sa.proto);
            !r.ok() && r.err().sys_errno != ESRCH && first_error.empty())
          first_error = r.err().text;
    return first_error;
  }
  const auto& fl = std::get<setkey::flush_op>(op);
  auto r = fl.policies ? x.flush_policies() : x.flush_sas(fl.proto);
  return r.ok() ? "" : r.err().text;
}

void print(const setkey::operation& op) {
  if (const auto* spd = std::get_if<setkey::spd_op>(&op)) {
    const auto& p = spd->policy;
    std::cout << (spd->add ? "add policy " : "delete policy ") << describe(p.sel) << " dir "
              << dir_name(p.dir) << " priority " << p.priority
              << (p.block               ? " block"
                  : p.templates.empty() ? " bypass"
                                        : " ipsec");
    for (const auto& t : p.templates)
      std::cout << " ["
                << (t.proto == kernel::xfrm_proto::esp  ? "esp"
                    : t.proto == kernel::xfrm_proto::ah ? "ah"
                                                        : "ipcomp")
                << (t.mode == kernel::xfrm_mode::tunnel
                        ? " tunnel " + t.src.to_string() + "-" + t.dst.to_string()
                        : " transport")
                << (t.optional ? " use" : " require") << "]";
    std::cout << "\n";
  } else if (const auto* del = std::get_if<setkey::sa_delete_op>(&op)) {
    std::cout << "delete SAs " << del->src.to_string() << " -> " << del->dst.to_string() << "\n";
  } else {
    std::cout << (std::get<setkey::flush_op>(op).policies ? "flush policies\n" : "flush SAs\n");
  }
}

} // namespace

int main(int argc, char** argv) {
  bool dry = false;
  std::string file;
  bool from_stdin = false;
  int c;
  while ((c = getopt(argc, argv, "cf:nh")) != -1) {
    switch (c) {
    case 'c':
      from_stdin = true;
      break;
    case 'f':
      file = optarg;
      break;
    case 'n':
      dry = true;
      break;
    default:
      std::fprintf(stderr, "usage: coati-setkey [-n] -c | -f FILE\n");
      return 2;
    }
  }
  if (!from_stdin && file.empty()) {
    std::fprintf(stderr, "usage: coati-setkey [-n] -c | -f FILE\n");
    return 2;
  }
  std::stringstream text;
  if (from_stdin) {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) {
      std::fprintf(stderr, "coati-setkey: %s: %s\n", file.c_str(), std::strerror(errno));
      return 1;
    }
    text << in.rdbuf();
  }
  auto parsed = setkey::parse(text.str());
  int rc = 0;
  for (const auto& e : parsed.errors) {
    std::fprintf(stderr, "coati-setkey: line %u: %s\n", e.line, e.message.c_str());
    rc = 1;
  }
  if (dry) {
    for (const auto& st : parsed.statements)
      for (const auto& op : st.ops)
        print(op);
    return rc;
  }
  auto sock = kernel::xfrm_socket::open();
  if (!sock.ok()) {
    std::fprintf(stderr, "coati-setkey: %s\n", sock.err().text.c_str());
    return 1;
  }
  for (const auto& st : parsed.statements)
    for (const auto& op : st.ops)
      if (auto err = apply(sock.value(), op); !err.empty()) {
        std::fprintf(stderr, "coati-setkey: line %u: %s\n", st.line, err.c_str());
        rc = 1;
      }
  return rc;
}
