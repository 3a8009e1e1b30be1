// Agent -> executor events (sim::executor_events and the encoders): every
// event stream a real Mesos 1.11.1 agent sent its executors
// (MESOS_HTTP_TRACES_DIR, executor/*.1-subscribe) is rebuilt event by event
// with the builders, from the decoded payloads, and must come out as the
// same bytes on the wire, chunk framing included. JSON has no recording:
// its records are checked against Mesos's JSON mapping by hand, and every
// recorded event must survive a JSON round trip.
#include "support/http_messages.hpp"
#include "support/traces.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>
#include <mesos_http/sim/executor_events.hpp>

#include <mesos/v1/executor/executor.pb.h>

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace exec = mesos::v1::executor;
namespace sim = mesos_http::sim;
namespace events = mesos_http::sim::executor_events;
using mesos_http::content_type;

// The event, made again with the builder of its type from its own payload.
exec::Event rebuild(const exec::Event& e) {
  switch (e.type()) {
    case exec::Event::SUBSCRIBED: {
      const auto& s = e.subscribed();
      return events::subscribed(s.executor_info(), s.framework_info(), s.agent_info(),
                                s.has_container_id()
                                    ? std::optional<mesos::v1::ContainerID>(s.container_id())
                                    : std::nullopt);
    }
    case exec::Event::LAUNCH:
      return events::launch(e.launch().task());
    case exec::Event::LAUNCH_GROUP:
      return events::launch_group(e.launch_group().task_group());
    case exec::Event::KILL:
      return events::kill(e.kill().task_id(),
                          e.kill().has_kill_policy()
                              ? std::optional<mesos::v1::KillPolicy>(e.kill().kill_policy())
                              : std::nullopt);
    case exec::Event::ACKNOWLEDGED:
      return events::acknowledged(e.acknowledged().task_id(), e.acknowledged().uuid());
    case exec::Event::MESSAGE:
      return events::message(e.message().data());
    case exec::Event::ERROR:
      return events::error(e.error().message());
    case exec::Event::SHUTDOWN:
      return events::shutdown();
    case exec::Event::HEARTBEAT:
      return events::heartbeat();
    default:
      FAIL("unexpected event type " << exec::Event::Type_Name(e.type()));
      return {};
  }
}

struct recorded_stream {
  std::string name;
  std::string wire_body;  // the chunked body exactly as it was on the wire
  std::vector<std::string> records;
  std::size_t announced_records = 0;  // from the readable view
};

std::vector<recorded_stream> recorded_streams() {
  const fs::path dir = mesos_http::test::traces_dir() / "executor";
  const std::string suffix = ".1-subscribe.agent-to-client.raw";
  std::vector<recorded_stream> out;
  for (const auto& path : mesos_http::test::files_ending(dir, suffix)) {
    const std::string stem = mesos_http::test::strip_suffix(path.filename().string(), suffix);
    INFO(path);
    const std::string bytes = mesos_http::test::load(path);
    const auto response = mesos_http::test::load_single(path);
    REQUIRE(response.status() == 200);
    REQUIRE(response.framing == mesos_http::test::body_framing::chunked);
    REQUIRE(mesos_http::test::codec_for(response).type() == content_type::protobuf);
    const std::size_t head = bytes.find("\r\n\r\n");
    REQUIRE(head != std::string::npos);
    recorded_stream s;
    s.name = stem;
    s.wire_body = bytes.substr(head + 4, response.end - (head + 4));
    bool finished = false;
    s.records = mesos_http::test::split_records(response.body, finished);
    CHECK(finished);  // the executor exited after a complete record
    s.announced_records =
        mesos_http::test::recorded_record_count(dir / (stem + ".1-subscribe.decoded.txt"));
    out.push_back(std::move(s));
  }
  return out;
}

std::string record_of(content_type type, const exec::Event& e) {
  std::string out;
  mesos_http::diagnostics diag;
  const auto ec = sim::append_executor_event(type, e, out, diag);
  INFO(diag.message());
  REQUIRE_FALSE(ec);
  return out;
}

}  // namespace

TEST_CASE("the builders remake the real agent's executor streams byte for byte",
          "[sim][executor_events][replay]") {
  mesos_http::test::require_traces();
  const auto streams = recorded_streams();
  REQUIRE(streams.size() == 5);
  std::map<std::string, std::size_t> seen;
  for (const auto& s : streams) {
    INFO(s.name);
    CHECK(s.records.size() == s.announced_records);
    std::string wire;
    for (const std::string& record : s.records) {
      exec::Event recorded;
      mesos_http::test::decode_ok(mesos_http::codec(content_type::protobuf), record, recorded);
      ++seen[exec::Event::Type_Name(recorded.type())];
      mesos_http::diagnostics diag;
      const auto ec =
          sim::append_executor_event_chunk(content_type::protobuf, rebuild(recorded), wire, diag);
      INFO(diag.message());
      REQUIRE_FALSE(ec);
    }
    CHECK(wire == s.wire_body);
  }
  // Every event type the recordings show.
  const std::map<std::string, std::size_t> expected = {
      {"SUBSCRIBED", 5}, {"LAUNCH", 4}, {"LAUNCH_GROUP", 1}, {"KILL", 2}, {"ACKNOWLEDGED", 16}};
  CHECK(seen == expected);
}

TEST_CASE("every recorded executor event survives our JSON", "[sim][executor_events][replay]") {
  mesos_http::test::require_traces();
  const mesos_http::codec json(content_type::json);
  for (const auto& s : recorded_streams()) {
    for (const std::string& record : s.records) {
      exec::Event recorded;
      mesos_http::test::decode_ok(mesos_http::codec(content_type::protobuf), record, recorded);
      INFO(s.name << " " << exec::Event::Type_Name(recorded.type()));
      const std::string framed = record_of(content_type::json, rebuild(recorded));
      const std::size_t lf = framed.find('\n');
      REQUIRE(lf != std::string::npos);
      CHECK(framed.substr(0, lf) == std::to_string(framed.size() - lf - 1));
      exec::Event back;
      mesos_http::test::decode_ok(json, framed.substr(lf + 1), back);
      // JSON has no room for unknown fields (AgentInfo's internal field 7)
      // and writes the defaults Mesos writes.
      recorded.DiscardUnknownFields();
      mesos_http::test::fill_json_defaults(recorded);
      CHECK(google::protobuf::util::MessageDifferencer::Equals(back, recorded));
    }
  }
}

TEST_CASE("executor event records in both content types", "[sim][executor_events]") {
  mesos::v1::TaskID task;
  task.set_value("task-1");
  const std::string uuid("\x67\x18\x5e\x25\x87\x68\x47\xba\x83\x78\xc7\x46\xeb\x29\x03\x37", 16);
  mesos::v1::KillPolicy policy;
  policy.mutable_grace_period()->set_nanoseconds(3000000000);

  struct row {
    exec::Event event;
    std::string json;
    std::string protobuf;
  };
  const std::vector<row> rows = {
      {events::heartbeat(), R"({"type":"HEARTBEAT"})", std::string("\x08\x09", 2)},
      {events::shutdown(), R"({"type":"SHUTDOWN"})", std::string("\x08\x07", 2)},
      {events::error("gone"), R"({"type":"ERROR","error":{"message":"gone"}})",
       std::string("\x08\x06\x3a\x06\x0a\x04gone", 10)},
      {events::message(std::string("hi\0", 3)), R"({"type":"MESSAGE","message":{"data":"aGkA"}})",
       std::string("\x08\x05\x32\x05\x0a\x03hi\0", 9)},
      {events::acknowledged(task, uuid),
       R"({"type":"ACKNOWLEDGED","acknowledged":{"task_id":{"value":"task-1"},)"
       R"("uuid":"ZxheJYdoR7qDeMdG6ykDNw=="}})",
       std::string("\x08\x04\x1a\x1c\x0a\x08\x0a\x06task-1\x12\x10", 16) + uuid},
      {events::kill(task), R"({"type":"KILL","kill":{"task_id":{"value":"task-1"}}})",
       std::string("\x08\x03\x2a\x0a\x0a\x08\x0a\x06task-1", 14)},
      {events::kill(task, policy),
       R"({"type":"KILL","kill":{"task_id":{"value":"task-1"},)"
       R"("kill_policy":{"grace_period":{"nanoseconds":3000000000}}}})",
       std::string("\x08\x03\x2a\x14\x0a\x08\x0a\x06task-1\x12\x08\x0a\x06\x08\x80\xbc\xc1\x96\x0b",
                   24)},
  };
  for (const auto& r : rows) {
    INFO(r.json);
    CHECK(record_of(content_type::json, r.event) == std::to_string(r.json.size()) + "\n" + r.json);
    CHECK(record_of(content_type::protobuf, r.event) ==
          std::to_string(r.protobuf.size()) + "\n" + r.protobuf);
  }
}

TEST_CASE("one event, one HTTP chunk, lowercase hex", "[sim][executor_events]") {
  std::string out = "x";
  mesos_http::diagnostics diag;
  REQUIRE_FALSE(
      sim::append_executor_event_chunk(content_type::json, events::heartbeat(), out, diag));
  CHECK(out == "x17\r\n20\n{\"type\":\"HEARTBEAT\"}\r\n");  // protocol.md b, example 1
  out.clear();
  REQUIRE_FALSE(
      sim::append_executor_event_chunk(content_type::protobuf, events::heartbeat(), out, diag));
  CHECK(out == std::string("4\r\n2\n\x08\x09\r\n"));

  out.clear();
  sim::append_http_chunk(std::string(255, 'a'), out);
  CHECK(out == "ff\r\n" + std::string(255, 'a') + "\r\n");
  out.clear();
  sim::append_http_chunk("", out);  // would end the stream: nothing written
  CHECK(out.empty());
}

TEST_CASE("an event missing required fields is refused and nothing is appended",
          "[sim][executor_events]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  mesos::v1::TaskInfo incomplete;  // no name, task_id, agent_id
  for (const exec::Event& e :
       {events::launch(incomplete), events::subscribed({}, {}, {}, std::nullopt)}) {
    std::string out = "kept";
    mesos_http::diagnostics diag;
    CHECK(sim::append_executor_event(type, e, out, diag) ==
          mesos_http::error::missing_required_fields);
    CHECK(sim::append_executor_event_chunk(type, e, out, diag) ==
          mesos_http::error::missing_required_fields);
    CHECK(out == "kept");
    CHECK_FALSE(diag.message().empty());
  }
}

TEST_CASE("SUBSCRIBED carries the container only when given", "[sim][executor_events]") {
  mesos::v1::ExecutorInfo executor;
  executor.mutable_executor_id()->set_value("e");
  mesos::v1::FrameworkInfo framework;
  framework.set_user("u");
  framework.set_name("n");
  framework.mutable_id()->set_value("f");
  mesos::v1::AgentInfo agent;
  agent.set_hostname("h");
  mesos::v1::ContainerID container;
  container.set_value("c");

  auto e = events::subscribed(executor, framework, agent, container);
  CHECK(e.type() == exec::Event::SUBSCRIBED);
  CHECK(e.subscribed().container_id().value() == "c");
  CHECK(record_of(content_type::json, e) ==
        std::string("255\n") +
            R"({"type":"SUBSCRIBED","subscribed":{"executor_info":{"executor_id":{"value":"e"}},)"
            R"("framework_info":{"user":"u","name":"n","id":{"value":"f"},"failover_timeout":0.0,)"
            R"("checkpoint":false},"agent_info":{"hostname":"h","port":5051},)"
            R"("container_id":{"value":"c"}}})");
  e = events::subscribed(executor, framework, agent, std::nullopt);
  CHECK_FALSE(e.subscribed().has_container_id());
}
