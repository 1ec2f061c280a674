// The peer and child actors driven message by message on CAF's deterministic scheduler
// (test_coordinator): nothing runs until the test says so, and time moves only when the
// test advances it. The seed hub (rhum, RSA signatures) is the responder actor; the test
// plays the seed satellite (armagnac) with ike/'s main mode and quick mode, under one test
// CA. Stand-in actors take the listener's, the kernel's, the policy actor's and the bus's
// place and record what the peer and its child tell them.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <caf/scheduler/test_coordinator.hpp>

#include "actors/peer.hpp"
#include "actors/rows.hpp"
#include "actors/setup.hpp"
#include "config/config.hpp"
#include "fixture.hpp"
#include "ike/fragment.hpp"
#include "ike/main_mode.hpp"
#include "ike/quick_mode.hpp"

using namespace coati;
using namespace coati::actors;
using coati::config::ip_address;

namespace {

const char* const hub_addr = "10.1.2.3";      // armagnac's `remote 10.1.2.3`
const char* const sat_addr = "198.51.100.7";  // the satellite, as the hub sees it
constexpr std::uint32_t hub_spi = 0x0a0b0c0d; // the kernel stand-in's SPI for the hub
constexpr std::uint16_t hub_cpi = 0x5151;     // and its IPComp CPI
constexpr std::uint32_t sat_spi = 0xc0c0c0c0; // the satellite's inbound SPI
constexpr std::uint16_t sat_cpi = 0x4242;     // and CPI
constexpr std::uint32_t qm_mid = 0x01020304;  // the quick mode's message ID

/// One seed site's configuration and credentials, loaded from `root`.
struct site {
  std::shared_ptr<const config::configuration> cfg;
  std::shared_ptr<const credentials> creds;
};

site load_site(const std::filesystem::path& root) {
  config::load_options o;
  o.config_root = root.string();
  auto res = config::load_file((root / "etc/racoon/racoon.conf").string(), o);
  BOOST_TEST_REQUIRE(res.ok(), res.render());
  std::vector<std::string> problems;
  auto creds = load_credentials(*res.config, problems);
  BOOST_TEST(problems.empty());
  return {res.config, creds};
}

/// The seed hub and satellite under one test CA (tests/lib/seedroot.sh with SEED_PKI). The
/// hub's phase1 timer is raised to 300 s so that the retransmissions, not it, end a phase 1
/// the satellite stops answering.
struct seed_pair {
  std::filesystem::path dir;
  site hub, sat;
  seed_pair() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coati-exch-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    std::string lay = "SEED_PKI='" + (dir / "pki").string() +
                      "' bash " COATI_SOURCE_DIR "/tests/lib/seedroot.sh '";
    std::string cmd = lay + (dir / "rhum").string() + "' rhum >/dev/null 2>&1 && " + lay +
                      (dir / "armagnac").string() + "' armagnac >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("seedroot.sh failed");
    auto conf = dir / "rhum/etc/racoon/racoon.conf";
    std::stringstream text;
    text << std::ifstream{conf}.rdbuf();
    auto s = text.str();
    auto at = s.find("phase1 30 sec;");
    BOOST_TEST_REQUIRE(at != std::string::npos);
    s.replace(at, 14, "phase1 300 sec;");
    std::ofstream{conf} << s;
    hub = load_site(dir / "rhum");
    sat = load_site(dir / "armagnac");
  }
  ~seed_pair() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

/// What the stand-ins were told, in order.
struct world {
  std::vector<outgoing> sent;       ///< datagrams the listener was asked to send
  std::vector<std::string> counted; ///< ike.* counters
  int established = 0;              ///< established_atom (no longer half-open)
  int initial_contacts = 0;
  std::vector<std::string> isakmp_rows, esp_rows; ///< show-sa rows, as the peer answered
  std::vector<kernel_request> kernel;             ///< every kernel request
  int policy_sets = 0;
  std::vector<std::string> events; ///< bus event kinds
  bool peer_ended = false;

  std::size_t count_of(const std::string& c) const {
    return static_cast<std::size_t>(std::count(counted.begin(), counted.end(), c));
  }
};
using world_ptr = std::shared_ptr<world>;

/// The listener's place: records what the peer sends and reports.
caf::behavior listener_standin(caf::event_based_actor* self, world_ptr w) {
  self->set_default_handler(caf::drop);
  return {
      [w](outgoing& o) { w->sent.push_back(std::move(o)); },
      [w](event_atom, std::string& c) { w->counted.push_back(std::move(c)); },
      [w](established_atom, const std::string&, bool) { ++w->established; },
      [w](initial_contact_atom, std::string&) { ++w->initial_contacts; },
  };
}

/// show-sa's side of the listener: asks the peer (and its children) for their rows.
void rows_asker(caf::event_based_actor* self, peer_api peer, world_ptr seen) {
  gather_rows(self, {peer}, [seen](std::vector<sa_rows_part> parts) {
    seen->isakmp_rows = std::move(parts.at(0).isakmp);
    seen->esp_rows = std::move(parts.at(0).esp);
  });
}

/// The kernel's place: records each request; SPI and CPI allocations get the test's
/// values, everything else succeeds.
caf::behavior kernel_standin(caf::event_based_actor* self, world_ptr w) {
  self->set_default_handler(caf::drop);
  return {
      [w](kernel_request& rq) {
        kernel_reply r;
        r.ok = true;
        if (const auto* a = std::get_if<kernel_cmd::alloc_spi>(&rq.cmd))
          r.value = a->proto == kernel::xfrm_proto::comp ? hub_cpi : hub_spi;
        w->kernel.push_back(std::move(rq));
        return r;
      },
  };
}

/// The policy actor's and the bus's place.
caf::behavior services_standin(caf::event_based_actor* self, world_ptr w) {
  self->set_default_handler(caf::drop);
  return {
      [w](policy_set&) {
        ++w->policy_sets;
        kernel_reply r;
        r.ok = true;
        return r;
      },
      [](policy_remove_atom, caf::actor_addr&) {},
      [w](bus_event& e) { w->events.push_back(e.kind); },
  };
}

/// An actor system on the deterministic scheduler.
struct det_config : coati::test::system_config {
  det_config() { set("scheduler.policy", caf::atom("testing")); }
};

std::string hex(const std::vector<std::uint8_t>& b) {
  std::string out;
  char two[3];
  for (auto c : b) {
    std::snprintf(two, sizeof two, "%02x", c);
    out += two;
  }
  return out;
}

std::string hex(const crypto::secret_bytes& s) {
  return hex(std::vector<std::uint8_t>(s.data(), s.data() + s.size()));
}

ike::cookie ck(std::uint8_t b) {
  ike::cookie c;
  c.fill(b);
  return c;
}

/// The hub as a responder peer actor, the satellite as ike/'s initiator, the stand-ins.
struct exchange_fixture {
  seed_pair seeds;
  det_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  world_ptr w = std::make_shared<world>();
  caf::actor listener = sys.spawn(listener_standin, w);
  caf::actor kernel = sys.spawn(kernel_standin, w);
  caf::actor policy_bus = sys.spawn(services_standin, w);
  peer_api peer;
  std::optional<ike::main_mode> sat; ///< the satellite's main mode (the test's side)
  std::size_t read = 0;              ///< w->sent up to here has been read

  exchange_fixture() {
    sched.clock().current_time += std::chrono::hours{1}; // not at the epoch
    sched.run();
  }
  ~exchange_fixture() {
    for (const caf::actor& a : {listener, kernel, policy_bus})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    if (peer)
      caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
    sched.run();
    sched.clock().cancel_all();
    sched.run();
  }

  /// The satellite's first message: its main mode starts.
  ike::bytes satellite_mm1() {
    std::string why;
    auto r = find_remote(*seeds.sat.cfg, *ip_address::parse(hub_addr), 500);
    BOOST_TEST_REQUIRE(r.has_value());
    auto setup = make_phase1(*seeds.sat.cfg, *r, *seeds.sat.creds, *ip_address::parse(sat_addr),
                             *ip_address::parse(hub_addr), why);
    BOOST_TEST_REQUIRE(setup.has_value(), why);
    sat.emplace(ike::main_mode::initiator(setup->me, setup->policy, ck(0x11)));
    auto step = sat->start();
    BOOST_TEST_REQUIRE(step.send.size() == 1u);
    return step.send[0];
  }

  datagram from_satellite(ike::bytes b) const {
    datagram d;
    d.local_port = 500;
    d.from = *ip_address::parse(sat_addr);
    d.from_port = 500;
    d.to = *ip_address::parse(hub_addr);
    d.bytes = std::move(b);
    return d;
  }

  /// MM1 arrives: the listener would spawn the responder with it; so does the test.
  void spawn_responder(ike::bytes mm1) {
    peer_args a;
    a.snap = snapshot{seeds.hub.cfg, seeds.hub.creds, 1};
    services svc;
    svc.kernel = caf::actor_cast<kernel_api>(kernel);
    svc.policy = caf::actor_cast<policy_api>(policy_bus);
    svc.bus = caf::actor_cast<bus_api>(policy_bus);
    a.svc = std::make_shared<const services>(std::move(svc));
    a.link.listener = caf::actor_cast<listener_api>(listener);
    auto r = find_remote(*seeds.hub.cfg, *ip_address::parse(sat_addr), 500);
    BOOST_TEST_REQUIRE(r.has_value());
    a.remote = *r;
    a.link.ends.local = *ip_address::parse(hub_addr);
    a.link.ends.remote = *ip_address::parse(sat_addr);
    a.cookie = ck(0x22);
    a.first = std::make_shared<datagram>(from_satellite(std::move(mm1)));
    peer = sys.spawn<peer_actor>(std::move(a));
    caf::actor_cast<caf::abstract_actor*>(peer)->attach_functor(
        [seen = w](const caf::error&) { seen->peer_ended = true; });
    sched.run();
  }

  /// show-sa, as the listener asks it: the peer's rows and its children's, in w.
  void ask_rows() {
    w->isakmp_rows.clear();
    w->esp_rows.clear();
    sys.spawn(rows_asker, peer, w); // (arguments, not captures: CAF 0.17 reads a null
    sched.run();                    //  argument tuple for a functor spawned without any)
  }

  /// A datagram from the satellite to the peer actor, and everything it causes.
  void deliver(ike::bytes b) {
    caf::anon_send(peer, from_satellite(std::move(b)));
    sched.run();
  }

  /// The one message the peer (or its child) sent since the last look: one datagram, or
  /// its IKE fragments (the satellite announced ike_frag: a signed MM6 goes in pieces).
  ike::bytes answer() {
    BOOST_TEST_REQUIRE(w->sent.size() > read, "nothing sent");
    std::vector<ike::bytes> got;
    for (; read < w->sent.size(); ++read) {
      const auto& o = w->sent[read];
      BOOST_TEST(o.local.to_string() == hub_addr);
      BOOST_TEST(o.remote.to_string() == sat_addr);
      BOOST_TEST(o.remote_port == 500);
      BOOST_TEST(!o.natt);
      got.push_back(o.bytes);
    }
    if (got.size() == 1 && !ike::is_fragment(got[0]))
      return got[0];
    ike::reassembler parts;
    for (const auto& g : got) {
      BOOST_TEST_REQUIRE(ike::is_fragment(g), got.size() << " datagrams, not fragments");
      auto r = parts.add(g, std::chrono::steady_clock::now());
      if (r.verdict == ike::fragment_verdict::complete)
        return r.message;
    }
    BOOST_TEST_REQUIRE(false, got.size() << " fragments, no whole message");
    return {};
  }

  /// The satellite takes `msg` and answers with one datagram (MM3, MM5).
  ike::bytes satellite_answers(const ike::bytes& msg) {
    auto step = sat->receive(msg);
    BOOST_TEST_REQUIRE(step.problem.empty(), step.problem);
    BOOST_TEST_REQUIRE(step.send.size() == 1u);
    return step.send[0];
  }

  /// Main mode from MM1 to MM6, message by message.
  void phase1() {
    auto mm1 = satellite_mm1();
    spawn_responder(mm1);            // MM1 -->
    auto mm2 = answer();             // <-- MM2
    deliver(satellite_answers(mm2)); // MM3 -->
    auto mm4 = answer();             // <-- MM4
    deliver(satellite_answers(mm4)); // MM5 -->
    auto mm6 = answer();             // <-- MM6
    auto done = sat->receive(mm6);
    BOOST_TEST_REQUIRE((done.status == ike::phase1_status::established), done.problem);
    BOOST_TEST(done.send.empty());
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(peer_exchange, exchange_fixture)

BOOST_AUTO_TEST_CASE(responder_main_mode_rsasig_message_by_message) {
  auto t0 = std::chrono::steady_clock::now();
  auto mm1 = satellite_mm1();
  spawn_responder(mm1); // MM1 -->
  BOOST_TEST(w->count_of("phase1_responded") == 1u);
  auto mm2 = answer(); // <-- MM2
  BOOST_TEST(w->established == 0);
  deliver(satellite_answers(mm2)); // MM3 -->
  auto mm4 = answer();             // <-- MM4
  BOOST_TEST(w->established == 0);
  BOOST_TEST(w->events.empty());
  deliver(satellite_answers(mm4)); // MM5 -->
  auto mm6 = answer();             // <-- MM6
  // The hub says phase 1 is up: no longer half-open, counted, on the bus, in show-sa.
  BOOST_TEST(w->established == 1);
  BOOST_TEST(w->count_of("phase1_up") == 1u);
  BOOST_TEST(w->initial_contacts == 1); // armagnac sends INITIAL-CONTACT
  BOOST_TEST((w->events == std::vector<std::string>{"phase1_up"}));
  ask_rows();
  BOOST_TEST_REQUIRE(w->isakmp_rows.size() == 1u);
  BOOST_TEST(w->isakmp_rows[0].find("responder established") != std::string::npos,
             w->isakmp_rows[0]);
  BOOST_TEST(w->isakmp_rows[0].find("CN=armagnac") != std::string::npos, w->isakmp_rows[0]);
  // The satellite accepts MM6: both ends hold the same SA.
  auto done = sat->receive(mm6);
  BOOST_TEST_REQUIRE((done.status == ike::phase1_status::established), done.problem);
  BOOST_TEST(!w->peer_ended);
  // Nothing more goes out: no retransmission is armed once phase 1 is up.
  sched.advance_time(seeds.hub.cfg->timer.interval * 3);
  sched.run();
  BOOST_TEST(w->sent.size() == read);
  BOOST_TEST(w->count_of("retransmitted") == 0u);
  std::printf(
      "peer_exchange: main mode (rsasig, 6 messages) in %.1f ms\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
}

BOOST_AUTO_TEST_CASE(responder_resends_mm2_then_gives_up) {
  const auto& t = seeds.hub.cfg->timer; // counter 5, interval 20 s, phase1 300 s
  BOOST_TEST_REQUIRE(t.counter > 1u);
  auto mm1 = satellite_mm1();
  spawn_responder(mm1); // MM1 -->
  auto mm2 = answer();  // <-- MM2
  // The satellite says nothing more. Just before the interval: nothing.
  sched.advance_time(t.interval - std::chrono::seconds{1});
  sched.run();
  BOOST_TEST(w->sent.size() == read);
  // Each interval, MM2 again, the same bytes.
  for (unsigned i = 1; i < t.counter; ++i) {
    sched.advance_time(i == 1 ? std::chrono::seconds{1} : t.interval);
    sched.run();
    auto again = answer(); // <-- MM2 (again)
    BOOST_TEST(again == mm2, "transmission " << i + 1);
    BOOST_TEST(w->count_of("retransmitted") == i);
    BOOST_TEST(!w->peer_ended);
  }
  // `counter` transmissions went unanswered: the next tick gives up, counted, actor gone.
  sched.advance_time(t.interval);
  sched.run();
  BOOST_TEST(w->sent.size() == read); // no sixth MM2
  BOOST_TEST(w->count_of("phase1_failed") == 1u);
  BOOST_TEST(w->count_of("phase1_failed.timeout") == 1u);
  BOOST_TEST(w->established == 0);
  BOOST_TEST(w->peer_ended);
  // An MM3 now goes nowhere.
  deliver(satellite_answers(mm2));
  BOOST_TEST(w->sent.size() == read);
}

BOOST_AUTO_TEST_CASE(child_quick_mode_message_by_message) {
  auto t0 = std::chrono::steady_clock::now();
  phase1();
  // The satellite's quick mode, from its sainfo (192.168.3.0/24 <-> 192.168.0.0/16).
  auto sat_remote = find_remote(*seeds.sat.cfg, *ip_address::parse(hub_addr), 500);
  auto mine = initiator_sainfos(*seeds.sat.cfg);
  BOOST_TEST_REQUIRE(mine.size() == 1u);
  auto p2 = phase2_of(*mine[0], seeds.sat.cfg->remotes.at(*sat_remote));
  BOOST_TEST_REQUIRE(p2.ipcomp);
  const auto& sa = *sat->established();
  ike::phase1_context ctx{&sa.keys, sa.icookie, sa.rcookie, 0};
  auto qm = ike::quick_mode::initiator(ctx, p2, *id_of(*mine[0]->local), *id_of(*mine[0]->remote),
                                       qm_mid, sat_spi, sat_cpi);
  auto qm1 = qm.start();
  BOOST_TEST_REQUIRE(qm1.send.size() == 1u);
  w->kernel.clear();
  deliver(qm1.send[0]); // QM1 -->
  // A child was spawned; it asked the kernel for its SPI and CPI (from the satellite to us)
  // before it answered.
  BOOST_TEST_REQUIRE(w->kernel.size() == 2u);
  const auto* spi = std::get_if<kernel_cmd::alloc_spi>(&w->kernel[0].cmd);
  const auto* cpi = std::get_if<kernel_cmd::alloc_spi>(&w->kernel[1].cmd);
  BOOST_TEST_REQUIRE(spi != nullptr);
  BOOST_TEST_REQUIRE(cpi != nullptr);
  BOOST_TEST((spi->proto == kernel::xfrm_proto::esp));
  BOOST_TEST(spi->src.to_string() == sat_addr);
  BOOST_TEST(spi->dst.to_string() == hub_addr);
  BOOST_TEST((cpi->proto == kernel::xfrm_proto::comp));
  auto qm2 = answer();             // <-- QM2
  BOOST_TEST(w->policy_sets == 1); // generate_policy on: the tunnel's policies asked for
  auto step = qm.receive(qm2);
  BOOST_TEST_REQUIRE((step.status == ike::child_status::established), step.problem);
  BOOST_TEST_REQUIRE(step.send.size() == 1u);
  const auto& c = *qm.established();
  BOOST_TEST(c.outbound.spi == hub_spi); // the hub's SPI reached the satellite
  BOOST_TEST(c.outbound.cpi == hub_cpi);
  BOOST_TEST(w->kernel.size() == 2u); // nothing installed before QM3
  deliver(step.send[0]);              // QM3 -->
  // The child installs the pair: ESP in and out, then IPComp in and out; the keys are the
  // satellite's, mirrored.
  BOOST_TEST_REQUIRE(w->kernel.size() == 6u);
  std::vector<const kernel::sa_spec*> adds;
  for (std::size_t i = 2; i < w->kernel.size(); ++i) {
    const auto* add = std::get_if<kernel_cmd::add_sa>(&w->kernel[i].cmd);
    BOOST_TEST_REQUIRE(add != nullptr);
    BOOST_TEST_REQUIRE(add->sa != nullptr);
    adds.push_back(add->sa.get());
  }
  const auto& in = *adds[0];
  BOOST_TEST(in.spi == hub_spi);
  BOOST_TEST(in.src.to_string() == sat_addr);
  BOOST_TEST(in.dst.to_string() == hub_addr);
  BOOST_TEST((in.proto == kernel::xfrm_proto::esp));
  // With IPComp (deflate) the bundle is ESP in transport mode inside the IPComp tunnel.
  BOOST_TEST((in.mode == kernel::xfrm_mode::transport));
  BOOST_TEST(in.enc_alg == "cbc(des3_ede)");
  BOOST_TEST(in.auth_alg == "hmac(md5)");
  BOOST_TEST(hex(in.enc_key.bytes()) == hex(c.outbound.enc_key));
  BOOST_TEST(hex(in.auth_key.bytes()) == hex(c.outbound.auth_key));
  BOOST_TEST(in.hard_seconds == 180u); // lifetime time 3 min
  const auto& out = *adds[1];
  BOOST_TEST(out.spi == sat_spi);
  BOOST_TEST(out.src.to_string() == hub_addr);
  BOOST_TEST(out.dst.to_string() == sat_addr);
  BOOST_TEST((out.proto == kernel::xfrm_proto::esp));
  BOOST_TEST(hex(out.enc_key.bytes()) == hex(c.inbound.enc_key));
  BOOST_TEST(hex(out.auth_key.bytes()) == hex(c.inbound.auth_key));
  BOOST_TEST(in.reqid == out.reqid);
  BOOST_TEST((adds[2]->proto == kernel::xfrm_proto::comp));
  BOOST_TEST(adds[2]->spi == hub_cpi);
  BOOST_TEST(adds[2]->comp_alg == "deflate");
  BOOST_TEST((adds[2]->mode == kernel::xfrm_mode::tunnel));
  BOOST_TEST((adds[3]->proto == kernel::xfrm_proto::comp));
  BOOST_TEST(adds[3]->spi == sat_cpi);
  // The child reports it: counted, on the bus, and both SAs installed in show-sa.
  BOOST_TEST(w->count_of("phase2_up") == 1u);
  BOOST_TEST((w->events == std::vector<std::string>{"phase1_up", "sa_up"}));
  ask_rows();
  BOOST_TEST_REQUIRE(w->isakmp_rows.size() == 1u);
  BOOST_TEST_REQUIRE(w->esp_rows.size() == 2u);
  for (const auto& row : w->esp_rows)
    BOOST_TEST(row.find("state=mature kernel=installed") != std::string::npos, row);
  BOOST_TEST(w->sent.size() == read); // QM3 has no answer
  // The responder's exchange settled at QM3 (only its SAs stay): late copies of QM1 and
  // QM3 get no answer and change nothing, and the rows still come from the kept SAs.
  deliver(qm1.send[0]);
  deliver(step.send[0]);
  ask_rows();
  BOOST_TEST(w->sent.size() == read);
  BOOST_TEST(w->kernel.size() == 6u);
  BOOST_TEST(w->count_of("phase2_failed") == 0u);
  BOOST_TEST_REQUIRE(w->esp_rows.size() == 2u);
  BOOST_TEST(w->esp_rows[0].find("spi=0x0a0b0c0d in") != std::string::npos, w->esp_rows[0]);
  std::printf(
      "peer_exchange: main mode + quick mode in %.1f ms\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
}

BOOST_AUTO_TEST_SUITE_END()
