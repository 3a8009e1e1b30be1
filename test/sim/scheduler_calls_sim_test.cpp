// Every call the builders of <mesos_http/scheduler_calls.hpp> make, with the
// framework id the scheduler adds, goes through the simulated master's
// request checks (`sim::check_scheduler_request`: Mesos's parse and
// `validation::scheduler::call::validate`) as a subscribed framework's call,
// in both content types: none may be refused. And the refusals the builders'
// documentation warns about are real.
#include "sim/endpoint_test_support.hpp"

#include <mesos_http/scheduler_calls.hpp>
#include <mesos_http/scheduler_operations.hpp>

#include <google/protobuf/util/message_differencer.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace v1 = mesos::v1;
namespace calls = mesos_http::calls;
using namespace mesos_http::test::endpoint;
using google::protobuf::util::MessageDifferencer;

v1::FrameworkID framework_id() { return calls::id<v1::FrameworkID>(fw); }

// One call of every builder, with realistic arguments.
std::vector<std::pair<std::string, sched::Call>> built_calls() {
  using namespace std::chrono_literals;
  const auto agent = calls::id<v1::AgentID>("5e1c7a62-3f0d-4b8e-a1c4-2d9f0e7b6a31-S0");
  const auto task = calls::id<v1::TaskID>("web-1");
  v1::Offer offer;
  offer.mutable_id()->set_value("5e1c7a62-3f0d-4b8e-a1c4-2d9f0e7b6a31-O1");
  *offer.mutable_framework_id() = framework_id();
  *offer.mutable_agent_id() = agent;
  offer.set_hostname("agent-0");
  const v1::Resource cpus = calls::scalar_resource("cpus", 0.1);
  const v1::Resource disk = calls::scalar_resource("disk", 64);
  const v1::TaskInfo t =
      calls::task_info("web", "web-1", agent, {cpus, calls::scalar_resource("mem", 32)},
                       calls::command("sleep 1000"));
  v1::ExecutorInfo executor;
  executor.mutable_executor_id()->set_value("group-exec");

  v1::TaskStatus status;
  *status.mutable_task_id() = task;
  status.set_state(v1::TASK_RUNNING);
  *status.mutable_agent_id() = agent;
  status.set_uuid(uuid_v4());

  v1::OperationStatus op_status;
  op_status.mutable_operation_id()->set_value("op-1");
  op_status.set_state(v1::OPERATION_FINISHED);
  *op_status.mutable_agent_id() = agent;
  op_status.mutable_resource_provider_id()->set_value("rp-1");
  op_status.mutable_uuid()->set_value(uuid_v4());

  v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name("test-fw");
  *info.mutable_id() = framework_id();
  info.add_roles("web");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);

  v1::InverseOffer inverse;
  inverse.mutable_id()->set_value("io-1");

  using operation = v1::Offer::Operation;
  const std::vector<operation> operations{
      calls::reserve({disk}),
      calls::create({disk}),
      calls::launch({t}),
      calls::launch_group(executor, std::vector<v1::TaskInfo>{t}),
      calls::grow_volume(disk, disk),
      calls::shrink_volume(disk, 1),
      calls::destroy({disk}),
      calls::unreserve({disk}),
      calls::with_operation_id(
          calls::create_disk(disk, v1::Resource::DiskInfo::Source::MOUNT, std::string("fast")),
          calls::id<v1::OperationID>("op-2")),
      calls::destroy_disk(disk)};

  return {
      {"teardown", calls::teardown()},
      {"accept ids", calls::accept({offer.id()}, operations, calls::refuse_seconds(30))},
      {"accept offer", calls::accept(offer, {calls::launch({t})})},
      {"accept offers", calls::accept(std::vector<v1::Offer>{offer}, {})},
      {"decline ids", calls::decline({offer.id()}, calls::refuse_seconds(3600))},
      {"decline offer", calls::decline(offer)},
      {"decline offers", calls::decline(std::vector<v1::Offer>{offer})},
      {"accept inverse", calls::accept_inverse_offers(inverse, calls::refuse_seconds(5))},
      {"accept inverse ids", calls::accept_inverse_offers({inverse.id()})},
      {"decline inverse", calls::decline_inverse_offers(inverse)},
      {"decline inverse ids", calls::decline_inverse_offers({inverse.id()})},
      {"revive all", calls::revive()},
      {"revive roles", calls::revive({"web"})},
      {"suppress all", calls::suppress()},
      {"suppress roles", calls::suppress({"web"})},
      {"kill", calls::kill(task)},
      {"kill full", calls::kill(task, agent, calls::kill_policy(3s))},
      {"shutdown", calls::shutdown(calls::id<v1::ExecutorID>("exec-1"), agent)},
      {"acknowledge", calls::acknowledge(status)},
      {"acknowledge parts", calls::acknowledge(agent, task, uuid_v4())},
      {"acknowledge operation", calls::acknowledge_operation_status(op_status)},
      {"reconcile implicit", calls::reconcile()},
      {"reconcile explicit", calls::reconcile({calls::task_of(status), {task, std::nullopt}})},
      {"reconcile operations all", calls::reconcile_operations()},
      {"reconcile operations",
       calls::reconcile_operations({{calls::id<v1::OperationID>("op-1"), agent, std::nullopt}})},
      {"message", calls::message(agent, calls::id<v1::ExecutorID>("exec-1"), "ping")},
      {"request", calls::request({v1::Request()})},
      {"update framework", calls::update_framework(info, {"web"})},
  };
}

}  // namespace

TEST_CASE("every built call passes the master's request checks", "[sim][endpoint][calls]") {
  const content_type type = GENERATE(content_type::protobuf, content_type::json);
  fake_master master;
  master.subscribed();
  for (const auto& [name, built] : built_calls()) {
    INFO(name << " as " << to_string(type));
    // The scheduler fills framework_id when unset; UPDATE_FRAMEWORK has it.
    sched::Call call = built;
    if (!call.has_framework_id()) *call.mutable_framework_id() = framework_id();
    const auto out = check(call_request(type, call), master);
    INFO(body_of(out));
    CHECK(status_of(out) == 0);
    CHECK(MessageDifferencer::Equivalent(out.call, call));
  }
}

TEST_CASE("the refusals the call builders document", "[sim][endpoint][calls]") {
  const content_type type = GENERATE(content_type::protobuf, content_type::json);
  fake_master master;
  master.subscribed();
  const auto agent = calls::id<v1::AgentID>("S0");

  SECTION("acknowledging an update without uuid") {
    v1::TaskStatus status;
    status.mutable_task_id()->set_value("t");
    status.set_state(v1::TASK_LOST);
    *status.mutable_agent_id() = agent;
    REQUIRE_FALSE(calls::needs_acknowledgement(status));
    const auto out =
        check(call_request(type, calls::with_framework(calls::acknowledge(status), framework_id())),
              master);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) == "Failed to validate scheduler::Call: Not a valid UUID");
  }
  SECTION("an operation status without agent id") {
    v1::OperationStatus status;
    status.mutable_operation_id()->set_value("op");
    status.set_state(v1::OPERATION_FINISHED);
    status.mutable_uuid()->set_value(uuid_v4());
    const auto bare =
        calls::with_framework(calls::acknowledge_operation_status(status), framework_id());
    const auto refused = check(call_request(type, bare), master);
    CHECK(status_of(refused) == 400);
    CHECK(body_of(refused) ==
          "Failed to validate scheduler::Call: Expecting 'agent_id' to be present");
    const auto given =
        calls::with_framework(calls::acknowledge_operation_status(status, agent), framework_id());
    CHECK(status_of(check(call_request(type, given), master)) == 0);
  }
  SECTION("UPDATE_FRAMEWORK whose FrameworkInfo has no id, and with_framework's fix") {
    v1::FrameworkInfo info;
    info.set_user("root");
    info.set_name("test-fw");
    sched::Call call = calls::update_framework(info);
    *call.mutable_framework_id() = framework_id();  // what a naive filler does
    const auto refused = check(call_request(type, call), master);
    CHECK(status_of(refused) == 400);
    CHECK(body_of(refused) ==
          "Failed to validate scheduler::Call: 'framework_id' differs from "
          "'update_framework.framework_info.id'");
    const auto fixed = calls::with_framework(calls::update_framework(info), framework_id());
    CHECK(status_of(check(call_request(type, fixed), master)) == 0);
  }
  SECTION("a call without framework id") {
    const auto out = check(call_request(type, calls::kill(calls::id<v1::TaskID>("t"))), master);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) ==
          "Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
  }
}
