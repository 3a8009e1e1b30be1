// Mesos's JSON rules, one by one (../shared/protocol.md section f). Each test
// pins one rule so that dropping it turns a test red.
#include "support/messages.hpp"

#include <mesos_http/codec.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

using mesos_http::codec;
using mesos_http::content_type;
using mesos_http::diagnostics;
using mesos_http::error;

namespace v1 = mesos::v1;
namespace sched = mesos::v1::scheduler;

namespace {

const codec json_codec(content_type::json);

template <class Message>
std::string to_json(const Message& m) {
  std::string out;
  diagnostics diag;
  auto ec = json_codec.encode(m, out, diag);
  INFO(diag.to_string());
  REQUIRE_FALSE(ec);
  return out;
}

template <class Message>
Message from_json(const std::string& text) {
  Message m;
  diagnostics diag;
  auto ec = json_codec.decode(text, m, diag);
  INFO(text << " -> " << diag.to_string());
  REQUIRE_FALSE(ec);
  return m;
}

template <class Message>
boost::system::error_code decode_error(const std::string& text, diagnostics& diag) {
  Message m;
  return json_codec.decode(text, m, diag);
}

}  // namespace

TEST_CASE("json writes the worked SUBSCRIBED example byte for byte", "[json]") {
  // ../shared/protocol.md, RecordIO worked example 3 (a 1.12.0 master).
  const std::string text =
      R"({"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"4f8a6c3e-1b2d-4c5e-9f70-8a1b2c3d4e5f-0000"},"heartbeat_interval_seconds":15.0,"master_info":{"id":"4f8a6c3e-1b2d-4c5e-9f70-8a1b2c3d4e5f","ip":184549386,"port":5050,"pid":"master@10.0.0.11:5050","hostname":"m1.example.com","version":"1.12.0","address":{"hostname":"m1.example.com","ip":"10.0.0.11","port":5050},"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}]}}})";
  auto event = from_json<sched::Event>(text);
  CHECK(event.subscribed().master_info().ip() == 184549386u);
  CHECK(to_json(event) == text);
}

TEST_CASE("json keys are proto field names, never camelCase", "[json]") {
  auto calls = mesos_http::test::sample_scheduler_calls();
  std::string text = to_json(calls.front());  // SUBSCRIBE
  CHECK(text.find("\"framework_info\":") != std::string::npos);
  CHECK(text.find("\"failover_timeout\":") != std::string::npos);
  CHECK(text.find("\"suppressed_roles\":") != std::string::npos);
  CHECK(text.find("frameworkInfo") == std::string::npos);
  // camelCase input is not understood (ignored), as by Mesos.
  auto call = from_json<sched::Call>(R"({"type":"TEARDOWN","frameworkId":{"value":"f"}})");
  CHECK_FALSE(call.has_framework_id());
}

TEST_CASE("json writes fields in declaration order", "[json]") {
  // Offer declares id(1), framework_id(2), agent_id(3), hostname(4), url(8),
  // resources(5), attributes(7), executor_ids(6), allocation_info(10).
  std::string text = to_json(mesos_http::test::sample_offer(1));
  std::vector<std::size_t> at;
  for (const char* key : {"\"id\":", "\"framework_id\":", "\"agent_id\":", "\"hostname\":", "\"url\":",
                          "\"resources\":", "\"attributes\":", "\"executor_ids\":"}) {
    at.push_back(text.find(key));
    CHECK(at.back() != std::string::npos);
  }
  CHECK(std::is_sorted(at.begin(), at.end()));
}

TEST_CASE("json writes enums by name and drops unknown names", "[json]") {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value("t");
  status.set_state(v1::TASK_STARTING);  // number 0 on the wire
  CHECK(to_json(status) == R"({"task_id":{"value":"t"},"state":"TASK_STARTING"})");

  // Unknown name on an optional enum: dropped silently.
  auto event = from_json<sched::Event>(R"({"type":"NOT_A_TYPE"})");
  CHECK_FALSE(event.has_type());
  auto capability = from_json<v1::MasterInfo::Capability>(R"({"type":"QUOTA_V9"})");
  CHECK_FALSE(capability.has_type());

  // On a required enum it leaves the field missing.
  diagnostics diag;
  CHECK(decode_error<v1::TaskStatus>(R"({"task_id":{"value":"t"},"state":"TASK_FUTURE"})", diag) ==
        error::missing_required_fields);
  // Enums are never numbers.
  CHECK(decode_error<sched::Event>(R"({"type":8})", diag) == error::json_schema_mismatch);
}

TEST_CASE("json writes bytes as padded standard base64 and reads it leniently", "[json]") {
  sched::Call call;
  call.set_type(sched::Call::ACKNOWLEDGE);
  call.mutable_framework_id()->set_value("f");
  auto* ack = call.mutable_acknowledge();
  ack->mutable_agent_id()->set_value("a");
  ack->mutable_task_id()->set_value("t");
  ack->set_uuid(std::string("\xfc\x29\x7e\x7b\xdd\xb5\x44\xaa\xba\xc6\x43\xb3\x60\xd3\x68\x8b", 16));
  std::string text = to_json(call);
  // The uuid of a real TASK_STARTING update (traces: cmd-echo-json).
  CHECK(text.find(R"("uuid":"/Cl+e921RKq6xkOzYNNoiw==")") != std::string::npos);

  auto padded = from_json<sched::Call>(text);
  CHECK(padded.acknowledge().uuid() == ack->uuid());
  std::string unpadded = text;
  unpadded.replace(unpadded.find("=="), 2, "");
  CHECK(from_json<sched::Call>(unpadded).acknowledge().uuid() == ack->uuid());

  diagnostics diag;
  std::string url_safe = text;
  url_safe.replace(url_safe.find('+'), 1, "-");
  CHECK(decode_error<sched::Call>(url_safe, diag) == error::json_schema_mismatch);
  CHECK(diag.message().find("base64") != std::string::npos);
}

TEST_CASE("json keeps 64-bit integers exact and accepts numeric strings", "[json]") {
  v1::Value::Range range;
  range.set_begin(9007199254740993ull);  // 2^53 + 1: not representable as a double
  range.set_end(std::numeric_limits<std::uint64_t>::max());
  CHECK(to_json(range) == R"({"begin":9007199254740993,"end":18446744073709551615})");
  auto back = from_json<v1::Value::Range>(to_json(range));
  CHECK(back.begin() == range.begin());
  CHECK(back.end() == range.end());

  auto time = from_json<v1::TimeInfo>(R"({"nanoseconds":"-9223372036854775808"})");
  CHECK(time.nanoseconds() == std::numeric_limits<std::int64_t>::min());
  CHECK(from_json<v1::TimeInfo>(R"({"nanoseconds":3.0})").nanoseconds() == 3);

  diagnostics diag;
  CHECK(decode_error<v1::TimeInfo>(R"({"nanoseconds":1.5})", diag) == error::json_schema_mismatch);
  CHECK(decode_error<v1::TimeInfo>(R"({"nanoseconds":"12x"})", diag) == error::json_schema_mismatch);
  CHECK(decode_error<v1::MasterInfo>(R"({"id":"m","ip":-1,"port":5050})", diag) ==
        error::json_schema_mismatch);  // uint32 cannot be negative
  CHECK(decode_error<v1::MasterInfo>(R"({"id":"m","ip":4294967296,"port":5050})", diag) ==
        error::json_schema_mismatch);  // nor exceed 32 bits
}

TEST_CASE("json writes doubles as Mesos does", "[json]") {
  v1::Value::Scalar scalar;
  auto text_of = [&](double v) {
    scalar.set_value(v);
    return to_json(scalar);
  };
  CHECK(text_of(15) == R"({"value":15.0})");
  CHECK(text_of(0.1) == R"({"value":0.1})");
  CHECK(text_of(1795306060.3921) == R"({"value":1795306060.3921})");
  CHECK(text_of(-2.5) == R"({"value":-2.5})");
  CHECK(text_of(std::numeric_limits<double>::infinity()) == R"({"value":"Infinity"})");
  CHECK(text_of(-std::numeric_limits<double>::infinity()) == R"({"value":"-Infinity"})");

  CHECK(std::isinf(from_json<v1::Value::Scalar>(R"({"value":"Infinity"})").value()));
  CHECK(from_json<v1::Value::Scalar>(R"({"value":"-Infinity"})").value() < 0);
  CHECK(from_json<v1::Value::Scalar>(R"({"value":512})").value() == 512);
  CHECK(from_json<v1::Value::Scalar>(R"({"value":"2.25"})").value() == 2.25);
  CHECK(from_json<v1::Value::Scalar>(R"({"value":1e3})").value() == 1000);
}

TEST_CASE("json writes explicit non-deprecated defaults of unset fields", "[json]") {
  v1::FrameworkInfo info;
  info.set_user("u");
  info.set_name("n");
  // failover_timeout [default = 0.0] and checkpoint [default = false] are
  // written; the deprecated role [default = "*"] is not.
  CHECK(to_json(info) == R"({"user":"u","name":"n","failover_timeout":0.0,"checkpoint":false})");
  info.set_role("*");
  CHECK(to_json(info).find(R"("role":"*")") != std::string::npos);

  v1::Filters filters;  // refuse_seconds [default = 5.0]
  CHECK(to_json(filters) == R"({"refuse_seconds":5.0})");
  v1::CommandInfo command;  // shell [default = true]
  CHECK(to_json(command) == R"({"shell":true})");
}

TEST_CASE("json omits empty repeated fields and writes empty messages as {}", "[json]") {
  sched::Call call;
  call.set_type(sched::Call::REVIVE);
  call.mutable_framework_id()->set_value("f");
  call.mutable_revive();
  CHECK(to_json(call) == R"({"framework_id":{"value":"f"},"type":"REVIVE","revive":{}})");

  sched::AttributeConstraint::Predicate predicate;
  predicate.mutable_exists();
  CHECK(to_json(predicate) == R"({"exists":{}})");
  CHECK(from_json<sched::AttributeConstraint::Predicate>(R"({"exists":{}})").has_exists());
}

TEST_CASE("json nests OFFERS and ERROR as the schema does", "[json]") {
  auto offers = mesos_http::test::sample_offers_event(2);
  auto parsed = nlohmann::json::parse(to_json(offers));
  CHECK(parsed["offers"]["offers"].size() == 2);
  sched::Event error_event;
  error_event.set_type(sched::Event::ERROR);
  error_event.mutable_error()->set_message("Framework failed over");
  CHECK(to_json(error_event) == R"({"type":"ERROR","error":{"message":"Framework failed over"}})");
}

TEST_CASE("json maps: message values must be objects, keys are strings", "[json]") {
  auto task = from_json<v1::TaskInfo>(
      R"({"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},)"
      R"("limits":{"cpus":{"value":"Infinity"},"mem":{"value":512}}})");
  REQUIRE(task.limits().size() == 2);
  CHECK(std::isinf(task.limits().at("cpus").value()));
  CHECK(task.limits().at("mem").value() == 512);
  auto text = to_json(task);
  auto parsed = nlohmann::json::parse(text);
  CHECK(parsed["limits"]["cpus"]["value"] == "Infinity");
  CHECK(parsed["limits"]["mem"]["value"] == 512.0);

  diagnostics diag;
  // Bare values, as upstream's docs show them, are refused (as by Mesos).
  CHECK(decode_error<v1::TaskInfo>(
            R"({"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},"limits":{"cpus":2}})",
            diag) == error::json_schema_mismatch);
}

TEST_CASE("json ignores unknown keys with any value", "[json]") {
  auto event = from_json<sched::Event>(
      R"({"future":{"a":[1,{"b":null},[true,"x"]],"c":{}},"type":"HEARTBEAT","later":[{}],"n":1.5})");
  CHECK(event.type() == sched::Event::HEARTBEAT);
  CHECK(from_json<sched::Event>(R"({"type":"HEARTBEAT","subscribed":null})").has_subscribed() == false);
}

TEST_CASE("json accepts the value forms Mesos accepts", "[json]") {
  auto info = from_json<v1::FrameworkInfo>(
      R"({"user":"u","name":"n","checkpoint":"true","failover_timeout":"3600","hostname":null})");
  CHECK(info.checkpoint());
  CHECK(info.failover_timeout() == 3600);
  CHECK_FALSE(info.has_hostname());
  // A single value for a repeated field is one element, as stout allows.
  auto revive = from_json<sched::Call::Revive>(R"({"roles":"analytics"})");
  REQUIRE(revive.roles_size() == 1);
  CHECK(revive.roles(0) == "analytics");
}

TEST_CASE("json escapes strings as Mesos does", "[json]") {
  v1::Label label;
  label.set_key(std::string("q\"b\\s/\n\t\x01\x7f\xc3\xa9", 12));
  CHECK(to_json(label) == "{\"key\":\"q\\\"b\\\\s/\\n\\t\\u0001\x7f\xc3\xa9\"}");
  CHECK(from_json<v1::Label>(to_json(label)).key() == label.key());
}

TEST_CASE("json rejects bodies that do not fit the schema", "[json]") {
  diagnostics diag;
  struct bad {
    const char* text;
    error code;
  };
  auto c = GENERATE(values<bad>({
      {R"({"type":"HEARTBEAT")", error::malformed_json},
      {R"({"type":"HEARTBEAT"} trailing)", error::malformed_json},
      {"", error::malformed_json},
      {"\xff", error::malformed_json},
      {R"([{"type":"HEARTBEAT"}])", error::json_schema_mismatch},
      {R"("HEARTBEAT")", error::json_schema_mismatch},
      {R"({"type":"ERROR","error":"boom"})", error::json_schema_mismatch},
      {R"({"type":"ERROR","error":{"message":{"text":"x"}}})", error::json_schema_mismatch},
      {R"({"type":"ERROR","error":{"message":["a"]}})", error::json_schema_mismatch},
      {R"({"type":"OFFERS","offers":{"offers":[[]]}})", error::json_schema_mismatch},
      {R"({"type":"OFFERS","offers":{"offers":[1]}})", error::json_schema_mismatch},
      {R"({"type":"FAILURE","failure":{"status":true}})", error::json_schema_mismatch},
      {R"({"type":"FAILURE","failure":{"status":2147483648}})", error::json_schema_mismatch},
  }));
  INFO(c.text);
  CHECK(decode_error<sched::Event>(c.text, diag) == c.code);
  CHECK_FALSE(diag.message().empty());
}

TEST_CASE("json syntax errors carry a byte offset", "[json]") {
  diagnostics diag;
  CHECK(decode_error<sched::Event>(R"({"type":"HEARTBEAT",})", diag) == error::malformed_json);
  REQUIRE(diag.byte_offset());
  CHECK(*diag.byte_offset() >= 19u);
  CHECK(*diag.byte_offset() <= 21u);
}

TEST_CASE("json refuses nesting deeper than the limit without recursion", "[json]") {
  // ContainerID.parent is recursive: 100 levels are fine, 1000 are refused.
  auto nested = [](int depth) {
    std::string text;
    for (int i = 0; i < depth; ++i) text += R"({"value":"c","parent":)";
    text += R"({"value":"root"})";
    for (int i = 0; i < depth; ++i) text += "}";
    return text;
  };
  diagnostics diag;
  v1::ContainerID id;
  CHECK_FALSE(json_codec.decode(nested(98), id, diag));
  CHECK(json_codec.decode(nested(1000), id, diag) == error::json_schema_mismatch);
  CHECK(diag.message().find("nesting") != std::string::npos);
  // Unknown values are skipped without building anything, at any depth.
  std::string deep_unknown = R"({"type":"HEARTBEAT","x":)" + std::string(100000, '[') +
                             std::string(100000, ']') + "}";
  sched::Event event;
  CHECK_FALSE(json_codec.decode(deep_unknown, event, diag));
}
