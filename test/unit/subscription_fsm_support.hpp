// Helpers for driving detail::subscription_fsm with fabricated time points,
// response heads and event bytes (no sockets, no sleeps).
#ifndef MESOS_HTTP_TEST_UNIT_SUBSCRIPTION_FSM_SUPPORT_HPP
#define MESOS_HTTP_TEST_UNIT_SUBSCRIPTION_FSM_SUPPORT_HPP

#include "detail/subscription_fsm.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <catch2/catch.hpp>

#include "support/http_messages.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace mesos_http::test::fsm {

using detail::decision;
using detail::http_response_head;
using detail::step;
using detail::subscription_fsm;
using detail::subscription_notice;
using detail::subscription_settings;
using time_point = detail::steady_clock::time_point;
using ms = std::chrono::milliseconds;
using event = mesos::v1::scheduler::Event;
using Call = mesos::v1::scheduler::Call;
using notice_kind = subscription_notice::kind;

/// An arbitrary, fixed origin: tests never read the clock.
inline const time_point t0 = time_point(std::chrono::hours(1000));

inline url master(const std::string& host, std::uint16_t port = 5050) {
  url u;
  u.host = host;
  u.port = port;
  u.target = "/api/v1/scheduler";
  return u;
}

/// Three masters, a 5×15 s + 1 s watchdog, 30 s subscribe timeout, backoff
/// 500 ms → 15 s with a 50 ms floor, fixed seed.
inline subscription_settings settings(content_type content = content_type::protobuf) {
  subscription_settings s;
  s.masters = {master("m1"), master("m2"), master("m3")};
  s.content = content;
  s.framework.set_user("nobody");
  s.framework.set_name("fsm-test");
  s.framework.set_failover_timeout(3600);
  s.user_agent = "fsm-test/1";
  s.backoff = backoff_config{ms(500), ms(15000), ms(50), 2.0, ms(60000)};
  s.backoff_seed = 42;
  s.heartbeat_misses = 5;
  s.heartbeat_slack = ms(1000);
  s.subscribe_timeout = ms(30000);
  return s;
}

inline http_response_head ok_head(content_type content, std::string stream_id = "stream-1") {
  http_response_head h;
  h.status = 200;
  h.content_type = std::string(media_type(content));
  h.stream_id = std::move(stream_id);
  return h;
}

inline http_response_head status_head(unsigned status, std::string body = {},
                                      std::string location = {}) {
  http_response_head h;
  h.status = status;
  h.content_type = "text/plain; charset=utf-8";
  h.body = std::move(body);
  h.location = std::move(location);
  return h;
}

/// `e` as one RecordIO record in `content`.
inline std::string record(content_type content, const event& e) {
  std::string out;
  diagnostics diag;
  auto ec = codec(content).encode_record(e, out, diag);
  INFO(diag.to_string());
  REQUIRE_FALSE(ec);
  return out;
}

inline event subscribed_event(const std::string& framework_id, double interval = 15) {
  event e;
  e.set_type(event::SUBSCRIBED);
  e.mutable_subscribed()->mutable_framework_id()->set_value(framework_id);
  e.mutable_subscribed()->set_heartbeat_interval_seconds(interval);
  return e;
}

inline event heartbeat_event() {
  event e;
  e.set_type(event::HEARTBEAT);
  return e;
}

inline event error_event(const std::string& message) {
  event e;
  e.set_type(event::ERROR);
  e.mutable_error()->set_message(message);
  return e;
}

inline event offers_event(const std::string& offer_id) {
  event e;
  e.set_type(event::OFFERS);
  auto* o = e.mutable_offers()->add_offers();
  o->mutable_id()->set_value(offer_id);
  o->mutable_framework_id()->set_value("fw-1");
  o->mutable_agent_id()->set_value("agent-1");
  o->set_hostname("agent.example");
  return e;
}

/// A compact, comparable view of notices: "connected", "event:OFFERS",
/// "disconnected:<error message>".
inline std::vector<std::string> describe(const std::deque<subscription_notice>& notices) {
  std::vector<std::string> out;
  for (const auto& n : notices) {
    switch (n.what) {
      case notice_kind::connected:
        out.push_back("connected");
        break;
      case notice_kind::event:
        out.push_back("event:" + event::Type_Name(n.event.type()));
        break;
      case notice_kind::disconnected:
        out.push_back("disconnected:" + n.ec.message());
        break;
    }
  }
  return out;
}

inline std::string disconnected(error e) { return "disconnected:" + make_error_code(e).message(); }

/// Brings a fresh machine to "subscribed" at `at` with framework id
/// `framework_id`; drops the notices.
inline void subscribe(subscription_fsm& fsm, content_type content, time_point at,
                      const std::string& framework_id = "fw-1") {
  auto d = fsm.start(at);
  REQUIRE(d.next == step::connect);
  REQUIRE(fsm.on_response(ok_head(content), at).next == step::stream);
  REQUIRE(fsm.on_body(record(content, subscribed_event(framework_id)), at).next == step::stream);
  REQUIRE(fsm.subscribed());
  fsm.take_notices();
}

/// A SUBSCRIBE request as the machine wrote it, split and decoded.
struct parsed_request {
  std::string start_line;
  std::map<std::string, std::string> headers;
  std::size_t header_count = 0;
  Call call;
};

inline parsed_request parse_request(const std::string& bytes, content_type content) {
  auto split = test::split_http_messages(bytes);
  INFO(split.error);
  REQUIRE(split.ok());
  REQUIRE(split.messages.size() == 1);
  const auto& m = split.messages.front();
  REQUIRE(m.end == bytes.size());
  parsed_request out;
  out.start_line = m.start_line;
  for (const auto& h : m.headers) out.headers[h.name] = h.value;
  out.header_count = m.headers.size();
  diagnostics diag;
  auto ec = codec(content).decode(m.body, out.call, diag);
  INFO(diag.to_string());
  REQUIRE_FALSE(ec);
  return out;
}

}  // namespace mesos_http::test::fsm

#endif  // MESOS_HTTP_TEST_UNIT_SUBSCRIPTION_FSM_SUPPORT_HPP
