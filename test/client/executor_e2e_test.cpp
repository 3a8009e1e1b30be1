// End to end: mesos_http::scheduler against the simulated master in exec
// mode, which starts the command_executor example (mesos_http::executor) as
// a real process and talks to it over the agent's /api/v1/executor.
#include "sim/exec_support.hpp"
#include "scheduler_client_support.hpp"

#include <mesos_http/scheduler_calls.hpp>

#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include <map>
#include <set>

using namespace mesos_http;
using mesos_http::test::recording_client;
using mesos_http::test::sim_fixture::running_master;
namespace v1 = mesos::v1;
namespace sched = mesos::v1::scheduler;

namespace {

std::string executor_program() { return MESOS_HTTP_COMMAND_EXECUTOR; }

sim::master_config exec_master() {
  auto config = test::sim_fixture::exec_config();
  config.cluster.executor_shutdown_grace = std::chrono::seconds(2);
  v1::CommandInfo default_executor;
  default_executor.set_value(executor_program());
  default_executor.set_shell(false);
  default_executor.add_arguments(executor_program());
  config.cluster.default_executor = default_executor;
  return config;
}

scheduler_config framework(content_type content) {
  auto config = test::client_config({}, content);
  config.framework.set_checkpoint(true);  // executors survive an agent restart
  config.auto_acknowledge = true;
  return config;
}

v1::ExecutorInfo executor_info(const std::string& id, v1::ExecutorInfo::Type type) {
  v1::ExecutorInfo info;
  info.set_type(type);
  info.mutable_executor_id()->set_value(id);
  if (type == v1::ExecutorInfo::CUSTOM) {
    info.mutable_command()->set_value(executor_program());
    info.mutable_command()->set_shell(false);
    info.mutable_command()->add_arguments(executor_program());
  }
  *info.add_resources() = calls::scalar_resource("cpus", 0.1);
  *info.add_resources() = calls::scalar_resource("mem", 32);
  *info.add_resources() = calls::scalar_resource("disk", 32);
  return info;
}

v1::TaskInfo task(const std::string& id, const v1::Offer& offer, const std::string& command) {
  v1::TaskInfo t;
  t.set_name(id);
  t.mutable_task_id()->set_value(id);
  *t.mutable_agent_id() = offer.agent_id();
  *t.add_resources() = calls::scalar_resource("cpus", 0.1);
  *t.add_resources() = calls::scalar_resource("mem", 32);
  t.mutable_command()->set_value(command);
  return t;
}

v1::Offer::Operation launch_on(const v1::ExecutorInfo& executor, std::vector<v1::TaskInfo> tasks) {
  v1::Offer::Operation op;
  op.set_type(v1::Offer::Operation::LAUNCH);
  for (auto& t : tasks) {
    // A task names a command or an executor, not both: the command_executor
    // reads its command from the task's data.
    t.set_data(t.command().value());
    t.clear_command();
    *t.mutable_executor() = executor;
    *op.mutable_launch()->add_task_infos() = std::move(t);
  }
  return op;
}

// The updates of `task_id`, in order, as the scheduler heard them.
std::vector<v1::TaskState> states_of(recording_client& client, const std::string& task_id) {
  std::vector<v1::TaskState> out;
  for (const auto& e : client.events_copy()) {
    if (e.type() == sched::Event::UPDATE && e.update().status().task_id().value() == task_id) {
      out.push_back(e.update().status().state());
    }
  }
  return out;
}

bool reached(recording_client& client, const std::string& task_id, v1::TaskState state) {
  return client.wait([&] {
    for (const auto& e : client.events_) {
      if (e.type() == sched::Event::UPDATE && e.update().status().task_id().value() == task_id &&
          e.update().status().state() == state) {
        return true;
      }
    }
    return false;
  });
}

// The last update of `task_id` in `state`.
v1::TaskStatus status_of(recording_client& client, const std::string& task_id,
                         v1::TaskState state) {
  v1::TaskStatus found;
  for (const auto& e : client.events_copy()) {
    const auto& status = e.update().status();
    if (e.type() == sched::Event::UPDATE && status.task_id().value() == task_id &&
        status.state() == state) {
      found = status;
    }
  }
  return found;
}

// The command's pid, from the command_executor's TASK_RUNNING message
// ("Command started with pid N").
int command_pid(recording_client& client, const std::string& task_id) {
  const std::string message = status_of(client, task_id, v1::TASK_RUNNING).message();
  auto at = message.rfind(' ');
  return at == std::string::npos ? 0 : std::atoi(message.c_str() + at + 1);
}

bool gone(int pid) {
  for (int i = 0; i < 200; ++i) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct cluster_and_framework {
  running_master master;
  recording_client client;
  v1::Offer offer;

  explicit cluster_and_framework(content_type content,
                                 sim::master_config config = exec_master())
      : master(std::move(config)),
        client([&] {
          auto config = framework(content);
          config.masters = {"http://127.0.0.1:" + std::to_string(master.port())};
          return config;
        }()) {
    REQUIRE(client.wait_events(sched::Event::OFFERS, 1));
    offer = client.last(sched::Event::OFFERS).offers().offers(0);
  }

  void accept(std::vector<v1::Offer::Operation> ops) {
    auto [ec, diag] = client.call(calls::accept(offer, std::move(ops)));
    INFO(diag.to_string());
    REQUIRE_FALSE(ec);
  }
};

}  // namespace

TEST_CASE("a custom executor runs tasks, exchanges messages, kills and shuts down",
          "[client][executor][e2e]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  cluster_and_framework c(content);
  auto executor = executor_info("e1", v1::ExecutorInfo::CUSTOM);
  auto stubborn = task("t4", c.offer, "trap '' TERM; sleep 30");
  stubborn.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(300'000'000);
  c.accept({launch_on(executor, {task("t1", c.offer, "echo one"),
                                 task("t2", c.offer, "sleep 0.2; echo two"),
                                 task("t3", c.offer, "exec sleep 30"), stubborn})});

  REQUIRE(reached(c.client, "t1", v1::TASK_FINISHED));
  REQUIRE(reached(c.client, "t2", v1::TASK_FINISHED));
  CHECK(states_of(c.client, "t1") ==
        std::vector<v1::TaskState>{v1::TASK_STARTING, v1::TASK_RUNNING, v1::TASK_FINISHED});
  CHECK(c.client.last(sched::Event::UPDATE).update().status().executor_id().value() == "e1");

  // Messages both ways: the executor answers "echo:<data>".
  REQUIRE_FALSE(c.client.call(calls::message(c.offer.agent_id(), executor.executor_id(), "hi")).first);
  REQUIRE(c.client.wait_events(sched::Event::MESSAGE, 1));
  CHECK(c.client.last(sched::Event::MESSAGE).message().data() == "echo:hi");

  // KILL reaches the executor, which kills the command.
  REQUIRE(reached(c.client, "t3", v1::TASK_RUNNING));
  v1::TaskID t3;
  t3.set_value("t3");
  REQUIRE_FALSE(c.client.call(calls::kill(t3)).first);
  REQUIRE(reached(c.client, "t3", v1::TASK_KILLED));
  CHECK(gone(command_pid(c.client, "t3")));

  // A command that ignores SIGTERM is SIGKILLed once its grace period ends.
  REQUIRE(reached(c.client, "t4", v1::TASK_RUNNING));
  v1::TaskID t4;
  t4.set_value("t4");
  const auto asked = std::chrono::steady_clock::now();
  REQUIRE_FALSE(c.client.call(calls::kill(t4)).first);
  REQUIRE(reached(c.client, "t4", v1::TASK_KILLED));
  CHECK(std::chrono::steady_clock::now() - asked >= std::chrono::milliseconds(300));
  CHECK(status_of(c.client, "t4", v1::TASK_KILLED).message().find("signal Killed") !=
        std::string::npos);
  CHECK(gone(command_pid(c.client, "t4")));

  // SHUTDOWN: the executor exits and FAILURE names it; no process is left.
  REQUIRE_FALSE(c.client.call(calls::shutdown(executor.executor_id(), c.offer.agent_id())).first);
  REQUIRE(c.client.wait_events(sched::Event::FAILURE, 1));
  CHECK(c.client.last(sched::Event::FAILURE).failure().executor_id().value() == "e1");
  // Exit status 0: it left within the grace period, after the agent had
  // acknowledged every update (command_executor waits for that).
  CHECK(c.client.last(sched::Event::FAILURE).failure().status() == 0);
  CHECK(c.master->task_processes().empty());
}

TEST_CASE("a task group runs on the default executor", "[client][executor][e2e]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  cluster_and_framework c(content);
  v1::Offer::Operation op;
  op.set_type(v1::Offer::Operation::LAUNCH_GROUP);
  *op.mutable_launch_group()->mutable_executor() =
      executor_info("group", v1::ExecutorInfo::DEFAULT);
  for (std::string id : {"g1", "g2"}) {
    *op.mutable_launch_group()->mutable_task_group()->add_tasks() = task(id, c.offer, "true");
  }
  c.accept({op});
  REQUIRE(reached(c.client, "g1", v1::TASK_FINISHED));
  REQUIRE(reached(c.client, "g2", v1::TASK_FINISHED));
}

TEST_CASE("an agent restart loses and duplicates no status update", "[client][executor][e2e]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  cluster_and_framework c(content);
  auto executor = executor_info("e1", v1::ExecutorInfo::CUSTOM);
  c.accept({launch_on(executor, {task("t1", c.offer, "sleep 0.3")})});
  REQUIRE(reached(c.client, "t1", v1::TASK_RUNNING));

  // The task ends while the agent is down: the executor keeps the update
  // and re-sends it when it subscribes again.
  const auto restarted = std::chrono::steady_clock::now();
  REQUIRE(c.master->restart_agent(c.offer.agent_id().value(), std::chrono::milliseconds(800)));
  REQUIRE(reached(c.client, "t1", v1::TASK_FINISHED));
  // It could only come through once the agent was back.
  CHECK(std::chrono::steady_clock::now() - restarted >= std::chrono::milliseconds(800));
  std::map<v1::TaskState, int> seen;
  for (auto state : states_of(c.client, "t1")) ++seen[state];
  CHECK(seen == std::map<v1::TaskState, int>{
                    {v1::TASK_STARTING, 1}, {v1::TASK_RUNNING, 1}, {v1::TASK_FINISHED, 1}});
  CHECK_FALSE(c.master->restart_agent("no-such-agent", std::chrono::milliseconds(1)));
}

TEST_CASE("an executor that cannot reach its agent within the recovery timeout gives up",
          "[client][executor][e2e]") {
  auto config = exec_master();
  config.cluster.executor_recovery_timeout = std::chrono::milliseconds(300);
  cluster_and_framework c(content_type::protobuf, config);
  c.accept({launch_on(executor_info("e1", v1::ExecutorInfo::CUSTOM),
                      {task("t1", c.offer, "exec sleep 30")})});
  REQUIRE(reached(c.client, "t1", v1::TASK_RUNNING));
  const int pid = command_pid(c.client, "t1");

  REQUIRE(c.master->restart_agent(c.offer.agent_id().value(), std::chrono::seconds(5)));
  // The executor kills its task and exits with an error; the agent reports
  // the task lost with its executor.
  REQUIRE(reached(c.client, "t1", v1::TASK_FAILED));
  CHECK(status_of(c.client, "t1", v1::TASK_FAILED).reason() ==
        v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
  REQUIRE(c.client.wait_events(sched::Event::FAILURE, 1));
  CHECK(c.client.last(sched::Event::FAILURE).failure().status() != 0);
  CHECK(gone(pid));
  CHECK(c.master->task_processes().empty());
}

TEST_CASE("an executor that crashes takes its live tasks with it", "[client][executor][e2e]") {
  cluster_and_framework c(content_type::json);
  c.accept({launch_on(executor_info("e1", v1::ExecutorInfo::CUSTOM),
                      {task("t1", c.offer, "exec sleep 30")})});
  REQUIRE(reached(c.client, "t1", v1::TASK_RUNNING));
  const int command = command_pid(c.client, "t1");

  // The only process the agent started is the executor: crash it.
  auto executors = c.master->task_processes();
  REQUIRE(executors.size() == 1);
  REQUIRE(::kill(executors[0], SIGKILL) == 0);
  REQUIRE(reached(c.client, "t1", v1::TASK_FAILED));
  auto failed = status_of(c.client, "t1", v1::TASK_FAILED);
  CHECK(failed.reason() == v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
  CHECK(failed.source() == v1::TaskStatus::SOURCE_AGENT);
  REQUIRE(c.client.wait_events(sched::Event::FAILURE, 1));
  CHECK(c.client.last(sched::Event::FAILURE).failure().status() == SIGKILL);
  // Its command outlives it (a real agent's container would not let it, and
  // neither does the simulator's own kill): the test cleans up.
  CHECK(::kill(-command, SIGKILL) == 0);
}
