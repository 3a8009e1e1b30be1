// mesos_http::executor against a fake agent over loopback: subscription,
// events to their callbacks, updates and their acknowledgement, messages,
// KILL / SHUTDOWN / ERROR, authentication, the Unix socket, the blocking
// run() and calls from many threads.
#include "executor_client_support.hpp"

#include <boost/asio/thread_pool.hpp>

#include <set>

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

bool pending_is(recording_executor& e, std::uint64_t updates, std::uint64_t tasks) {
  auto m = e->metrics();
  return m.pending_updates == updates && m.unacknowledged_tasks == tasks;
}

}  // namespace

TEST_CASE("executor subscribes and runs a task whose update is acknowledged",
          "[client][executor]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  fake_agent agent({std::string("jwt-secret")});
  const auto env = agent.environment(true);
  auto config = executor_config_from(env, content);
  REQUIRE(config.agent.target == "/slave(1)/api/v1/executor");
  recording_executor client(config, [](executor_handlers& on, recording_executor& self) {
    on.launch = [&self](const exec::Event::Launch& launch) {
      self.note("launch:" + launch.task().task_id().value());
      self->send_update(task_status(launch.task().task_id().value(), mesos::v1::TASK_RUNNING));
    };
  });

  REQUIRE(client.wait_note("subscribed"));
  CHECK(client.count_notes("connected") == 1);
  REQUIRE(client->is_subscribed());
  auto info = client->subscribed_info();
  REQUIRE(info);
  CHECK(info->container_id().value() == test::agent_container);
  auto seen = agent.seen();
  REQUIRE(seen.subscribes.size() == 1);
  CHECK(seen.subscribes[0].subscribe().unacknowledged_tasks_size() == 0);
  CHECK(seen.subscribes[0].subscribe().unacknowledged_updates_size() == 0);

  agent.push(events::launch(task_info("t1")));
  REQUIRE(client.wait_note("launch:t1"));
  REQUIRE(agent.wait([](const auto& r) { return r.updates.size() == 1; }));
  REQUIRE(client.wait_note("acknowledged:t1"));
  REQUIRE(eventually([&] { return pending_is(client, 0, 0); }));

  const auto status = agent.seen().updates[0].update().status();
  CHECK(status.task_id().value() == "t1");
  CHECK(status.state() == mesos::v1::TASK_RUNNING);
  CHECK(status.source() == mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(status.executor_id().value() == test::agent_ex);
  CHECK(status.uuid().size() == 16);
  CHECK(status.has_timestamp());

  // A group of two: both tasks count as unacknowledged until updated.
  mesos::v1::TaskGroupInfo group;
  *group.add_tasks() = task_info("g1");
  *group.add_tasks() = task_info("g2");
  agent.push(events::launch_group(group));
  agent.push(events::heartbeat());
  REQUIRE(client.wait_note("heartbeat"));
  CHECK(client.count_notes("launch_group:2") == 1);
  CHECK(client->metrics().unacknowledged_tasks == 2);
  for (const char* id : {"g1", "g2"}) {
    auto r = client.update(task_status(id, mesos::v1::TASK_RUNNING));
    REQUIRE(r);
    CHECK_FALSE(r->first);
  }
  REQUIRE(eventually([&] { return pending_is(client, 0, 0); }));

  // Every request went to the agent's path with the bearer token.
  const std::string bearer = "Bearer " + env.at("MESOS_EXECUTOR_AUTHENTICATION_TOKEN");
  seen = agent.seen();
  REQUIRE(seen.requests.size() == 4);  // SUBSCRIBE and three UPDATEs
  for (const auto& r : seen.requests) {
    CHECK(r.target == "/slave(1)/api/v1/executor");
    CHECK(r.authorization == bearer);
  }
  auto m = client->metrics();
  CHECK(m.calls_by_type["SUBSCRIBE"] == 1);
  CHECK(m.calls_by_type["UPDATE"] == 3);
  CHECK(m.events_by_type["SUBSCRIBED"] == 1);
  CHECK(m.events_by_type["ACKNOWLEDGED"] == 3);
  CHECK(m.updates_acknowledged == 3);
  CHECK(m.subscriptions == 1);
  CHECK(m.reconnects == 0);
  CHECK(m.bytes_received > 0);
  CHECK(m.bytes_sent > 0);
}

TEST_CASE("executor messages go both ways", "[client][executor]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  fake_agent agent;
  recording_executor client(executor_config_from(agent.environment(false), content));
  REQUIRE(client.wait_note("subscribed"));

  const std::string from_scheduler("hi\0there\xff", 10);
  agent.push(events::message(from_scheduler));
  REQUIRE(client.wait_note("message:" + from_scheduler));

  const std::string to_scheduler("pong\0\x01", 6);
  auto r = client.message(to_scheduler);
  REQUIRE(r);
  INFO(r->second.message());
  CHECK_FALSE(r->first);
  auto seen = agent.seen();
  REQUIRE(seen.messages.size() == 1);
  CHECK(seen.messages[0] == to_scheduler);
  CHECK(client->metrics().calls_by_type["MESSAGE"] == 1);
}

TEST_CASE("executor KILL and SHUTDOWN reach their callbacks and the closed stream ends the run",
          "[client][executor]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  fake_agent agent;
  recording_executor client(executor_config_from(agent.environment(true), content));
  REQUIRE(client.wait_note("subscribed"));
  agent.push(events::launch(task_info("t1")));
  REQUIRE(client.wait_note("launch:t1"));
  mesos::v1::TaskID id;
  id.set_value("t1");
  agent.push(events::kill(id));
  REQUIRE(client.wait_note("kill:t1"));
  auto r = client.update(task_status("t1", mesos::v1::TASK_KILLED));
  REQUIRE(r);
  CHECK_FALSE(r->first);

  agent.push(events::shutdown());
  REQUIRE(client.wait_note("shutdown"));
  // Still connected after SHUTDOWN: terminal updates go out.
  CHECK(client->is_subscribed());
  agent.end_stream();
  auto result = client.wait_run_result();
  REQUIRE(result);
  CHECK(*result == error::executor_shutdown);
  CHECK(client.count_notes("disconnected:" + make_error_code(error::stream_ended).message()) == 1);
  CHECK(agent.seen().subscribes.size() == 1);  // no resubscription after SHUTDOWN
}

TEST_CASE("executor after SHUTDOWN ends with the grace period or with stop()",
          "[client][executor]") {
  fake_agent agent;
  auto config = executor_config_from(agent.environment(true), content_type::protobuf);
  const bool stop_early = GENERATE(false, true);
  config.shutdown_grace_period =
      stop_early ? std::chrono::minutes(5) : std::chrono::milliseconds(200);
  recording_executor client(config);
  REQUIRE(client.wait_note("subscribed"));
  agent.push(events::shutdown());
  REQUIRE(client.wait_note("shutdown"));
  if (stop_early) client->stop();
  auto result = client.wait_run_result();
  REQUIRE(result);
  CHECK(*result == (stop_early ? error::stopped : error::executor_shutdown));
  // A call after the end: nothing is kept.
  auto r = client.update(task_status("t1", mesos::v1::TASK_KILLED));
  REQUIRE(r);
  CHECK(r->first == error::stopped);
}

TEST_CASE("executor ERROR event ends the run with framework_error", "[client][executor]") {
  fake_agent agent;
  recording_executor client(executor_config_from(agent.environment(true), content_type::json));
  REQUIRE(client.wait_note("subscribed"));
  agent.push(events::error("executor is bad"));
  auto result = client.wait_run_result();
  REQUIRE(result);
  CHECK(*result == error::framework_error);
  CHECK(client.count_notes("error:executor is bad") == 1);
  CHECK(client->last_error().message().find("executor is bad") != std::string::npos);
}

TEST_CASE("executor with a wrong token is refused for good (401)", "[client][executor]") {
  fake_agent agent({std::string("jwt-secret")});
  auto env = agent.environment(true);
  env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] = sim::make_executor_token(
      "other-secret", test::agent_fw, test::agent_ex, test::agent_container);
  recording_executor client(executor_config_from(env, content_type::protobuf));
  auto result = client.wait_run_result();
  REQUIRE(result);
  CHECK(*result == error::unauthorized);
  CHECK(client->last_error().http_status() == 401u);
  CHECK(agent.seen().subscribes.empty());
  CHECK(client.count_notes("connected") == 0);
}

TEST_CASE("executor talks to the agent over its Unix socket", "[client][executor]") {
  fake_agent::options o;
  o.unix_socket = true;
  fake_agent agent(o);
  const auto env = agent.environment(true);
  REQUIRE(env.count("MESOS_AGENT_ENDPOINT") == 0);
  recording_executor client(executor_config_from(env, content_type::protobuf));
  REQUIRE(client.wait_note("subscribed"));
  agent.push(events::launch(task_info("t1")));
  REQUIRE(client.wait_note("launch:t1"));
  auto r = client.update(task_status("t1", mesos::v1::TASK_RUNNING));
  REQUIRE(r);
  INFO(r->second.message());
  CHECK_FALSE(r->first);
  REQUIRE(client.wait_note("acknowledged:t1"));
  for (const auto& request : agent.seen().requests) CHECK(request.target == "/api/v1/executor");
}

TEST_CASE("executor run() blocks on a private loop until stop()", "[client][executor]") {
  fake_agent agent;
  std::promise<void> subscribed;
  executor_handlers on;
  on.subscribed = [&subscribed](const auto&) { subscribed.set_value(); };
  executor e(executor_config_from(agent.environment(false), content_type::json), on);
  auto done = std::async(std::launch::async, [&e] { return e.run(); });
  REQUIRE(subscribed.get_future().wait_for(test::executor_patience) == std::future_status::ready);
  CHECK(e.is_subscribed());
  e.stop();
  REQUIRE(done.wait_for(test::executor_patience) == std::future_status::ready);
  CHECK(done.get() == error::stopped);
}

TEST_CASE("executor calls outside async_run fail with stopped", "[client][executor]") {
  fake_agent agent;
  boost::asio::thread_pool pool(1);
  executor e(pool.get_executor(), executor_config_from(agent.environment(true), content_type::json),
             {});
  // (Plain callbacks: use_future's exception_ptr between threads trips TSan
  // through libstdc++'s uninstrumented reference count.)
  std::promise<boost::system::error_code> update, message;
  e.async_update(task_status("t1", mesos::v1::TASK_RUNNING),
                 [&update](boost::system::error_code ec, diagnostics) { update.set_value(ec); });
  e.async_message("x",
                  [&message](boost::system::error_code ec, diagnostics) { message.set_value(ec); });
  for (auto* p : {&update, &message}) {
    auto f = p->get_future();
    REQUIRE(f.wait_for(test::executor_patience) == std::future_status::ready);
    CHECK(f.get() == error::stopped);
  }
  CHECK(e.metrics().pending_updates == 0);
  CHECK(agent.seen().requests.empty());
  pool.join();
}

TEST_CASE("executor calls from several threads at once", "[client][executor]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  fake_agent agent;
  recording_executor client(executor_config_from(agent.environment(true), content));
  REQUIRE(client.wait_note("subscribed"));
  constexpr int threads = 4, per_thread = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto u = client.update(task_status(id, mesos::v1::TASK_RUNNING));
        auto m = client.message(id);
        (void)client->metrics();
        (void)client->is_subscribed();
        if (!u || u->first || !m || m->first) ++failures;
      }
    });
  }
  for (auto& w : workers) w.join();
  CHECK(failures == 0);
  REQUIRE(agent.wait([&](const auto& r) {
    return r.updates.size() == threads * per_thread && r.messages.size() == threads * per_thread;
  }));
  std::set<std::string> uuids;
  for (const auto& u : agent.seen().updates) uuids.insert(u.update().status().uuid());
  CHECK(uuids.size() == threads * per_thread);
  REQUIRE(eventually([&] { return pending_is(client, 0, 0); }));
  CHECK(client->metrics().updates_acknowledged == threads * per_thread);
}

TEST_CASE("executor sends HEARTBEAT calls at the configured interval", "[client][executor]") {
  fake_agent agent;
  auto config = executor_config_from(agent.environment(true), content_type::protobuf);
  config.heartbeat_interval = std::chrono::milliseconds(20);
  recording_executor client(config);
  REQUIRE(client.wait_note("subscribed"));
  REQUIRE(agent.wait([](const auto& s) {
    int n = 0;
    for (const auto& r : s.requests) n += r.call.type() == exec::Call::HEARTBEAT && r.status == 202;
    return n >= 2;
  }));
  auto m = client->metrics();
  CHECK(m.heartbeats_sent >= 2);
  CHECK(m.calls_by_type["HEARTBEAT"] == m.heartbeats_sent);
}
