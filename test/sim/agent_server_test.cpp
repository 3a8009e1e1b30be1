// sim::agent_server over real loopback sockets: a raw HTTP executor talks to
// the simulated agent's /api/v1/executor, in both content types.
#include "support/raw_http.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/sim/agent_server.hpp>
#include <mesos_http/sim/executor_events.hpp>

#include <mesos/v1/executor/executor.pb.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace exec = mesos::v1::executor;
namespace sim = mesos_http::sim;
using mesos_http::codec;
using mesos_http::content_type;
using mesos_http::test::raw_connection;
using mesos_http::test::raw_response;

const std::string fw = "0d2a7f55-6b1e-4c39-9a8e-3f1b2c4d5e6f-0000";
const std::string ex = "executor-a";
const std::string container = "8b0c4d2e-1f3a-4b5c-9d6e-7f8a9b0c1d2e";

// What the handlers saw, for the test thread to wait on.
struct seen {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<exec::Call> subscribes;
  std::vector<mesos::v1::TaskStatus> updates;
  std::vector<std::string> messages;
  std::vector<bool> subscribed_sent;
  std::vector<std::string> update_ids;

  bool wait_for(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), done);
  }
};

// An agent server on its own I/O thread. The subscribe handler answers with
// SUBSCRIBED (carrying the executor id), as an agent does.
struct fixture {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  seen log;
  std::unique_ptr<sim::agent_server> server;
  std::thread thread;

  fixture() {
    sim::agent_server_config config;
    config.on_subscribe = [this](const std::string& f, const std::string& e,
                                 const exec::Call& call) {
      mesos::v1::ExecutorInfo info;
      info.mutable_executor_id()->set_value(e);
      mesos::v1::FrameworkInfo framework;
      framework.set_user("root");
      framework.set_name("test");
      framework.mutable_id()->set_value(f);
      mesos::v1::AgentInfo agent;
      agent.set_hostname("localhost");
      mesos::v1::ContainerID cid;
      cid.set_value(container);
      // Catch2 assertions are not thread-safe: record, the test checks.
      const bool sent =
          server->send(f, e, sim::executor_events::subscribed(info, framework, agent, cid));
      std::lock_guard<std::mutex> lock(log.mutex);
      log.subscribed_sent.push_back(sent);
      log.subscribes.push_back(call);
      log.changed.notify_all();
    };
    config.on_update = [this](const std::string& f, const std::string& e,
                              const mesos::v1::TaskStatus& status) {
      std::lock_guard<std::mutex> lock(log.mutex);
      log.update_ids.push_back(f + "/" + e);
      log.updates.push_back(status);
      log.changed.notify_all();
    };
    config.on_message = [this](const std::string&, const std::string&, const std::string& data) {
      std::lock_guard<std::mutex> lock(log.mutex);
      log.messages.push_back(data);
      log.changed.notify_all();
    };
    server = std::make_unique<sim::agent_server>(io.get_executor(), std::move(config));
    REQUIRE_FALSE(server->start());
    REQUIRE(server->port() != 0);
    server->expect_executor(fw, ex, container);
    thread = std::thread([this] { io.run(); });
  }

  ~fixture() {
    server->stop();
    work.reset();
    thread.join();
  }
};

exec::Call make_call(exec::Call::Type type, const std::string& framework = fw,
                     const std::string& executor = ex) {
  exec::Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(framework);
  call.mutable_executor_id()->set_value(executor);
  if (type == exec::Call::SUBSCRIBE) call.mutable_subscribe();
  return call;
}

exec::Call update_call(const std::string& task, const std::string& uuid) {
  auto call = make_call(exec::Call::UPDATE);
  auto* status = call.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value(task);
  status->set_state(mesos::v1::TASK_RUNNING);
  status->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  status->set_uuid(uuid);
  status->mutable_executor_id()->set_value(ex);
  return call;
}

std::string post(const exec::Call& call, content_type type,
                 const std::string& target = "/api/v1/executor") {
  std::string body;
  mesos_http::diagnostics diag;
  if (codec(type).encode(call, body, diag)) FAIL("cannot encode call: " << diag.to_string());
  const std::string media(mesos_http::media_type(type));
  return mesos_http::test::scheduler_post(body, media, {{"Accept", media}}, target);
}

exec::Event decode(const std::optional<std::string>& record, content_type type) {
  REQUIRE(record);
  exec::Event event;
  mesos_http::diagnostics diag;
  auto ec = codec(type).decode(*record, event, diag);
  INFO(diag.to_string());
  REQUIRE_FALSE(ec);
  return event;
}

// Opens a stream and reads its SUBSCRIBED event.
void subscribe(raw_connection& c, content_type type,
               const std::string& target = "/api/v1/executor") {
  c.send(post(make_call(exec::Call::SUBSCRIBE), type, target));
  raw_response head = c.read_header();
  REQUIRE(head.status == 200);
  CHECK(head.header("content-type") == std::string(mesos_http::media_type(type)));
  CHECK(head.header("transfer-encoding") == "chunked");
  CHECK(head.header("mesos-stream-id").empty());
  CHECK(head.header("content-length").empty());
  auto event = decode(c.next_record(), type);
  REQUIRE(event.type() == exec::Event::SUBSCRIBED);
  CHECK(event.subscribed().executor_info().executor_id().value() == ex);
  CHECK(event.subscribed().framework_info().id().value() == fw);
}

// The stream ends with its terminating chunk, then the server closes the
// connection: EOF comes at once, well before the client's read timeout.
void expect_stream_end(raw_connection& c) {
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(c.next_record());
  CHECK(c.saw_last_chunk());
  CHECK_FALSE(c.next_record());
  CHECK(c.eof());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

const auto both_types = {content_type::json, content_type::protobuf};

}  // namespace

TEST_CASE("agent_server: SUBSCRIBE opens a chunked stream in the negotiated type",
          "[agent_server]") {
  const auto type = GENERATE(values(both_types));
  const std::string target =
      GENERATE(as<std::string>{}, "/api/v1/executor", "/slave(1)/api/v1/executor");
  fixture f;
  CHECK(f.server->executor_state(fw, ex) == sim::executor_status::registering);
  CHECK_FALSE(f.server->send(fw, ex, sim::executor_events::heartbeat()));

  raw_connection stream(f.server->port());
  subscribe(stream, type, target);
  CHECK(f.server->streaming(fw, ex));
  CHECK(f.server->executor_state(fw, ex) == sim::executor_status::running);
  REQUIRE(f.log.wait_for([&] { return f.log.subscribes.size() == 1; }));
  CHECK(f.log.subscribes[0].framework_id().value() == fw);
  CHECK(f.log.subscribed_sent == std::vector<bool>{true});

  CHECK(f.server->send(fw, ex, sim::executor_events::heartbeat()));
  CHECK(decode(stream.next_record(), type).type() == exec::Event::HEARTBEAT);
}

TEST_CASE("agent_server: SUBSCRIBE hands over the unacknowledged state", "[agent_server]") {
  const auto type = GENERATE(values(both_types));
  fixture f;
  auto call = make_call(exec::Call::SUBSCRIBE);
  *call.mutable_subscribe()->add_unacknowledged_updates() =
      update_call("t1", "4567456745674567").update();
  auto* task = call.mutable_subscribe()->add_unacknowledged_tasks();
  task->set_name("t2");
  task->mutable_task_id()->set_value("t2");
  task->mutable_agent_id()->set_value("agent-1");
  raw_connection stream(f.server->port());
  stream.send(post(call, type));
  REQUIRE(stream.read_header().status == 200);
  REQUIRE(f.log.wait_for([&] { return f.log.subscribes.size() == 1; }));
  const auto& got = f.log.subscribes[0].subscribe();
  REQUIRE(got.unacknowledged_updates_size() == 1);
  CHECK(got.unacknowledged_updates(0).status().uuid() == "4567456745674567");
  REQUIRE(got.unacknowledged_tasks_size() == 1);
  CHECK(got.unacknowledged_tasks(0).task_id().value() == "t2");
}

TEST_CASE("agent_server: UPDATE is 202 and reaches on_update, ACKNOWLEDGED goes back",
          "[agent_server]") {
  const auto type = GENERATE(values(both_types));
  fixture f;
  raw_connection stream(f.server->port());
  subscribe(stream, type);

  const std::string uuid = "0123456789abcdef";
  raw_connection calls(f.server->port());
  calls.send(post(update_call("t1", uuid), type));
  raw_response answer = calls.read_response();
  CHECK(answer.status == 202);
  CHECK(answer.body.empty());
  REQUIRE(f.log.wait_for([&] { return f.log.updates.size() == 1; }));
  CHECK(f.log.update_ids[0] == fw + "/" + ex);
  CHECK(f.log.updates[0].task_id().value() == "t1");
  CHECK(f.log.updates[0].state() == mesos::v1::TASK_RUNNING);
  CHECK(f.log.updates[0].uuid() == uuid);

  mesos::v1::TaskID task;
  task.set_value("t1");
  REQUIRE(f.server->send(fw, ex, sim::executor_events::acknowledged(task, uuid)));
  auto ack = decode(stream.next_record(), type);
  REQUIRE(ack.type() == exec::Event::ACKNOWLEDGED);
  CHECK(ack.acknowledged().uuid() == uuid);

  // The call connection stays usable (keep-alive): HEARTBEAT is 202 too.
  calls.send(post(make_call(exec::Call::HEARTBEAT, "unused", "unused"), type));
  CHECK(calls.read_response().status == 202);
}

TEST_CASE("agent_server: MESSAGE both ways", "[agent_server]") {
  const auto type = GENERATE(values(both_types));
  fixture f;
  raw_connection stream(f.server->port());
  subscribe(stream, type);

  auto call = make_call(exec::Call::MESSAGE);
  call.mutable_message()->set_data(std::string("to\0scheduler", 12));
  raw_connection calls(f.server->port());
  calls.send(post(call, type));
  CHECK(calls.read_response().status == 202);
  REQUIRE(f.log.wait_for([&] { return f.log.messages.size() == 1; }));
  CHECK(f.log.messages[0] == std::string("to\0scheduler", 12));

  REQUIRE(f.server->send(fw, ex, sim::executor_events::message("to executor")));
  auto event = decode(stream.next_record(), type);
  REQUIRE(event.type() == exec::Event::MESSAGE);
  CHECK(event.message().data() == "to executor");
}

TEST_CASE("agent_server: the checks' refusals are answered", "[agent_server]") {
  const auto type = GENERATE(values(both_types));
  fixture f;
  raw_connection c(f.server->port());

  c.send(post(make_call(exec::Call::SUBSCRIBE, fw, "nobody"), type));
  raw_response r = c.read_response();
  CHECK(r.status == 400);
  CHECK(r.body == "Executor cannot be found");

  c.send(post(make_call(exec::Call::SUBSCRIBE, "other-framework"), type));
  r = c.read_response();
  CHECK(r.status == 400);
  CHECK(r.body == "Framework cannot be found");

  // Not subscribed yet: only SUBSCRIBE is served.
  c.send(post(update_call("t1", "fedcba9876543210"), type));
  r = c.read_response();
  CHECK(r.status == 403);
  CHECK(r.body == "Executor is not subscribed");

  f.server->set_recovery(false, false);
  c.send(post(make_call(exec::Call::SUBSCRIBE), type));
  CHECK(c.read_response().status == 503);
  f.server->set_recovery(true, false);

  f.server->forget_executor(fw, ex);
  c.send(post(make_call(exec::Call::SUBSCRIBE), type));
  CHECK(c.read_response().status == 400);

  c.send(post(make_call(exec::Call::SUBSCRIBE), type, "/api/v1/scheduler"));
  CHECK(c.read_response().status == 404);

  CHECK(f.log.updates.empty());
  CHECK(f.log.subscribes.empty());
}

TEST_CASE("agent_server: a second SUBSCRIBE closes the first stream", "[agent_server]") {
  const auto type = GENERATE(values(both_types));
  fixture f;
  raw_connection first(f.server->port());
  subscribe(first, type);
  raw_connection second(f.server->port());
  subscribe(second, type);
  expect_stream_end(first);

  REQUIRE(f.server->send(fw, ex, sim::executor_events::heartbeat()));
  CHECK(decode(second.next_record(), type).type() == exec::Event::HEARTBEAT);
  CHECK(f.server->streaming(fw, ex));
}

TEST_CASE("agent_server: close_stream ends the stream, the executor may resubscribe",
          "[agent_server]") {
  const auto type = GENERATE(values(both_types));
  fixture f;
  raw_connection stream(f.server->port());
  subscribe(stream, type);

  REQUIRE(f.server->send(fw, ex, sim::executor_events::message("last")));
  REQUIRE(f.server->close_stream(fw, ex));
  CHECK_FALSE(f.server->close_stream(fw, ex));
  CHECK_FALSE(f.server->streaming(fw, ex));
  CHECK_FALSE(f.server->send(fw, ex, sim::executor_events::heartbeat()));
  CHECK(decode(stream.next_record(), type).type() == exec::Event::MESSAGE);
  expect_stream_end(stream);
  CHECK(stream.saw_last_chunk());

  // Still subscribed as far as the agent is concerned: a new stream works.
  CHECK(f.server->executor_state(fw, ex) == sim::executor_status::running);
  raw_connection again(f.server->port());
  subscribe(again, type);
  CHECK(f.server->streaming(fw, ex));
}

TEST_CASE("agent_server: an executor closing its stream is noticed", "[agent_server]") {
  fixture f;
  {
    raw_connection stream(f.server->port());
    subscribe(stream, content_type::json);
    REQUIRE(f.server->streaming(fw, ex));
  }
  bool gone = false;
  for (int i = 0; i < 1000 && !gone; ++i) {
    gone = !f.server->streaming(fw, ex);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(gone);
}
