// Redirect chains: the hop limit, loop detection, what is (not) a loop, and
// start() beginning a fresh chain.
#include <mesos_http/redirect_chain.hpp>

#include <catch2/catch.hpp>

#include <string>

using mesos_http::error;
using mesos_http::redirect_chain;
using mesos_http::url;

namespace {

url at(std::string host, std::string target = "/api/v1/scheduler", std::uint16_t port = 5050,
       bool tls = false) {
  url u;
  u.tls = tls;
  u.host = std::move(host);
  u.port = port;
  u.target = std::move(target);
  return u;
}

}  // namespace

TEST_CASE("a redirect chain follows redirects and records them", "[redirect]") {
  redirect_chain chain;
  CHECK(chain.max_hops() == 5);
  CHECK(chain.hops() == 0);
  CHECK(chain.visited().empty());

  chain.start(at("a"));
  CHECK(chain.hops() == 0);
  REQUIRE(chain.visited().size() == 1);

  mesos_http::diagnostics diag;
  diag.set_message("stale");
  CHECK_FALSE(chain.follow(at("b"), diag));
  CHECK(diag.empty());
  CHECK_FALSE(chain.follow(at("c", "/master/api/v1/scheduler"), diag));
  CHECK(chain.hops() == 2);
  CHECK(chain.visited() == std::vector<url>{at("a"), at("b"), at("c", "/master/api/v1/scheduler")});
}

TEST_CASE("the hop limit refuses the redirect after max_hops", "[redirect]") {
  redirect_chain chain(5);
  chain.start(at("m0"));
  mesos_http::diagnostics diag;
  for (int i = 1; i <= 5; ++i) {
    INFO("hop " << i);
    CHECK_FALSE(chain.follow(at("m" + std::to_string(i)), diag));
  }
  CHECK(chain.hops() == 5);
  auto ec = chain.follow(at("m6"), diag);
  CHECK(ec == error::too_many_redirects);
  CHECK(diag.message() ==
        "too many redirects (more than 5): http://m0:5050/api/v1/scheduler -> "
        "http://m1:5050/api/v1/scheduler -> http://m2:5050/api/v1/scheduler -> "
        "http://m3:5050/api/v1/scheduler -> http://m4:5050/api/v1/scheduler -> "
        "http://m5:5050/api/v1/scheduler -> http://m6:5050/api/v1/scheduler");
  // A refused redirect leaves the chain as it was.
  CHECK(chain.hops() == 5);
  CHECK(chain.visited().size() == 6);
  CHECK(chain.follow(at("m7"), diag) == error::too_many_redirects);
}

TEST_CASE("other hop limits", "[redirect]") {
  mesos_http::diagnostics diag;
  SECTION("0 refuses every redirect") {
    redirect_chain chain(0);
    chain.start(at("a"));
    CHECK(chain.follow(at("b"), diag) == error::too_many_redirects);
    CHECK(diag.message() ==
          "too many redirects (more than 0): http://a:5050/api/v1/scheduler -> "
          "http://b:5050/api/v1/scheduler");
    CHECK(chain.hops() == 0);
  }
  SECTION("1 allows exactly one") {
    redirect_chain chain(1);
    chain.start(at("a"));
    CHECK_FALSE(chain.follow(at("b"), diag));
    CHECK(chain.follow(at("c"), diag) == error::too_many_redirects);
  }
}

TEST_CASE("a redirect back to a visited endpoint is a loop", "[redirect]") {
  redirect_chain chain;
  mesos_http::diagnostics diag;
  chain.start(at("a"));
  SECTION("A -> B -> A") {
    CHECK_FALSE(chain.follow(at("b"), diag));
    CHECK(chain.follow(at("a"), diag) == error::redirect_loop);
    CHECK(diag.message() ==
          "redirect loop: http://a:5050/api/v1/scheduler -> http://b:5050/api/v1/scheduler -> "
          "http://a:5050/api/v1/scheduler");
    CHECK(chain.hops() == 1);
    CHECK(chain.visited() == std::vector<url>{at("a"), at("b")});
  }
  SECTION("A -> A") {
    CHECK(chain.follow(at("a"), diag) == error::redirect_loop);
    CHECK(diag.message() ==
          "redirect loop: http://a:5050/api/v1/scheduler -> http://a:5050/api/v1/scheduler");
  }
  SECTION("A -> B -> C -> B") {
    CHECK_FALSE(chain.follow(at("b"), diag));
    CHECK_FALSE(chain.follow(at("c"), diag));
    CHECK(chain.follow(at("b"), diag) == error::redirect_loop);
  }
  SECTION("the scheme is not part of the identity") {
    CHECK(chain.follow(at("a", "/api/v1/scheduler", 5050, true), diag) == error::redirect_loop);
  }
  SECTION("a loop is reported even when the hop limit is also reached") {
    redirect_chain one(1);
    one.start(at("a"));
    CHECK_FALSE(one.follow(at("b"), diag));
    CHECK(one.follow(at("a"), diag) == error::redirect_loop);
    CHECK(one.follow(at("c"), diag) == error::too_many_redirects);
  }
}

TEST_CASE("same host with another path or port is not a loop", "[redirect]") {
  redirect_chain chain;
  mesos_http::diagnostics diag;
  // What a real non-leader does: same host, the leader's port and its
  // "/master" prefix.
  chain.start(at("127.0.0.1", "/api/v1/scheduler", 5052));
  CHECK_FALSE(chain.follow(at("127.0.0.1", "/master/api/v1/scheduler", 5050), diag));
  CHECK_FALSE(chain.follow(at("127.0.0.1", "/api/v1/scheduler", 5050), diag));
  CHECK_FALSE(chain.follow(at("127.0.0.1", "/api/v1/scheduler?x", 5050), diag));
  CHECK_FALSE(chain.follow(at("127.0.0.1", "/master/api/v1/scheduler", 5051), diag));
  CHECK(chain.hops() == 4);
  CHECK(diag.empty());
  CHECK(chain.follow(at("127.0.0.1", "/master/api/v1/scheduler", 5050), diag) ==
        error::redirect_loop);
}

TEST_CASE("start() begins a fresh chain", "[redirect]") {
  redirect_chain chain(2);
  mesos_http::diagnostics diag;
  chain.start(at("a"));
  CHECK_FALSE(chain.follow(at("b"), diag));
  CHECK_FALSE(chain.follow(at("c"), diag));
  CHECK(chain.follow(at("d"), diag) == error::too_many_redirects);

  chain.start(at("b"));
  CHECK(chain.hops() == 0);
  CHECK(chain.visited() == std::vector<url>{at("b")});
  // "a" and "c" were visited by the previous chain only.
  CHECK_FALSE(chain.follow(at("a"), diag));
  CHECK(diag.empty());
  CHECK_FALSE(chain.follow(at("c"), diag));
  CHECK(chain.hops() == 2);
  CHECK(chain.follow(at("b"), diag) == error::redirect_loop);
}

TEST_CASE("follow() without start() records the first URL without a hop", "[redirect]") {
  redirect_chain chain;
  mesos_http::diagnostics diag;
  CHECK_FALSE(chain.follow(at("a"), diag));
  CHECK(chain.hops() == 0);
  CHECK_FALSE(chain.follow(at("b"), diag));
  CHECK(chain.hops() == 1);
  CHECK(chain.follow(at("a"), diag) == error::redirect_loop);
}
