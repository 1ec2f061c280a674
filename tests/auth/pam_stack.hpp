#pragma once
// A private PAM configuration folder for tests (pam_start_confdir): the host's /etc/pam.d
// is never read or written. Service "coati-test" checks passwords with pam_exec.so running
// a script the folder holds: user U's password is "secret-U"; user "slow" takes 5 s and
// user "sleepy" 2 s before the answer; user "locked" passes authentication and fails
// account management (pam_succeed_if.so). Service "coati-deny" refuses everyone
// (pam_deny.so); "coati-broken" names a module that does not exist.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace coati::test {

/// The folder and its files; removed again when the object goes.
class pam_stack {
public:
  pam_stack() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coati-pam-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("pam_stack: mkdtemp failed");
    dir_ = tmpl;
    auto script = dir_ / "check.sh";
    write(script, "#!/bin/bash\n"
                  "# pam_exec.so expose_authtok: the password arrives on stdin, NUL-ended.\n"
                  "IFS= read -r -d '' pw\n"
                  "case \"$PAM_USER\" in\n"
                  "  slow) sleep 5 ;;\n"
                  "  sleepy) sleep 2 ;;\n"
                  "esac\n"
                  "[ \"$pw\" = \"secret-$PAM_USER\" ]\n");
    std::filesystem::permissions(
        script, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                    std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                    std::filesystem::perms::others_exec);
    write(dir_ / "coati-test", "auth [success=1 default=ignore] pam_exec.so quiet expose_authtok " +
                                   script.string() +
                                   "\n"
                                   "auth requisite pam_deny.so\n"
                                   "auth required pam_permit.so\n"
                                   "account requisite pam_succeed_if.so quiet user notin locked\n"
                                   "account required pam_permit.so\n");
    write(dir_ / "coati-deny", "auth required pam_deny.so\naccount required pam_deny.so\n");
    write(dir_ / "coati-broken", "auth required pam_coati_no_such_module.so\n");
  }
  pam_stack(const pam_stack&) = delete;
  pam_stack& operator=(const pam_stack&) = delete;
  ~pam_stack() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// The folder to give pam_start_confdir.
  std::string confdir() const { return dir_.string(); }

private:
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p);
    out << text;
    if (!out)
      throw std::runtime_error("pam_stack: cannot write " + p.string());
  }

  std::filesystem::path dir_;
};

} // namespace coati::test
