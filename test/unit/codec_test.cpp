// The codec under both content types: every call and event round-trips,
// malformed bodies are error values, required fields are enforced.
#include "support/messages.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <catch2/catch.hpp>
#include <set>
#include <google/protobuf/util/message_differencer.h>

using google::protobuf::util::MessageDifferencer;
using mesos_http::codec;
using mesos_http::content_type;
using mesos_http::diagnostics;
using mesos_http::error;

namespace sched = mesos::v1::scheduler;
namespace exec = mesos::v1::executor;

namespace {

content_type any_content_type() {
  return GENERATE(content_type::protobuf, content_type::json);
}

template <class Message>
void check_round_trip(const codec& c, const Message& original) {
  std::string bytes;
  diagnostics diag;
  INFO(original.GetTypeName() << " " << original.ShortDebugString());
  REQUIRE_FALSE(c.encode(original, bytes, diag));
  CHECK(diag.empty());
  Message decoded;
  auto ec = c.decode(bytes, decoded, diag);
  INFO(diag.to_string());
  REQUIRE_FALSE(ec);
  // JSON writes explicit defaults of unset fields ("shell":true), as Mesos
  // does, so the decoded copy has them set: equivalent, not identical.
  CHECK(MessageDifferencer::Equivalent(original, decoded));
  if (c.type() == content_type::protobuf) CHECK(MessageDifferencer::Equals(original, decoded));
  // Encoding is deterministic: the decoded copy encodes to the same bytes.
  std::string again;
  REQUIRE_FALSE(c.encode(decoded, again, diag));
  CHECK(again == bytes);
}

}  // namespace

TEST_CASE("codec round-trips every scheduler call", "[codec]") {
  codec c(any_content_type());
  auto calls = mesos_http::test::sample_scheduler_calls();
  // One of every Call type, SUBSCRIBE (1) through UPDATE_FRAMEWORK (17).
  std::set<int> types;
  for (const auto& call : calls) types.insert(call.type());
  CHECK(types.size() == 17);
  for (const auto& call : calls) check_round_trip(c, call);
}

TEST_CASE("codec round-trips every scheduler event", "[codec]") {
  codec c(any_content_type());
  auto events = mesos_http::test::sample_scheduler_events();
  CHECK(events.size() == 11);  // every Event type but UNKNOWN
  for (const auto& event : events) check_round_trip(c, event);
}

TEST_CASE("codec round-trips every executor call and event", "[codec]") {
  codec c(any_content_type());
  for (const auto& call : mesos_http::test::sample_executor_calls()) check_round_trip(c, call);
  auto events = mesos_http::test::sample_executor_events();
  CHECK(events.size() == 9);
  for (const auto& event : events) check_round_trip(c, event);
}

TEST_CASE("codec encodes a heartbeat exactly as Mesos does", "[codec]") {
  sched::Event heartbeat;
  heartbeat.set_type(sched::Event::HEARTBEAT);
  std::string bytes;
  diagnostics diag;
  REQUIRE_FALSE(codec(content_type::json).encode(heartbeat, bytes, diag));
  CHECK(bytes == R"({"type":"HEARTBEAT"})");
  REQUIRE_FALSE(codec(content_type::protobuf).encode(heartbeat, bytes, diag));
  CHECK(bytes == std::string("\x08\x08", 2));

  std::string stream;
  REQUIRE_FALSE(codec(content_type::json).encode_record(heartbeat, stream, diag));
  REQUIRE_FALSE(codec(content_type::protobuf).encode_record(heartbeat, stream, diag));
  CHECK(stream == std::string("20\n{\"type\":\"HEARTBEAT\"}2\n\x08\x08", 27));
}

TEST_CASE("codec names its media types exactly", "[codec]") {
  CHECK(codec(content_type::json).media_type() == "application/json");
  CHECK(codec(content_type::protobuf).media_type() == "application/x-protobuf");
}

TEST_CASE("codec refuses to encode a call missing required fields", "[codec]") {
  codec c(any_content_type());
  sched::Call call;
  call.set_type(sched::Call::ACKNOWLEDGE);
  call.mutable_acknowledge()->mutable_task_id()->set_value("t");  // no agent_id, no uuid
  std::string bytes = "stale";
  diagnostics diag;
  CHECK(c.encode(call, bytes, diag) == error::missing_required_fields);
  CHECK(bytes.empty());
  CHECK(diag.message().find("acknowledge.agent_id") != std::string::npos);
  CHECK(diag.message().find("acknowledge.uuid") != std::string::npos);
}

TEST_CASE("codec reports a body missing required fields", "[codec]") {
  codec c(any_content_type());
  // An UPDATE whose status lacks its required state.
  sched::Event event;
  event.set_type(sched::Event::UPDATE);
  event.mutable_update()->mutable_status()->mutable_task_id()->set_value("t");
  std::string bytes = c.type() == content_type::json
                          ? R"({"type":"UPDATE","update":{"status":{"task_id":{"value":"t"}}}})"
                          : event.SerializePartialAsString();
  sched::Event decoded;
  diagnostics diag;
  CHECK(c.decode(bytes, decoded, diag) == error::missing_required_fields);
  CHECK(diag.message().find("update.status.state") != std::string::npos);
}

TEST_CASE("codec reports malformed protobuf as an error value", "[codec]") {
  codec c(content_type::protobuf);
  sched::Event event;
  diagnostics diag;
  auto bad = GENERATE(as<std::string>{},
                      std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11),  // bad varint
                      std::string("\x12\x05\x0a", 3),  // length past the end
                      std::string("\x0f", 1),          // field 1 with an invalid wire type
                      std::string("{\"type\":\"HEARTBEAT\"}"));
  if (bad.empty()) {
    // An empty body is a valid empty Event (all fields optional).
    CHECK_FALSE(c.decode(bad, event, diag));
    return;
  }
  CHECK(c.decode(bad, event, diag) == error::malformed_protobuf);
  CHECK(diag.message().find("mesos.v1.scheduler.Event") != std::string::npos);
}

TEST_CASE("codec clears the message before decoding into it", "[codec]") {
  codec c(any_content_type());
  auto events = mesos_http::test::sample_scheduler_events();
  std::string bytes;
  diagnostics diag;
  REQUIRE_FALSE(c.encode(events.back(), bytes, diag));  // HEARTBEAT
  sched::Event reused = events.front();                 // SUBSCRIBED, full of fields
  REQUIRE_FALSE(c.decode(bytes, reused, diag));
  CHECK(MessageDifferencer::Equals(reused, events.back()));
}

TEST_CASE("codec keeps unknown event types decodable as UNKNOWN", "[codec]") {
  // A newer master may send an event type this schema does not know.
  codec c(any_content_type());
  std::string bytes = c.type() == content_type::json
                          ? R"({"type":"SOMETHING_NEW","something_new":{"x":1}})"
                          : std::string("\x08\x63", 2);  // type = 99
  sched::Event event;
  diagnostics diag;
  REQUIRE_FALSE(c.decode(bytes, event, diag));
  CHECK(event.type() == sched::Event::UNKNOWN);
  CHECK_FALSE(event.has_type());
}

TEST_CASE("codec reads records produced by encode_record back through recordio", "[codec]") {
  codec c(any_content_type());
  auto events = mesos_http::test::sample_scheduler_events();
  std::string stream;
  diagnostics diag;
  for (const auto& e : events) REQUIRE_FALSE(c.encode_record(e, stream, diag));
  mesos_http::recordio_decoder decoder;
  std::size_t i = 0;
  auto ec = decoder.feed(stream, [&](std::string_view record) {
    sched::Event e;
    REQUIRE_FALSE(c.decode(record, e, diag));
    REQUIRE(i < events.size());
    CHECK(MessageDifferencer::Equals(e, events[i++]));
  });
  CHECK_FALSE(ec);
  CHECK(i == events.size());
  CHECK_FALSE(decoder.finish());
}
