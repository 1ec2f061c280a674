// Malformed or inconsistent configurations: each gives one exact file:line:column and
// message. Also the caret rendering and the warnings for parsed-but-unimplemented parts.
#define BOOST_TEST_MODULE config_errors
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "config/config.hpp"

using namespace coati::config;
namespace fs = std::filesystem;

namespace {

/// A root folder with a few files the file checks can find (or miss).
struct root_fixture {
  fs::path root;
  root_fixture() {
    std::string tmpl = (fs::temp_directory_path() / "coati-cfgerr-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp");
    root = tmpl;
    fs::create_directories(root / "etc/racoon/cert");
    write("etc/racoon/cert/a.crt", "x");
    write("etc/racoon/cert/a.pem", "x");
    write("etc/racoon/up.sh", "#!/bin/sh\n");
    ::chmod((root / "etc/racoon/up.sh").c_str(), 0755);
    write("etc/racoon/loop.conf", "include \"loop.conf\";\n");
  }
  ~root_fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(root / rel) << text;
  }
};

// A valid remote body head and proposal, to make remote cases short.
#define PROP                                                                                       \
  "proposal { encryption_algorithm aes; hash_algorithm sha1; "                                     \
  "authentication_method rsasig; dh_group modp2048; }"
#define CERT "certificate_type x509 \"a.crt\" \"a.pem\";"

struct error_case {
  const char* name;
  const char* text;
  unsigned line, column;
  const char* message;
  bool with_root = false; ///< load with the fixture as config_root and check_files on
  const char* file = "t.conf";
};

const error_case cases[] = {
    {"lexical", "log notify;\n$foo;", 2, 1,
     "unexpected character '$'; expected a word, number, address, quoted string or one of { } ; [ "
     "] , /"},
    {"control char", "log\x01 notify;", 1, 4,
     "unexpected character 0x01; expected a word, number, address, quoted string or one of { } ; "
     "[ ] , /"},
    {"unterminated string", "path include \"/etc;\nlog info;", 1, 14,
     "unterminated string; expected a closing '\"' on the same line"},
    {"hex number", "timer { counter 0x10; }", 1, 17,
     "hexadecimal number '0x10' is not accepted (racoon's grammar has no rule for it); write it in "
     "decimal"},
    {"unknown global", "log info;\nfoo bar;", 2, 1,
     "unknown directive 'foo' in the global section; expected path, include, log, padding, listen, "
     "timer, remote, sainfo, mode_cfg, ldapcfg, radiuscfg, ddns, admission, plugins, privsep, gss_id_enc, "
     "pfkey_buffer or complex_bundle"},
    {"stray brace", "}", 1, 1,
     "expected a directive (path, include, log, padding, listen, timer, remote, sainfo, mode_cfg, "
     "ldapcfg, radiuscfg, ddns, admission, plugins, privsep, gss_id_enc, pfkey_buffer or complex_bundle), "
     "found "
     "'}'"},
    {"unknown timer", "timer {\n\tretry 3;\n}", 2, 2,
     "unknown directive 'retry' in the timer block; expected counter, interval, persend, phase1, "
     "phase2 or natt_keepalive"},
    {"missing semicolon", "log notify\ntimer { }", 2, 1,
     "expected ';' to end the 'log' statement, found 'timer'"},
    {"bad log level", "log loud;", 1, 5,
     "bad log level 'loud'; expected error, warning, notify, info, debug or debug2"},
    {"unterminated block", "timer {\n  counter 5;\n", 1, 7,
     "unterminated timer block; expected '}' to close this '{'"},
    {"counter range", "timer { counter 0; }", 1, 17,
     "counter 0 is out of range; expected 1 to 1000"},
    {"missing unit", "timer { interval 20; }", 1, 20,
     "expected a time unit (sec, min or hour) after interval, found ';'"},
    {"days unit", "timer { phase1 1 day; }", 1, 18,
     "expected a time unit (sec, min or hour) after phase1, found 'day'"},
    {"zero phase2", "timer { phase2 0 sec; }", 1, 9,
     "phase2 is 0 seconds; expected a time of at least 1 sec"},
    {"padding range", "padding { maximum_length 300; }", 1, 26,
     "maximum_length 300 is out of range; expected 0 to 255"},
    {"bad on off", "padding { randomize yes; }", 1, 21,
     "expected on or off for randomize, found 'yes'"},
    {"bad listen address", "listen { isakmp 300.1.1.1; }", 1, 17,
     "bad IP address '300.1.1.1' for isakmp; expected an IPv4 or IPv6 address"},
    {"port range", "listen { isakmp 192.0.2.1 [70000]; }", 1, 28,
     "port 70000 is out of range; expected 0 to 65535"},
    {"adminsock mode", "listen { adminsock \"/s\" \"root\" \"wheel\" 0999; }", 1, 40,
     "bad adminsock mode '0999'; expected octal permission bits (0 to 0777) such as 0660"},
    {"adminsock sticky", "listen { adminsock \"/s\" \"\" \"\" 1660; }", 1, 31,
     "bad adminsock mode '1660'; expected octal permission bits (0 to 0777) such as 0660"},
    {"bad path type", "path keys \"/x\";", 1, 6,
     "bad path type 'keys'; expected include, pre_shared_key, certificate, script, backupsa or "
     "pidfile"},
    {"relative path", "path certificate \"cert\";", 1, 18,
     "path certificate \"cert\" is relative; expected an absolute path"},
    {"empty path", "path script \"\";", 1, 13, "path script is empty; expected a file name"},
    {"byte lifetime remote",
     "remote anonymous {\n\texchange_mode main;\n\tlifetime byte 10 MB;\n\t" PROP "\n}", 3, 11,
     "byte lifetimes are deprecated and not supported; expected 'lifetime time N sec|min|hour'"},
    {"byte lifetime sainfo",
     "sainfo anonymous {\n lifetime byte 5 KB;\n encryption_algorithm aes;\n}", 2, 11,
     "byte lifetimes are deprecated and not supported; expected 'lifetime time N sec|min|hour'"},
    {"duplicate remote",
     "remote \"a\" { exchange_mode main; " PROP " }\nremote \"a\" { exchange_mode main; " PROP " }",
     2, 8, "duplicate remote \"a\" (first defined at t.conf:1:8); expected each remote name once"},
    {"duplicate address remote",
     "remote 192.0.2.1 { exchange_mode main; " PROP
     " }\nremote 192.0.2.1 [500] { exchange_mode main; " PROP " }",
     2, 8,
     "duplicate remote \"192.0.2.1\" (first defined at t.conf:1:8); expected each remote name "
     "once"},
    {"inherit undefined", "remote \"b\" inherit \"a\";", 1, 20,
     "inherit: no remote \"a\" is defined before this one; expected the name of an earlier remote"},
    {"bodiless remote", "remote \"b\";", 1, 11,
     "a remote without a body must inherit; expected '{'"},
    {"aggressive dh",
     "remote anonymous {\n exchange_mode aggressive;\n " PROP
     "\n proposal { encryption_algorithm aes; hash_algorithm sha1;\n"
     "  authentication_method rsasig; dh_group 5; }\n " CERT "\n}",
     5, 33,
     "aggressive mode needs one DH group in every proposal of remote \"anonymous\": this proposal "
     "uses modp1536 but the first uses modp2048"},
    {"no exchange mode", "remote anonymous { " PROP " }", 1, 8,
     "remote \"anonymous\" has no exchange_mode; expected e.g. 'exchange_mode main;'"},
    {"no proposal", "remote anonymous { exchange_mode main; }", 1, 8,
     "remote \"anonymous\" has no proposal; expected at least one 'proposal { ... }' block"},
    {"bad exchange mode", "remote anonymous { exchange_mode quick; }", 1, 34,
     "bad exchange mode 'quick'; expected main, aggressive or base"},
    {"proposal lacks dh",
     "remote anonymous { exchange_mode main;\n proposal { encryption_algorithm aes; "
     "hash_algorithm sha1; authentication_method rsasig; } }",
     2, 2,
     "proposal lacks dh_group; expected encryption_algorithm, hash_algorithm, "
     "authentication_method and dh_group in every proposal"},
    {"bad phase1 cipher", "remote anonymous { proposal { encryption_algorithm rc4; } }", 1, 52,
     "bad phase 1 encryption_algorithm 'rc4'; expected des, 3des, blowfish, cast128, aes, "
     "camellia, idea or rc5"},
    {"bad key length", "remote anonymous { proposal { encryption_algorithm aes 100; } }", 1, 56,
     "key length 100 is not valid for aes; expected 128, 192 or 256"},
    {"dsssig", "remote anonymous { proposal { authentication_method dsssig; } }", 1, 53,
     "authentication method 'dsssig' is not supported (racoon never implemented it); expected "
     "pre_shared_key, rsasig, gssapi_krb, hybrid_rsa_server, hybrid_rsa_client, xauth_rsa_server, "
     "xauth_rsa_client, xauth_psk_server or xauth_psk_client"},
    {"dh in remote", "remote anonymous {\n  dh_group 2;\n}", 2, 3,
     "'dh_group' belongs in a proposal block; expected it inside 'proposal { ... }'"},
    {"nonce range", "remote anonymous { nonce_size 4; }", 1, 31,
     "nonce_size 4 is out of range; expected 8 to 256"},
    {"bad remote_address", "remote \"x\" { remote_address 10.0.0.256; }", 1, 29,
     "bad IP address '10.0.0.256' for remote_address; expected an IPv4 or IPv6 address"},
    {"rsasig without cert", "remote anonymous { exchange_mode main;\n  " PROP " }", 2, 61,
     "authentication_method rsasig needs a certificate; expected 'certificate_type x509 \"cert\" "
     "\"key\";' in remote \"anonymous\""},
    {"asn1dn without cert",
     "remote anonymous { exchange_mode main;\n my_identifier asn1dn;\n proposal { "
     "encryption_algorithm aes; hash_algorithm sha1; authentication_method hybrid_rsa_client; "
     "dh_group 2; } }",
     2, 2,
     "my_identifier asn1dn without a DN takes the subject of the own certificate; expected "
     "'certificate_type x509 ...' in remote \"anonymous\" or a quoted DN"},
    {"sainfo lacks auth",
     "sainfo anonymous\n{\n encryption_algorithm aes;\n compression_algorithm deflate;\n}", 1, 1,
     "sainfo lacks authentication_algorithm; expected encryption_algorithm, "
     "authentication_algorithm and compression_algorithm in every sainfo"},
    {"both anonymous", "sainfo anonymous anonymous { }", 1, 18,
     "a sainfo may have only one anonymous side; expected 'sainfo anonymous' for both, or an ID on "
     "one side"},
    {"asn1dn sainfo", "sainfo asn1dn \"CN=x\" anonymous { }", 1, 8,
     "asn1dn is not allowed as a sainfo ID; expected address, subnet, fqdn, user_fqdn or keyid "
     "(use 'from asn1dn' to match the phase 1 identity)"},
    {"bad prefix", "sainfo address 10.0.0.0/33 any anonymous { }", 1, 25,
     "bad prefix /33 for an IPv4 address; expected 0 to 32"},
    {"bad sainfo address", "sainfo subnet 10.0.0/8 any anonymous { }", 1, 15,
     "bad IP address '10.0.0' in sainfo; expected an IPv4 or IPv6 address"},
    {"bad range", "sainfo address 10.0.0.1-::1 any anonymous { }", 1, 16,
     "bad address range '10.0.0.1-::1'; expected two addresses of the same family joined by '-'"},
    {"sainfo port range", "sainfo address 10.0.0.1 [65536] tcp anonymous { }", 1, 26,
     "port 65536 is out of range; expected 0 to 65535"},
    {"bad ulproto", "sainfo address 10.0.0.1 sctp anonymous { }", 1, 25,
     "bad upper-layer protocol 'sctp'; expected any, esp, ah, ipcomp, icmp, icmp6, tcp, udp, gre "
     "or 0 to 255"},
    {"icmp port", "sainfo address 10.0.0.1 [8] icmp anonymous { }", 1, 29,
     "a port is given with icmp; expected [any] for ICMP"},
    {"clientaddr local", "sainfo clientaddr anonymous { }", 1, 8,
     "clientaddr is only allowed as the remote side of a sainfo; expected anonymous, address, "
     "subnet, fqdn, user_fqdn or keyid"},
    {"duplicate sainfo",
     "sainfo anonymous { encryption_algorithm aes; authentication_algorithm hmac_sha1; "
     "compression_algorithm deflate; }\nsainfo anonymous { }",
     2, 1,
     "duplicate sainfo (the same IDs were first given at t.conf:1:1); expected each sainfo once"},
    {"bad esp auth", "sainfo anonymous { authentication_algorithm hmac_sha3; }", 1, 45,
     "bad authentication_algorithm 'hmac_sha3'; expected hmac_md5, hmac_sha1, hmac_sha256, "
     "hmac_sha384, hmac_sha512 or non_auth"},
    {"dns4 count", "mode_cfg { dns4 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4; }", 1, 47,
     "too many dns4 servers; expected at most 3"},
    {"split conflict",
     "mode_cfg {\n split_network include 10.0.0.0/8;\n split_network local_lan 10.1.0.0/16;\n}", 3,
     16,
     "split_network local_lan conflicts with the earlier split_network type; expected one type "
     "only"},
    {"network4 v6", "mode_cfg { network4 2001:db8::1; }", 1, 21,
     "bad address '2001:db8::1' for network4; expected an IPv4 address"},
    {"group twice",
     "mode_cfg {\n group \"staff\" { dns4 10.0.0.1; }\n group \"staff\" { dns4 10.0.0.2; }\n}", 3,
     8, "a second mode_cfg group block for \"staff\"; expected one per group"},
    {"group unknown", "mode_cfg { group \"g\" { pool_size 3; } }", 1, 24,
     "unknown directive 'pool_size' in a mode_cfg group block; expected dns4, wins4, nbns4, "
     "split_network, split_dns or default_domain"},
    {"group empty name", "mode_cfg { group \"\" { } }", 1, 18,
     "empty group name; expected the name of a group"},
    {"group unterminated", "mode_cfg { group \"g\" { dns4 10.0.0.1;", 1, 22,
     "unterminated group block; expected '}' to close this '{'"},
    {"ldap without ldapcfg", "mode_cfg {\n auth_source ldap;\n}", 2, 14,
     "an LDAP source is used but there is no ldapcfg block; expected 'ldapcfg { ... }' in the "
     "configuration"},
    {"ddns without server", "mode_cfg { }\nddns {\n zone \"local\";\n}", 2, 6,
     "the ddns block has no server; expected 'server ADDRESS;'"},
    {"ddns without zone", "mode_cfg { }\nddns { server 192.0.2.1; }", 2, 6,
     "the ddns block has no zone; expected 'zone \"NAME\";'"},
    {"ddns bad zone", "ddns { zone \"lo cal\"; }", 1, 13,
     "bad zone \"lo cal\": it has the character ' '; expected a DNS name"},
    {"ddns name without user", "ddns { name \"vpn\"; }", 1, 13,
     "name \"vpn\" has no %u; expected a pattern with the user, like \"%u-vpn\""},
    {"ddns reverse zone", "ddns { reverse_zone \"example.net\"; }", 1, 21,
     "bad reverse_zone \"example.net\"; expected a zone under in-addr.arpa"},
    {"ddns unknown", "ddns { server 192.0.2.1 port 53; zone \"local\"; tsig \"k\"; }", 1, 48,
     "unknown directive 'tsig' in the ddns block; expected server, zone, reverse_zone, name, ttl, "
     "key, timeout or retry"},
    {"admission unknown", "admission {\n\thalf_open 10;\n\tper_ip 2;\n}", 3, 2,
     "unknown directive 'per_ip' in the admission block; expected half_open, "
     "half_open_per_source, rate or burst"},
    {"admission burst zero", "admission { burst 0; }", 1, 19,
     "burst 0 is out of range; expected 1 to 10000000"},
    {"admission unterminated", "admission { rate 5;", 1, 11,
     "unterminated admission block; expected '}' to close this '{'"},
    {"ddns without mode_cfg", "ddns { server 192.0.2.1; zone \"local\"; }", 1, 6,
     "the ddns block registers Mode Config addresses; expected a 'mode_cfg { ... }' block too"},
    {"ddns missing key",
     "mode_cfg { }\nddns { server 192.0.2.1; zone \"local\";\n key \"/etc/coati/none.key\"; }", 3,
     2, "TSIG key file '@ROOT@/etc/coati/none.key' does not exist; expected a readable file", true},
    {"plugins unknown", "plugins { folder \"/x\"; }", 1, 11,
     "unknown directive 'folder' in the plugins block; expected path, restarts or load"},
    {"plugins without path", "plugins {\n load \"jsonlog\" { };\n}", 1, 9,
     "the plugins block loads plugins but has no path; expected 'path \"FOLDER\";'"},
    {"plugin bad name", "plugins { path \"/p\"; load \"../evil\" { }; }", 1, 27,
     "bad plugin name \"../evil\"; expected letters, digits, '_' or '-' (the file is NAME.so)"},
    {"plugin twice", "plugins { path \"/p\"; load \"a\" { }\n load \"a\" { } }", 2, 7,
     "plugin \"a\" is loaded twice; expected one load per plugin"},
    {"plugin option value", "plugins { path \"/p\"; load \"a\" { file; } }", 1, 37,
     "expected a value for option 'file' (a word, number or quoted string)"},
    {"plugins restarts", "plugins { restarts 5000; }", 1, 20,
     "restarts 5000 is out of range; expected 0 to 1000"},
    {"plugin folder missing", "plugins { path \"/usr/lib/coati/none\"; }", 1, 11,
     "plugin folder '@ROOT@/usr/lib/coati/none' does not exist; expected a folder", true},
    {"ldap version", "ldapcfg { version 4; }", 1, 19, "version 4 is out of range; expected 2 to 3"},
    {"ldap starttls", "ldapcfg { starttls maybe; }", 1, 20,
     "expected on or off for starttls, found 'maybe'"},
    {"missing certificate",
     "path certificate \"/etc/racoon/cert\";\nremote anonymous {\n exchange_mode main;\n "
     "certificate_type x509 \"b.crt\" \"a.pem\";\n " PROP "\n}",
     4, 24,
     "certificate file '@ROOT@/etc/racoon/cert/b.crt' does not exist; expected a readable file "
     "(relative names are taken from 'path certificate')",
     true},
    {"missing key",
     "path certificate \"/etc/racoon/cert\";\nremote anonymous {\n exchange_mode main;\n "
     "certificate_type x509 \"a.crt\" \"/keys/a.pem\";\n " PROP "\n}",
     4, 32,
     "private key file '@ROOT@/keys/a.pem' does not exist; expected a readable file (relative "
     "names are taken from 'path certificate')",
     true},
    {"missing script",
     "path certificate \"/etc/racoon/cert\";\npath script \"/etc/racoon\";\nremote anonymous {\n "
     "exchange_mode main;\n " CERT "\n script \"down.sh\" phase1_down;\n " PROP "\n}",
     6, 9,
     "script '@ROOT@/etc/racoon/down.sh' does not exist; expected a readable file (relative names "
     "are taken from 'path script')",
     true},
    {"missing psk",
     "path pre_shared_key \"/etc/racoon/psk.txt\";\nremote anonymous {\n exchange_mode main;\n "
     "proposal {\n  encryption_algorithm aes;\n  hash_algorithm sha1;\n  authentication_method "
     "pre_shared_key;\n  dh_group 2;\n }\n}",
     7, 3,
     "authentication_method pre_shared_key needs the psk file '@ROOT@/etc/racoon/psk.txt', which "
     "does not exist; expected an existing file ('path pre_shared_key')",
     true},
    {"include not found", "path include \"/etc/racoon\";\ninclude \"nope*.conf\";", 2, 9,
     "include \"nope*.conf\": no file matches '@ROOT@/etc/racoon/nope*.conf'; expected an "
     "existing file (relative names are taken from 'path include')",
     true},
    {"include depth", "path include \"/etc/racoon\";\ninclude \"loop.conf\";", 1, 9,
     "include nesting is deeper than 10 levels; expected at most 10 (an include loop?)", true,
     "@ROOT@/etc/racoon/loop.conf"},
};

std::string replace_root(std::string s, const std::string& root) {
  for (auto p = s.find("@ROOT@"); p != std::string::npos; p = s.find("@ROOT@"))
    s.replace(p, 6, root);
  return s;
}

} // namespace

BOOST_AUTO_TEST_CASE(table_of_errors) {
  root_fixture fx;
  BOOST_TEST(std::size(cases) >= 40u);
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case '" << c.name << "'") {
      load_options o;
      o.check_files = c.with_root;
      if (c.with_root)
        o.config_root = fx.root.string();
      auto r = load_string(c.text, "t.conf", o);
      BOOST_TEST(!r.ok());
      BOOST_REQUIRE(!r.diagnostics.empty());
      const diagnostic* d = nullptr;
      for (const auto& x : r.diagnostics)
        if (x.sev == diagnostic::severity::error) {
          d = &x;
          break;
        }
      BOOST_REQUIRE(d != nullptr);
      BOOST_TEST(d->file == replace_root(c.file, fx.root.string()));
      BOOST_TEST(d->line == c.line);
      BOOST_TEST(d->column == c.column);
      BOOST_TEST(d->message == replace_root(c.message, fx.root.string()));
    }
  }
}

BOOST_AUTO_TEST_CASE(render_quotes_line_with_caret) {
  auto r = load_string("timer {\n\tcounter 5;\n\tpersend 0;\n}\n", "x.conf", {});
  BOOST_REQUIRE(r.diagnostics.size() == 1u);
  BOOST_TEST(r.diagnostics[0].render() ==
             "x.conf:3:10: error: persend 0 is out of range; expected 1 to 100\n"
             "  \tpersend 0;\n"
             "  \t        ^\n");
  BOOST_TEST(r.render() == r.diagnostics[0].render());
}

BOOST_AUTO_TEST_CASE(missing_top_file) {
  auto r = load_file("/nonexistent/coati/racoon.conf");
  BOOST_TEST(!r.ok());
  BOOST_REQUIRE(r.diagnostics.size() == 1u);
  BOOST_TEST(r.diagnostics[0].render() ==
             "/nonexistent/coati/racoon.conf: error: cannot read configuration file; expected a "
             "readable regular file\n");
}

BOOST_AUTO_TEST_CASE(unimplemented_parts_warn_by_name) {
  const char* text = R"(privsep { user "racoon"; group 0; chroot "/var/empty"; }
gss_id_enc latin1;
pfkey_buffer 64;
complex_bundle off;
path backupsa "/var/racoon/backup";
radiuscfg { auth "127.0.0.1" 1812 "s"; timeout 5; }
remote anonymous {
 exchange_mode main;
 esp_frag 1400;
 rekey force; # implemented (phase-1 rekey): no warning
 peers_certfile dnssec;
 certificate_type plain_rsa "k.priv";
 proposal { encryption_algorithm aes; hash_algorithm sha1; authentication_method gssapi_krb;
   dh_group 2; gss_id "g"; }
}
mode_cfg { auth_source radius; accounting radius; conf_source radius; }
mode_cfg { accounting pam; }
)";
  auto r = load_string(text, "w.conf", load_options{{}, false});
  BOOST_TEST_INFO(r.render());
  BOOST_REQUIRE(r.ok());
  std::vector<std::string> got;
  for (const auto& d : r.diagnostics) {
    BOOST_TEST((d.sev == diagnostic::severity::warning));
    got.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.message);
  }
  auto w = [](const char* place, const char* name) {
    return std::string(place) + " '" + name + "' is parsed but not implemented yet; ignored";
  };
  std::vector<std::string> want = {w("1:1", "privsep"),
                                   w("2:1", "gss_id_enc"),
                                   w("3:1", "pfkey_buffer"),
                                   w("4:1", "complex_bundle"),
                                   w("5:6", "path backupsa"),
                                   w("6:1", "radiuscfg"),
                                   w("9:2", "esp_frag"),
                                   w("11:17", "peers_certfile dnssec"),
                                   w("12:19", "plain_rsa"),
                                   w("13:82", "gssapi_krb"),
                                   w("14:16", "gss_id"),
                                   w("16:24", "auth_source radius"),
                                   w("16:43", "accounting radius"),
                                   w("16:63", "conf_source radius"),
                                   w("17:23", "accounting pam")};
  BOOST_TEST(got == want, boost::test_tools::per_element());
  // The seed-like parts give nothing.
  auto quiet = load_string("mode_cfg { auth_source pam; accounting system; conf_source local; }",
                           "q.conf", load_options{{}, false});
  BOOST_TEST(quiet.diagnostics.empty());
}

BOOST_AUTO_TEST_CASE(include_depth_ten_is_fine_eleven_is_not) {
  root_fixture fx;
  // chain/1.conf includes 2.conf ... up to `last`, which sets the log level.
  auto chain = [&](int last) {
    std::error_code ec;
    fs::remove_all(fx.root / "chain", ec);
    fs::create_directories(fx.root / "chain");
    for (int i = 1; i < last; ++i)
      fx.write("chain/" + std::to_string(i) + ".conf",
               "include \"" + std::to_string(i + 1) + ".conf\";\n");
    fx.write("chain/" + std::to_string(last) + ".conf", "log debug;\n");
    return load_string("path include \"/chain\";\ninclude \"1.conf\";\n", "top.conf",
                       load_options{fx.root.string(), true});
  };
  auto ten = chain(10);
  BOOST_TEST_INFO(ten.render());
  BOOST_REQUIRE(ten.ok());
  BOOST_TEST((*ten.config->log == log_level::debug));
  auto eleven = chain(11);
  BOOST_TEST(!eleven.ok());
  BOOST_REQUIRE(eleven.diagnostics.size() == 1u);
  BOOST_TEST(eleven.diagnostics[0].file == (fx.root / "chain/10.conf").string());
  BOOST_TEST(eleven.diagnostics[0].line == 1u);
  BOOST_TEST(eleven.diagnostics[0].column == 9u);
}
