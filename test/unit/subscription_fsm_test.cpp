// detail::subscription_fsm driven with fabricated time points, response heads
// and event bytes: no sockets, no sleeps, exact values.
#include "subscription_fsm_support.hpp"

#include "support/traces.hpp"

#include <mesos_http/error.hpp>

#include <boost/system/errc.hpp>

#include <limits>

using namespace mesos_http;
using namespace mesos_http::test::fsm;

TEST_CASE("fsm: start connects to the first master with an exact SUBSCRIBE", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  auto s = settings(content);
  subscription_fsm fsm(s);
  CHECK(fsm.generation() == 0);
  auto d = fsm.start(t0);
  CHECK(d.next == step::connect);
  CHECK(d.deadline == t0 + ms(30000));
  CHECK(fsm.target() == master("m1"));
  CHECK(fsm.generation() == 1);
  CHECK_FALSE(fsm.subscribed());
  CHECK(fsm.take_notices().empty());

  auto req = parse_request(fsm.request(), content);
  CHECK(req.start_line == "POST /api/v1/scheduler HTTP/1.1");
  const std::string type(media_type(content));
  CHECK(req.header_count == 5);
  CHECK(req.headers["Host"] == "m1:5050");
  CHECK(req.headers["Content-Type"] == type);
  CHECK(req.headers["Accept"] == type);
  CHECK(req.headers["User-Agent"] == "fsm-test/1");
  CHECK(req.headers.count("Mesos-Stream-Id") == 0);
  CHECK(req.headers.count("Authorization") == 0);
  auto raw = fsm.request();
  auto body_start = raw.find("\r\n\r\n") + 4;
  CHECK(req.headers["Content-Length"] == std::to_string(raw.size() - body_start));
  CHECK(req.call.type() == Call::SUBSCRIBE);
  CHECK_FALSE(req.call.has_framework_id());
  auto sent_info = s.framework;  // JSON writes [default = ...] values (codec.hpp)
  if (content == content_type::json) test::fill_json_defaults(sent_info);
  CHECK(req.call.subscribe().framework_info().SerializeAsString() == sent_info.SerializeAsString());
  CHECK_FALSE(req.call.subscribe().framework_info().has_id());

  SECTION("Authorization is sent when set, and replaced by set_authorization") {
    auto with_auth = settings(content);
    with_auth.authorization = "Basic dTpw";
    subscription_fsm authed(with_auth);
    authed.start(t0);
    auto r = parse_request(authed.request(), content);
    CHECK(r.header_count == 6);
    CHECK(r.headers["Authorization"] == "Basic dTpw");
    authed.set_authorization("Bearer t2");
    CHECK(parse_request(authed.request(), content).headers["Authorization"] == "Bearer t2");
  }

  SECTION("after SUBSCRIBED a re-SUBSCRIBE carries framework_id and framework_info.id") {
    REQUIRE(fsm.on_response(ok_head(content), t0).next == step::stream);
    REQUIRE(fsm.on_body(record(content, subscribed_event("fw-77")), t0).next == step::stream);
    auto d2 = fsm.on_stream_end({}, t0 + ms(10));
    REQUIRE(d2.next == step::wait);
    REQUIRE(fsm.on_timer(d2.deadline).next == step::connect);
    auto r = parse_request(fsm.request(), content);
    CHECK(r.headers.count("Mesos-Stream-Id") == 0);  // never on SUBSCRIBE
    CHECK(r.call.framework_id().value() == "fw-77");
    CHECK(r.call.subscribe().framework_info().id().value() == "fw-77");
    CHECK(r.call.subscribe().framework_info().name() == "fsm-test");
  }

  SECTION("set_framework_id (failover) puts the id in both places") {
    mesos::v1::FrameworkID id;
    id.set_value("old-fw");
    fsm.set_framework_id(id);
    auto r = parse_request(fsm.request(), content);
    CHECK(r.call.framework_id().value() == "old-fw");
    CHECK(r.call.subscribe().framework_info().id().value() == "old-fw");
  }
}

TEST_CASE("fsm: 200 + SUBSCRIBED subscribes, bytes push the heartbeat deadline", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  fsm.start(t0);
  auto d = fsm.on_response(ok_head(content, "sid-9"), t0 + ms(10));
  CHECK(d.next == step::stream);
  CHECK(d.deadline == t0 + ms(30000));  // still bounded by subscribe_timeout
  CHECK(describe(fsm.take_notices()) == std::vector<std::string>{"connected"});
  CHECK_FALSE(fsm.subscribed());
  CHECK(fsm.stream_id() == "sid-9");

  const auto at = t0 + ms(20);
  d = fsm.on_body(record(content, subscribed_event("fw-1", 15)), at);
  CHECK(d.next == step::stream);
  CHECK(d.deadline == at + std::chrono::seconds(76));  // 5 × 15 s + 1 s after the last byte
  CHECK(fsm.subscribed());
  CHECK(fsm.stream_id() == "sid-9");
  REQUIRE(fsm.framework_id());
  CHECK(fsm.framework_id()->value() == "fw-1");
  CHECK(fsm.heartbeat_interval() == 15);
  CHECK(fsm.last_activity() == at);
  auto notices = fsm.take_notices();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].what == notice_kind::event);
  CHECK(notices[0].event.subscribed().framework_id().value() == "fw-1");

  // A heartbeat, then half a record: every byte moves the deadline.
  d = fsm.on_body(record(content, heartbeat_event()), t0 + std::chrono::seconds(15));
  CHECK(d.deadline == t0 + std::chrono::seconds(15 + 76));
  const auto hb = record(content, heartbeat_event());
  d = fsm.on_body(std::string_view(hb).substr(0, 2), t0 + std::chrono::seconds(30));
  CHECK(d.next == step::stream);
  CHECK(d.deadline == t0 + std::chrono::seconds(30 + 76));
  CHECK(describe(fsm.take_notices()) == std::vector<std::string>{"event:HEARTBEAT"});
  d = fsm.on_body(std::string_view(hb).substr(2), t0 + std::chrono::seconds(31));
  CHECK(d.deadline == t0 + std::chrono::seconds(31 + 76));
  CHECK(describe(fsm.take_notices()) == std::vector<std::string>{"event:HEARTBEAT"});
  // The subscribe timeout no longer applies once subscribed.
  d = fsm.on_timer(t0 + ms(30001));
  CHECK(d.next == step::stream);
  CHECK(d.deadline == t0 + std::chrono::seconds(31 + 76));
}

TEST_CASE("fsm: silence past the heartbeat bound disconnects, then resubscribes", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  subscribe(fsm, content, t0);
  const auto deadline = t0 + std::chrono::seconds(76);
  CHECK(fsm.on_timer(deadline - ms(1)).next == step::stream);
  CHECK(fsm.on_timer(deadline - ms(1)).deadline == deadline);
  CHECK(fsm.take_notices().empty());

  auto d = fsm.on_timer(deadline);
  CHECK(d.next == step::wait);
  CHECK(d.deadline >= deadline + ms(50));
  CHECK(d.deadline <= deadline + ms(500));
  auto notices = fsm.take_notices();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].what == notice_kind::disconnected);
  CHECK(notices[0].ec == error::heartbeat_timeout);
  CHECK(notices[0].diag.message().find("nothing received for 76000 ms") != std::string::npos);
  CHECK(fsm.final_error() == error::heartbeat_timeout);
  CHECK_FALSE(fsm.subscribed());
  CHECK(fsm.stream_id().empty());
  CHECK(fsm.reconnects() == 1);
  const auto gen = fsm.generation();

  // Early wake-ups change nothing.
  auto early = fsm.on_timer(d.deadline - ms(1));
  CHECK(early.next == step::wait);
  CHECK(early.deadline == d.deadline);
  CHECK(fsm.generation() == gen);

  auto again = fsm.on_timer(d.deadline);
  CHECK(again.next == step::connect);
  CHECK(again.deadline == d.deadline + ms(30000));
  CHECK(fsm.generation() == gen + 1);
  CHECK(fsm.target() == master("m1"));  // a dead subscription retries its master
  REQUIRE(fsm.framework_id());
  CHECK(fsm.framework_id()->value() == "fw-1");
  auto req = parse_request(fsm.request(), content);
  CHECK(req.call.framework_id().value() == "fw-1");
  CHECK(fsm.take_notices().empty());

  SECTION("a master without heartbeat_interval_seconds gets no watchdog") {
    subscription_fsm quiet(settings(content));
    quiet.start(t0);
    quiet.on_response(ok_head(content), t0);
    auto e = subscribed_event("fw-2");
    e.mutable_subscribed()->clear_heartbeat_interval_seconds();
    auto d2 = quiet.on_body(record(content, e), t0);
    CHECK(d2.deadline == time_point::max());
    CHECK(quiet.on_timer(t0 + std::chrono::hours(24)).next == step::stream);
  }
  SECTION("absurd intervals from the master neither overflow nor kill the stream") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (double interval : {nan, inf, -inf, -15.0, 1e12, 1e300}) {
      INFO("heartbeat_interval_seconds = " << interval);
      subscription_fsm odd(settings(content));
      odd.start(t0);
      odd.on_response(ok_head(content), t0);
      auto d2 = odd.on_body(record(content, subscribed_event("fw-2", interval)), t0);
      CHECK(d2.next == step::stream);
      CHECK(d2.deadline == time_point::max());
      CHECK(odd.on_timer(t0 + std::chrono::hours(24)).next == step::stream);
      CHECK(odd.subscribed());
    }
    // Large but representable: honoured exactly (11.6 days × 5 + 1 s).
    subscription_fsm slow(settings(content));
    slow.start(t0);
    slow.on_response(ok_head(content), t0);
    auto d3 = slow.on_body(record(content, subscribed_event("fw-2", 1e6)), t0);
    CHECK(d3.deadline == t0 + std::chrono::seconds(5000001));
  }
  SECTION("heartbeat_watchdog = false disables it") {
    auto s = settings(content);
    s.heartbeat_watchdog = false;
    subscription_fsm off(s);
    subscribe(off, content, t0);
    CHECK(off.on_timer(t0 + std::chrono::hours(24)).next == step::stream);
  }
}

TEST_CASE("fsm: a 307 with Mesos's scheme-relative Location is followed at once", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  fsm.start(t0);
  auto d =
      fsm.on_response(status_head(307, "", "//127.0.0.7:5051/master/api/v1/scheduler"), t0 + ms(5));
  CHECK(d.next == step::connect);
  CHECK(d.deadline == t0 + ms(5) + ms(30000));  // no backoff
  url expected = master("127.0.0.7", 5051);
  expected.target = "/master/api/v1/scheduler";
  CHECK(fsm.target() == expected);
  CHECK(fsm.redirects() == 1);
  CHECK(fsm.generation() == 2);
  CHECK(fsm.take_notices().empty());
  auto req = parse_request(fsm.request(), content);
  CHECK(req.start_line == "POST /master/api/v1/scheduler HTTP/1.1");
  CHECK(req.headers["Host"] == "127.0.0.7:5051");
  CHECK(req.call.type() == Call::SUBSCRIBE);

  // The leader answers: subscribed there, and a later drop retries that
  // leader first (the configured master would only redirect again).
  fsm.on_response(ok_head(content), t0 + ms(6));
  fsm.on_body(record(content, subscribed_event("fw-1")), t0 + ms(7));
  CHECK(fsm.subscribed());
  auto w = fsm.on_stream_end({}, t0 + ms(8));
  REQUIRE(w.next == step::wait);
  CHECK(fsm.last_failure_ended_stream());
  CHECK(fsm.on_timer(w.deadline).next == step::connect);
  CHECK(fsm.target() == expected);
  // The leader is gone too: back to the configured list, moving on from m1.
  auto w2 = fsm.on_connect_failed(make_error_code(boost::system::errc::connection_refused),
                                  "refused", w.deadline + ms(1));
  REQUIRE(w2.next == step::wait);
  CHECK_FALSE(fsm.last_failure_ended_stream());
  CHECK(fsm.on_timer(w2.deadline).next == step::connect);
  CHECK(fsm.target() == master("m2"));
}

TEST_CASE("fsm: redirect loops and too many redirects rotate with backoff", "[fsm]") {
  SECTION("loop m1 -> m2 -> m1") {
    subscription_fsm fsm(settings());
    fsm.start(t0);
    REQUIRE(fsm.on_response(status_head(307, "", "//m2:5050/api/v1/scheduler"), t0).next ==
            step::connect);
    auto d = fsm.on_response(status_head(307, "", "//m1:5050/api/v1/scheduler"), t0 + ms(1));
    CHECK(d.next == step::wait);
    CHECK(d.deadline >= t0 + ms(51));
    CHECK(d.deadline <= t0 + ms(501));
    CHECK(fsm.final_error() == error::redirect_loop);
    CHECK(fsm.redirects() == 1);
    CHECK(fsm.on_timer(d.deadline).next == step::connect);
    CHECK(fsm.target() == master("m2"));  // rotated from m1 to the next configured master
  }
  SECTION("hop limit") {
    auto s = settings();
    s.max_redirects = 2;
    subscription_fsm fsm(s);
    fsm.start(t0);
    CHECK(fsm.on_response(status_head(307, "", "//a:1/x"), t0).next == step::connect);
    CHECK(fsm.on_response(status_head(307, "", "//b:1/x"), t0).next == step::connect);
    auto d = fsm.on_response(status_head(307, "", "//c:1/x"), t0);
    CHECK(d.next == step::wait);
    CHECK(d.deadline >= t0 + ms(50));
    CHECK(fsm.final_error() == error::too_many_redirects);
    CHECK(fsm.redirects() == 2);
    CHECK(fsm.on_timer(d.deadline).next == step::connect);
    CHECK(fsm.target() == master("m2"));
  }
  SECTION("a 307 without a usable Location") {
    subscription_fsm fsm(settings());
    fsm.start(t0);
    auto d = fsm.on_response(status_head(307, "", ""), t0);
    CHECK(d.next == step::wait);
    CHECK(d.deadline >= t0 + ms(50));
    CHECK(fsm.final_error() == error::invalid_url);
  }
}

TEST_CASE("fsm: transient answers and connect failures rotate and back off", "[fsm]") {
  auto status = GENERATE(503u, 404u, 500u, 502u, 0u);  // 0: connection refused
  subscription_fsm fsm(settings());
  auto now = t0;
  auto d = fsm.start(now);
  const std::vector<url> order = {master("m2"), master("m3"), master("m1")};
  std::string last_target;
  for (int attempt = 0; attempt < 200; ++attempt) {
    REQUIRE(d.next == step::connect);
    last_target = fsm.target().to_string();
    REQUIRE(fsm.generation() == static_cast<std::uint64_t>(attempt + 1));
    now += ms(3);
    d = status ? fsm.on_response(status_head(status, "No leader elected"), now)
               : fsm.on_connect_failed(make_error_code(boost::system::errc::connection_refused),
                                       "refused", now);
    REQUIRE(d.next == step::wait);
    // Never a zero-delay loop: at least the floor, at most the growing cap.
    const auto delay = d.deadline - now;
    REQUIRE(delay >= ms(50));
    const auto cap = std::min<std::int64_t>(15000, 500LL << std::min(attempt, 10));
    REQUIRE(delay <= ms(cap));
    REQUIRE(fsm.take_notices().empty());  // no stream was open
    REQUIRE(fsm.reconnects() == static_cast<std::uint64_t>(attempt + 1));
    const auto wake = d.deadline;
    REQUIRE(wake > now);
    d = fsm.on_timer(wake);
    now = wake;
    REQUIRE(fsm.target() == order[attempt % 3]);
  }
  switch (status) {
    case 503:
      CHECK(fsm.final_error() == error::service_unavailable);
      break;
    case 0:
      CHECK(fsm.final_error() == boost::system::errc::connection_refused);
      break;
    default:
      CHECK(fsm.final_error() == error::unexpected_status);
      break;
  }
  if (status) {
    CHECK(fsm.final_diagnostics().message() ==
          last_target + " answered " + std::to_string(status) + ": No leader elected");
  } else {
    CHECK(fsm.final_diagnostics().message() == "cannot reach " + last_target + ": refused");
  }
}

TEST_CASE("fsm: configuration errors to SUBSCRIBE stop with diagnostics", "[fsm]") {
  struct fatal {
    unsigned status;
    error expected;
  };
  auto f = GENERATE(fatal{400, error::bad_request}, fatal{403, error::forbidden},
                    fatal{406, error::unexpected_status}, fatal{415, error::unexpected_status},
                    fatal{401, error::unauthorized}, fatal{405, error::unexpected_status});
  subscription_fsm fsm(settings());
  fsm.start(t0);
  const std::string body = "Failed to validate scheduler::Call: Expecting 'framework_info.user'";
  auto d = fsm.on_response(status_head(f.status, body), t0 + ms(1));
  CHECK(d.next == step::stop);
  CHECK(d.deadline == time_point::max());
  CHECK(fsm.stopped());
  CHECK(fsm.final_error() == f.expected);
  REQUIRE(fsm.final_diagnostics().http_status());
  CHECK(*fsm.final_diagnostics().http_status() == f.status);
  CHECK(fsm.final_diagnostics().body_excerpt() == body);
  CHECK(fsm.final_diagnostics().message() ==
        "http://m1:5050/api/v1/scheduler answered " + std::to_string(f.status) + ": " + body);
  CHECK(fsm.take_notices().empty());
  CHECK_FALSE(fsm.credentials_stale());
  // Nothing brings it back.
  CHECK(fsm.on_timer(t0 + std::chrono::hours(1)).next == step::stop);
  CHECK(fsm.on_response(ok_head(content_type::protobuf), t0).next == step::stop);
  CHECK(fsm.generation() == 1);
}

TEST_CASE("fsm: 401 with retry_unauthorized marks credentials stale and retries", "[fsm]") {
  auto s = settings();
  s.authorization = "Bearer old";
  s.retry_unauthorized = true;
  subscription_fsm fsm(s);
  fsm.start(t0);
  auto d = fsm.on_response(status_head(401, "Unauthorized"), t0);
  CHECK(d.next == step::wait);
  CHECK(d.deadline >= t0 + ms(50));
  CHECK(d.deadline <= t0 + ms(500));
  CHECK(fsm.credentials_stale());
  CHECK(fsm.final_error() == error::unauthorized);
  fsm.set_authorization("Bearer new");
  CHECK_FALSE(fsm.credentials_stale());
  CHECK(fsm.on_timer(d.deadline).next == step::connect);
  CHECK(fsm.target() == master("m1"));  // same master: only the credentials were wrong
  CHECK(parse_request(fsm.request(), content_type::protobuf).headers["Authorization"] ==
        "Bearer new");
}

TEST_CASE("fsm: no masters configured stops at once", "[fsm]") {
  auto s = settings();
  s.masters.clear();
  subscription_fsm fsm(s);
  CHECK(fsm.start(t0).next == step::stop);
  CHECK(fsm.final_error() == error::no_master_available);
}
