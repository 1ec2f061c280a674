// Checks across blocks after the whole parse: file names resolved against the `path`
// values (and --config-root), files that must exist, and conflicting settings.

#include <sys/stat.h>
#include <unistd.h>

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {

bool regular_file(const std::string& p) {
  struct stat sb {};
  return ::stat(p.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

struct checker {
  parse_state& st;

  void error(const location& l, std::string msg) {
    auto d = make_diag(diagnostic::severity::error, l, std::move(msg));
    for (const auto& o : st.diags) // an inherited remote repeats its parent's findings
      if (o.file == d.file && o.line == d.line && o.column == d.column && o.message == d.message)
        return;
    st.diags.push_back(std::move(d));
  }

  /// Resolves `name` like racoon's getpathname: absolute names are kept (and rebased),
  /// relative ones are taken from the `path` value `base`.
  std::string resolve(const std::string& name, const std::string& base) const {
    if (name.empty())
      return name;
    if (name[0] == '/')
      return rebase(st.opts, name);
    if (base.empty())
      return name;
    return base + "/" + name;
  }

  void file(std::string& name, const std::string& base, const location& l, std::string_view what,
            std::string_view path_kind, bool executable = false) {
    if (name.empty())
      return;
    name = resolve(name, base);
    if (!st.opts.check_files)
      return;
    std::string hint = path_kind.empty() ? std::string()
                                         : " (relative names are taken from 'path " +
                                               std::string(path_kind) + "')";
    if (!regular_file(name))
      error(l,
            std::string(what) + " '" + name + "' does not exist; expected a readable file" + hint);
    else if (executable && ::access(name.c_str(), X_OK) != 0)
      error(l,
            std::string(what) + " '" + name + "' is not executable; expected an executable file");
  }
};

bool uses_psk(auth_method m) {
  return m == auth_method::pre_shared_key || m == auth_method::xauth_psk_server ||
         m == auth_method::xauth_psk_client;
}

bool needs_cert(auth_method m) {
  return m == auth_method::rsasig || m == auth_method::hybrid_rsa_server ||
         m == auth_method::xauth_rsa_server || m == auth_method::xauth_rsa_client;
}

} // namespace

void validate(parse_state& st) {
  checker c{st};
  auto& cfg = st.cfg;
  const auto& paths = cfg.paths;
  std::string psk_file =
      paths.pre_shared_key.empty() ? rebase(st.opts, "/etc/racoon/psk.txt") : paths.pre_shared_key;
  bool psk_checked = false;
  for (std::size_t i = 0; i < cfg.remotes.size(); ++i) {
    auto& r = cfg.remotes[i];
    const auto& pl = st.remote_locs[i];
    if (r.certificate_type) {
      c.file(r.certificate_type->cert, paths.certificate, pl.cert, "certificate file",
             "certificate");
      c.file(r.certificate_type->key, paths.certificate, pl.key, "private key file", "certificate");
    }
    c.file(r.ca_file, paths.certificate, pl.ca, "CA certificate file", "certificate");
    if (r.peers_certfile)
      c.file(r.peers_certfile->file, paths.certificate, pl.peers_cert, "peer certificate file",
             "certificate");
    if (r.my_identifier && r.my_identifier->type == identifier::kind::keyid_file)
      c.file(r.my_identifier->value, paths.certificate, pl.keyid, "keyid file", "certificate");
    c.file(r.script_phase1_up, paths.script, pl.scripts[0], "script", "script", true);
    c.file(r.script_phase1_down, paths.script, pl.scripts[1], "script", "script", true);
    c.file(r.script_phase1_dead, paths.script, pl.scripts[2], "script", "script", true);

    bool aggressive = false;
    for (auto m : r.exchange_modes)
      aggressive = aggressive || m == exchange_mode::aggressive;
    for (std::size_t p = 0; p < r.proposals.size(); ++p) {
      const auto& pr = r.proposals[p];
      if (aggressive && pr.dh != r.proposals[0].dh)
        c.error(pl.proposal_dh[p], "aggressive mode needs one DH group in every proposal of "
                                   "remote \"" +
                                       r.name + "\": this proposal uses " +
                                       std::string(name_of(pr.dh)) + " but the first uses " +
                                       std::string(name_of(r.proposals[0].dh)));
      if (needs_cert(pr.auth) && !r.certificate_type)
        c.error(pl.proposal_auth[p], "authentication_method " + std::string(name_of(pr.auth)) +
                                         " needs a certificate; expected 'certificate_type x509 "
                                         "\"cert\" \"key\";' in remote \"" +
                                         r.name + "\"");
      if (uses_psk(pr.auth) && st.opts.check_files && !psk_checked && !regular_file(psk_file)) {
        psk_checked = true;
        c.error(pl.proposal_auth[p],
                "authentication_method " + std::string(name_of(pr.auth)) + " needs the psk file '" +
                    psk_file +
                    "', which does not exist; expected an existing file ('path "
                    "pre_shared_key')");
      }
    }
    if (r.my_identifier && r.my_identifier->type == identifier::kind::asn1dn &&
        r.my_identifier->value.empty() &&
        !(r.certificate_type && r.certificate_type->type == cert_type::x509))
      c.error(pl.my_identifier, "my_identifier asn1dn without a DN takes the subject of the own "
                                "certificate; expected 'certificate_type x509 ...' in remote \"" +
                                    r.name + "\" or a quoted DN");
  }
  if (cfg.mode_cfg) {
    c.file(cfg.mode_cfg->banner, std::string(), st.banner, "banner file", "");
  }
  if (cfg.ldapcfg)
    c.file(cfg.ldapcfg->tls_cacert, paths.certificate, st.ldap_cacert, "LDAP CA file",
           "certificate");
  if (cfg.ddns) {
    c.file(cfg.ddns->key, std::string(), st.ddns_key, "TSIG key file", "");
    if (!cfg.mode_cfg)
      c.error(st.ddns, "the ddns block registers Mode Config addresses; expected a "
                       "'mode_cfg { ... }' block too");
  }
  if (cfg.plugins && !cfg.plugins->path.empty()) {
    auto& path = cfg.plugins->path;
    path = c.resolve(path, std::string());
    struct stat sb {};
    if (st.opts.check_files && !(::stat(path.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)))
      c.error(st.plugins_path, "plugin folder '" + path + "' does not exist; expected a folder");
  }
  if (st.ldap_use.src && !cfg.ldapcfg)
    c.error(st.ldap_use, "an LDAP source is used but there is no ldapcfg block; expected "
                         "'ldapcfg { ... }' in the configuration");
}

} // namespace coati::config::detail
