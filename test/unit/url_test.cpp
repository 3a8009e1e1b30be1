// URLs: every accepted and refused form, normalisation, the Host header,
// Location resolution (including the values recorded from real Mesos 1.11.1
// masters) and endpoint paths.
#include <mesos_http/url.hpp>

#include "support/traces.hpp"

#include <catch2/catch.hpp>

#include <string>

using mesos_http::error;
using mesos_http::url;

namespace {

url make(bool tls, std::string host, std::uint16_t port, std::string target) {
  url u;
  u.tls = tls;
  u.host = std::move(host);
  u.port = port;
  u.target = std::move(target);
  return u;
}

url parse_ok(std::string_view text) {
  boost::system::error_code ec = error::redirect_loop;  // must be cleared
  mesos_http::diagnostics diag;
  diag.set_message("stale");
  auto u = mesos_http::parse_url(text, ec, diag);
  INFO("url: " << text << " -> " << diag.message());
  REQUIRE(u);
  CHECK_FALSE(ec);
  CHECK(diag.empty());
  return *u;
}

// Returns the diagnostic message.
std::string parse_fails(std::string_view text) {
  boost::system::error_code ec;
  mesos_http::diagnostics diag;
  auto u = mesos_http::parse_url(text, ec, diag);
  INFO("url: " << text);
  CHECK_FALSE(u);
  CHECK(ec == error::invalid_url);
  CHECK(diag.message().rfind("invalid URL '", 0) == 0);
  return diag.message();
}

url resolve_ok(const url& base, std::string_view location) {
  boost::system::error_code ec = error::redirect_loop;
  mesos_http::diagnostics diag;
  diag.set_message("stale");
  auto u = mesos_http::resolve_location(base, location, ec, diag);
  INFO("base: " << base.to_string() << " Location: " << location << " -> " << diag.message());
  REQUIRE(u);
  CHECK_FALSE(ec);
  CHECK(diag.empty());
  return *u;
}

std::string resolve_fails(const url& base, std::string_view location) {
  boost::system::error_code ec;
  mesos_http::diagnostics diag;
  auto u = mesos_http::resolve_location(base, location, ec, diag);
  INFO("Location: " << location);
  CHECK_FALSE(u);
  CHECK(ec == error::invalid_url);
  CHECK(diag.message().rfind("invalid Location '", 0) == 0);
  return diag.message();
}

}  // namespace

TEST_CASE("parse_url accepts absolute http and https URLs", "[url]") {
  struct accepted {
    const char* text;
    url expected;
  };
  auto c = GENERATE(values<accepted>({
      {"http://m:5050", make(false, "m", 5050, "/")},
      {"http://m:5050/", make(false, "m", 5050, "/")},
      {"HTTP://Host", make(false, "host", 80, "/")},
      {"hTTpS://Master.Example", make(true, "master.example", 443, "/")},
      {"https://[::1]:8443/api?x", make(true, "::1", 8443, "/api?x")},
      {"http://[2001:DB8::1]/", make(false, "2001:db8::1", 80, "/")},
      {"http://[::ffff:10.0.0.1]:5050", make(false, "::ffff:10.0.0.1", 5050, "/")},
      {"http://[1:2:3:4:5:6:7:8]", make(false, "1:2:3:4:5:6:7:8", 80, "/")},
      {"http://[1:2:3:4:5:6:1.2.3.4]", make(false, "1:2:3:4:5:6:1.2.3.4", 80, "/")},
      {"http://[::]", make(false, "::", 80, "/")},
      {"http://[1::]:1", make(false, "1::", 1, "/")},
      {"http://10.0.0.1:5050/master/api/v1/scheduler",
       make(false, "10.0.0.1", 5050, "/master/api/v1/scheduler")},
      {"http://m?x=1", make(false, "m", 80, "/?x=1")},
      {"http://m/p?q#frag", make(false, "m", 80, "/p?q")},
      {"http://m#frag", make(false, "m", 80, "/")},
      {"http://m:65535", make(false, "m", 65535, "/")},
      {"http://m:1", make(false, "m", 1, "/")},
      {"http://m:05050", make(false, "m", 5050, "/")},
      {"https://m:80", make(true, "m", 80, "/")},
      {"http://My_Host-1.example./x", make(false, "my_host-1.example.", 80, "/x")},
      {"https://M:443/A/B%20C", make(true, "m", 443, "/A/B%20C")},
      {"http://m:5051/slave(1)/api/v1/executor",
       make(false, "m", 5051, "/slave(1)/api/v1/executor")},
  }));
  INFO(c.text);
  CHECK(parse_ok(c.text) == c.expected);
}

TEST_CASE("parse_url refuses everything else with invalid_url", "[url]") {
  auto text = GENERATE(as<std::string>{},
                       "",                              // nothing
                       "m:5050",                        // scheme "m"
                       "10.0.0.1:5050",                 // no scheme
                       "//m:5050",                      // scheme-relative is not absolute
                       "/api/v1/scheduler",             // a path
                       "ftp://m",                       // other scheme
                       "http+unix://%2Fsock/x",         // other scheme
                       "http:/m",                       // one slash
                       "http:m",                        // no slashes
                       "http://",                       // no host
                       "http:///path",                  // no host
                       "http://:5050",                  // no host
                       "http://?x",                     // no host
                       "http://m:",                     // empty port
                       "http://m:0",                    // zero port
                       "http://m:65536",                // out of range
                       "http://m:123456",               // too long
                       "http://m:50a0",                 // not a number
                       "http://m:-1",                   // not a number
                       "http://m:+80",                  // not a number
                       "http://m:80:80",                // two ports
                       "http://user:pw@m",              // userinfo
                       "http://user@m:5050/",           // userinfo
                       "http://m /x",                   // space
                       " http://m",                     // leading space
                       "http://m\t/x",                  // tab
                       "http://m/x\n",                  // control character
                       "http://m/x\r",                  // control character
                       std::string("http://m\0/", 10),  // NUL
                       "http://m/\x7f",                 // DEL
                       "http://m\xc3\xa9/",             // non-ASCII
                       "http://m/caf\xc3\xa9",          // non-ASCII path
                       "http://::1/",                   // IPv6 without brackets
                       "http://[::1",                   // unterminated
                       "http://[::1]x",                 // junk after ]
                       "http://[::1]:",                 // empty port
                       "http://[]",                     // empty IPv6
                       "http://[1::2::3]",              // two "::"
                       "http://[:::1]",                 // ":::"
                       "http://[12345::]",              // group too long
                       "http://[1:2:3:4:5:6:7:8:9]",    // too many groups
                       "http://[1:2:3:4:5:6:7]",        // too few groups
                       "http://[1:2:3:4:5:6:7::8]",     // "::" standing for nothing
                       "http://[1:2:3:4:5:6:7:]",       // trailing ':'
                       "http://[fe80::1%25eth0]",       // zone id
                       "http://[::g]",                  // not hex
                       "http://[::1.2.3.256]",          // bad IPv4 tail
                       "http://[::1.2.3]",              // short IPv4 tail
                       "http://[1.2.3.4::]",            // IPv4 not at the end
                       "http://[m]",                    // not an address
                       "http://a..b",                   // empty label
                       "http://.a",                     // empty label
                       "http://a!b",                    // bad character
                       "http://a%20b",                  // percent-encoded host
                       "http://a\\b");                  // backslash
  parse_fails(text);
}

TEST_CASE("parse_url says what is wrong", "[url]") {
  CHECK(parse_fails("ftp://m") == "invalid URL 'ftp://m': scheme 'ftp' is not http or https");
  CHECK(parse_fails("m.example:5050") ==
        "invalid URL 'm.example:5050': scheme 'm.example' is not http or https");
  CHECK(parse_fails("10.0.0.1:5050") ==
        "invalid URL '10.0.0.1:5050': no scheme (expected http:// or https://)");
  CHECK(parse_fails("http:m") == "invalid URL 'http:m': expected '//' after 'http:'");
  CHECK(parse_fails("http://") == "invalid URL 'http://': missing host");
  CHECK(parse_fails("http://::1/") ==
        "invalid URL 'http://::1/': missing host (an IPv6 host goes in brackets: [::1])");
  CHECK(parse_fails("http://m:0") == "invalid URL 'http://m:0': port 0 is not allowed");
  CHECK(parse_fails("http://m:65536") ==
        "invalid URL 'http://m:65536': port '65536' is out of range (1-65535)");
  CHECK(parse_fails("http://m:") == "invalid URL 'http://m:': empty port after ':'");
  CHECK(parse_fails("http://m:5o5o") == "invalid URL 'http://m:5o5o': invalid port '5o5o'");
  CHECK(parse_fails("http://u:p@m") ==
        "invalid URL 'http://u:p@m': user information ('user:password@') is not supported");
  CHECK(parse_fails("http://[::1") ==
        "invalid URL 'http://[::1': '[' of an IPv6 host is not closed");
  CHECK(parse_fails("http://[::g]") == "invalid URL 'http://[::g]': invalid IPv6 address '::g'");
  CHECK(parse_fails("http://a!b") ==
        "invalid URL 'http://a!b': invalid character '!' in host 'a!b'");
  CHECK(parse_fails("http://a..b") == "invalid URL 'http://a..b': empty label in host 'a..b'");
  // Control characters are escaped in the message, not copied into logs.
  CHECK(parse_fails("http://m/x\n") ==
        "invalid URL 'http://m/x\\x0a': control character at offset 10");
  CHECK(parse_fails("http://m x") == "invalid URL 'http://m x': space at offset 8");
  CHECK(parse_fails("http://m\xc3\xa9") ==
        "invalid URL 'http://m\\xc3\\xa9': non-ASCII byte at offset 8");
  // Long input is cut in the message.
  std::string long_text = "ftp://" + std::string(500, 'a');
  std::string message = parse_fails(long_text);
  CHECK(message.size() < 300);
  CHECK(message.find("...'") != std::string::npos);
}

TEST_CASE("url members give scheme, authority, Host header and text", "[url]") {
  struct row {
    const char* text;
    const char* scheme;
    const char* authority;
    const char* host_header;
    const char* to_string;
  };
  auto r = GENERATE(values<row>({
      {"http://m", "http", "m:80", "m", "http://m:80/"},
      {"http://m:80", "http", "m:80", "m", "http://m:80/"},
      {"http://m:443", "http", "m:443", "m:443", "http://m:443/"},
      {"https://m", "https", "m:443", "m", "https://m:443/"},
      {"https://m:443/x", "https", "m:443", "m", "https://m:443/x"},
      {"https://m:80", "https", "m:80", "m:80", "https://m:80/"},
      {"HTTP://Host:5050/master/api/v1/scheduler?a=b#f", "http", "host:5050", "host:5050",
       "http://host:5050/master/api/v1/scheduler?a=b"},
      {"https://[::1]", "https", "[::1]:443", "[::1]", "https://[::1]:443/"},
      {"http://[::1]:5050/api", "http", "[::1]:5050", "[::1]:5050", "http://[::1]:5050/api"},
      {"https://[::1]:8443/api?x", "https", "[::1]:8443", "[::1]:8443", "https://[::1]:8443/api?x"},
  }));
  INFO(r.text);
  url u = parse_ok(r.text);
  CHECK(u.scheme() == r.scheme);
  CHECK(u.authority() == r.authority);
  CHECK(u.host_header() == r.host_header);
  CHECK(u.to_string() == r.to_string);
  // to_string() is a fixed point of parsing.
  CHECK(parse_ok(u.to_string()) == u);
}

TEST_CASE("urls compare by every field", "[url]") {
  url a = make(false, "m", 5050, "/api/v1/scheduler");
  CHECK(a == make(false, "m", 5050, "/api/v1/scheduler"));
  CHECK_FALSE(a != make(false, "m", 5050, "/api/v1/scheduler"));
  CHECK(a != make(true, "m", 5050, "/api/v1/scheduler"));
  CHECK(a != make(false, "n", 5050, "/api/v1/scheduler"));
  CHECK(a != make(false, "m", 5051, "/api/v1/scheduler"));
  CHECK(a != make(false, "m", 5050, "/master/api/v1/scheduler"));
  CHECK(parse_ok("http://M:80") == parse_ok("http://m/"));
  CHECK(mesos_http::default_port(false) == 80);
  CHECK(mesos_http::default_port(true) == 443);
  url empty;
  CHECK_FALSE(empty.tls);
  CHECK(empty.host.empty());
  CHECK(empty.port == 0);
  CHECK(empty.target == "/");
}

TEST_CASE("resolve_location follows the Locations recorded from real Mesos", "[url][replay]") {
  namespace t = mesos_http::test;
  t::require_traces();
  struct recorded {
    const char* name;
    const char* location;  // the exact header value in the recording
    url expected;
  };
  // Masters ran on 127.0.0.1:5050 (leader) and :5052; the requests went to
  // the non-leader. Note the leader adds its "/master" prefix to the path.
  auto r = GENERATE(values<recorded>({
      {"01-ha-redirect-endpoint-nonleader", "//127.0.0.1:5050",
       make(false, "127.0.0.1", 5050, "/")},
      {"02-ha-redirect-endpoint-leader", "//127.0.0.1:5050", make(false, "127.0.0.1", 5050, "/")},
      {"03-ha-subscribe-json-nonleader", "//127.0.0.1:5050/master/api/v1/scheduler",
       make(false, "127.0.0.1", 5050, "/master/api/v1/scheduler")},
      {"04-ha-subscribe-proto-nonleader", "//127.0.0.1:5050/master/api/v1/scheduler",
       make(false, "127.0.0.1", 5050, "/master/api/v1/scheduler")},
      {"05-ha-get-nonleader", "//127.0.0.1:5050/master/api/v1/scheduler",
       make(false, "127.0.0.1", 5050, "/master/api/v1/scheduler")},
      {"06-ha-reconcile-nonleader", "//127.0.0.1:5050/master/api/v1/scheduler",
       make(false, "127.0.0.1", 5050, "/master/api/v1/scheduler")},
  }));
  INFO(r.name);
  auto dir = t::traces_dir() / "ha";
  auto request = t::load_single(dir / (std::string(r.name) + ".request.http"));
  auto response = t::load_single(dir / (std::string(r.name) + ".response.http"));
  REQUIRE(response.status() == 307);
  auto location = response.header("Location");
  REQUIRE(location);
  CHECK(*location == r.location);
  auto host = request.header("Host");
  REQUIRE(host);
  url base = parse_ok("http://" + std::string(*host) + std::string(request.target()));
  CHECK(resolve_ok(base, *location) == r.expected);
  // The same redirect reached over TLS stays on TLS.
  base.tls = true;
  url expected_tls = r.expected;
  expected_tls.tls = true;
  CHECK(resolve_ok(base, *location) == expected_tls);
}

TEST_CASE("resolve_location handles every reference form", "[url]") {
  const url base = parse_ok("http://127.0.0.1:5052/api/v1/scheduler");
  const url tls_base = parse_ok("https://m1.example:8443/api/v1/scheduler?x=1");
  struct row {
    url base;
    const char* location;
    url expected;
  };
  auto r = GENERATE_COPY(values<row>({
      // Scheme-relative: the scheme of the base, the port given or the
      // default of that scheme.
      {base, "//m2.example.com:5050/api/v1/scheduler",
       make(false, "m2.example.com", 5050, "/api/v1/scheduler")},
      {base, "//M2:5050", make(false, "m2", 5050, "/")},
      {base, "//m2/api", make(false, "m2", 80, "/api")},
      {tls_base, "//m2/api", make(true, "m2", 443, "/api")},
      {tls_base, "//m2:5050/master/api/v1/scheduler",
       make(true, "m2", 5050, "/master/api/v1/scheduler")},
      {base, "//[::1]:5050/x?y#z", make(false, "::1", 5050, "/x?y")},
      // Absolute URLs, whatever the base.
      {base, "https://m2:8443/api/v1/scheduler", make(true, "m2", 8443, "/api/v1/scheduler")},
      {tls_base, "HTTP://M2", make(false, "m2", 80, "/")},
      // Absolute path: same scheme and authority.
      {base, "/master/api/v1/scheduler",
       make(false, "127.0.0.1", 5052, "/master/api/v1/scheduler")},
      {tls_base, "/", make(true, "m1.example", 8443, "/")},
      {base, "/a/./b/../c?q=../x", make(false, "127.0.0.1", 5052, "/a/c?q=../x")},
      // Query only: the base path with the new query.
      {tls_base, "?y=2", make(true, "m1.example", 8443, "/api/v1/scheduler?y=2")},
      // Fragment only: the base itself.
      {tls_base, "#top", make(true, "m1.example", 8443, "/api/v1/scheduler?x=1")},
      // Relative paths: against the directory of the base path.
      {base, "executor", make(false, "127.0.0.1", 5052, "/api/v1/executor")},
      {base, "./executor", make(false, "127.0.0.1", 5052, "/api/v1/executor")},
      {base, "../v2/scheduler", make(false, "127.0.0.1", 5052, "/api/v2/scheduler")},
      {base, "../../../../../x", make(false, "127.0.0.1", 5052, "/x")},
      {base, "..", make(false, "127.0.0.1", 5052, "/api/")},
      {base, "x/y:z?q", make(false, "127.0.0.1", 5052, "/api/v1/x/y:z?q")},
      {parse_ok("http://m"), "x", make(false, "m", 80, "/x")},
      // Dot segments are removed from every form.
      {base, "//m2:5050/a/../master/./api", make(false, "m2", 5050, "/master/api")},
      // Surrounding whitespace of a header value is ignored.
      {base, " \t//m2:5050/x \t", make(false, "m2", 5050, "/x")},
  }));
  INFO(r.location);
  CHECK(resolve_ok(r.base, r.location) == r.expected);
}

TEST_CASE("resolve_location refuses empty and unparsable Locations", "[url]") {
  const url base = parse_ok("http://127.0.0.1:5052/api/v1/scheduler");
  auto location = GENERATE(as<std::string>{}, "", "  ", "masterhost2:5050", "ftp://m2/x", "//",
                           "///x", "//user@m2/x", "//m2:0/x", "//m2:99999/x", "//m2:/x", "//::1/x",
                           "http://", "http:/x", "/a b", "/a\r\nSet-Cookie: x", "//m2/\x80");
  resolve_fails(base, location);
}

TEST_CASE("resolve_location says what is wrong", "[url]") {
  const url base = parse_ok("http://127.0.0.1:5052/api/v1/scheduler");
  CHECK(
      resolve_fails(base, "") ==
      "invalid Location '' in a redirect from http://127.0.0.1:5052/api/v1/scheduler: it is empty");
  // The form Mesos's documentation shows (but masters do not send).
  CHECK(resolve_fails(base, "masterhost2:5050") ==
        "invalid Location 'masterhost2:5050' in a redirect from "
        "http://127.0.0.1:5052/api/v1/scheduler: scheme 'masterhost2' is not http or https");
  CHECK(resolve_fails(base, "//m2:0/x") ==
        "invalid Location '//m2:0/x' in a redirect from http://127.0.0.1:5052/api/v1/scheduler: "
        "port 0 is not allowed");
  CHECK(resolve_fails(base, "/a\r\nX: y") ==
        "invalid Location '/a\\x0d\\x0aX: y' in a redirect from "
        "http://127.0.0.1:5052/api/v1/scheduler: control character at offset 2");
}

TEST_CASE("endpoint_url appends the API path to the user's base URL", "[url]") {
  struct row {
    const char* base;
    const char* api;
    const char* target;
  };
  auto r = GENERATE(values<row>({
      {"http://m:5050", "/api/v1/scheduler", "/api/v1/scheduler"},
      {"http://m:5050/", "/api/v1/scheduler", "/api/v1/scheduler"},
      {"http://m:5050//", "/api/v1/scheduler", "/api/v1/scheduler"},
      {"http://m:5050/?x=1", "/api/v1/scheduler", "/api/v1/scheduler"},
      {"http://m:5050/api/v1/scheduler", "/api/v1/scheduler", "/api/v1/scheduler"},
      {"http://m:5050/api/v1/scheduler/", "/api/v1/scheduler", "/api/v1/scheduler"},
      {"http://m:5050/api/v1/scheduler?x", "/api/v1/scheduler", "/api/v1/scheduler"},
      {"http://m:5050/master/api/v1/scheduler", "/api/v1/scheduler", "/master/api/v1/scheduler"},
      {"http://proxy/mesos", "/api/v1/scheduler", "/mesos/api/v1/scheduler"},
      {"http://proxy/mesos/", "/api/v1/scheduler", "/mesos/api/v1/scheduler"},
      {"http://proxy/mesos?token=1", "/api/v1/scheduler", "/mesos/api/v1/scheduler"},
      {"http://proxy/a/b/master", "/api/v1/scheduler", "/a/b/master/api/v1/scheduler"},
      // A match must be whole segments.
      {"http://m/xapi/v1/scheduler", "/api/v1/scheduler", "/xapi/v1/scheduler/api/v1/scheduler"},
      // The scheduler path is not the executor path.
      {"http://m:5050/api/v1/scheduler", "/api/v1/executor", "/api/v1/scheduler/api/v1/executor"},
      {"http://a:5051/slave(1)", "/api/v1/executor", "/slave(1)/api/v1/executor"},
      {"http://a:5051", "api/v1/executor", "/api/v1/executor"},
  }));
  INFO(r.base << " + " << r.api);
  url base = parse_ok(r.base);
  url out = mesos_http::endpoint_url(base, r.api);
  CHECK(out.target == r.target);
  CHECK(out.tls == base.tls);
  CHECK(out.host == base.host);
  CHECK(out.port == base.port);
}

TEST_CASE("endpoint_url keeps scheme, host and port", "[url]") {
  url out = mesos_http::endpoint_url(parse_ok("https://[::1]:8443/mesos/"), "/api/v1/scheduler");
  CHECK(out == make(true, "::1", 8443, "/mesos/api/v1/scheduler"));
  CHECK(out.to_string() == "https://[::1]:8443/mesos/api/v1/scheduler");
}
