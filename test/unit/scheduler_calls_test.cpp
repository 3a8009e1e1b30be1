// The scheduler Call builders: the exact fields each one sets, and that each
// call encodes in both content types with every required field present.
// (test/sim/scheduler_calls_sim_test.cpp runs them through the simulated
// master's request checks.)
#include "support/messages.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/scheduler_calls.hpp>
#include <mesos_http/scheduler_operations.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace {

namespace v1 = mesos::v1;
namespace sched = mesos::v1::scheduler;
namespace calls = mesos_http::calls;

using google::protobuf::util::MessageDifferencer;
using mesos_http::codec;
using mesos_http::content_type;
using mesos_http::diagnostics;

const v1::FrameworkID fw = calls::id<v1::FrameworkID>("9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-0000");
const v1::AgentID agent = calls::id<v1::AgentID>("9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-S0");
const v1::TaskID task = calls::id<v1::TaskID>("web-1");

// 16 bytes with version nibble 4, as Mesos's random UUIDs.
std::string uuid_v4() {
  std::string u = "\x01\x23\x45\x67\x89\xab\x4c\xde\x80\x12\x34\x56\x78\x9a\xbc\xde";
  REQUIRE(u.size() == 16);
  return u;
}

// The call, with a framework id as the scheduler adds it, encodes in both
// content types (no missing required fields) and decodes to the same call.
void check_encodes(const sched::Call& built) {
  const sched::Call call = calls::with_framework(built, fw);
  INFO(call.ShortDebugString());
  CHECK(call.IsInitialized());
  for (content_type type : {content_type::protobuf, content_type::json}) {
    const codec c(type);
    std::string bytes;
    diagnostics diag;
    const auto ec = c.encode(call, bytes, diag);
    INFO(to_string(type) << ": " << diag.to_string());
    REQUIRE_FALSE(ec);
    sched::Call decoded;
    REQUIRE_FALSE(c.decode(bytes, decoded, diag));
    CHECK(MessageDifferencer::Equivalent(call, decoded));
  }
}

std::string json_of(const sched::Call& call) {
  std::string out;
  diagnostics diag;
  REQUIRE_FALSE(codec(content_type::json).encode(call, out, diag));
  return out;
}

bool same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return MessageDifferencer::Equals(a, b);
}

}  // namespace

TEST_CASE("calls::id fills the value of any id message", "[calls]") {
  CHECK(calls::id<v1::TaskID>("t").value() == "t");
  CHECK(calls::id<v1::OperationID>("op-1").value() == "op-1");
}

TEST_CASE("with_framework sets framework_id, and the FrameworkInfo id where Mesos compares them",
          "[calls]") {
  const sched::Call kill = calls::with_framework(calls::kill(task), fw);
  CHECK(kill.framework_id().value() == fw.value());
  CHECK(kill.kill().task_id().value() == "web-1");

  v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name("fw");
  const sched::Call update = calls::with_framework(calls::update_framework(info), fw);
  CHECK(update.framework_id().value() == fw.value());
  CHECK(update.update_framework().framework_info().id().value() == fw.value());

  sched::Call subscribe;
  subscribe.set_type(sched::Call::SUBSCRIBE);
  *subscribe.mutable_subscribe()->mutable_framework_info() = info;
  const sched::Call resubscribe = calls::with_framework(subscribe, fw);
  CHECK(resubscribe.framework_id().value() == fw.value());
  CHECK(resubscribe.subscribe().framework_info().id().value() == fw.value());

  // Other types get no sub-message from it.
  const sched::Call teardown = calls::with_framework(calls::teardown(), fw);
  CHECK_FALSE(teardown.has_subscribe());
  CHECK_FALSE(teardown.has_update_framework());
}

TEST_CASE("teardown: type only, no sub-message", "[calls]") {
  const sched::Call c = calls::teardown();
  CHECK(c.type() == sched::Call::TEARDOWN);
  CHECK_FALSE(c.has_framework_id());
  CHECK(c.ByteSizeLong() == 2);  // just the type field
  CHECK(json_of(calls::with_framework(c, fw)) ==
        R"({"framework_id":{"value":")" + fw.value() + R"("},"type":"TEARDOWN"})");
  check_encodes(c);
}

TEST_CASE("accept: offer ids, operations in order, filters", "[calls]") {
  const v1::Offer offer = mesos_http::test::sample_offer(3);
  const v1::TaskInfo t =
      calls::task_info("web", "web-1", offer.agent_id(), {calls::scalar_resource("cpus", 0.1)},
                       calls::command("sleep 10"));
  const v1::Resource disk = calls::scalar_resource("disk", 64);

  SECTION("from ids") {
    const auto o2 = mesos_http::test::sample_offer(53);  // same agent (index % 50)
    const sched::Call c =
        calls::accept({offer.id(), o2.id()}, {calls::reserve({disk}), calls::launch({t})},
                      calls::refuse_seconds(30));
    CHECK(c.type() == sched::Call::ACCEPT);
    CHECK_FALSE(c.has_framework_id());
    REQUIRE(c.has_accept());
    REQUIRE(c.accept().offer_ids_size() == 2);
    CHECK(c.accept().offer_ids(0).value() == offer.id().value());
    CHECK(c.accept().offer_ids(1).value() == o2.id().value());
    REQUIRE(c.accept().operations_size() == 2);
    CHECK(c.accept().operations(0).type() == v1::Offer::Operation::RESERVE);
    CHECK(c.accept().operations(1).type() == v1::Offer::Operation::LAUNCH);
    CHECK(same(c.accept().operations(1).launch().task_infos(0), t));
    REQUIRE(c.accept().has_filters());
    CHECK(c.accept().filters().refuse_seconds() == 30.0);
    check_encodes(c);
  }
  SECTION("one offer, no filters") {
    const sched::Call c = calls::accept(offer, {calls::launch({t})});
    REQUIRE(c.accept().offer_ids_size() == 1);
    CHECK(same(c.accept().offer_ids(0), offer.id()));
    CHECK(c.accept().operations_size() == 1);
    CHECK_FALSE(c.accept().has_filters());
    check_encodes(c);
  }
  SECTION("several offers") {
    const std::vector<v1::Offer> offers{offer, mesos_http::test::sample_offer(53)};
    const sched::Call c = calls::accept(offers, {}, calls::refuse_seconds(1));
    REQUIRE(c.accept().offer_ids_size() == 2);
    CHECK(same(c.accept().offer_ids(1), offers[1].id()));
    CHECK(c.accept().operations_size() == 0);
    CHECK(c.accept().filters().refuse_seconds() == 1.0);
    check_encodes(c);
  }
}

TEST_CASE("decline: offer ids and optional filters, from ids or offers", "[calls]") {
  const v1::Offer o1 = mesos_http::test::sample_offer(1);
  const v1::Offer o2 = mesos_http::test::sample_offer(2);

  const sched::Call by_ids = calls::decline({o1.id(), o2.id()}, calls::refuse_seconds(3600));
  CHECK(by_ids.type() == sched::Call::DECLINE);
  REQUIRE(by_ids.has_decline());
  REQUIRE(by_ids.decline().offer_ids_size() == 2);
  CHECK(by_ids.decline().offer_ids(0).value() == o1.id().value());
  CHECK(by_ids.decline().offer_ids(1).value() == o2.id().value());
  CHECK(by_ids.decline().filters().refuse_seconds() == 3600.0);
  check_encodes(by_ids);

  const sched::Call one = calls::decline(o1);
  REQUIRE(one.decline().offer_ids_size() == 1);
  CHECK(same(one.decline().offer_ids(0), o1.id()));
  CHECK_FALSE(one.decline().has_filters());
  check_encodes(one);

  CHECK(same(calls::decline(std::vector<v1::Offer>{o1, o2}, calls::refuse_seconds(3600)), by_ids));

  sched::Event::Offers event;
  *event.add_offers() = o1;
  *event.add_offers() = o2;
  CHECK(same(calls::decline(event.offers(), calls::refuse_seconds(3600)), by_ids));
}

TEST_CASE("decline_into rebuilds a reused call, whatever it held", "[calls]") {
  const v1::Offer o1 = mesos_http::test::sample_offer(1);
  const v1::Offer o2 = mesos_http::test::sample_offer(2);
  sched::Event::Offers two, one;
  *two.add_offers() = o1;
  *two.add_offers() = o2;
  *one.add_offers() = o2;

  sched::Call reused = calls::kill(calls::id<v1::TaskID>("t"));  // something else before
  calls::decline_into(reused, two.offers(), calls::refuse_seconds(3600));
  CHECK(same(reused, calls::decline(two.offers(), calls::refuse_seconds(3600))));
  // Fewer offers and no filters next time: nothing of the last DECLINE stays.
  calls::decline_into(reused, one.offers());
  CHECK(same(reused, calls::decline(one.offers())));
  CHECK_FALSE(reused.has_kill());
  check_encodes(reused);
}

TEST_CASE("inverse offers: ids and filters", "[calls]") {
  v1::InverseOffer inverse;
  inverse.mutable_id()->set_value("io-1");
  const v1::OfferID io2 = calls::id<v1::OfferID>("io-2");

  const sched::Call accept =
      calls::accept_inverse_offers({inverse.id(), io2}, calls::refuse_seconds(60));
  CHECK(accept.type() == sched::Call::ACCEPT_INVERSE_OFFERS);
  REQUIRE(accept.accept_inverse_offers().inverse_offer_ids_size() == 2);
  CHECK(accept.accept_inverse_offers().inverse_offer_ids(0).value() == "io-1");
  CHECK(accept.accept_inverse_offers().inverse_offer_ids(1).value() == "io-2");
  CHECK(accept.accept_inverse_offers().filters().refuse_seconds() == 60.0);
  check_encodes(accept);

  const sched::Call accept_one = calls::accept_inverse_offers(inverse);
  REQUIRE(accept_one.accept_inverse_offers().inverse_offer_ids_size() == 1);
  CHECK_FALSE(accept_one.accept_inverse_offers().has_filters());
  check_encodes(accept_one);

  const sched::Call decline = calls::decline_inverse_offers({io2});
  CHECK(decline.type() == sched::Call::DECLINE_INVERSE_OFFERS);
  REQUIRE(decline.has_decline_inverse_offers());
  REQUIRE(decline.decline_inverse_offers().inverse_offer_ids_size() == 1);
  CHECK(decline.decline_inverse_offers().inverse_offer_ids(0).value() == "io-2");
  CHECK_FALSE(decline.decline_inverse_offers().has_filters());
  check_encodes(decline);

  const sched::Call decline_one = calls::decline_inverse_offers(inverse, calls::refuse_seconds(5));
  CHECK(decline_one.decline_inverse_offers().inverse_offer_ids(0).value() == "io-1");
  CHECK(decline_one.decline_inverse_offers().filters().refuse_seconds() == 5.0);
  check_encodes(decline_one);
}

TEST_CASE("revive and suppress: sub-message only with roles", "[calls]") {
  const sched::Call revive_all = calls::revive();
  CHECK(revive_all.type() == sched::Call::REVIVE);
  CHECK_FALSE(revive_all.has_revive());
  CHECK(json_of(calls::with_framework(revive_all, fw)).find("\"revive\"") == std::string::npos);
  check_encodes(revive_all);

  const sched::Call revive_some = calls::revive({"web", "batch/nightly"});
  REQUIRE(revive_some.has_revive());
  REQUIRE(revive_some.revive().roles_size() == 2);
  CHECK(revive_some.revive().roles(0) == "web");
  CHECK(revive_some.revive().roles(1) == "batch/nightly");
  check_encodes(revive_some);

  const sched::Call suppress_all = calls::suppress();
  CHECK(suppress_all.type() == sched::Call::SUPPRESS);
  CHECK_FALSE(suppress_all.has_suppress());
  check_encodes(suppress_all);

  const sched::Call suppress_some = calls::suppress({"web"});
  REQUIRE(suppress_some.has_suppress());
  REQUIRE(suppress_some.suppress().roles_size() == 1);
  CHECK(suppress_some.suppress().roles(0) == "web");
  check_encodes(suppress_some);
}

TEST_CASE("kill: task id, optional agent and kill policy", "[calls]") {
  const sched::Call bare = calls::kill(task);
  CHECK(bare.type() == sched::Call::KILL);
  REQUIRE(bare.has_kill());
  CHECK(bare.kill().task_id().value() == "web-1");
  CHECK_FALSE(bare.kill().has_agent_id());
  CHECK_FALSE(bare.kill().has_kill_policy());
  check_encodes(bare);

  using namespace std::chrono_literals;
  const v1::KillPolicy policy = calls::kill_policy(2500ms);
  CHECK(policy.grace_period().nanoseconds() == 2'500'000'000);
  const sched::Call full = calls::kill(task, agent, policy);
  CHECK(full.kill().agent_id().value() == agent.value());
  CHECK(full.kill().kill_policy().grace_period().nanoseconds() == 2'500'000'000);
  check_encodes(full);
}

TEST_CASE("shutdown: executor and agent", "[calls]") {
  const sched::Call c = calls::shutdown(calls::id<v1::ExecutorID>("exec-1"), agent);
  CHECK(c.type() == sched::Call::SHUTDOWN);
  CHECK(c.shutdown().executor_id().value() == "exec-1");
  CHECK(c.shutdown().agent_id().value() == agent.value());
  check_encodes(c);
}

TEST_CASE("acknowledge echoes agent id, task id and the 16 uuid bytes", "[calls]") {
  v1::TaskStatus status;
  *status.mutable_task_id() = task;
  status.set_state(v1::TASK_RUNNING);
  *status.mutable_agent_id() = agent;
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK_FALSE(calls::needs_acknowledgement(status));  // e.g. a reconciliation answer
  status.set_uuid(uuid_v4());
  CHECK(calls::needs_acknowledgement(status));

  const sched::Call c = calls::acknowledge(status);
  CHECK(c.type() == sched::Call::ACKNOWLEDGE);
  CHECK_FALSE(c.has_framework_id());
  REQUIRE(c.has_acknowledge());
  CHECK(c.acknowledge().agent_id().value() == agent.value());
  CHECK(c.acknowledge().task_id().value() == "web-1");
  CHECK(c.acknowledge().uuid() == uuid_v4());
  CHECK(c.acknowledge().uuid().size() == 16);
  check_encodes(c);
  // JSON carries the bytes as padded base64.
  CHECK(json_of(calls::with_framework(c, fw)).find(R"("uuid":"ASNFZ4mrTN6AEjRWeJq83g==")") !=
        std::string::npos);

  CHECK(same(calls::acknowledge(agent, task, uuid_v4()), c));
}

TEST_CASE("acknowledge_operation_status: uuid value, operation id, agent, provider", "[calls]") {
  v1::OperationStatus status;
  status.mutable_operation_id()->set_value("op-1");
  status.set_state(v1::OPERATION_FINISHED);
  *status.mutable_agent_id() = agent;
  CHECK_FALSE(calls::needs_acknowledgement(status));
  status.mutable_uuid()->set_value(uuid_v4());
  CHECK(calls::needs_acknowledgement(status));

  const sched::Call c = calls::acknowledge_operation_status(status);
  CHECK(c.type() == sched::Call::ACKNOWLEDGE_OPERATION_STATUS);
  const auto& ack = c.acknowledge_operation_status();
  CHECK(ack.uuid() == uuid_v4());
  CHECK(ack.operation_id().value() == "op-1");
  CHECK(ack.agent_id().value() == agent.value());
  CHECK_FALSE(ack.has_resource_provider_id());
  check_encodes(c);

  status.mutable_resource_provider_id()->set_value("rp-1");
  const sched::Call with_rp = calls::acknowledge_operation_status(status);
  CHECK(with_rp.acknowledge_operation_status().resource_provider_id().value() == "rp-1");
  check_encodes(with_rp);

  // A status without agent id: the caller supplies it.
  status.clear_agent_id();
  const sched::Call no_agent = calls::acknowledge_operation_status(status);
  CHECK_FALSE(no_agent.acknowledge_operation_status().has_agent_id());
  const sched::Call given = calls::acknowledge_operation_status(
      status, calls::id<v1::AgentID>("S9"), calls::id<v1::ResourceProviderID>("rp-2"));
  CHECK(given.acknowledge_operation_status().agent_id().value() == "S9");
  CHECK(given.acknowledge_operation_status().resource_provider_id().value() == "rp-2");
  const sched::Call given_agent_only =
      calls::acknowledge_operation_status(status, calls::id<v1::AgentID>("S9"));
  CHECK(given_agent_only.acknowledge_operation_status().resource_provider_id().value() == "rp-1");
  check_encodes(given);
}

TEST_CASE("reconcile: explicit tasks with optional agent, or implicit (empty)", "[calls]") {
  const sched::Call implicit = calls::reconcile();
  CHECK(implicit.type() == sched::Call::RECONCILE);
  CHECK(implicit.has_reconcile());  // required by validation, even empty
  CHECK(implicit.reconcile().tasks_size() == 0);
  CHECK(json_of(calls::with_framework(implicit, fw)).find(R"("reconcile":{})") !=
        std::string::npos);
  check_encodes(implicit);

  v1::TaskStatus status;
  status.mutable_task_id()->set_value("web-2");
  status.set_state(v1::TASK_STAGING);
  *status.mutable_agent_id() = agent;
  const sched::Call explicit_ = calls::reconcile(
      {{task, std::nullopt}, calls::task_of(status), {calls::id<v1::TaskID>("web-3"), agent}});
  REQUIRE(explicit_.reconcile().tasks_size() == 3);
  CHECK(explicit_.reconcile().tasks(0).task_id().value() == "web-1");
  CHECK_FALSE(explicit_.reconcile().tasks(0).has_agent_id());
  CHECK(explicit_.reconcile().tasks(1).task_id().value() == "web-2");
  CHECK(explicit_.reconcile().tasks(1).agent_id().value() == agent.value());
  CHECK(explicit_.reconcile().tasks(2).task_id().value() == "web-3");
  check_encodes(explicit_);

  status.clear_agent_id();
  CHECK_FALSE(calls::task_of(status).agent_id.has_value());
}

TEST_CASE("reconcile_operations: operation ids with optional agent and provider", "[calls]") {
  const sched::Call all = calls::reconcile_operations();
  CHECK(all.type() == sched::Call::RECONCILE_OPERATIONS);
  CHECK(all.has_reconcile_operations());
  CHECK(all.reconcile_operations().operations_size() == 0);
  check_encodes(all);

  const sched::Call some = calls::reconcile_operations(
      {{calls::id<v1::OperationID>("op-1"), std::nullopt, std::nullopt},
       {calls::id<v1::OperationID>("op-2"), agent, calls::id<v1::ResourceProviderID>("rp")}});
  REQUIRE(some.reconcile_operations().operations_size() == 2);
  const auto& op1 = some.reconcile_operations().operations(0);
  CHECK(op1.operation_id().value() == "op-1");
  CHECK_FALSE(op1.has_agent_id());
  CHECK_FALSE(op1.has_resource_provider_id());
  const auto& op2 = some.reconcile_operations().operations(1);
  CHECK(op2.agent_id().value() == agent.value());
  CHECK(op2.resource_provider_id().value() == "rp");
  check_encodes(some);
}

TEST_CASE("message: agent, executor, raw bytes", "[calls]") {
  const std::string data("\x00\xffhello", 7);
  const sched::Call c = calls::message(agent, calls::id<v1::ExecutorID>("exec-1"), data);
  CHECK(c.type() == sched::Call::MESSAGE);
  CHECK(c.message().agent_id().value() == agent.value());
  CHECK(c.message().executor_id().value() == "exec-1");
  CHECK(c.message().data() == data);
  check_encodes(c);
}

TEST_CASE("request: the requests in order", "[calls]") {
  v1::Request r1;
  *r1.mutable_agent_id() = agent;
  *r1.add_resources() = calls::scalar_resource("cpus", 2);
  const sched::Call c = calls::request({r1, v1::Request()});
  CHECK(c.type() == sched::Call::REQUEST);
  REQUIRE(c.request().requests_size() == 2);
  CHECK(same(c.request().requests(0), r1));
  CHECK(c.request().requests(1).resources_size() == 0);
  check_encodes(c);
  // An empty list still sends the (required) sub-message.
  CHECK(calls::request({}).has_request());
}

TEST_CASE("update_framework: complete FrameworkInfo, framework_id from its id", "[calls]") {
  v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name("fw");
  *info.mutable_id() = fw;
  info.add_roles("web");
  info.add_roles("batch");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);

  const sched::Call plain = calls::update_framework(info);
  CHECK(plain.type() == sched::Call::UPDATE_FRAMEWORK);
  CHECK(plain.framework_id().value() == fw.value());
  CHECK(same(plain.update_framework().framework_info(), info));
  CHECK(plain.update_framework().suppressed_roles_size() == 0);
  CHECK_FALSE(plain.update_framework().has_offer_constraints());
  check_encodes(plain);

  sched::OfferConstraints constraints;
  auto* group = (*constraints.mutable_role_constraints())["web"].add_groups();
  auto* constraint = group->add_attribute_constraints();
  constraint->mutable_selector()->set_attribute_name("rack");
  constraint->mutable_predicate()->mutable_text_equals()->set_value("r1");
  const sched::Call full = calls::update_framework(info, {"batch"}, constraints);
  REQUIRE(full.update_framework().suppressed_roles_size() == 1);
  CHECK(full.update_framework().suppressed_roles(0) == "batch");
  CHECK(same(full.update_framework().offer_constraints(), constraints));
  check_encodes(full);

  // Without an id the builder cannot know it: framework_id stays unset.
  info.clear_id();
  const sched::Call no_id = calls::update_framework(info);
  CHECK_FALSE(no_id.has_framework_id());
  CHECK_FALSE(no_id.update_framework().framework_info().has_id());
}

TEST_CASE("offer operations: type and sub-message", "[calls]") {
  using op = v1::Offer::Operation;
  const v1::Resource cpus = calls::scalar_resource("cpus", 1);
  const v1::Resource disk = calls::scalar_resource("disk", 128);
  const v1::Resource more = calls::scalar_resource("disk", 64);
  const v1::TaskInfo t = calls::task_info("t", "t-1", agent, {cpus}, calls::command("echo hi"));

  const op launch = calls::launch({t, t});
  CHECK(launch.type() == op::LAUNCH);
  CHECK(launch.launch().task_infos_size() == 2);
  CHECK_FALSE(launch.has_id());

  v1::ExecutorInfo executor;
  executor.mutable_executor_id()->set_value("group-exec");
  const op group = calls::launch_group(executor, std::vector<v1::TaskInfo>{t});
  CHECK(group.type() == op::LAUNCH_GROUP);
  CHECK(group.launch_group().executor().type() == v1::ExecutorInfo::DEFAULT);
  CHECK(group.launch_group().executor().executor_id().value() == "group-exec");
  REQUIRE(group.launch_group().task_group().tasks_size() == 1);
  CHECK(same(group.launch_group().task_group().tasks(0), t));
  executor.set_type(v1::ExecutorInfo::CUSTOM);  // an explicit type is kept
  CHECK(calls::launch_group(executor, v1::TaskGroupInfo()).launch_group().executor().type() ==
        v1::ExecutorInfo::CUSTOM);

  const op reserve = calls::reserve({cpus}, {disk});
  CHECK(reserve.type() == op::RESERVE);
  REQUIRE(reserve.reserve().resources_size() == 1);
  CHECK(same(reserve.reserve().resources(0), cpus));
  REQUIRE(reserve.reserve().source_size() == 1);
  CHECK(same(reserve.reserve().source(0), disk));
  CHECK(calls::reserve({cpus}).reserve().source_size() == 0);

  const op unreserve = calls::unreserve({cpus});
  CHECK(unreserve.type() == op::UNRESERVE);
  CHECK(same(unreserve.unreserve().resources(0), cpus));

  const op create = calls::create({disk});
  CHECK(create.type() == op::CREATE);
  CHECK(same(create.create().volumes(0), disk));

  const op destroy = calls::destroy({disk, more});
  CHECK(destroy.type() == op::DESTROY);
  CHECK(destroy.destroy().volumes_size() == 2);

  const op grow = calls::grow_volume(disk, more);
  CHECK(grow.type() == op::GROW_VOLUME);
  CHECK(same(grow.grow_volume().volume(), disk));
  CHECK(same(grow.grow_volume().addition(), more));

  const op shrink = calls::shrink_volume(disk, 32);
  CHECK(shrink.type() == op::SHRINK_VOLUME);
  CHECK(same(shrink.shrink_volume().volume(), disk));
  CHECK(shrink.shrink_volume().subtract().value() == 32.0);

  const op create_disk =
      calls::create_disk(disk, v1::Resource::DiskInfo::Source::MOUNT, std::string("fast"));
  CHECK(create_disk.type() == op::CREATE_DISK);
  CHECK(same(create_disk.create_disk().source(), disk));
  CHECK(create_disk.create_disk().target_type() == v1::Resource::DiskInfo::Source::MOUNT);
  CHECK(create_disk.create_disk().target_profile() == "fast");
  CHECK_FALSE(calls::create_disk(disk, v1::Resource::DiskInfo::Source::BLOCK)
                  .create_disk()
                  .has_target_profile());

  const op destroy_disk = calls::destroy_disk(disk);
  CHECK(destroy_disk.type() == op::DESTROY_DISK);
  CHECK(same(destroy_disk.destroy_disk().source(), disk));

  const op with_id = calls::with_operation_id(create, calls::id<v1::OperationID>("op-7"));
  CHECK(with_id.id().value() == "op-7");
  CHECK(with_id.type() == op::CREATE);

  // All of them, in one ACCEPT, encode in both content types.
  check_encodes(calls::accept({calls::id<v1::OfferID>("O1")},
                              {launch, group, reserve, unreserve, create, destroy, grow, shrink,
                               create_disk, destroy_disk, with_id}));
}

TEST_CASE("task helpers", "[calls]") {
  const v1::CommandInfo cmd = calls::command("echo hi && sleep 1");
  CHECK(cmd.value() == "echo hi && sleep 1");
  CHECK(cmd.has_shell());
  CHECK(cmd.shell());

  const v1::Resource cpus = calls::scalar_resource("cpus", 0.1);
  CHECK(cpus.name() == "cpus");
  CHECK(cpus.type() == v1::Value::SCALAR);
  CHECK(cpus.scalar().value() == 0.1);
  CHECK_FALSE(cpus.has_allocation_info());
  CHECK(cpus.reservations_size() == 0);

  const v1::TaskInfo t =
      calls::task_info("web", "web-1", agent, {cpus, calls::scalar_resource("mem", 32)}, cmd);
  CHECK(t.name() == "web");
  CHECK(t.task_id().value() == "web-1");
  CHECK(t.agent_id().value() == agent.value());
  REQUIRE(t.resources_size() == 2);
  CHECK(t.resources(1).name() == "mem");
  CHECK(t.resources(1).scalar().value() == 32.0);
  CHECK(same(t.command(), cmd));
  CHECK_FALSE(t.has_executor());
  CHECK(t.IsInitialized());
}

// The scheduler client does not copy the framework id into every protobuf
// Call: it prepends the encoded field (framework_id is field 1, written first
// in protobuf's canonical order). That must give exactly the bytes of the
// Call with the id set, for every kind of call it is used for.
TEST_CASE("prepending the encoded framework_id equals setting it", "[calls]") {
  v1::FrameworkID id;
  id.set_value("5e1c7a62-4c1b-4f4f-8d36-000000000000-0000");
  sched::Call only_id;
  *only_id.mutable_framework_id() = id;
  const std::string field = only_id.SerializePartialAsString();
  v1::Offer offer;
  offer.mutable_id()->set_value("O1");
  for (const sched::Call& call :
       {calls::decline(std::vector<v1::Offer>{offer}, calls::refuse_seconds(5)), calls::revive(),
        calls::reconcile(), calls::teardown(), calls::kill(calls::id<v1::TaskID>("t"))}) {
    INFO(sched::Call::Type_Name(call.type()));
    std::string without, with;
    diagnostics diag;
    REQUIRE_FALSE(codec(content_type::protobuf).encode(call, without, diag));
    REQUIRE_FALSE(
        codec(content_type::protobuf).encode(calls::with_framework(call, id), with, diag));
    CHECK(field + without == with);
  }
}
