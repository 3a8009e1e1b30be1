// sim::cluster in exec mode, with time as data and no processes: the process
// actions it asks for and the updates it derives from process reports.
#include "sim/cluster_harness.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

using namespace mesos_http::test;
namespace sim = mesos_http::sim;
using sim::process_action;

namespace {

int exit_status(int code) { return code << 8; }  // as waitpid reports exit(code)
int signal_status(int sig) { return sig; }       // ... and death by a signal

sim::cluster_config exec_config() {
  auto config = small_config();
  config.exec_tasks = true;
  return config;
}

// A subscribed framework with one task launched; the clock is past the
// STAGING step, so TASK_STARTING and the start action are queued.
struct launched {
  harness h{exec_config()};
  std::string fw;
  std::string agent;

  explicit launched(v1::TaskInfo task,
                    std::vector<v1::FrameworkInfo::Capability::Type> capabilities = {}) {
    framework_options o;
    o.capabilities = std::move(capabilities);
    fw = h.subscribe(o);
    auto offers = h.offers_for(fw);
    REQUIRE(offers.size() == 1);
    agent = offers[0].agent_id().value();
    task.mutable_agent_id()->set_value(agent);
    h.call(accept_call(fw, {offers[0].id().value()}, {launch({task})}));
    h.run_for(10ms);
  }

  // The next update (acknowledging it, so the following one can come).
  v1::TaskStatus next_update() {
    auto found = updates(harness::events(h.take(), fw));
    REQUIRE(found.size() == 1);
    h.call(ack_call(fw, found[0]));
    return found[0];
  }

  std::vector<process_action> actions() { return h.cluster.take_process_actions(); }
};

}  // namespace

TEST_CASE("exec mode: a command task asks for a process and ends as it exits",
          "[sim][cluster][exec]") {
  auto [code, state, message] =
      GENERATE(std::make_tuple(0, v1::TASK_FINISHED, "Command exited with status 0"),
               std::make_tuple(3, v1::TASK_FAILED, "Command exited with status 3"));
  auto task = command_task("t1", "", "echo hi");
  auto* variable = task.mutable_command()->mutable_environment()->add_variables();
  variable->set_name("GREETING");
  variable->set_value("hi");
  launched l(task);

  CHECK(l.next_update().state() == v1::TASK_STARTING);
  auto actions = l.actions();
  REQUIRE(actions.size() == 1);
  const auto& start = actions[0];
  CHECK(start.what == process_action::kind::start);
  CHECK(start.process != 0);
  CHECK(start.framework_id == l.fw);
  CHECK(start.agent_id == l.agent);
  CHECK(start.task_id == "t1");
  CHECK(start.executor_id == "t1");
  CHECK(start.role == "*");
  CHECK_FALSE(start.container_id.empty());
  CHECK(start.command.value() == "echo hi");
  CHECK(start.command.environment().variables(0).name() == "GREETING");

  // No script: nothing happens until the process is reported.
  l.h.run_for(std::chrono::hours(1));
  CHECK(harness::events(l.h.take(), l.fw, sched::Event::UPDATE).empty());

  l.h.cluster.process_started(start.process, 4242, l.h.now);
  auto running = l.next_update();
  CHECK(running.state() == v1::TASK_RUNNING);
  CHECK(running.container_status().executor_pid() == 4242);

  l.h.cluster.process_exited(start.process, exit_status(code), l.h.now);
  auto last = l.next_update();
  CHECK(last.state() == state);
  CHECK(last.message() == message);
  CHECK(last.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  // A second report for the same process changes nothing.
  l.h.cluster.process_exited(start.process, exit_status(0), l.h.now);
  CHECK(l.h.take().empty());
  CHECK(l.actions().empty());
}

TEST_CASE("exec mode: KILL asks for SIGTERM with the right grace period, then TASK_KILLED",
          "[sim][cluster][exec]") {
  auto task = command_task("t1", "", "sleep 100");
  std::optional<std::int64_t> task_grace, kill_grace;
  sim::duration expected = 3s;  // the command executor's default
  SECTION("default") {}
  SECTION("the TaskInfo's kill policy") {
    task_grace = 2'000'000'000;
    expected = 2s;
  }
  SECTION("the KILL call's kill policy wins") {
    task_grace = 2'000'000'000;
    kill_grace = 500'000'000;
    expected = 500ms;
  }
  if (task_grace) task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(*task_grace);
  launched l(task, {v1::FrameworkInfo::Capability::TASK_KILLING_STATE});
  l.next_update();
  auto process = l.actions().at(0).process;
  l.h.cluster.process_started(process, 4242, l.h.now);
  l.next_update();

  sched::Call kill = simple_call(l.fw, sched::Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  if (kill_grace) {
    kill.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
        *kill_grace);
  }
  l.h.call(kill);
  CHECK(l.next_update().state() == v1::TASK_KILLING);
  auto actions = l.actions();
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].what == process_action::kind::kill);
  CHECK(actions[0].process == process);
  CHECK(actions[0].grace_period == expected);

  // A repeated KILL is passed on: the runner may only shorten the grace.
  l.h.call(kill);
  CHECK(l.actions().size() == 1);
  CHECK(l.h.take().empty());

  l.h.cluster.process_exited(process, signal_status(SIGTERM), l.h.now);
  auto last = l.next_update();
  CHECK(last.state() == v1::TASK_KILLED);
  CHECK(last.message() == "Command terminated with signal Terminated");
}

TEST_CASE("exec mode: a task whose process cannot start fails", "[sim][cluster][exec]") {
  launched l(command_task("t1", "", "whatever"));
  l.next_update();
  auto process = l.actions().at(0).process;
  l.h.cluster.process_failed(process, "cannot execute 'x': No such file or directory", l.h.now);
  auto failed = l.next_update();
  CHECK(failed.state() == v1::TASK_FAILED);
  CHECK(failed.source() == v1::TaskStatus::SOURCE_AGENT);
  CHECK(failed.reason() == v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  CHECK(failed.message() ==
        "Failed to launch container: cannot execute 'x': No such file or directory");
}

TEST_CASE("exec mode: tasks that leave the cluster take their processes with them",
          "[sim][cluster][exec]") {
  launched l(command_task("t1", "", "sleep 100"));
  l.next_update();
  auto process = l.actions().at(0).process;
  l.h.cluster.process_started(process, 4242, l.h.now);
  l.next_update();

  SECTION("agent removed") { REQUIRE(l.h.cluster.remove_agent(l.agent, l.h.now)); }
  SECTION("framework torn down") { l.h.call(simple_call(l.fw, sched::Call::TEARDOWN)); }
  auto actions = l.actions();
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].what == process_action::kind::destroy);
  CHECK(actions[0].process == process);
  l.h.take();
  // The exit of the destroyed process is no news.
  l.h.cluster.process_exited(process, signal_status(SIGKILL), l.h.now);
  CHECK(l.h.take().empty());
}

TEST_CASE("exec mode: KILL before the process starts, and scripted tasks, need no process",
          "[sim][cluster][exec]") {
  SECTION("without exec_tasks every task follows its script") {
    harness h;
    auto fw = h.subscribe();
    auto offers = h.offers_for(fw);
    auto task = command_task("t1", offers[0].agent_id().value(), "exit 3");
    h.call(accept_call(fw, {offers[0].id().value()}, {launch({task})}));
    h.run_for(1s);
    CHECK(h.cluster.take_process_actions().empty());
  }
  SECTION("a kill during STAGING ends the task before any process") {
    harness h{exec_config()};
    auto fw = h.subscribe();
    auto offers = h.offers_for(fw);
    auto task = command_task("t1", offers[0].agent_id().value(), "sleep 100");
    h.call(accept_call(fw, {offers[0].id().value()}, {launch({task})}));
    sched::Call kill = simple_call(fw, sched::Call::KILL);
    kill.mutable_kill()->mutable_task_id()->set_value("t1");
    h.call(kill);
    h.run_for(1s);
    CHECK(h.cluster.take_process_actions().empty());
    auto seen = updates(harness::events(h.take(), fw));
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].state() == v1::TASK_KILLED);
  }
}
