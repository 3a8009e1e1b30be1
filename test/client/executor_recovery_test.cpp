// mesos_http::executor when the agent goes away: resubscription with the
// unacknowledged updates and tasks (checkpointing), immediate shutdown
// (no checkpointing), the recovery timeout, updates made while
// disconnected; and event streams that are re-chunked or too large.
#include "executor_client_support.hpp"

#include <mesos_http/codec.hpp>

using namespace mesos_http;
using mesos_http::test::fake_agent;
using mesos_http::test::recording_executor;
using mesos_http::test::task_info;
using mesos_http::test::task_status;
namespace exec = mesos::v1::executor;
namespace events = mesos_http::sim::executor_events;

namespace {

using test::eventually;

using test::executor_config_from;

bool carries_update(const exec::Call& subscribe, const std::string& uuid) {
  for (const auto& u : subscribe.subscribe().unacknowledged_updates()) {
    if (u.status().uuid() == uuid) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("executor with checkpointing resubscribes with its unacknowledged update and task",
          "[client][executor]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  fake_agent agent;
  agent.set_auto_ack(false);
  recording_executor client(executor_config_from(agent.environment(true), content));
  REQUIRE(client.wait_note("subscribed"));
  agent.push(events::launch(task_info("t1")));
  REQUIRE(client.wait_note("launch:t1"));
  auto r = client.update(task_status("t1", mesos::v1::TASK_RUNNING));
  REQUIRE(r);
  CHECK_FALSE(r->first);
  REQUIRE(agent.wait([](const auto& s) { return s.updates.size() == 1; }));
  const std::string uuid = agent.seen().updates[0].update().status().uuid();
  auto m = client->metrics();
  CHECK(m.pending_updates == 1);
  CHECK(m.unacknowledged_tasks == 1);

  agent.end_stream();  // the agent restarts
  REQUIRE(agent.wait([](const auto& s) { return s.subscribes.size() == 2; }));
  const exec::Call again = agent.seen().subscribes[1];
  REQUIRE(again.subscribe().unacknowledged_tasks_size() == 1);
  CHECK(again.subscribe().unacknowledged_tasks(0).task_id().value() == "t1");
  REQUIRE(again.subscribe().unacknowledged_updates_size() == 1);
  const auto& resent = again.subscribe().unacknowledged_updates(0).status();
  CHECK(resent.uuid() == uuid);
  CHECK(resent.state() == mesos::v1::TASK_RUNNING);
  CHECK(resent.task_id().value() == "t1");

  REQUIRE(client.wait_note("subscribed", 2));
  CHECK(client.count_notes("connected") == 2);
  CHECK(client.count_notes("disconnected:" + make_error_code(error::stream_ended).message()) == 1);
  mesos::v1::TaskID id;
  id.set_value("t1");
  agent.push(events::acknowledged(id, uuid));
  REQUIRE(client.wait_note("acknowledged:t1"));
  REQUIRE(eventually([&] {
    auto now = client->metrics();
    return now.pending_updates == 0 && now.unacknowledged_tasks == 0;
  }));
  m = client->metrics();
  CHECK(m.resubscriptions == 1);
  CHECK(m.reconnects >= 1);
  CHECK(m.disconnections_by_reason[make_error_code(error::stream_ended).message()] == 1);
  CHECK_FALSE(client.wait_run_result(std::chrono::milliseconds(0)));
}

TEST_CASE("executor without checkpointing ends at once when the stream ends",
          "[client][executor]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  fake_agent agent;
  agent.set_auto_ack(false);
  recording_executor client(executor_config_from(agent.environment(false), content));
  REQUIRE(client.wait_note("subscribed"));
  auto r = client.update(task_status("t1", mesos::v1::TASK_RUNNING));
  REQUIRE(r);
  CHECK_FALSE(r->first);
  agent.end_stream();
  auto result = client.wait_run_result();
  REQUIRE(result);
  CHECK(*result == error::agent_disconnected);
  CHECK(agent.seen().subscribes.size() == 1);
  CHECK(client.count_notes("disconnected:" + make_error_code(error::stream_ended).message()) == 1);
  CHECK(client->metrics().pending_updates == 1);  // never acknowledged
}

TEST_CASE("executor update made while disconnected is kept and reaches the agent",
          "[client][executor]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  fake_agent agent;
  recording_executor client(executor_config_from(agent.environment(true), content));
  REQUIRE(client.wait_note("subscribed"));
  agent.set_reconnect_ready(false);  // 503 to everything
  agent.end_stream();
  REQUIRE(eventually([&] { return !client->is_subscribed(); }));

  auto r = client.update(task_status("t1", mesos::v1::TASK_RUNNING));
  REQUIRE(r);
  CHECK(r->first == error::not_subscribed);
  CHECK(r->second.message().find("kept") != std::string::npos);
  CHECK(client->metrics().pending_updates == 1);
  auto m = client.message("lost");
  REQUIRE(m);
  CHECK(m->first == error::not_subscribed);

  REQUIRE(agent.wait([](const auto& s) {
    for (const auto& req : s.requests) {
      if (req.status == 503) return true;
    }
    return false;
  }));
  agent.set_reconnect_ready(true);
  REQUIRE(client.wait_note("subscribed", 2));
  // In the SUBSCRIBE, or right after SUBSCRIBED if that SUBSCRIBE had left
  // before the update was made.
  REQUIRE(agent.wait([](const auto& s) {
    for (const auto& u : s.updates) {
      if (u.update().status().task_id().value() == "t1") return true;
    }
    for (const auto& sub : s.subscribes) {
      for (const auto& u : sub.subscribe().unacknowledged_updates()) {
        if (u.status().task_id().value() == "t1") return true;
      }
    }
    return false;
  }));
  REQUIRE(client.wait_note("acknowledged:t1"));
  REQUIRE(eventually([&] { return client->metrics().pending_updates == 0; }));
  CHECK(agent.seen().messages.empty());
}

TEST_CASE("executor gives up after the recovery timeout", "[client][executor]") {
  fake_agent agent;
  recording_executor client(
      executor_config_from(agent.environment(true, "300ms", "20ms"), content_type::protobuf));
  REQUIRE(client.wait_note("subscribed"));
  const auto gone = std::chrono::steady_clock::now();
  agent.go_away();
  auto result = client.wait_run_result();
  REQUIRE(result);
  CHECK(*result == error::recovery_timeout);
  CHECK(std::chrono::steady_clock::now() - gone >= std::chrono::milliseconds(300));
  const auto m = client->metrics();
  CHECK(m.failed_attempts >= 1);
  CHECK(m.subscriptions == 1);
  CHECK(client->last_error().message().find("recovery timeout") != std::string::npos);
}

TEST_CASE("executor reads events however the stream is chunked", "[client][executor]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  fake_agent agent;
  recording_executor client(executor_config_from(agent.environment(true), content));
  REQUIRE(client.wait_note("subscribed"));
  std::string records;
  diagnostics diag;
  const codec c(content);
  std::vector<std::string> sent;
  for (int i = 0; i < 12; ++i) {
    sent.push_back("m" + std::to_string(i) + std::string(static_cast<std::size_t>(i * 7), 'x'));
    REQUIRE_FALSE(c.encode_record(events::message(sent.back()), records, diag));
  }
  REQUIRE_FALSE(c.encode_record(events::heartbeat(), records, diag));
  // Chunks of 1, 2, 3, ... bytes: boundaries land everywhere in the
  // length lines and the data.
  std::vector<std::string> chunks;
  for (std::size_t at = 0, n = 1; at < records.size(); at += n, n = n % 9 + 1) {
    chunks.push_back(records.substr(at, n));
  }
  agent.push_chunks(chunks);
  REQUIRE(client.wait_note("heartbeat"));
  for (const auto& data : sent) CHECK(client.count_notes("message:" + data) == 1);
}

TEST_CASE("executor refuses a record above max_record_size", "[client][executor]") {
  fake_agent agent;
  auto config = executor_config_from(agent.environment(false), content_type::protobuf);
  config.max_record_size = 256;
  recording_executor client(config);
  REQUIRE(client.wait_note("subscribed"));
  agent.push(events::message(std::string(1000, 'x')));
  auto result = client.wait_run_result();
  REQUIRE(result);
  CHECK(*result == error::agent_disconnected);
  const auto reasons = client.disconnect_reasons();
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0] == error::recordio_record_too_large);
  CHECK(client.count_notes("message:" + std::string(1000, 'x')) == 0);
}
