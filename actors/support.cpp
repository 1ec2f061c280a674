#include "actors/support.hpp"

#include <algorithm>

namespace coati::actors {

namespace {

std::string where(const config::remote_block& r) {
  return "remote " + r.name + ": ";
}

void remote_settings(const config::remote_block& r, std::vector<std::string>& out) {
  auto add = [&](const std::string& what) { out.push_back(where(r) + what); };
  if (r.esp_frag)
    add("esp_frag is not implemented yet; ignored");
  if (!r.script_phase1_dead.empty() && (!r.dpd || r.dpd_delay == 0))
    add("script ... phase1_dead runs when DPD finds the peer dead, and this remote does not "
        "probe (dpd off or dpd_delay 0): it never runs");
  if (r.weak_phase1_check)
    add("weak_phase1_check on: unauthenticated Deletes are still ignored");
  if (r.mode_cfg)
    add("mode_cfg on (Mode Config as a client) is not implemented yet; ignored");
  if (!r.xauth_login.empty())
    add("xauth_login (XAuth as a client) is not implemented yet; ignored");
  if (r.ph1id != 0)
    add("ph1id is not implemented yet; ignored");
  if (r.match_empty_cr)
    add("match_empty_cr is not implemented yet; ignored");
  if (r.peers_certfile)
    add("peers_certfile is not implemented yet: the peer must send its certificate");
  if (r.rekey == config::tristate::force)
    add("rekey force: phase-1 rekey is not implemented yet");
  for (const auto& p : r.proposals)
    if (p.auth == config::auth_method::hybrid_rsa_client ||
        p.auth == config::auth_method::xauth_rsa_client ||
        p.auth == config::auth_method::xauth_psk_client) {
      add("authentication_method " +
          std::string{p.auth == config::auth_method::hybrid_rsa_client  ? "hybrid_rsa_client"
                      : p.auth == config::auth_method::xauth_rsa_client ? "xauth_rsa_client"
                                                                        : "xauth_psk_client"} +
          ": XAuth as a client is not implemented yet; that proposal is never offered");
      break;
    }
}

void sainfo_settings(const config::sainfo_block& s, std::size_t index,
                     std::vector<std::string>& out) {
  auto add = [&](const std::string& what) {
    out.push_back("sainfo #" + std::to_string(index + 1) + ": " + what);
  };
  if (s.from)
    add("from ID is not implemented yet: the sainfo applies to every phase-1 ID");
  if (s.remoteid)
    add("remoteid is not implemented yet; ignored");
  if (s.remote_clientaddr)
    add("clientaddr is not implemented yet: it matches no quick mode");
}

void mode_cfg_settings(const config::mode_cfg_block& m, std::vector<std::string>& out) {
  auto add = [&](const std::string& what) { out.push_back("mode_cfg: " + what); };
  if (!m.banner.empty())
    add("banner is not implemented yet; no UNITY_BANNER is sent");
  if (m.acct != config::accounting::none)
    add("accounting is not implemented yet; ignored");
}

} // namespace

std::vector<std::string> unacted_settings(const config::configuration& cfg) {
  std::vector<std::string> out;
  for (const auto& r : cfg.remotes)
    remote_settings(r, out);
  for (std::size_t i = 0; i < cfg.sainfos.size(); ++i)
    sainfo_settings(cfg.sainfos[i], i, out);
  if (cfg.mode_cfg)
    mode_cfg_settings(*cfg.mode_cfg, out);
  if (cfg.ldapcfg && (!cfg.mode_cfg || (cfg.mode_cfg->auth != config::auth_source::ldap &&
                                        cfg.mode_cfg->groups != config::group_source::ldap &&
                                        cfg.mode_cfg->conf != config::conf_source::ldap)))
    out.push_back("ldapcfg: no auth_source, group_source or conf_source ldap uses it; ignored");
  if (cfg.padding.strict_check)
    out.push_back("padding: strict_check on is not implemented (padding is checked leniently)");
  return out;
}

} // namespace coati::actors
