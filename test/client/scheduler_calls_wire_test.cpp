// Every scheduler call, built with mesos_http::calls and sent by
// mesos_http::scheduler over loopback, is accepted by the simulated master;
// and every event the simulator can produce reaches the callbacks.
#include "scheduler_client_support.hpp"
#include "sim/master_fixture.hpp"

#include <mesos_http/scheduler_calls.hpp>

#include <set>

using namespace mesos_http;
using mesos_http::test::recording_client;
using mesos_http::test::sim_fixture::running_master;
namespace sched = mesos::v1::scheduler;

namespace {

std::string url_of(unsigned short port) { return "http://127.0.0.1:" + std::to_string(port); }

// A version-4 uuid: Mesos checks the version nibble.
std::string uuid_v4() {
  std::string bytes(16, '\x11');
  bytes[6] = '\x41';
  bytes[8] = '\x81';
  return bytes;
}

void accepted(recording_client& client, sched::Call call) {
  auto name = sched::Call::Type_Name(call.type());
  auto [ec, diag] = client.call(std::move(call));
  INFO(name << ": " << diag.to_string());
  CHECK_FALSE(ec);
}

bool has_update(recording_client& c, const std::string& task, mesos::v1::TaskState state) {
  for (const auto& e : c.events_) {
    if (e.type() == sched::Event::UPDATE && e.update().status().task_id().value() == task &&
        e.update().status().state() == state) {
      return true;
    }
  }
  return false;
}

// Acknowledges every update (the simulator, like an agent, holds a task's
// next update until the previous one is acknowledged) until `task` reached
// `state`.
void acknowledge_new(recording_client& client, std::set<std::string>& acked) {
  for (const auto& e : client.events_copy()) {
    const auto& status = e.update().status();
    if (e.type() != sched::Event::UPDATE || !calls::needs_acknowledgement(status)) continue;
    if (!acked.insert(status.uuid()).second) continue;
    accepted(client, calls::acknowledge(status));
  }
}

bool reach(recording_client& client, std::set<std::string>& acked, const std::string& task,
           mesos::v1::TaskState state) {
  for (int round = 0; round < 50; ++round) {
    std::size_t seen = client.events_copy().size();
    acknowledge_new(client, acked);
    if (client.wait([&] { return has_update(client, task, state); },
                    std::chrono::milliseconds(1))) {
      acknowledge_new(client, acked);
      return true;
    }
    client.wait([&] { return client.events_.size() > seen; }, std::chrono::milliseconds(500));
  }
  return false;
}

}  // namespace

TEST_CASE("every call is accepted and every simulated event is delivered", "[client][calls]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  auto master_config = running_master::fast_config();
  master_config.cluster.task_run_time = std::chrono::milliseconds(60000);  // stays RUNNING
  running_master master(master_config);
  auto config = test::client_config({url_of(master.port())}, content);
  recording_client client(config);
  REQUIRE(client.wait_events(sched::Event::OFFERS, 1));
  auto offer = client.last(sched::Event::OFFERS).offers().offers(0);
  const auto agent = offer.agent_id();

  auto task = calls::task_info("t1", "t1", agent, {calls::scalar_resource("cpus", 0.1)},
                               calls::command("sleep 60"));
  // No filter on what is left (Mesos's default is 5 s): the next offers come
  // with the next allocation round.
  accepted(client, calls::accept(offer, {calls::launch({task})}, calls::refuse_seconds(0)));
  std::set<std::string> acked;
  REQUIRE(reach(client, acked, "t1", mesos::v1::TASK_RUNNING));

  // An operation with an id is answered by an UPDATE_OPERATION_STATUS event.
  REQUIRE(client.wait_events(sched::Event::OFFERS, 2));
  auto reserve = calls::with_operation_id(calls::reserve({calls::scalar_resource("cpus", 0.1)}),
                                          calls::id<mesos::v1::OperationID>("op1"));
  accepted(client, calls::accept(client.last(sched::Event::OFFERS).offers().offers(0), {reserve},
                                 calls::refuse_seconds(0)));
  REQUIRE(client.wait_events(sched::Event::UPDATE_OPERATION_STATUS, 1));

  REQUIRE(client.wait([&] { return client->metrics().outstanding_acknowledgements == 0; }));

  REQUIRE(client.wait_events(sched::Event::OFFERS, 3));
  accepted(client, calls::decline(client.last(sched::Event::OFFERS).offers().offers(),
                                  calls::refuse_seconds(0.1)));
  accepted(client, calls::suppress());
  accepted(client, calls::revive());
  accepted(client, calls::accept_inverse_offers({calls::id<mesos::v1::OfferID>("io-1")}));
  accepted(client, calls::decline_inverse_offers({calls::id<mesos::v1::OfferID>("io-2")}));
  accepted(client, calls::reconcile({calls::task_ref{calls::id<mesos::v1::TaskID>("t1"), agent}}));
  accepted(client, calls::reconcile());
  accepted(client, calls::reconcile_operations());
  mesos::v1::OperationStatus op_status;
  op_status.mutable_operation_id()->set_value("op1");
  op_status.mutable_uuid()->set_value(uuid_v4());
  *op_status.mutable_agent_id() = agent;
  accepted(client, calls::acknowledge_operation_status(op_status));
  accepted(client, calls::message(agent, calls::id<mesos::v1::ExecutorID>("t1"), "ping"));
  REQUIRE(client.wait_events(sched::Event::MESSAGE, 1));
  CHECK(client.last(sched::Event::MESSAGE).message().data() == "ping");
  accepted(client, calls::request({}));
  auto info = config.framework;
  *info.mutable_id() = *client->framework_id();
  info.set_name("client-test-renamed");
  accepted(client, calls::update_framework(info));  // answered 200
  accepted(client, calls::kill(calls::id<mesos::v1::TaskID>("t1"), agent));
  REQUIRE(reach(client, acked, "t1", mesos::v1::TASK_KILLED));
  accepted(client, calls::shutdown(calls::id<mesos::v1::ExecutorID>("t1"), agent));

  // Agent loss: outstanding offers are rescinded and a FAILURE follows.
  REQUIRE(client.wait_events(sched::Event::OFFERS, 4));
  master->remove_agent(agent.value());
  REQUIRE(client.wait_events(sched::Event::RESCIND, 1));
  REQUIRE(client.wait_events(sched::Event::FAILURE, 1));
  CHECK(client.count(sched::Event::HEARTBEAT) >= 1);

  const auto subscribed_before = client.count(sched::Event::SUBSCRIBED);
  accepted(client, calls::teardown());
  // The framework is gone: the client stops instead of registering anew.
  REQUIRE(client.wait([&] { return client.run_result_.has_value(); }));
  CHECK(*client.run_result_ == mesos_http::error::stopped);
  CHECK(client->last_error().message().find("torn down") != std::string::npos);
  CHECK(client.count(sched::Event::SUBSCRIBED) == subscribed_before);
  auto m = client->metrics();
  for (auto type : {"ACCEPT", "DECLINE", "SUPPRESS", "REVIVE", "ACCEPT_INVERSE_OFFERS",
                    "DECLINE_INVERSE_OFFERS", "RECONCILE", "RECONCILE_OPERATIONS", "ACKNOWLEDGE",
                    "ACKNOWLEDGE_OPERATION_STATUS", "MESSAGE", "REQUEST", "UPDATE_FRAMEWORK",
                    "KILL", "SHUTDOWN", "TEARDOWN"}) {
    INFO(type);
    CHECK(m.calls_by_type[type] >= 1);
  }
  CHECK(m.call_failures_by_reason.empty());
}
