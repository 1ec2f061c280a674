// The LDAP back end without a server: filter escaping (RFC 4515), the URI, and a dead
// server answered as a back-end error within the limit (the real slapd is in the
// hub_ldap scenario).
#include <boost/test/unit_test.hpp>

#include "auth/ldap.hpp"

using namespace coati;

BOOST_AUTO_TEST_SUITE(ldap)

BOOST_AUTO_TEST_CASE(filter_values_are_escaped) {
  BOOST_TEST(auth::ldap_filter_escape("alice") == "alice");
  BOOST_TEST(auth::ldap_filter_escape("*") == "\\2a");
  BOOST_TEST(auth::ldap_filter_escape("a*)(uid=*") == "a\\2a\\29\\28uid=\\2a");
  BOOST_TEST(auth::ldap_filter_escape("back\\slash") == "back\\5cslash");
  BOOST_TEST(auth::ldap_filter_escape(std::string_view{"nul\0x", 5}) == "nul\\00x");
  BOOST_TEST(auth::ldap_filter_escape("cn=Ünï,dc=x") == "cn=Ünï,dc=x"); // UTF-8 stays
}

BOOST_AUTO_TEST_CASE(uri_from_host_and_port) {
  auth::ldap_options o;
  o.host = "192.168.1.2";
  o.port = 3389;
  BOOST_TEST(auth::ldap_uri(o) == "ldap://192.168.1.2:3389");
  o.host = "2001:db8::2";
  BOOST_TEST(auth::ldap_uri(o) == "ldap://[2001:db8::2]:3389");
  o.host = "ldaps://dir.example";
  BOOST_TEST(auth::ldap_uri(o) == "ldaps://dir.example");
}

BOOST_AUTO_TEST_CASE(refusals_before_any_round_trip) {
  auth::ldap_options o;
  o.host = "127.0.0.1";
  o.port = 9; // nothing listens: would be a back-end error, but these never connect
  auth::ldap_directory d{o};
  auth::ldap_entry e;
  crypto::secret_bytes empty;
  BOOST_TEST(auth::to_string(d.find("alice", &empty, true, e).why) == "bad_credentials");
  BOOST_TEST(auth::to_string(d.find("", nullptr, true, e).why) == "bad_credentials");
}

BOOST_AUTO_TEST_CASE(server_down_is_a_backend_error) {
  auth::ldap_options o;
  o.host = "127.0.0.1";
  o.port = 9;
  o.timeout = std::chrono::milliseconds{2000};
  auth::ldap_directory d{o};
  auth::ldap_entry e;
  auto pw = crypto::secret_bytes::from_string("secret");
  auto r = d.find("alice", &pw, true, e);
  BOOST_TEST(auth::to_string(r.why) == "backend_error", r.text);
  BOOST_TEST(r.text.find("unreachable") != std::string::npos, r.text);
  BOOST_TEST(r.text.find("secret") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
