#pragma once
// The service actors a peer and its children talk to, as typed handles. Apart from
// interfaces.hpp because the auth and pool actors declare their interfaces in their own
// headers (which include interfaces.hpp).

#include <memory>

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

/// The services as peers and children hold them: one copy per listener, shared (16 bytes
/// per actor, not 56).
using shared_services = std::shared_ptr<const services>;

/// No services (actor tests that start a peer without some): never null.
const shared_services& no_services();

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, services& x) {
  return f(caf::meta::type_name("services"), x.kernel, x.policy, x.script, x.auth, x.pool, x.ddns,
           x.bus);
}

} // namespace coati::actors
