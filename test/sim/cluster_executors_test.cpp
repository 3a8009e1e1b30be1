// sim::cluster in exec mode with real executors, time as data and no
// processes: what the agent tells an executor (executor deliveries), what
// the scheduler hears of what the executor reports, and what happens when
// the executor's process ends.
#include "sim/cluster_harness.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <map>

using namespace mesos_http::test;
namespace sim = mesos_http::sim;
namespace exec = mesos::v1::executor;
using sim::process_action;

namespace {

v1::ExecutorInfo custom_executor(const std::string& id) {
  v1::ExecutorInfo info;
  info.set_type(v1::ExecutorInfo::CUSTOM);
  info.mutable_executor_id()->set_value(id);
  info.mutable_command()->set_value("/usr/bin/my-executor");
  *info.add_resources() = scalar("cpus", 0.1);
  *info.add_resources() = scalar("mem", 32);
  *info.add_resources() = scalar("disk", 32);
  return info;
}

v1::TaskInfo executor_task(const std::string& id, const std::string& executor_id) {
  auto task = command_task(id, "", "echo " + id);
  // A task has a command or an executor, never both: the executor's data.
  task.clear_command();
  task.set_data("echo " + id);
  *task.mutable_executor() = custom_executor(executor_id);
  return task;
}

std::string env(const process_action& a, const std::string& name) {
  for (const auto& v : a.command.environment().variables()) {
    if (v.name() == name) return v.value();
  }
  return "<unset>";
}

v1::TaskStatus executor_status(const std::string& task, v1::TaskState state,
                               const std::string& uuid) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value(task);
  status.set_state(state);
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  status.set_uuid(uuid);
  return status;
}

// A framework whose tasks were launched on executor "e1"; the start action
// was taken and the executor's process "runs" as pid 4242.
struct on_executor {
  harness h;
  std::string fw;
  std::string agent;
  process_action start;

  explicit on_executor(std::vector<v1::TaskInfo> tasks) : h(exec_config()) {
    framework_options o;
    fw = h.subscribe(o);
    auto offers = h.offers_for(fw);
    REQUIRE(offers.size() == 1);
    agent = offers[0].agent_id().value();
    v1::Offer::Operation op;
    op.set_type(v1::Offer::Operation::LAUNCH);
    for (auto& task : tasks) {
      task.mutable_agent_id()->set_value(agent);
      *op.mutable_launch()->add_task_infos() = task;
    }
    h.call(accept_call(fw, {offers[0].id().value()}, {op}));
    auto actions = h.cluster.take_process_actions();
    REQUIRE(actions.size() == 1);
    start = actions[0];
    h.cluster.process_started(start.process, 4242, h.now);
  }

  static sim::cluster_config exec_config() {
    auto config = small_config();
    config.exec_tasks = true;
    config.executor_shutdown_grace = 2s;
    return config;
  }

  std::vector<exec::Event> to_executor() {
    std::vector<exec::Event> out;
    for (auto& d : h.cluster.take_executor_deliveries()) {
      CHECK(d.agent_id == agent);
      CHECK(d.framework_id == fw);
      CHECK(d.executor_id == "e1");
      out.push_back(std::move(d.event));
    }
    return out;
  }

  bool subscribe(exec::Call call = {}) {
    return h.cluster.executor_subscribed(agent, fw, "e1", call, h.now);
  }
  void update(const std::string& task, v1::TaskState state, const std::string& uuid) {
    h.cluster.executor_update(agent, fw, "e1", executor_status(task, state, uuid), h.now);
  }
  std::vector<v1::TaskStatus> scheduler_updates() {
    return updates(harness::events(h.take(), fw));
  }
};

}  // namespace

TEST_CASE("real executor: started as a process, its tasks delivered once it subscribed",
          "[sim][cluster][exec]") {
  on_executor e({executor_task("t1", "e1"), executor_task("t2", "e1")});
  CHECK(e.start.executor);
  CHECK(e.start.what == process_action::kind::start);
  CHECK(e.start.executor_id == "e1");
  CHECK(e.start.task_id.empty());
  CHECK(e.start.command.value() == "/usr/bin/my-executor");
  CHECK(env(e.start, "MESOS_HTTP_COMMAND_EXECUTOR") == "0");
  CHECK(env(e.start, "MESOS_CHECKPOINT") == "0");
  CHECK(env(e.start, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD") == "2000ms");
  CHECK(env(e.start, "MESOS_RECOVERY_TIMEOUT") == "900000ms");

  // Nothing moves until the executor subscribes: no scripted progress.
  e.h.run_for(5s);
  CHECK(e.scheduler_updates().empty());
  CHECK(e.to_executor().empty());

  CHECK_FALSE(e.h.cluster.executor_subscribed(e.agent, e.fw, "other", {}, e.h.now));
  REQUIRE(e.subscribe());
  auto events = e.to_executor();
  REQUIRE(events.size() == 3);
  CHECK(events[0].type() == exec::Event::SUBSCRIBED);
  CHECK(events[0].subscribed().executor_info().executor_id().value() == "e1");
  CHECK(events[0].subscribed().framework_info().id().value() == e.fw);
  CHECK(events[0].subscribed().agent_info().id().value() == e.agent);
  CHECK(events[0].subscribed().container_id().value() == e.start.container_id);
  CHECK(events[1].type() == exec::Event::LAUNCH);
  CHECK(events[1].launch().task().task_id().value() == "t1");
  CHECK(events[2].launch().task().task_id().value() == "t2");

  // A second subscription (the executor reconnected) does not launch again.
  REQUIRE(e.subscribe());
  events = e.to_executor();
  REQUIRE(events.size() == 1);
  CHECK(events[0].type() == exec::Event::SUBSCRIBED);
}

TEST_CASE("real executor: each update is acknowledged at once and forwarded once",
          "[sim][cluster][exec]") {
  on_executor e({executor_task("t1", "e1")});
  REQUIRE(e.subscribe());
  e.to_executor();

  e.update("t1", v1::TASK_RUNNING, "uuid-1");
  auto events = e.to_executor();
  REQUIRE(events.size() == 1);
  CHECK(events[0].type() == exec::Event::ACKNOWLEDGED);
  CHECK(events[0].acknowledged().uuid() == "uuid-1");
  auto forwarded = e.scheduler_updates();
  REQUIRE(forwarded.size() == 1);
  CHECK(forwarded[0].state() == v1::TASK_RUNNING);
  CHECK(forwarded[0].uuid() == "uuid-1");  // the scheduler acknowledges the executor's uuid
  CHECK(forwarded[0].agent_id().value() == e.agent);
  CHECK(forwarded[0].executor_id().value() == "e1");
  CHECK(forwarded[0].has_timestamp());

  // A re-send (after a reconnection) is acknowledged again, not forwarded.
  e.update("t1", v1::TASK_RUNNING, "uuid-1");
  CHECK(e.to_executor().size() == 1);
  CHECK(e.scheduler_updates().empty());

  // FINISHED waits behind the unacknowledged RUNNING, as on a real agent.
  e.update("t1", v1::TASK_FINISHED, "uuid-2");
  CHECK(e.scheduler_updates().empty());
  e.h.call(ack_call(e.fw, forwarded[0]));
  forwarded = e.scheduler_updates();
  REQUIRE(forwarded.size() == 1);
  CHECK(forwarded[0].state() == v1::TASK_FINISHED);
  CHECK(forwarded[0].uuid() == "uuid-2");
}

TEST_CASE("real executor: updates left unacknowledged are taken from a re-SUBSCRIBE",
          "[sim][cluster][exec]") {
  on_executor e({executor_task("t1", "e1")});
  REQUIRE(e.subscribe());
  e.update("t1", v1::TASK_RUNNING, "uuid-1");
  e.to_executor();
  auto running = e.scheduler_updates();
  REQUIRE(running.size() == 1);
  e.h.call(ack_call(e.fw, running[0]));

  // The agent restarted before the executor could send FINISHED; the
  // executor lists it (and, lost on the way, the RUNNING ack) in SUBSCRIBE.
  exec::Call call;
  call.set_type(exec::Call::SUBSCRIBE);
  *call.mutable_subscribe()->add_unacknowledged_updates()->mutable_status() =
      executor_status("t1", v1::TASK_RUNNING, "uuid-1");
  *call.mutable_subscribe()->add_unacknowledged_updates()->mutable_status() =
      executor_status("t1", v1::TASK_FINISHED, "uuid-2");
  REQUIRE(e.subscribe(call));
  std::map<std::string, int> acks;
  for (const auto& event : e.to_executor()) {
    if (event.type() == exec::Event::ACKNOWLEDGED) ++acks[event.acknowledged().uuid()];
  }
  CHECK(acks == std::map<std::string, int>{{"uuid-1", 1}, {"uuid-2", 1}});
  auto forwarded = e.scheduler_updates();
  REQUIRE(forwarded.size() == 1);  // FINISHED once; RUNNING was forwarded before
  CHECK(forwarded[0].state() == v1::TASK_FINISHED);
}

TEST_CASE("real executor: KILL, MESSAGE and SHUTDOWN become its events",
          "[sim][cluster][exec]") {
  on_executor e({executor_task("t1", "e1"), executor_task("t2", "e1")});

  // Before it subscribed: a kill ends the task without delivering it, and
  // messages are dropped.
  sched::Call kill = simple_call(e.fw, sched::Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t2");
  e.h.call(kill);
  auto early = e.scheduler_updates();
  REQUIRE(early.size() == 1);
  CHECK(early[0].state() == v1::TASK_KILLED);
  CHECK(early[0].reason() == v1::TaskStatus::REASON_TASK_KILLED_DURING_LAUNCH);
  sched::Call message = simple_call(e.fw, sched::Call::MESSAGE);
  message.mutable_message()->mutable_agent_id()->set_value(e.agent);
  message.mutable_message()->mutable_executor_id()->set_value("e1");
  message.mutable_message()->set_data("early");
  e.h.call(message);
  REQUIRE(e.subscribe());
  auto events = e.to_executor();
  REQUIRE(events.size() == 2);  // SUBSCRIBED, LAUNCH t1 (not t2)
  CHECK(events[1].launch().task().task_id().value() == "t1");

  message.mutable_message()->set_data("hello");
  e.h.call(message);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  kill.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(250000000);
  e.h.call(kill);
  events = e.to_executor();
  REQUIRE(events.size() == 2);
  CHECK(events[0].type() == exec::Event::MESSAGE);
  CHECK(events[0].message().data() == "hello");
  CHECK(events[1].type() == exec::Event::KILL);
  CHECK(events[1].kill().task_id().value() == "t1");
  CHECK(events[1].kill().kill_policy().grace_period().nanoseconds() == 250000000);

  // The executor's own messages reach the scheduler.
  e.h.cluster.executor_message(e.agent, e.fw, "e1", "pong");
  auto heard = harness::events(e.h.take(), e.fw, sched::Event::MESSAGE);
  REQUIRE(heard.size() == 1);
  CHECK(heard[0].message().data() == "pong");
  CHECK(heard[0].message().executor_id().value() == "e1");

  sched::Call shutdown = simple_call(e.fw, sched::Call::SHUTDOWN);
  shutdown.mutable_shutdown()->mutable_agent_id()->set_value(e.agent);
  shutdown.mutable_shutdown()->mutable_executor_id()->set_value("e1");
  e.h.call(shutdown);
  events = e.to_executor();
  REQUIRE(events.size() == 1);
  CHECK(events[0].type() == exec::Event::SHUTDOWN);
  // It gets the grace period to exit, then its process is killed.
  e.h.run_for(1900ms);
  CHECK(e.h.cluster.take_process_actions().empty());
  e.h.run_for(200ms);
  auto actions = e.h.cluster.take_process_actions();
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].what == process_action::kind::kill);
  CHECK(actions[0].process == e.start.process);
  CHECK(actions[0].grace_period == sim::duration::zero());
}

TEST_CASE("real executor: its process ending fails its live tasks and names it in FAILURE",
          "[sim][cluster][exec]") {
  on_executor e({executor_task("t1", "e1"), executor_task("t2", "e1")});
  REQUIRE(e.subscribe());
  e.update("t1", v1::TASK_FINISHED, "uuid-1");
  auto finished = e.scheduler_updates();
  REQUIRE(finished.size() == 1);
  e.h.call(ack_call(e.fw, finished[0]));

  e.h.cluster.process_exited(e.start.process, SIGKILL, e.h.now);  // killed by a signal
  auto taken = e.h.take();
  auto lost = updates(harness::events(taken, e.fw));
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].task_id().value() == "t2");
  CHECK(lost[0].state() == v1::TASK_FAILED);
  CHECK(lost[0].reason() == v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
  CHECK(lost[0].source() == v1::TaskStatus::SOURCE_AGENT);
  auto failures = harness::events(taken, e.fw, sched::Event::FAILURE);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].failure().executor_id().value() == "e1");
  CHECK(failures[0].failure().status() == SIGKILL);
  // Its resources are free again: the next offer holds the whole agent.
  e.h.call(ack_call(e.fw, lost[0]));
  auto offers = e.h.offers_for(e.fw, 2s);
  REQUIRE(offers.size() == 1);
  double cpus = 0;
  for (const auto& r : offers[0].resources()) {
    if (r.name() == "cpus") cpus += r.scalar().value();
  }
  CHECK(cpus == Approx(4.0));
  // Its later calls reach nothing.
  CHECK_FALSE(e.subscribe());
}

TEST_CASE("real executor: one that does not subscribe in time is killed and its tasks fail",
          "[sim][cluster][exec]") {
  on_executor late({executor_task("t1", "e1")});
  late.h.run_for(59s);
  CHECK(late.h.cluster.take_process_actions().empty());
  late.h.run_for(2s);  // past the agent's default minute
  auto actions = late.h.cluster.take_process_actions();
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].what == process_action::kind::kill);
  CHECK(actions[0].process == late.start.process);
  CHECK(late.scheduler_updates().empty());  // the task fails when the process is gone

  late.h.cluster.process_exited(late.start.process, SIGKILL, late.h.now);
  auto taken = late.h.take();
  auto failed = updates(harness::events(taken, late.fw));
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].task_id().value() == "t1");
  CHECK(failed[0].state() == v1::TASK_FAILED);
  CHECK(failed[0].reason() == v1::TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT);
  CHECK(failed[0].source() == v1::TaskStatus::SOURCE_AGENT);
  CHECK(failed[0].message() == "Executor did not register within 60000ms");
  REQUIRE(harness::events(taken, late.fw, sched::Event::FAILURE).size() == 1);
  CHECK_FALSE(late.subscribe());  // too late for good

  // One that subscribed in time is left alone.
  on_executor on_time({executor_task("t1", "e1")});
  REQUIRE(on_time.subscribe());
  on_time.h.run_for(2min);
  CHECK(on_time.h.cluster.take_process_actions().empty());
}

TEST_CASE("real executor: a task group runs on the configured default executor",
          "[sim][cluster][exec]") {
  auto config = on_executor::exec_config();
  v1::CommandInfo default_executor;
  default_executor.set_value("/opt/default-executor");
  config.default_executor = default_executor;
  harness h(config);
  auto fw = h.subscribe();
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  const std::string agent = offers[0].agent_id().value();
  v1::Offer::Operation op;
  op.set_type(v1::Offer::Operation::LAUNCH_GROUP);
  auto* executor = op.mutable_launch_group()->mutable_executor();
  executor->set_type(v1::ExecutorInfo::DEFAULT);
  executor->mutable_executor_id()->set_value("group-executor");
  *executor->add_resources() = scalar("cpus", 0.1);
  *executor->add_resources() = scalar("mem", 32);
  *executor->add_resources() = scalar("disk", 32);
  for (std::string id : {"g1", "g2"}) {
    *op.mutable_launch_group()->mutable_task_group()->add_tasks() = command_task(id, agent, "true");
  }
  h.call(accept_call(fw, {offers[0].id().value()}, {op}));
  auto actions = h.cluster.take_process_actions();
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].executor);
  CHECK(actions[0].command.value() == "/opt/default-executor");
  h.cluster.process_started(actions[0].process, 99, h.now);
  REQUIRE(h.cluster.executor_subscribed(agent, fw, "group-executor", {}, h.now));
  auto events = h.cluster.take_executor_deliveries();
  REQUIRE(events.size() == 2);
  CHECK(events[1].event.type() == exec::Event::LAUNCH_GROUP);
  CHECK(events[1].event.launch_group().task_group().tasks_size() == 2);
}
