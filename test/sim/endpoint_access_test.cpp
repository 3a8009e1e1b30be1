// The master's request checks, continued: Accept negotiation, SUBSCRIBE and
// the framework checks, authentication, and hostile input.
#include "sim/endpoint_test_support.hpp"

#include <mesos_http/content_type.hpp>
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace mesos_http::test::endpoint;

// ---------------------------------------------------------------------------
// Accept.

TEST_CASE("negotiate_accept follows libprocess's acceptsMediaType, JSON first", "[sim][endpoint]") {
  using ct = content_type;
  const std::vector<std::pair<std::optional<std::string>, std::optional<ct>>> cases = {
      {std::nullopt, ct::json},  // no header: anything goes, JSON preferred
      {"application/json", ct::json},
      {"application/x-protobuf", ct::protobuf},
      {"application/x-protobuf, application/json", ct::json},
      {"application/x-protobuf;q=1.0, application/json;q=0.1", ct::json},  // q only excludes
      {"APPLICATION/JSON", ct::json},
      {"application/*", ct::json},
      {"*/*", ct::json},
      {"text/html, */*;q=0.5", ct::json},
      {"application/json;q=0", std::nullopt},  // and no range names protobuf
      {"application/json;q=0.0, application/x-protobuf", ct::protobuf},
      // The first range naming a candidate decides: later ones are not tried.
      {"application/json;q=0, application/json, application/x-protobuf", ct::protobuf},
      {"application/json;q=0, */*", ct::protobuf},
      {"application/json;q=0, application/x-protobuf;q=0", std::nullopt},
      {"application/*;q=0", std::nullopt},
      {"*/*;q=0", std::nullopt},
      {"application/json;q=0, application/*", ct::protobuf},
      {"text/html", std::nullopt},
      {"", std::nullopt},  // present but empty: nothing acceptable
      {",;, ;", std::nullopt},
      // Spaces, tabs and newlines are removed before parsing.
      {" application / json ; q = 0 , \tapplication/x-protobuf", ct::protobuf},
      // "q" must appear exactly once as key=value; otherwise q=1.
      {"application/json;q=0;q=0", ct::json},
      {"application/json;Q=0", ct::json},
      {"application/json;q", ct::json},
      {"application/json;q=", ct::json},
      // A q that is no number refuses the range.
      {"application/json;q=abc, application/x-protobuf", ct::protobuf},
      {"application/json;q=abc, application/x-protobuf;q=x", std::nullopt},
      {"application/json;q=-1, application/x-protobuf", ct::protobuf},
      {"application/json;q=+0.5", ct::json},
      {"application/json;q=1e-3", ct::json},
      {"application/json;q=inf", ct::json},
      {"application/json;q=nan, application/x-protobuf", ct::protobuf},
      {"application/json;q=0x1, application/x-protobuf", ct::protobuf},
  };
  for (const auto& [accept, expected] : cases) {
    INFO((accept ? *accept : std::string("<absent>")));
    std::optional<std::string_view> header;
    if (accept) header = *accept;
    CHECK(sim::negotiate_accept(header) == expected);
  }
}

TEST_CASE("406 when SUBSCRIBE or RECONCILE_OPERATIONS accepts neither type, others ignore Accept",
          "[sim][endpoint]") {
  const content_type type = GENERATE(content_type::json, content_type::protobuf);
  fake_master m;
  m.subscribed();
  sched::Call operations;
  operations.set_type(sched::Call::RECONCILE_OPERATIONS);
  operations.mutable_framework_id()->set_value(fw);
  operations.mutable_reconcile_operations();

  for (const sched::Call& call : {subscribe_call(), operations}) {
    INFO(sched::Call::Type_Name(call.type()));
    request r = call_request(type, call);
    r.accept = "text/html";
    auto out = check(r, m);
    CHECK(status_of(out) == 406);
    CHECK(body_of(out) ==
          "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");

    r.accept = "application/x-protobuf";
    out = check(r, m);
    CHECK(status_of(out) == 0);
    CHECK(out.response_type == content_type::protobuf);

    r.accept.reset();
    out = check(r, m);
    CHECK(status_of(out) == 0);
    CHECK(out.response_type == content_type::json);
  }

  request r = call_request(type, reconcile_call());
  r.accept = "text/html";
  CHECK(status_of(check(r, m)) == 0);
}

// ---------------------------------------------------------------------------
// SUBSCRIBE and the framework checks.

TEST_CASE("SUBSCRIBE must not carry a Mesos-Stream-Id (checked after Accept)", "[sim][endpoint]") {
  const content_type type = GENERATE(content_type::json, content_type::protobuf);
  fake_master m;
  request r = call_request(type, subscribe_call());
  r.stream_id = GENERATE(as<std::string>{}, "", "0f8e2a44-9c1b-4d7e-8a55-3b6c1d2e9f70");
  auto out = check(r, m);
  CHECK(status_of(out) == 400);
  CHECK(body_of(out) == "Subscribe calls should not include the 'Mesos-Stream-Id' header");
  r.accept = "text/html";
  CHECK(status_of(check(r, m)) == 406);
}

TEST_CASE("SUBSCRIBE does not depend on what the master knows of the framework",
          "[sim][endpoint]") {
  const content_type type = GENERATE(content_type::json, content_type::protobuf);
  fake_master m;
  m.status[fw] = GENERATE(framework_status::unknown, framework_status::removed,
                          framework_status::disconnected, framework_status::subscribed);
  sched::Call call = subscribe_call();
  call.mutable_framework_id()->set_value(fw);
  call.mutable_subscribe()->mutable_framework_info()->mutable_id()->set_value(fw);
  const auto out = check(call_request(type, call), m);
  CHECK(status_of(out) == 0);
  CHECK(out.call.type() == sched::Call::SUBSCRIBE);
  CHECK(out.request_type == type);
  CHECK(out.response_type == type);  // Accept = Content-Type
}

TEST_CASE("framework checks on other calls, in Mesos's order", "[sim][endpoint]") {
  const content_type type = GENERATE(content_type::json, content_type::protobuf);
  fake_master m;
  request r = call_request(type, reconcile_call());

  SECTION("unknown or removed framework: 400, before any stream id check") {
    m.status[fw] = GENERATE(framework_status::unknown, framework_status::removed);
    r.stream_id = GENERATE(as<std::optional<std::string>>{}, std::nullopt, "x", stream);
    const auto out = check(r, m);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) == "Framework cannot be found");
  }
  SECTION("disconnected: 403, before the stream id checks") {
    m.status[fw] = framework_status::disconnected;
    r.stream_id = GENERATE(as<std::optional<std::string>>{}, std::nullopt, "x", stream);
    const auto out = check(r, m);
    CHECK(status_of(out) == 403);
    CHECK(body_of(out) == "Framework is not subscribed");
  }
  SECTION("subscribed, no stream id: 400") {
    m.subscribed();
    r.stream_id.reset();
    const auto out = check(r, m);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) == "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  }
  SECTION("subscribed, another stream id: 400 naming both") {
    m.subscribed();
    r.stream_id = GENERATE(as<std::string>{}, "", "0f8e2a44-9c1b-4d7e-8a55-3b6c1d2e9f7",
                           "0F8E2A44-9C1B-4D7E-8A55-3B6C1D2E9F70", "\x01\xff");
    const auto out = check(r, m);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) == "The stream ID '" + *r.stream_id +
                              "' included in this request didn't match the stream ID currently "
                              "associated with framework ID " +
                              fw);
  }
  SECTION("subscribed but no stream known: a mismatch, not a crash") {
    m.status[fw] = framework_status::subscribed;
    const auto out = check(r, m);
    CHECK(status_of(out) == 400);
  }
  SECTION("subscribed, its stream id: through") {
    m.subscribed();
    const auto out = check(r, m);
    CHECK(status_of(out) == 0);
    CHECK(out.call.type() == sched::Call::RECONCILE);
  }
}

TEST_CASE("type UNKNOWN set explicitly is 501, after the framework checks", "[sim][endpoint]") {
  const content_type type = GENERATE(content_type::json, content_type::protobuf);
  fake_master m;
  sched::Call call;
  call.set_type(sched::Call::UNKNOWN);
  call.mutable_framework_id()->set_value(fw);
  const request r = call_request(type, call);

  CHECK(body_of(check(r, m)) == "Framework cannot be found");
  m.status[fw] = framework_status::disconnected;
  CHECK(status_of(check(r, m)) == 403);
  m.subscribed();
  const auto out = check(r, m);
  CHECK(status_of(out) == 501);
  CHECK(body_of(out) == "501 Not Implemented.");

  call.clear_framework_id();
  CHECK(body_of(check(call_request(type, call), m)) ==
        "Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
}

// ---------------------------------------------------------------------------
// Authentication.

TEST_CASE("basic authentication is checked first, even before the leader check",
          "[sim][endpoint]") {
  fake_master m;
  m.view.credentials = {{"alice", "s3cret"}};
  m.view.leading = false;
  m.view.leader.emplace("m2:5050");
  request r;
  r.method = "GET";
  auto out = check(r, m);
  CHECK(status_of(out) == 401);
  CHECK(header_of(out, "WWW-Authenticate") ==
        std::string("Basic realm=\"mesos-master-scheduler\""));
  CHECK(body_of(out) == "401 Unauthorized.");
  CHECK_FALSE(out.principal);

  r.authorization = basic("alice:s3cret");
  out = check(r, m);
  CHECK(status_of(out) == 307);
  CHECK(out.principal == std::string("alice"));

  m.view.leader.reset();
  r.authorization.reset();
  CHECK(status_of(check(r, m)) == 401);
}

TEST_CASE("Authorization is parsed as libprocess's basic authenticator does", "[sim][endpoint]") {
  fake_master m;
  m.view.credentials = {{"alice", "s3cret"}, {"bob", ""}};
  m.view.framework_principal = nullptr;  // this test is about the header only
  m.subscribed();
  request r = call_request(content_type::json, reconcile_call());

  const std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> cases = {
      {std::nullopt, std::nullopt},
      {basic("alice:s3cret"), "alice"},
      {basic("bob:"), "bob"},                     // empty secret
      {"Basic YWxpY2U6czNjcmV0", "alice"},        // == basic("alice:s3cret")
      {"Basic YWxpY2U6czNjcmV0\n", "alice"},      // whitespace inside base64 is skipped
      {"Basic YWxpY2U6czNjcmV0====", "alice"},    // decoding stops at '='
      {"Basic Ym9iOg", "bob"},                    // padding optional
      {"basic YWxpY2U6czNjcmV0", std::nullopt},   // scheme is case-sensitive
      {"Basic  YWxpY2U6czNjcmV0", std::nullopt},  // exactly one space
      {"Basic YWxpY2U6czNjcmV0 ", std::nullopt},  // ... and no trailing one
      {" Basic YWxpY2U6czNjcmV0", std::nullopt},
      {"Basic\tYWxpY2U6czNjcmV0", std::nullopt},
      {"Basic", std::nullopt},
      {"Basic ", std::nullopt},
      {"Bearer YWxpY2U6czNjcmV0", std::nullopt},
      {"Basic YWxp-2U6czNjcmV0", std::nullopt},  // not base64
      {basic("alice"), std::nullopt},            // no ':'
      {basic("alice:s3cret:x"), std::nullopt},   // two ':'
      {basic("alice:wrong"), std::nullopt},
      {basic("mallory:s3cret"), std::nullopt},
      {basic(":"), std::nullopt},
      {std::string("Basic \xff\xfe\x00", 9), std::nullopt},
  };
  for (const auto& [header, principal] : cases) {
    INFO((header ? *header : std::string("<absent>")));
    r.authorization = header;
    const auto out = check(r, m);
    if (principal) {
      CHECK(status_of(out) == 0);
      CHECK(out.principal == principal);
    } else {
      CHECK(status_of(out) == 401);
      CHECK_FALSE(out.principal);
    }
  }
}

TEST_CASE("without credentials, Authorization is ignored", "[sim][endpoint]") {
  fake_master m;
  m.subscribed();
  request r = call_request(content_type::json, reconcile_call());
  r.authorization = "Basic !!!";
  const auto out = check(r, m);
  CHECK(status_of(out) == 0);
  CHECK_FALSE(out.principal);
}

TEST_CASE("the authenticated principal must match the framework's", "[sim][endpoint]") {
  const content_type type = GENERATE(content_type::json, content_type::protobuf);
  fake_master m;
  m.view.credentials = {{"alice", "a"}, {"bob", "b"}};

  SECTION("SUBSCRIBE: FrameworkInfo.principal, when set, in validation") {
    sched::Call call = subscribe_call();
    request r = call_request(type, call);
    r.authorization = basic("alice:a");
    CHECK(status_of(check(r, m)) == 0);  // unset: the master fills it in

    call.mutable_subscribe()->mutable_framework_info()->set_principal("bob");
    r = call_request(type, call);
    r.authorization = basic("alice:a");
    const auto out = check(r, m);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) ==
          "Failed to validate scheduler::Call: Authenticated principal 'alice' does not match "
          "principal 'bob' set in `FrameworkInfo`");

    r.authorization = basic("bob:b");
    CHECK(status_of(check(r, m)) == 0);
  }
  SECTION("other calls: the framework's principal, after the lookup, before 403") {
    m.status[fw] = framework_status::disconnected;
    m.principals[fw] = "bob";
    request r = call_request(type, reconcile_call());
    r.authorization = basic("alice:a");
    auto out = check(r, m);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) ==
          "Authenticated principal 'alice' does not match principal 'bob' set in "
          "`FrameworkInfo`");

    r.authorization = basic("bob:b");
    CHECK(status_of(check(r, m)) == 403);

    m.status.erase(fw);
    r.authorization = basic("alice:a");
    CHECK(body_of(check(r, m)) == "Framework cannot be found");
  }
  SECTION("without authentication, principals are not compared") {
    m.view.credentials.clear();
    m.subscribed();
    m.principals[fw] = "bob";
    CHECK(status_of(check(call_request(type, reconcile_call()), m)) == 0);
  }
}

// ---------------------------------------------------------------------------
// Hostile input.

TEST_CASE("garbage from the network never throws and always gets a Mesos answer",
          "[sim][endpoint]") {
  std::mt19937 rng(20261122);
  const auto random_bytes = [&](std::size_t max) {
    std::string s(std::uniform_int_distribution<std::size_t>(0, max)(rng), '\0');
    for (char& c : s) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    return s;
  };
  const auto pick = [&](const std::vector<std::string>& options) {
    return options[std::uniform_int_distribution<std::size_t>(0, options.size() - 1)(rng)];
  };
  // Mutations of valid bodies reach deeper than random bytes.
  const std::vector<std::string> seeds = {encode(content_type::json, reconcile_call()),
                                          encode(content_type::json, subscribe_call()),
                                          encode(content_type::protobuf, reconcile_call()),
                                          encode(content_type::protobuf, subscribe_call())};

  fake_master m;
  m.subscribed();
  for (int i = 0; i < 20000; ++i) {
    request r;
    r.method = i % 7 == 0 ? random_bytes(8) : "POST";
    r.target = i % 5 == 0 ? random_bytes(40) : "/api/v1/scheduler";
    if (i % 11 != 0) r.content_type = pick({"application/json", "application/x-protobuf"});
    if (i % 3 == 0) r.accept = random_bytes(30);
    if (i % 2 == 0) r.stream_id = i % 4 == 0 ? stream : random_bytes(40);
    if (i % 13 == 0) r.authorization = "Basic " + random_bytes(30);
    if (i % 2 == 0) {
      r.body = random_bytes(200);
    } else {
      r.body = pick(seeds);
      const int edits = std::uniform_int_distribution<int>(1, 4)(rng);
      for (int e = 0; e < edits && !r.body.empty(); ++e) {
        const auto at = std::uniform_int_distribution<std::size_t>(0, r.body.size() - 1)(rng);
        r.body[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
      }
    }
    m.view.credentials.clear();
    if (i % 17 == 0) m.view.credentials = {{"alice", "a"}};
    m.view.leading = i % 19 != 0;
    m.view.leader = i % 2 == 0 ? std::optional<std::string>("m2:5050") : std::nullopt;

    sim::scheduler_request out;
    REQUIRE_NOTHROW(out = check(r, m));
    if (out.answer) {
      INFO(out.answer->status << " " << out.answer->body);
      const unsigned s = out.answer->status;
      CHECK((s == 307 || s == 400 || s == 401 || s == 403 || s == 405 || s == 406 || s == 415 ||
             s == 501 || s == 503));
    } else {
      CHECK(out.call.has_type());
    }
  }
}

TEST_CASE("huge and deeply nested bodies are refused without trouble", "[sim][endpoint]") {
  fake_master m;
  m.subscribed();
  request r;
  r.stream_id = stream;

  SECTION("JSON nested a million deep, unterminated") {
    r.content_type = "application/json";
    r.body = std::string(1000000, '[');
    CHECK(body_of(check(r, m)).rfind("Failed to parse body into JSON: syntax error", 0) == 0);
  }
  SECTION("JSON objects nested 100000 deep, well-formed") {
    r.content_type = "application/json";
    std::string body;
    for (int i = 0; i < 100000; ++i) body += "{\"framework_id\":";
    body += "{}";
    body += std::string(100000, '}');
    r.body = body;
    const auto out = check(r, m);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out).rfind("Failed to convert JSON into Call protobuf: ", 0) == 0);
  }
  SECTION("protobuf nested beyond protobuf's recursion limit") {
    r.content_type = "application/x-protobuf";
    std::string body;
    // subscribe(3) { framework_info(1) { ... } }: nest length-delimited
    // field 3 (subscribe) inside itself: not a Call anymore, must not crash.
    for (int i = 0; i < 5000; ++i)
      body = std::string("\x1a", 1) + char(body.size() > 127 ? 127 : body.size()) + body;
    r.body = body;
    CHECK(status_of(check(r, m)) == 400);
  }
  SECTION("8 MiB of random bytes, both content types") {
    std::mt19937 rng(7);
    r.body.resize(8 << 20);
    for (char& c : r.body) c = static_cast<char>(rng());
    r.content_type = GENERATE(as<std::string>{}, "application/json", "application/x-protobuf");
    CHECK(status_of(check(r, m)) == 400);
  }
}

TEST_CASE("a throwing master_view callback is answered with 500, not propagated",
          "[sim][endpoint]") {
  fake_master m;
  m.view.framework = [](const std::string&) -> framework_status {
    throw std::runtime_error("cluster gone");
  };
  const auto out = check(call_request(content_type::json, reconcile_call()), m);
  CHECK(status_of(out) == 500);
}

TEST_CASE("an empty master_view (no callbacks) knows no framework", "[sim][endpoint]") {
  sim::master_view empty;
  const request r = call_request(content_type::protobuf, reconcile_call());
  const auto out = sim::check_scheduler_request(r.view(), empty);
  CHECK(status_of(out) == 400);
  CHECK(body_of(out) == "Framework cannot be found");
}
