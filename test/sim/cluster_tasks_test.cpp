// sim::cluster: tasks, status updates, acknowledgements, kills,
// reconciliation, messages, resource operations, agent loss.
#include "sim/cluster_harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace mesos_http;
using namespace mesos_http::test;
using Cap = v1::FrameworkInfo::Capability;

namespace {

// A subscribed framework holding the agent's offer.
struct launched {
  harness h;
  std::string fw;
  v1::Offer offer;

  explicit launched(framework_options o = {}, sim::cluster_config config = small_config())
      : h(std::move(config)) {
    fw = h.subscribe(o);
    auto offers = h.offers_for(fw);
    REQUIRE(offers.size() == 1);
    offer = offers[0];
    h.take();
  }

  void launch_tasks(std::initializer_list<v1::TaskInfo> tasks) {
    h.call(accept_call(fw, {offer.id().value()}, {launch(tasks)}));
  }

  std::vector<v1::TaskStatus> updates_now() { return updates(harness::events(h.take(), fw)); }

  // Acknowledges every update until the task is gone; returns the states seen.
  std::vector<v1::TaskState> run_acking(sim::duration total) {
    std::vector<v1::TaskState> states;
    auto until = h.now + total;
    while (h.now < until) {
      h.run_for(5ms);
      for (const auto& s : updates_now()) {
        states.push_back(s.state());
        if (s.has_uuid()) h.call(ack_call(fw, s));
      }
    }
    return states;
  }
};

}  // namespace

TEST_CASE("tasks: STARTING, RUNNING, FINISHED, each held until the previous is acked",
          "[sim][cluster][tasks]") {
  launched l;
  auto launched_at = l.h.now;
  l.launch_tasks({command_task("t1", "m-S0", "sleep 1")});
  CHECK(l.updates_now().empty());  // TASK_STAGING is never sent

  l.h.run_for(10ms);
  auto u = l.updates_now();
  REQUIRE(u.size() == 1);
  const auto starting = u[0];
  CHECK(starting.state() == v1::TASK_STARTING);
  CHECK(starting.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(starting.agent_id().value() == "m-S0");
  CHECK(starting.executor_id().value() == "t1");
  CHECK(starting.uuid().size() == 16);
  double elapsed = std::chrono::duration<double>(launched_at + 10ms - l.h.start).count();
  CHECK(starting.timestamp() == Approx(1700000000.0 + elapsed).epsilon(1e-12));
  CHECK(starting.has_container_status());

  // RUNNING happens on the agent but is not forwarded before the ACK.
  l.h.run_for(2s);
  CHECK(l.updates_now().empty());
  nlohmann::json state = nlohmann::json::parse(l.h.cluster.state_json());
  CHECK(state["tasks"][0]["state"] == "TASK_FINISHED");  // the agent is ahead

  l.h.call(ack_call(l.fw, starting));
  u = l.updates_now();
  REQUIRE(u.size() == 1);
  CHECK(u[0].state() == v1::TASK_RUNNING);
  CHECK(u[0].uuid() != starting.uuid());
  l.h.call(ack_call(l.fw, starting));  // a stale ACK changes nothing
  CHECK(l.updates_now().empty());
  l.h.call(ack_call(l.fw, u[0]));
  u = l.updates_now();
  REQUIRE(u.size() == 1);
  CHECK(u[0].state() == v1::TASK_FINISHED);
  CHECK(u[0].message() == "Command exited with status 0");
  l.h.call(ack_call(l.fw, u[0]));
  state = nlohmann::json::parse(l.h.cluster.state_json());
  CHECK(state["tasks"].empty());
  REQUIRE(state["completed_tasks"].size() == 1);
  CHECK(state["completed_tasks"][0]["id"] == "t1");
  CHECK(state["completed_tasks"][0]["state"] == "TASK_FINISHED");
}

TEST_CASE("tasks: resources return at the terminal state", "[sim][cluster][tasks]") {
  launched l;
  l.launch_tasks({command_task("t1", "m-S0", "sleep 1", 1.0)});
  l.h.run_for(100ms);
  nlohmann::json state = nlohmann::json::parse(l.h.cluster.state_json());
  CHECK(state["agents"][0]["resources"]["used"]["cpus"] == 1.0);
  l.h.run_for(2s);  // finished on the agent, updates not acknowledged
  state = nlohmann::json::parse(l.h.cluster.state_json());
  CHECK(state["agents"][0]["resources"]["used"].value("cpus", 0.0) == 0.0);
  REQUIRE(state["tasks"].size() == 1);  // known until the terminal update is acked
}

TEST_CASE("tasks: an unacknowledged update is re-sent with doubling intervals",
          "[sim][cluster][tasks]") {
  launched l;
  l.launch_tasks({command_task("t1", "m-S0", "sleep 100")});
  l.h.run_for(10ms);
  auto first = l.updates_now();
  REQUIRE(first.size() == 1);
  l.h.run_for(9999ms);
  CHECK(l.updates_now().empty());
  l.h.run_for(2ms);  // 10 s after the first send
  auto again = l.updates_now();
  REQUIRE(again.size() == 1);
  CHECK(again[0].uuid() == first[0].uuid());
  l.h.run_for(19s);
  CHECK(l.updates_now().empty());
  l.h.run_for(1s);  // 20 s later
  CHECK(l.updates_now().size() == 1);
  l.h.call(ack_call(l.fw, first[0]));
  auto running = l.updates_now();
  REQUIRE(running.size() == 1);
  CHECK(running[0].state() == v1::TASK_RUNNING);
}

TEST_CASE("tasks: task scripts decide how tasks end", "[sim][cluster][tasks]") {
  SECTION("exit <code> fails") {
    launched l;
    l.launch_tasks({command_task("t1", "m-S0", "exit 3")});
    auto states = l.run_acking(200ms);
    REQUIRE(states ==
            std::vector<v1::TaskState>{v1::TASK_STARTING, v1::TASK_RUNNING, v1::TASK_FAILED});
    auto last = harness::events(l.h.seen, l.fw, sched::Event::UPDATE).back();
    CHECK(last.update().status().message() == "Command exited with status 3");
  }
  SECTION("false fails with 1, true finishes at once") {
    launched l;
    l.launch_tasks({command_task("f", "m-S0", "false"), command_task("t", "m-S0", "true")});
    l.run_acking(50ms);
    auto all = updates(harness::events(l.h.seen, l.fw));
    REQUIRE(all.size() == 6);
    int failed = 0, finished = 0;
    for (const auto& s : all) {
      if (s.state() == v1::TASK_FAILED) {
        ++failed;
        CHECK(s.task_id().value() == "f");
        CHECK(s.message() == "Command exited with status 1");
      }
      if (s.state() == v1::TASK_FINISHED) {
        ++finished;
        CHECK(s.task_id().value() == "t");
      }
    }
    CHECK(failed == 1);
    CHECK(finished == 1);
  }
  SECTION("anything else runs task_run_time") {
    launched l;
    l.launch_tasks({command_task("t1", "m-S0", "echo hi")});
    auto states = l.run_acking(100ms);  // 20 ms to RUNNING, then 100 ms
    CHECK(states == std::vector<v1::TaskState>{v1::TASK_STARTING, v1::TASK_RUNNING});
    states = l.run_acking(50ms);
    CHECK(states == std::vector<v1::TaskState>{v1::TASK_FINISHED});
  }
}

TEST_CASE("tasks: ACCEPT of an unknown offer loses the tasks", "[sim][cluster][tasks]") {
  launched l;
  l.h.call(
      accept_call(l.fw, {"no-such-offer-O1"}, {launch({command_task("ghost", "m-S0", "true")})}));
  auto u = l.updates_now();
  REQUIRE(u.size() == 1);
  CHECK(u[0].task_id().value() == "ghost");
  CHECK(u[0].state() == v1::TASK_LOST);
  CHECK(u[0].reason() == v1::TaskStatus::REASON_INVALID_OFFERS);
  CHECK(u[0].source() == v1::TaskStatus::SOURCE_MASTER);
  CHECK(u[0].message() ==
        "Task launched with invalid offers: Offer no-such-offer-O1 is no longer valid");
  CHECK(u[0].agent_id().value() == "m-S0");
  CHECK_FALSE(u[0].has_uuid());
  CHECK_FALSE(u[0].has_executor_id());

  // Mixed valid and unknown offers: the valid one is returned too.
  l.h.call(accept_call(l.fw, {l.offer.id().value(), "bogus"},
                       {launch({command_task("x", "m-S0", "true")})}));
  u = l.updates_now();
  REQUIRE(u.size() == 1);
  CHECK(u[0].message() == "Task launched with invalid offers: Offer bogus is no longer valid");
  CHECK(l.h.offers_for(l.fw).size() == 1);

  // PARTITION_AWARE frameworks hear TASK_DROPPED.
  launched p({"p", {Cap::PARTITION_AWARE}});
  p.h.call(accept_call(p.fw, {p.offer.id().value(), p.offer.id().value()},
                       {launch({command_task("dup", "m-S0", "true")})}));
  u = p.updates_now();
  REQUIRE(u.size() == 1);
  CHECK(u[0].state() == v1::TASK_DROPPED);
  CHECK(u[0].message() == "Task launched with invalid offers: Duplicate offer m-O0 in offer list");
}

TEST_CASE("tasks: invalid tasks end in TASK_ERROR", "[sim][cluster][tasks]") {
  launched l;
  auto both = command_task("both", "m-S0", "true");
  both.mutable_executor()->mutable_executor_id()->set_value("e");
  both.mutable_executor()->mutable_command()->set_value("x");
  auto none = command_task("none", "m-S0", "true");
  none.clear_command();
  auto no_resources = command_task("bare", "m-S0", "true");
  no_resources.clear_resources();
  auto bad_agent = command_task("elsewhere", "m-S9", "true");
  l.launch_tasks({command_task("", "m-S0", "true"), command_task("a/b", "m-S0", "true"), both, none,
                  no_resources, bad_agent, command_task("ok", "m-S0", "sleep 5"),
                  command_task("ok", "m-S0", "sleep 5")});
  auto u = l.updates_now();
  REQUIRE(u.size() == 7);
  for (const auto& s : u) {
    CHECK(s.state() == v1::TASK_ERROR);
    CHECK(s.reason() == v1::TaskStatus::REASON_TASK_INVALID);
    CHECK(s.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK_FALSE(s.has_uuid());
  }
  CHECK(u[0].message() == "ID must not be empty");
  CHECK(u[1].message() == "'a/b' contains invalid characters");
  CHECK(u[2].message() ==
        "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present");
  CHECK(u[3].message() == u[2].message());
  CHECK(u[4].message() == "Task uses no resources");
  CHECK(u[5].message() == "Task uses invalid agent m-S9 while agent m-S0 is expected");
  CHECK(u[6].task_id().value() == "ok");
  CHECK(u[6].message() == "Task has duplicate ID: ok");
  l.h.run_for(10ms);
  u = l.updates_now();
  REQUIRE(u.size() == 1);  // the first "ok" runs
  CHECK(u[0].state() == v1::TASK_STARTING);
}

TEST_CASE("tasks: over-committing an offer is a TASK_ERROR", "[sim][cluster][tasks]") {
  launched l;
  l.launch_tasks({command_task("a", "m-S0", "true", 3.0), command_task("b", "m-S0", "true", 3.0)});
  auto u = l.updates_now();
  REQUIRE(u.size() == 1);
  CHECK(u[0].task_id().value() == "b");
  CHECK(u[0].state() == v1::TASK_ERROR);
  CHECK(u[0].message().rfind("Total resources cpus:3; mem:32 required by task and its executor is "
                             "more than available ",
                             0) == 0);

  // LAUNCH with an operation id is refused as well.
  launched k;
  auto op = launch({command_task("c", "m-S0", "true")});
  op.mutable_id()->set_value("op-1");
  k.h.call(accept_call(k.fw, {k.offer.id().value()}, {op}));
  u = k.updates_now();
  REQUIRE(u.size() == 1);
  CHECK(u[0].state() == v1::TASK_ERROR);
  CHECK(u[0].reason() == v1::TaskStatus::REASON_TASK_INVALID);
}

TEST_CASE("tasks: KILL with and without TASK_KILLING_STATE", "[sim][cluster][tasks]") {
  auto kill_call = [](const std::string& fw, const std::string& task) {
    auto call = simple_call(fw, sched::Call::KILL);
    call.mutable_kill()->mutable_task_id()->set_value(task);
    call.mutable_kill()->mutable_agent_id()->set_value("m-S0");
    return call;
  };
  SECTION("with TASK_KILLING_STATE") {
    launched l({"k", {Cap::TASK_KILLING_STATE}});
    l.launch_tasks({command_task("t1", "m-S0", "sleep 100")});
    CHECK(l.run_acking(100ms) == std::vector<v1::TaskState>{v1::TASK_STARTING, v1::TASK_RUNNING});
    l.h.call(kill_call(l.fw, "t1"));
    auto states = l.run_acking(100ms);
    CHECK(states == std::vector<v1::TaskState>{v1::TASK_KILLING, v1::TASK_KILLED});
    auto last = harness::events(l.h.seen, l.fw, sched::Event::UPDATE).back().update().status();
    CHECK(last.message() == "Command terminated with signal Terminated");
    CHECK(last.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  }
  SECTION("without") {
    launched l;
    l.launch_tasks({command_task("t1", "m-S0", "sleep 100")});
    l.run_acking(100ms);
    l.h.call(kill_call(l.fw, "t1"));
    CHECK(l.run_acking(100ms) == std::vector<v1::TaskState>{v1::TASK_KILLED});
  }
  SECTION("unknown task: reconciliation answer") {
    launched l;
    l.h.call(kill_call(l.fw, "nope"));
    auto u = l.updates_now();
    REQUIRE(u.size() == 1);
    CHECK(u[0].state() == v1::TASK_LOST);
    CHECK(u[0].reason() == v1::TaskStatus::REASON_RECONCILIATION);
    CHECK(u[0].message() == "Reconciliation: Task is unknown to the agent");
    CHECK_FALSE(u[0].has_uuid());
  }
}

TEST_CASE("tasks: RECONCILE explicit and implicit", "[sim][cluster][tasks]") {
  launched l;
  l.launch_tasks({command_task("run", "m-S0", "sleep 100"), command_task("done", "m-S0", "true")});
  l.run_acking(200ms);
  sched::Call explicit_call = simple_call(l.fw, sched::Call::RECONCILE);
  auto add = [&](const std::string& id, bool with_agent) {
    auto* t = explicit_call.mutable_reconcile()->add_tasks();
    t->mutable_task_id()->set_value(id);
    if (with_agent) t->mutable_agent_id()->set_value("m-S0");
  };
  add("run", true);
  add("done", true);
  add("never", false);
  l.h.call(explicit_call);
  auto u = l.updates_now();
  REQUIRE(u.size() == 3);
  CHECK(u[0].state() == v1::TASK_RUNNING);
  CHECK(u[0].message() == "Reconciliation: Latest task state");
  CHECK(u[0].agent_id().value() == "m-S0");
  CHECK_FALSE(u[0].has_executor_id());
  CHECK(u[0].has_container_status());
  CHECK(u[1].state() == v1::TASK_LOST);
  CHECK(u[1].message() == "Reconciliation: Task is unknown to the agent");
  CHECK(u[1].agent_id().value() == "m-S0");
  CHECK(u[2].state() == v1::TASK_LOST);
  CHECK(u[2].message() == "Reconciliation: Task is unknown");
  CHECK_FALSE(u[2].has_agent_id());
  for (const auto& s : u) {
    CHECK(s.reason() == v1::TaskStatus::REASON_RECONCILIATION);
    CHECK(s.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK_FALSE(s.has_uuid());
  }

  l.h.call(simple_call(l.fw, sched::Call::RECONCILE));  // implicit
  u = l.updates_now();
  REQUIRE(u.size() == 1);
  CHECK(u[0].task_id().value() == "run");
  CHECK(u[0].state() == v1::TASK_RUNNING);

  // PARTITION_AWARE: TASK_GONE / TASK_UNKNOWN.
  launched p({"p", {Cap::PARTITION_AWARE}});
  sched::Call call = simple_call(p.fw, sched::Call::RECONCILE);
  auto* a = call.mutable_reconcile()->add_tasks();
  a->mutable_task_id()->set_value("x");
  a->mutable_agent_id()->set_value("m-S0");
  call.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value("y");
  p.h.call(call);
  u = p.updates_now();
  REQUIRE(u.size() == 2);
  CHECK(u[0].state() == v1::TASK_GONE);
  CHECK(u[1].state() == v1::TASK_UNKNOWN);
}

TEST_CASE("tasks: MESSAGE to a running executor comes back", "[sim][cluster][tasks]") {
  launched l;
  l.launch_tasks({command_task("t1", "m-S0", "sleep 100")});
  l.run_acking(100ms);
  sched::Call call = simple_call(l.fw, sched::Call::MESSAGE);
  call.mutable_message()->mutable_agent_id()->set_value("m-S0");
  call.mutable_message()->mutable_executor_id()->set_value("t1");
  call.mutable_message()->set_data(std::string("ping\0pong", 9));
  l.h.call(call);
  auto messages = harness::events(l.h.take(), l.fw, sched::Event::MESSAGE);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].message().agent_id().value() == "m-S0");
  CHECK(messages[0].message().executor_id().value() == "t1");
  CHECK(messages[0].message().data() == std::string("ping\0pong", 9));

  call.mutable_message()->mutable_executor_id()->set_value("nobody");
  l.h.call(call);
  CHECK(harness::events(l.h.take(), l.fw, sched::Event::MESSAGE).empty());
}

TEST_CASE("tasks: custom executors, SHUTDOWN and FAILURE", "[sim][cluster][tasks]") {
  launched l;
  auto task = command_task("t1", "m-S0", "");
  task.clear_command();
  auto* e = task.mutable_executor();
  e->mutable_executor_id()->set_value("exec");
  e->mutable_command()->set_value("sleep 100");
  *e->add_resources() = scalar("cpus", 0.5);
  *e->add_resources() = scalar("mem", 64);
  auto second = task;
  second.mutable_task_id()->set_value("t2");
  l.launch_tasks({task, second});
  l.run_acking(100ms);
  auto state = nlohmann::json::parse(l.h.cluster.state_json());
  CHECK(state["agents"][0]["resources"]["used"]["cpus"] == 0.7);  // executor counted once

  sched::Call shutdown = simple_call(l.fw, sched::Call::SHUTDOWN);
  shutdown.mutable_shutdown()->mutable_executor_id()->set_value("exec");
  shutdown.mutable_shutdown()->mutable_agent_id()->set_value("m-S0");
  l.h.call(shutdown);
  auto states = l.run_acking(100ms);
  CHECK(states == std::vector<v1::TaskState>{v1::TASK_KILLED, v1::TASK_KILLED});
  auto failures = harness::events(l.h.seen, l.fw, sched::Event::FAILURE);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].failure().executor_id().value() == "exec");
  CHECK(failures[0].failure().agent_id().value() == "m-S0");
  state = nlohmann::json::parse(l.h.cluster.state_json());
  CHECK(state["agents"][0]["resources"]["used"].value("cpus", 0.0) == 0.0);
}

TEST_CASE("tasks: LAUNCH_GROUP runs tasks under the default executor", "[sim][cluster][tasks]") {
  launched l;
  v1::Offer::Operation op;
  op.set_type(v1::Offer::Operation::LAUNCH_GROUP);
  auto* executor = op.mutable_launch_group()->mutable_executor();
  executor->set_type(v1::ExecutorInfo::DEFAULT);
  executor->mutable_executor_id()->set_value("default-executor");
  *executor->add_resources() = scalar("cpus", 0.1);
  *executor->add_resources() = scalar("mem", 32);
  *executor->add_resources() = scalar("disk", 32);
  *op.mutable_launch_group()->mutable_task_group()->add_tasks() =
      command_task("g1", "m-S0", "true");
  *op.mutable_launch_group()->mutable_task_group()->add_tasks() =
      command_task("g2", "m-S0", "sleep 1");
  l.h.call(accept_call(l.fw, {l.offer.id().value()}, {op}));
  l.run_acking(2s);
  auto all = updates(harness::events(l.h.seen, l.fw));
  REQUIRE(all.size() == 6);
  for (const auto& s : all) CHECK(s.executor_id().value() == "default-executor");
  CHECK(all[0].container_status().container_id().has_parent());
  auto failures = harness::events(l.h.seen, l.fw, sched::Event::FAILURE);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].failure().executor_id().value() == "default-executor");
  CHECK(failures[0].failure().status() == 0);

  // An executor without disk makes the whole group invalid.
  launched bad;
  executor->clear_resources();
  *executor->add_resources() = scalar("cpus", 0.1);
  *executor->add_resources() = scalar("mem", 32);
  bad.h.call(accept_call(bad.fw, {bad.offer.id().value()}, {op}));
  auto u = bad.updates_now();
  REQUIRE(u.size() == 2);
  CHECK(u[0].state() == v1::TASK_ERROR);
  CHECK(u[0].reason() == v1::TaskStatus::REASON_TASK_GROUP_INVALID);
  CHECK(u[0].message() == "Executor 'default-executor' uses no disk");
}

TEST_CASE("tasks: remove_agent loses tasks and rescinds offers", "[sim][cluster][tasks]") {
  auto config = small_config();
  config.agents = {sim::agent_config{}, sim::agent_config{}};
  harness h(config);
  std::string fw = h.subscribe();
  std::string aware = h.subscribe({"aware", {Cap::PARTITION_AWARE}});
  h.run_for(200ms);
  auto d = h.take();
  auto offers_fw = harness::events(d, fw, sched::Event::OFFERS);
  auto offers_aware = harness::events(d, aware, sched::Event::OFFERS);
  REQUIRE(offers_fw.size() == 1);
  REQUIRE(offers_aware.size() == 1);
  const auto& o = offers_fw[0].offers().offers(0);
  h.call(accept_call(fw, {o.id().value()},
                     {launch({command_task("t1", o.agent_id().value(), "sleep 100")})}, 0.0));
  h.run_for(100ms);
  h.take();
  std::string lost_agent = o.agent_id().value();
  std::string other_agent = offers_aware[0].offers().offers(0).agent_id().value();

  REQUIRE(h.cluster.remove_agent(lost_agent, h.now));
  CHECK_FALSE(h.cluster.remove_agent(lost_agent, h.now));
  CHECK_FALSE(h.cluster.remove_agent("m-S77", h.now));
  d = h.take();
  auto u = updates(harness::events(d, fw));
  REQUIRE(u.size() == 1);
  CHECK(u[0].state() == v1::TASK_LOST);
  CHECK(u[0].reason() == v1::TaskStatus::REASON_AGENT_REMOVED);
  CHECK(u[0].source() == v1::TaskStatus::SOURCE_MASTER);
  CHECK_FALSE(u[0].has_uuid());
  auto failures = harness::events(d, fw, sched::Event::FAILURE);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].failure().agent_id().value() == lost_agent);
  CHECK_FALSE(failures[0].failure().has_executor_id());
  CHECK(harness::events(d, aware, sched::Event::FAILURE).size() == 1);

  // The partition-aware framework's offer on the other agent survives; move it over.
  h.call(decline_call(aware, offers_aware[0].offers().offers(0).id().value(), 0.0));
  h.run_for(200ms);
  d = h.take();
  auto next = harness::events(d, fw, sched::Event::OFFERS);
  auto next_aware = harness::events(d, aware, sched::Event::OFFERS);
  REQUIRE(next.size() + next_aware.size() == 1);
  for (const auto& e : next) CHECK(e.offers().offers(0).agent_id().value() == other_agent);

  // A partition-aware framework hears TASK_GONE and RESCIND.
  harness p(config);
  std::string pa = p.subscribe({"aware", {Cap::PARTITION_AWARE}});
  p.run_for(200ms);
  auto offer_events = harness::events(p.take(), pa, sched::Event::OFFERS);
  REQUIRE(offer_events.size() == 1);
  REQUIRE(offer_events[0].offers().offers_size() == 2);
  const auto& first = offer_events[0].offers().offers(0);
  p.call(accept_call(pa, {first.id().value()},
                     {launch({command_task("t", first.agent_id().value(), "sleep 9")})}));
  p.run_for(100ms);
  p.take();
  p.cluster.remove_agent(offer_events[0].offers().offers(1).agent_id().value(), p.now);
  d = p.take();
  auto rescinds = harness::events(d, pa, sched::Event::RESCIND);
  REQUIRE(rescinds.size() == 1);
  CHECK(rescinds[0].rescind().offer_id().value() ==
        offer_events[0].offers().offers(1).id().value());
  p.cluster.remove_agent(first.agent_id().value(), p.now);
  u = updates(harness::events(p.take(), pa));
  REQUIRE(u.size() == 1);
  CHECK(u[0].state() == v1::TASK_GONE);
}

TEST_CASE("tasks: RESERVE, CREATE, DESTROY, UNRESERVE change what is offered",
          "[sim][cluster][tasks]") {
  auto config = small_config();
  config.agents[0].resources = "cpus:4;mem:1024;disk:1000";
  framework_options o;
  o.capabilities = {Cap::MULTI_ROLE, Cap::RESERVATION_REFINEMENT};
  o.roles = {"db"};
  launched l(o, config);

  auto reserved_disk = [](double mb) {
    v1::Resource r = scalar("disk", mb);
    auto* reservation = r.add_reservations();
    reservation->set_type(v1::Resource::ReservationInfo::DYNAMIC);
    reservation->set_role("db");
    reservation->set_principal("ops");
    r.mutable_allocation_info()->set_role("db");
    return r;
  };
  auto volume = [&](double mb) {
    v1::Resource r = reserved_disk(mb);
    r.mutable_disk()->mutable_persistence()->set_id("vol-1");
    r.mutable_disk()->mutable_volume()->set_container_path("data");
    r.mutable_disk()->mutable_volume()->set_mode(v1::Volume::RW);
    return r;
  };
  auto find_disk = [](const v1::Offer& offer, bool want_volume) -> std::optional<v1::Resource> {
    for (const auto& r : offer.resources()) {
      if (r.name() != "disk") continue;
      bool is_volume = r.has_disk() && r.disk().has_persistence();
      if (is_volume == want_volume && (want_volume || r.reservations_size() > 0)) return r;
    }
    return std::nullopt;
  };

  v1::Offer::Operation reserve;
  reserve.set_type(v1::Offer::Operation::RESERVE);
  *reserve.mutable_reserve()->add_resources() = reserved_disk(300);
  reserve.mutable_id()->set_value("reserve-1");
  v1::Offer::Operation create;
  create.set_type(v1::Offer::Operation::CREATE);
  *create.mutable_create()->add_volumes() = volume(100);
  l.h.call(accept_call(l.fw, {l.offer.id().value()}, {reserve, create}, 0.0));
  auto statuses = harness::events(l.h.take(), l.fw, sched::Event::UPDATE_OPERATION_STATUS);
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].update_operation_status().status().state() == v1::OPERATION_FINISHED);
  CHECK(statuses[0].update_operation_status().status().uuid().value().size() == 16);

  auto offers = l.h.offers_for(l.fw);
  REQUIRE(offers.size() == 1);
  auto vol = find_disk(offers[0], true);
  auto res = find_disk(offers[0], false);
  REQUIRE(vol);
  REQUIRE(res);
  CHECK(vol->scalar().value() == 100);
  CHECK(vol->disk().persistence().id() == "vol-1");
  CHECK(res->scalar().value() == 200);
  CHECK(res->reservations(0).role() == "db");
  double unreserved = 0;
  for (const auto& r : offers[0].resources()) {
    if (r.name() == "disk" && r.reservations_size() == 0) unreserved = r.scalar().value();
  }
  CHECK(unreserved == 700);

  v1::Offer::Operation destroy;
  destroy.set_type(v1::Offer::Operation::DESTROY);
  *destroy.mutable_destroy()->add_volumes() = volume(100);
  v1::Offer::Operation unreserve;
  unreserve.set_type(v1::Offer::Operation::UNRESERVE);
  *unreserve.mutable_unreserve()->add_resources() = reserved_disk(300);
  l.h.call(accept_call(l.fw, {offers[0].id().value()}, {destroy, unreserve}, 0.0));
  offers = l.h.offers_for(l.fw);
  REQUIRE(offers.size() == 1);
  CHECK_FALSE(find_disk(offers[0], true));
  CHECK_FALSE(find_disk(offers[0], false));
  for (const auto& r : offers[0].resources()) {
    if (r.name() == "disk") CHECK(r.scalar().value() == 1000);
  }

  // An invalid operation with an id reports OPERATION_ERROR and changes nothing.
  v1::Offer::Operation bad = reserve;
  bad.mutable_id()->set_value("too-much");
  bad.mutable_reserve()->mutable_resources(0)->mutable_scalar()->set_value(5000);
  l.h.call(accept_call(l.fw, {offers[0].id().value()}, {bad}, 0.0));
  statuses = harness::events(l.h.take(), l.fw, sched::Event::UPDATE_OPERATION_STATUS);
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].update_operation_status().status().state() == v1::OPERATION_ERROR);
  CHECK_FALSE(statuses[0].update_operation_status().status().has_uuid());

  // RECONCILE_OPERATIONS: the finished one is known, others are unknown.
  sched::Call reconcile = simple_call(l.fw, sched::Call::RECONCILE_OPERATIONS);
  reconcile.mutable_reconcile_operations()->add_operations()->mutable_operation_id()->set_value(
      "reserve-1");
  reconcile.mutable_reconcile_operations()->add_operations()->mutable_operation_id()->set_value(
      "what");
  l.h.call(reconcile);
  statuses = harness::events(l.h.take(), l.fw, sched::Event::UPDATE_OPERATION_STATUS);
  REQUIRE(statuses.size() == 2);
  CHECK(statuses[0].update_operation_status().status().state() == v1::OPERATION_FINISHED);
  CHECK(statuses[1].update_operation_status().status().state() == v1::OPERATION_UNKNOWN);
  CHECK(statuses[1].update_operation_status().status().operation_id().value() == "what");
}
