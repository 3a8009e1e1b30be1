// detail::subscription_fsm on an open stream: ERROR events, bad first
// events and heads, RecordIO errors, timeouts, stop, stale completions,
// notice order and backoff reset. Fabricated time and bytes, exact values.
#include "subscription_fsm_support.hpp"

#include <mesos_http/error.hpp>

#include <boost/system/errc.hpp>

using namespace mesos_http;
using namespace mesos_http::test::fsm;

TEST_CASE("fsm: an ERROR event stops with framework_error, delivered first", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  fsm.start(t0);
  fsm.on_response(ok_head(content), t0);

  SECTION("as the first event") {
    auto d = fsm.on_body(record(content, error_event("Framework has been removed")), t0);
    CHECK(d.next == step::stop);
    CHECK(
        describe(fsm.take_notices()) ==
        std::vector<std::string>{"connected", "event:ERROR", disconnected(error::framework_error)});
  }
  SECTION("later, with records after it in the same read (never delivered)") {
    std::string bytes = record(content, subscribed_event("fw-1")) +
                        record(content, heartbeat_event()) +
                        record(content, error_event("Framework failed over")) +
                        record(content, offers_event("o-1"));
    auto d = fsm.on_body(bytes, t0);
    CHECK(d.next == step::stop);
    auto notices = fsm.take_notices();
    CHECK(describe(notices) == std::vector<std::string>{"connected", "event:SUBSCRIBED",
                                                        "event:HEARTBEAT", "event:ERROR",
                                                        disconnected(error::framework_error)});
    CHECK(notices[3].event.error().message() == "Framework failed over");
    CHECK(notices[4].diag.message() == "Framework failed over");
  }
  CHECK(fsm.stopped());
  CHECK(fsm.final_error() == error::framework_error);
  CHECK(fsm.final_diagnostics().message().find("Framework") == 0);
  CHECK(fsm.on_timer(t0 + std::chrono::hours(1)).next == step::stop);
  CHECK(fsm.on_body(record(content, heartbeat_event()), t0).next == step::stop);
  CHECK(fsm.take_notices().empty());
}

TEST_CASE("fsm: a first event other than SUBSCRIBED is a protocol violation", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  fsm.start(t0);
  fsm.on_response(ok_head(content), t0);
  auto d = fsm.on_body(record(content, offers_event("o-1")), t0 + ms(2));
  CHECK(d.next == step::wait);
  CHECK(d.deadline >= t0 + ms(52));
  CHECK(fsm.final_error() == error::protocol_violation);
  CHECK(describe(fsm.take_notices()) ==
        std::vector<std::string>{"connected", disconnected(error::protocol_violation)});
  CHECK_FALSE(fsm.framework_id());
}

TEST_CASE("fsm: a 200 that is not an event stream is retried elsewhere", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  fsm.start(t0);
  http_response_head head = ok_head(content);
  error expected = error::unexpected_content_type;
  SECTION("wrong Content-Type") {
    head.content_type =
        content == content_type::json ? "application/x-protobuf" : "application/json";
  }
  SECTION("text/html") { head.content_type = "text/html"; }
  SECTION("no Content-Type") { head.content_type.clear(); }
  SECTION("no Mesos-Stream-Id") {
    head.stream_id.clear();
    expected = error::missing_stream_id;
  }
  auto d = fsm.on_response(head, t0);
  CHECK(d.next == step::wait);
  CHECK(d.deadline >= t0 + ms(50));
  CHECK(fsm.final_error() == expected);
  CHECK(fsm.take_notices().empty());  // never connected
  CHECK(fsm.stream_id().empty());
  // Body bytes of the refused answer are ignored.
  CHECK(fsm.on_body(record(content, subscribed_event("fw-1")), t0).next == step::wait);
  CHECK_FALSE(fsm.subscribed());
  CHECK(fsm.on_timer(d.deadline).next == step::connect);
  CHECK(fsm.target() == master("m2"));
}

TEST_CASE("fsm: media type parameters and case are tolerated", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  fsm.start(t0);
  auto head = ok_head(content);
  head.content_type = content == content_type::json ? "Application/JSON; charset=utf-8"
                                                    : "application/X-Protobuf ;x=1";
  CHECK(fsm.on_response(head, t0).next == step::stream);
}

TEST_CASE("fsm: bad RecordIO and oversized records reconnect, memory stays bounded", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  auto s = settings(content);
  s.max_record_size = 1024;
  subscription_fsm fsm(s);
  subscribe(fsm, content, t0);
  std::string bad;
  error expected{};
  SECTION("letters in the length line") {
    bad = "abc\n";
    expected = error::recordio_invalid_length;
  }
  SECTION("CR in the length line") {
    bad = "20\r\n";
    expected = error::recordio_invalid_length;
  }
  SECTION("a length above max_record_size, refused before its bytes") {
    bad = "1025\n";
    expected = error::recordio_record_too_large;
  }
  SECTION("an absurd length is an error, not an allocation") {
    bad = "99999999999\n";
    expected = error::recordio_record_too_large;
  }
  SECTION("a valid frame whose payload does not decode") {
    bad = content == content_type::json ? "5\n{\"typ" : "3\n\xff\xff\xff";
    expected = content == content_type::json ? error::malformed_json : error::malformed_protobuf;
  }
  // A good record in the same read first: it is delivered, then the error.
  auto d = fsm.on_body(record(content, heartbeat_event()) + bad, t0 + ms(1));
  CHECK(d.next == step::wait);
  CHECK(d.deadline >= t0 + ms(51));
  CHECK(fsm.final_error() == expected);
  CHECK(describe(fsm.take_notices()) ==
        std::vector<std::string>{"event:HEARTBEAT", disconnected(expected)});
  CHECK_FALSE(fsm.subscribed());

  // The next attempt starts with a fresh decoder and the same framework.
  REQUIRE(fsm.on_timer(d.deadline).next == step::connect);
  CHECK(fsm.target() == master("m1"));
  fsm.on_response(ok_head(content), d.deadline);
  fsm.on_body(record(content, subscribed_event("fw-1")), d.deadline);
  CHECK(fsm.subscribed());
  CHECK(describe(fsm.take_notices()) == std::vector<std::string>{"connected", "event:SUBSCRIBED"});
}

TEST_CASE("fsm: a record of exactly max_record_size is accepted byte by byte", "[fsm]") {
  auto s = settings(content_type::protobuf);
  event big = offers_event("o-1");
  big.mutable_offers()->mutable_offers(0)->set_hostname(std::string(900, 'h'));
  const auto framed = record(content_type::protobuf, big);
  s.max_record_size = big.ByteSizeLong();
  subscription_fsm fsm(s);
  subscribe(fsm, content_type::protobuf, t0);
  for (char c : framed) REQUIRE(fsm.on_body(std::string_view(&c, 1), t0).next == step::stream);
  auto notices = fsm.take_notices();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].event.offers().offers(0).hostname().size() == 900);
}

TEST_CASE("fsm: subscribe_timeout bounds connecting and waiting for SUBSCRIBED", "[fsm]") {
  auto s = settings();
  s.subscribe_timeout = ms(200);
  subscription_fsm fsm(s);
  REQUIRE(fsm.start(t0).deadline == t0 + ms(200));

  SECTION("no answer at all: rotate") {
    auto early = fsm.on_timer(t0 + ms(199));
    CHECK(early.next == step::stream);
    CHECK(early.deadline == t0 + ms(200));
    auto d = fsm.on_timer(t0 + ms(200));
    CHECK(d.next == step::wait);
    CHECK(d.deadline >= t0 + ms(250));
    CHECK(fsm.final_error() == boost::system::errc::timed_out);
    CHECK(fsm.final_diagnostics().message() ==
          "no SUBSCRIBED from http://m1:5050/api/v1/scheduler within 200 ms");
    CHECK(fsm.take_notices().empty());
    CHECK(fsm.on_timer(d.deadline).next == step::connect);
    CHECK(fsm.target() == master("m2"));
  }
  SECTION("200 but no SUBSCRIBED: disconnected, same master") {
    fsm.on_response(ok_head(content_type::protobuf), t0 + ms(50));
    fsm.on_body("2\n", t0 + ms(150));  // a partial record does not extend the bound
    auto d = fsm.on_timer(t0 + ms(200));
    CHECK(d.next == step::wait);
    CHECK(fsm.final_error() == boost::system::errc::timed_out);
    CHECK(describe(fsm.take_notices()) ==
          std::vector<std::string>{
              "connected",
              "disconnected:" + make_error_code(boost::system::errc::timed_out).message()});
    CHECK(fsm.on_timer(d.deadline).next == step::connect);
    CHECK(fsm.target() == master("m1"));
  }
}

TEST_CASE("fsm: stop() ends everything, later completions are ignored", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  SECTION("while streaming: a disconnected notice with error::stopped") {
    subscribe(fsm, content, t0);
    auto d = fsm.stop(t0 + ms(1));
    CHECK(d.next == step::stop);
    CHECK(d.deadline == time_point::max());
    CHECK(describe(fsm.take_notices()) == std::vector<std::string>{disconnected(error::stopped)});
  }
  SECTION("while waiting: no notice") {
    fsm.start(t0);
    fsm.on_connect_failed(make_error_code(boost::system::errc::connection_refused), "x", t0);
    CHECK(fsm.stop(t0 + ms(1)).next == step::stop);
    CHECK(fsm.take_notices().empty());
  }
  SECTION("before start") { CHECK(fsm.stop(t0).next == step::stop); }
  CHECK(fsm.stopped());
  CHECK(fsm.final_error() == error::stopped);
  CHECK_FALSE(fsm.subscribed());
  CHECK(fsm.stream_id().empty());
  CHECK(fsm.stop(t0 + ms(2)).next == step::stop);
  CHECK(fsm.on_body(record(content, heartbeat_event()), t0).next == step::stop);
  CHECK(fsm.on_stream_end({}, t0).next == step::stop);
  CHECK(fsm.on_timer(t0 + std::chrono::hours(2)).next == step::stop);
  CHECK(fsm.reconnect(make_error_code(error::stream_ended), "x", t0).next == step::stop);
  CHECK(fsm.take_notices().empty());
}

TEST_CASE("fsm: completions of an old attempt are ignored while waiting", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  subscribe(fsm, content, t0);
  auto d = fsm.on_stream_end(make_error_code(boost::system::errc::connection_reset), t0 + ms(1));
  REQUIRE(d.next == step::wait);
  CHECK(fsm.final_error() == boost::system::errc::connection_reset);
  CHECK(describe(fsm.take_notices()) ==
        std::vector<std::string>{"disconnected:" +
                                 make_error_code(boost::system::errc::connection_reset).message()});
  const auto gen = fsm.generation();
  CHECK(fsm.on_body(record(content, heartbeat_event()), t0 + ms(2)).deadline == d.deadline);
  CHECK(fsm.on_response(ok_head(content), t0 + ms(2)).next == step::wait);
  CHECK(fsm.on_stream_end({}, t0 + ms(2)).next == step::wait);
  CHECK(fsm.on_connect_failed(make_error_code(boost::system::errc::connection_refused), "x",
                              t0 + ms(2))
            .deadline == d.deadline);
  CHECK(fsm.reconnect(make_error_code(error::forbidden), "x", t0 + ms(2)).deadline == d.deadline);
  CHECK(fsm.take_notices().empty());
  CHECK(fsm.generation() == gen);
  CHECK(fsm.reconnects() == 1);
}

TEST_CASE("fsm: notices come in order: connected, events, disconnected", "[fsm]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  subscription_fsm fsm(settings(content));
  fsm.start(t0);
  fsm.on_response(ok_head(content), t0);
  fsm.on_body(record(content, subscribed_event("fw-1")) + record(content, heartbeat_event()) +
                  record(content, offers_event("o-1")),
              t0);
  auto d = fsm.on_stream_end({}, t0 + ms(1));
  CHECK(d.next == step::wait);
  CHECK(fsm.final_error() == error::stream_ended);
  CHECK(describe(fsm.take_notices()) ==
        std::vector<std::string>{"connected", "event:SUBSCRIBED", "event:HEARTBEAT", "event:OFFERS",
                                 disconnected(error::stream_ended)});
  // A reconnect() while subscribed (a 403 on a call) disconnects with its reason.
  fsm.on_timer(d.deadline);
  fsm.on_response(ok_head(content, "stream-2"), d.deadline);
  fsm.on_body(record(content, subscribed_event("fw-1")), d.deadline);
  CHECK(fsm.stream_id() == "stream-2");
  fsm.take_notices();
  auto r = fsm.reconnect(make_error_code(error::forbidden), "Framework is not subscribed",
                         d.deadline + ms(1));
  CHECK(r.next == step::wait);
  auto notices = fsm.take_notices();
  CHECK(describe(notices) == std::vector<std::string>{disconnected(error::forbidden)});
  CHECK(notices.at(0).diag.message() == "Framework is not subscribed");
  CHECK(fsm.generation() == 2);
}

TEST_CASE("fsm: the backoff resets after a stable subscription only", "[fsm]") {
  subscription_fsm fsm(settings());
  auto now = t0;
  auto d = fsm.start(now);
  for (int i = 0; i < 8; ++i) {  // the cap grows to 15 s
    d = fsm.on_connect_failed(make_error_code(boost::system::errc::connection_refused), "x", now);
    now = d.deadline;
    d = fsm.on_timer(now);
  }
  for (int cycle = 0; cycle < 6; ++cycle) {
    REQUIRE(d.next == step::connect);
    fsm.on_response(ok_head(content_type::protobuf), now);
    fsm.on_body(record(content_type::protobuf, subscribed_event("fw-1")), now);
    for (int beat = 1; beat <= 5; ++beat)  // 75 s, longer than stable_after (60 s)
      fsm.on_body(record(content_type::protobuf, heartbeat_event()),
                  now + std::chrono::seconds(15 * beat));
    now += std::chrono::seconds(75);
    d = fsm.on_stream_end({}, now);
    REQUIRE(d.next == step::wait);
    CHECK(d.deadline - now <= ms(500));  // back to the first cap
    now = d.deadline;
    d = fsm.on_timer(now);
  }
}
