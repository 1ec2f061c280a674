#pragma once
// The service actors a peer and its children talk to, as typed handles. Apart from
// interfaces.hpp because the auth and pool actors declare their interfaces in their own
// headers (which include interfaces.hpp).

#include "actors/auth.hpp"
#include "actors/bus.hpp"
#include "actors/ddns.hpp"
#include "actors/interfaces.hpp"
#include "actors/pool.hpp"

namespace coati::actors {

/// The services peers and children talk to (empty auth/pool: no mode_cfg block; empty
/// ddns: no ddns block).
struct services {
  kernel_api kernel;
  policy_api policy;
  script_api script;
  auth_actor auth;
  pool_actor pool;
  ddns_actor ddns;
  bus_api bus; ///< the event bus (empty in tests without one)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, services& x) {
  return f(caf::meta::type_name("services"), x.kernel, x.policy, x.script, x.auth, x.pool, x.ddns,
           x.bus);
}

} // namespace coati::actors
