// The executor Call builders: the fields each one sets; every call encodes
// in both content types; the calls real executors sent to a real Mesos
// 1.11.1 agent (MESOS_HTTP_TRACES_DIR/executor) are rebuilt byte for byte;
// and the recorded sessions, replayed through detail::executor_fsm, leave
// nothing unacknowledged. Without the recordings these tests FAIL.
#include "detail/executor_fsm.hpp"
#include "support/http_messages.hpp"
#include "support/traces.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/executor_calls.hpp>

#include <mesos/v1/executor/executor.pb.h>

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

namespace v1 = mesos::v1;
namespace calls = mesos_http::executor_calls;
using Call = v1::executor::Call;
using Event = v1::executor::Event;
using google::protobuf::util::MessageDifferencer;
using mesos_http::codec;
using mesos_http::content_type;
using mesos_http::diagnostics;
using mesos_http::test::decode_ok;
using mesos_http::test::encode_ok;
using mesos_http::test::files_ending;
using mesos_http::test::http_message;
using mesos_http::test::load_messages;
using mesos_http::test::require_traces;
using mesos_http::test::split_records;
using mesos_http::test::strip_suffix;
using mesos_http::test::traces_dir;

calls::ids who() {
  calls::ids ids;
  ids.framework_id.set_value("9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-0001");
  ids.executor_id.set_value("task-echo-proto");
  return ids;
}

const std::string uuid16 = "\x0f|\xf5\x0f\xea\x87I\xd1\x97\xfe)\x82\xe1'\x02\xe0";

// Encodes in both content types (no required field missing) and decodes
// back to the same call.
void check_encodes(const Call& call) {
  INFO(call.ShortDebugString());
  CHECK(call.IsInitialized());
  for (content_type type : {content_type::protobuf, content_type::json}) {
    const codec c(type);
    std::string bytes;
    diagnostics diag;
    const auto ec = c.encode(call, bytes, diag);
    INFO(to_string(type) << ": " << diag.to_string());
    REQUIRE_FALSE(ec);
    Call decoded;
    REQUIRE_FALSE(c.decode(bytes, decoded, diag));
    CHECK(MessageDifferencer::Equivalent(call, decoded));
  }
}

v1::TaskStatus running(const std::string& task_id) {
  v1::TaskStatus s;
  s.mutable_task_id()->set_value(task_id);
  s.set_state(v1::TASK_RUNNING);
  return s;
}

// The executor calls of one recorded executor, in the order sent.
std::vector<Call> recorded_calls(const std::string& stem) {
  std::vector<Call> out;
  for (const char* role : {".1-subscribe", ".2-calls"}) {
    for (const http_message& m :
         load_messages(traces_dir() / "executor" / (stem + role + ".client-to-agent.raw"))) {
      REQUIRE(m.target() == "/slave(1)/api/v1/executor");
      Call call;
      decode_ok(codec(content_type::protobuf), m.body, call);
      out.push_back(call);
    }
  }
  return out;
}

// The events of one recorded executor's subscription stream.
std::vector<Event> recorded_events(const std::string& stem) {
  const auto responses =
      load_messages(traces_dir() / "executor" / (stem + ".1-subscribe.agent-to-client.raw"));
  REQUIRE(responses.size() == 1);
  bool finished = false;
  std::vector<Event> out;
  for (const std::string& record : split_records(responses[0].body, finished)) {
    Event e;
    decode_ok(codec(content_type::protobuf), record, e);
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> recorded_stems() {
  std::set<std::string> stems;
  for (const auto& p :
       files_ending(traces_dir() / "executor", ".1-subscribe.client-to-agent.raw")) {
    stems.insert(strip_suffix(p.filename().string(), ".1-subscribe.client-to-agent.raw"));
  }
  return {stems.begin(), stems.end()};
}

}  // namespace

TEST_CASE("executor calls: the fields each builder sets", "[executor_calls]") {
  const calls::ids me = who();

  const Call sub = calls::subscribe(me);
  CHECK(sub.type() == Call::SUBSCRIBE);
  CHECK(sub.framework_id().value() == me.framework_id.value());
  CHECK(sub.executor_id().value() == me.executor_id.value());
  CHECK(sub.has_subscribe());  // required even when empty
  CHECK(sub.subscribe().ByteSizeLong() == 0);
  check_encodes(sub);

  v1::TaskInfo task;
  task.set_name("t");
  task.mutable_task_id()->set_value("t");
  task.mutable_agent_id()->set_value("S0");
  const auto wall = std::chrono::system_clock::time_point(std::chrono::seconds(1795306092));
  Call pending = calls::update(me, running("t"), uuid16, wall);
  const Call resub = calls::subscribe(me, {task}, {pending.update()});
  CHECK(resub.subscribe().unacknowledged_tasks_size() == 1);
  CHECK(resub.subscribe().unacknowledged_tasks(0).task_id().value() == "t");
  REQUIRE(resub.subscribe().unacknowledged_updates_size() == 1);
  CHECK(resub.subscribe().unacknowledged_updates(0).status().uuid() == uuid16);
  check_encodes(resub);

  v1::TaskStatus status = running("t");
  status.mutable_executor_id()->set_value("someone-else");
  status.set_source(v1::TaskStatus::SOURCE_AGENT);
  status.set_message("started");
  const Call up = calls::update(me, status, uuid16, wall);
  CHECK(up.type() == Call::UPDATE);
  const auto& st = up.update().status();
  CHECK(st.task_id().value() == "t");
  CHECK(st.state() == v1::TASK_RUNNING);
  CHECK(st.message() == "started");
  CHECK(st.uuid() == uuid16);
  CHECK(st.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(st.executor_id().value() == me.executor_id.value());
  CHECK(st.timestamp() == 1795306092.0);
  check_encodes(up);

  // A timestamp already set is kept.
  status.set_timestamp(12.5);
  CHECK(calls::update(me, status, uuid16, wall).update().status().timestamp() == 12.5);

  // Without uuid and time: a fresh v4 uuid and the current time.
  const auto before = calls::to_timestamp(std::chrono::system_clock::now());
  const Call a = calls::update(me, running("t"));
  const Call b = calls::update(me, running("t"));
  const auto after = calls::to_timestamp(std::chrono::system_clock::now());
  const std::string& ua = a.update().status().uuid();
  CHECK(ua.size() == 16);
  CHECK(ua != b.update().status().uuid());
  CHECK((static_cast<unsigned char>(ua[6]) >> 4) == 4);       // version 4
  CHECK((static_cast<unsigned char>(ua[8]) & 0xc0) == 0x80);  // RFC 4122 variant
  CHECK(a.update().status().timestamp() >= before);
  CHECK(a.update().status().timestamp() <= after);
  check_encodes(a);

  const Call msg = calls::message(me, std::string("\x00\x01hi", 4));
  CHECK(msg.type() == Call::MESSAGE);
  CHECK(msg.message().data() == std::string("\x00\x01hi", 4));
  check_encodes(msg);
  // An empty message still carries the (required) sub-message.
  CHECK(calls::message(me, "").has_message());
  check_encodes(calls::message(me, ""));

  const Call hb = calls::heartbeat(me);
  CHECK(hb.type() == Call::HEARTBEAT);
  CHECK(hb.framework_id().value() == me.framework_id.value());
  CHECK_FALSE(hb.has_subscribe());
  CHECK_FALSE(hb.has_update());
  CHECK_FALSE(hb.has_message());
  check_encodes(hb);

  CHECK(calls::to_timestamp(std::chrono::system_clock::time_point(
            std::chrono::seconds(1795306092) + std::chrono::milliseconds(368))) ==
        Approx(1795306092.368).margin(1e-6));
}

TEST_CASE("executor calls: many random uuids are distinct", "[executor_calls]") {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(calls::random_uuid());
  CHECK(seen.size() == 10000);
}

TEST_CASE("executor calls: the recorded executor calls are rebuilt byte for byte",
          "[executor_calls][replay]") {
  require_traces();
  std::size_t subscribes = 0, updates = 0;
  for (const std::string& stem : recorded_stems()) {
    for (const char* role : {".1-subscribe", ".2-calls"}) {
      for (const http_message& m :
           load_messages(traces_dir() / "executor" / (stem + role + ".client-to-agent.raw"))) {
        INFO(stem << role << ": " << m.start_line);
        REQUIRE(m.target() == "/slave(1)/api/v1/executor");
        CHECK(m.header("Content-Type") ==
              std::optional<std::string_view>("application/x-protobuf"));
        Call sent;
        decode_ok(codec(content_type::protobuf), m.body, sent);
        const calls::ids me{sent.framework_id(), sent.executor_id()};
        Call ours;
        if (sent.type() == Call::SUBSCRIBE) {
          ours = calls::subscribe(me);
          ++subscribes;
        } else {
          REQUIRE(sent.type() == Call::UPDATE);
          // What the executor had before the builder: the task's id, state,
          // message, reason and its own timestamp.
          v1::TaskStatus status = sent.update().status();
          status.clear_uuid();
          status.clear_source();
          status.clear_executor_id();
          ours = calls::update(me, status, sent.update().status().uuid(),
                               std::chrono::system_clock::time_point{});
          ++updates;
        }
        CHECK(encode_ok(codec(content_type::protobuf), ours) == m.body);
        // And the same call in JSON.
        Call back;
        decode_ok(codec(content_type::json), encode_ok(codec(content_type::json), ours), back);
        CHECK(MessageDifferencer::Equivalent(back, sent));
      }
    }
  }
  // As replay_calls_test counts them: 5 SUBSCRIBEs, 3 + 3 + 4 + 3 + 3 UPDATEs.
  CHECK(subscribes == 5);
  CHECK(updates == 16);
}

TEST_CASE("executor fsm: recorded sessions leave nothing unacknowledged",
          "[executor_fsm][replay]") {
  require_traces();
  using namespace mesos_http::detail;
  const auto t0 = steady_clock::time_point(std::chrono::hours(1000));
  std::size_t sessions = 0;
  for (const std::string& stem : recorded_stems()) {
    INFO(stem);
    const std::vector<Call> sent = recorded_calls(stem);
    const std::vector<Event> events = recorded_events(stem);
    REQUIRE(sent.size() > 1);
    REQUIRE(sent[0].type() == Call::SUBSCRIBE);

    // The machine makes the uuids the real executor made, in order.
    auto uuids = std::make_shared<std::deque<std::string>>();
    std::deque<v1::TaskStatus> statuses;
    for (std::size_t i = 1; i < sent.size(); ++i) {
      uuids->push_back(sent[i].update().status().uuid());
      v1::TaskStatus s = sent[i].update().status();
      s.clear_uuid();
      statuses.push_back(s);
    }
    executor_fsm_settings settings;
    settings.who = {sent[0].framework_id(), sent[0].executor_id()};
    settings.checkpoint = false;
    settings.uuid = [uuids] {
      std::string u = uuids->front();
      uuids->pop_front();
      return u;
    };
    executor_fsm fsm(settings);
    REQUIRE(fsm.start(t0).next == executor_step::connect);
    CHECK(fsm.subscribe_call().SerializeAsString() == sent[0].SerializeAsString());
    REQUIRE(fsm.on_response(200, "", t0).next == executor_step::stream);

    std::size_t tasks_launched = 0;
    for (const Event& e : events) {
      if (e.type() == Event::LAUNCH) ++tasks_launched;
      if (e.type() == Event::LAUNCH_GROUP)
        tasks_launched += e.launch_group().task_group().tasks_size();
      // Before an acknowledgement, the update it answers has been sent.
      if (e.type() == Event::ACKNOWLEDGED) {
        bool sent_already = false;
        for (const auto& u : fsm.unacknowledged_updates()) {
          sent_already = sent_already || u.status().uuid() == e.acknowledged().uuid();
        }
        while (!sent_already && !statuses.empty()) {
          Call call;
          diagnostics diag;
          REQUIRE_FALSE(fsm.update(statuses.front(), {}, call, diag));
          sent_already = call.update().status().uuid() == e.acknowledged().uuid();
          statuses.pop_front();
        }
      }
      REQUIRE(fsm.on_event(e, t0).next == executor_step::stream);
      if (e.type() == Event::SUBSCRIBED) CHECK(fsm.subscribed());
      if (e.type() == Event::LAUNCH || e.type() == Event::LAUNCH_GROUP) {
        CHECK(fsm.unacknowledged_tasks().size() == tasks_launched);
      }
    }
    CHECK(tasks_launched == 1);
    CHECK(statuses.empty());
    const auto c = fsm.counters();
    CHECK(c.updates_sent == sent.size() - 1);
    CHECK(c.updates_acknowledged == sent.size() - 1);
    CHECK(c.unknown_acknowledgements == 0);
    CHECK(c.pending_updates == 0);
    CHECK(c.unacknowledged_tasks == 0);
    // The executor exited and the stream was cut: without checkpointing, a
    // lost agent ends the executor.
    CHECK(fsm.on_connection_lost({}, "stream cut", t0).next == executor_step::shutdown);
    CHECK(fsm.shutdown_reason() == mesos_http::error::agent_disconnected);
    ++sessions;
  }
  CHECK(sessions == 5);
}
