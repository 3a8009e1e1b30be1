// detail::executor_fsm's bookkeeping: status updates kept until
// acknowledged, unacknowledged tasks, both re-sent in SUBSCRIBE; SHUTDOWN and
// ERROR events.
#include "executor_fsm_support.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mesos_http::test::xfsm;

TEST_CASE("executor fsm: updates and tasks are kept until acknowledged", "[executor_fsm]") {
  executor_fsm fsm(settings(true));
  subscribe(fsm, t0);
  fsm.on_event(launch("a"), t0);
  fsm.on_event(launch_group({"b", "c"}), t0);
  CHECK(task_ids(fsm.unacknowledged_tasks()) == std::vector<std::string>{"a", "b", "c"});

  Call call;
  diagnostics diag;
  REQUIRE_FALSE(fsm.update(status("a", mesos::v1::TASK_RUNNING), wall, call, diag));
  CHECK(call.type() == Call::UPDATE);
  CHECK(call.framework_id().value() == "fw-1");
  CHECK(call.executor_id().value() == "ex-1");
  const auto& st = call.update().status();
  CHECK(st.uuid() == uuid(1));
  CHECK(st.source() == mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(st.executor_id().value() == "ex-1");
  CHECK(st.timestamp() == 1795306092.0);
  REQUIRE_FALSE(fsm.update(status("b", mesos::v1::TASK_STARTING), wall, call, diag));
  REQUIRE_FALSE(fsm.update(status("b", mesos::v1::TASK_RUNNING), wall, call, diag));
  CHECK(update_uuids(fsm.unacknowledged_updates()) ==
        std::vector<std::string>{uuid(1), uuid(2), uuid(3)});
  CHECK(fsm.counters().pending_updates == 3);
  CHECK(fsm.counters().updates_sent == 3);

  fsm.on_event(ack("a", uuid(1)), t0);
  CHECK(update_uuids(fsm.unacknowledged_updates()) == std::vector<std::string>{uuid(2), uuid(3)});
  CHECK(task_ids(fsm.unacknowledged_tasks()) == std::vector<std::string>{"b", "c"});
  CHECK(fsm.counters().updates_acknowledged == 1);

  // Unknown acknowledgements change nothing: a repeat, a uuid of another
  // task, an unknown task.
  fsm.on_event(ack("a", uuid(1)), t0);
  fsm.on_event(ack("c", uuid(2)), t0);
  fsm.on_event(ack("zz", uuid(9)), t0);
  CHECK(fsm.counters().unknown_acknowledgements == 3);
  CHECK(fsm.counters().updates_acknowledged == 1);
  CHECK(update_uuids(fsm.unacknowledged_updates()) == std::vector<std::string>{uuid(2), uuid(3)});
  CHECK(task_ids(fsm.unacknowledged_tasks()) == std::vector<std::string>{"b", "c"});

  // Lost, then back: SUBSCRIBE carries both lists, in order, same uuids.
  auto d = fsm.on_connection_lost({}, "stream ended", t0 + seconds(1));
  // An update made while disconnected goes out with the next SUBSCRIBE.
  REQUIRE_FALSE(fsm.update(status("c", mesos::v1::TASK_RUNNING), wall, call, diag));
  REQUIRE(fsm.on_timer(d.deadline).next == executor_step::connect);
  Call sub = fsm.subscribe_call();
  CHECK(task_ids({sub.subscribe().unacknowledged_tasks().begin(),
                  sub.subscribe().unacknowledged_tasks().end()}) ==
        std::vector<std::string>{"b", "c"});
  CHECK(update_uuids(sub.subscribe().unacknowledged_updates()) ==
        std::vector<std::string>{uuid(2), uuid(3), uuid(4)});
  CHECK(sub.subscribe().unacknowledged_updates(0).status().state() == mesos::v1::TASK_STARTING);
  CHECK(google::protobuf::util::MessageDifferencer::Equals(
      sub.subscribe().unacknowledged_updates(1), fsm.unacknowledged_updates()[1]));
  for (content_type type : {content_type::protobuf, content_type::json}) {
    std::string bytes;
    CHECK_FALSE(codec(type).encode(sub, bytes, diag));
  }

  // Subscribed again; the agent repeats a launch: still one entry per task,
  // and asking for SUBSCRIBE twice gives the same call.
  fsm.on_response(200, "", d.deadline);
  fsm.on_event(subscribed_event(), d.deadline);
  fsm.on_event(launch("b"), d.deadline);
  CHECK(task_ids(fsm.unacknowledged_tasks()) == std::vector<std::string>{"b", "c"});
  CHECK(fsm.subscribe_call().SerializeAsString() == fsm.subscribe_call().SerializeAsString());
  CHECK(fsm.subscribe_call().subscribe().unacknowledged_updates_size() == 3);

  fsm.on_event(ack("b", uuid(3)), d.deadline);
  CHECK(update_uuids(fsm.unacknowledged_updates()) == std::vector<std::string>{uuid(2), uuid(4)});
  CHECK(task_ids(fsm.unacknowledged_tasks()) == std::vector<std::string>{"c"});
  fsm.on_event(ack("b", uuid(2)), d.deadline);
  fsm.on_event(ack("c", uuid(4)), d.deadline);
  CHECK(fsm.unacknowledged_updates().empty());
  CHECK(fsm.unacknowledged_tasks().empty());
  const auto c = fsm.counters();
  CHECK(c.pending_updates == 0);
  CHECK(c.unacknowledged_tasks == 0);
  CHECK(c.updates_sent == 4);
  CHECK(c.updates_acknowledged == 4);
  CHECK(c.resubscriptions == 1);
  const Call last = fsm.subscribe_call();
  CHECK(last.subscribe().unacknowledged_tasks_size() == 0);
  CHECK(last.subscribe().unacknowledged_updates_size() == 0);
}

TEST_CASE("executor fsm: updates the agent would refuse are not kept", "[executor_fsm]") {
  auto s = settings(true);
  executor_fsm fsm(s);
  subscribe(fsm, t0);
  Call call;
  call.set_type(Call::MESSAGE);
  diagnostics diag;
  CHECK(fsm.update(status("", mesos::v1::TASK_RUNNING), wall, call, diag) == error::invalid_update);
  CHECK(diag.message() == "status update without a task id");
  mesos::v1::TaskStatus no_id;
  no_id.set_state(mesos::v1::TASK_RUNNING);
  CHECK(fsm.update(no_id, wall, call, diag) == error::invalid_update);
  CHECK(fsm.update(status("a", mesos::v1::TASK_STAGING), wall, call, diag) ==
        error::invalid_update);
  CHECK(diag.message().find("TASK_STAGING") != std::string::npos);
  CHECK(call.type() == Call::MESSAGE);  // untouched
  CHECK(fsm.unacknowledged_updates().empty());
  CHECK(fsm.counters().updates_sent == 0);

  s.uuid = [] { return std::string("not-16"); };
  executor_fsm bad_uuids(s);
  CHECK(bad_uuids.update(status("a", mesos::v1::TASK_RUNNING), wall, call, diag) ==
        error::invalid_update);
  CHECK(diag.message().find("6 bytes") != std::string::npos);
  CHECK(bad_uuids.unacknowledged_updates().empty());

  // The default generator gives distinct version 4 uuids.
  s.uuid = nullptr;
  executor_fsm defaults(s);
  REQUIRE_FALSE(defaults.update(status("a", mesos::v1::TASK_RUNNING), wall, call, diag));
  const std::string first = call.update().status().uuid();
  REQUIRE_FALSE(defaults.update(status("a", mesos::v1::TASK_FINISHED), wall, call, diag));
  CHECK(first.size() == 16);
  CHECK(call.update().status().uuid() != first);
  CHECK((static_cast<unsigned char>(first[6]) >> 4) == 4);
}

TEST_CASE("executor fsm: SHUTDOWN keeps the connection until stop, loss or grace period",
          "[executor_fsm]") {
  executor_fsm fsm(settings(true));
  subscribe(fsm, t0);
  fsm.on_event(launch("a"), t0);
  const time_point at = t0 + seconds(10);
  auto d = fsm.on_event(typed(Event::SHUTDOWN), at);
  CHECK(d.next == executor_step::stream);
  CHECK(d.deadline == at + seconds(5));
  CHECK(fsm.shutdown_requested());
  CHECK(fsm.shutdown_deadline() == at + seconds(5));
  CHECK(fsm.subscribed());
  // A second SHUTDOWN does not move the deadline.
  CHECK(fsm.on_event(typed(Event::SHUTDOWN), at + seconds(1)).deadline == at + seconds(5));
  // Terminal updates and their acknowledgements still flow.
  Call call;
  diagnostics diag;
  REQUIRE_FALSE(fsm.update(status("a", mesos::v1::TASK_KILLED), wall, call, diag));
  fsm.on_event(ack("a", uuid(1)), at + seconds(1));
  CHECK(fsm.unacknowledged_updates().empty());

  SECTION("the application stops") {
    CHECK(fsm.stop(at + seconds(2)).next == executor_step::shutdown);
    CHECK(fsm.shutdown_reason() == error::stopped);
    CHECK(fsm.shutdown_deadline() == at + seconds(5));
  }
  SECTION("the connection ends: no retry, checkpointing or not") {
    CHECK(fsm.on_connection_lost({}, "stream ended", at + seconds(2)).next ==
          executor_step::shutdown);
    CHECK(fsm.shutdown_reason() == error::executor_shutdown);
    CHECK(fsm.shutdown_deadline() == at + seconds(5));
  }
  SECTION("the grace period ends") {
    CHECK(fsm.on_timer(at + seconds(5) - ms(1)).next == executor_step::stream);
    CHECK(fsm.on_timer(at + seconds(5)).next == executor_step::shutdown);
    CHECK(fsm.shutdown_reason() == error::executor_shutdown);
    CHECK(fsm.shutdown_diagnostics().message() == "shutdown grace period of 5000 ms over");
  }
}

TEST_CASE("executor fsm: SHUTDOWN instead of SUBSCRIBED, and ERROR", "[executor_fsm]") {
  executor_fsm fsm(settings(true));
  fsm.start(t0);
  fsm.on_response(200, "", t0);
  auto d = fsm.on_event(typed(Event::SHUTDOWN), t0 + ms(1));
  CHECK(d.next == executor_step::stream);
  CHECK(d.deadline == t0 + ms(1) + seconds(5));
  CHECK(fsm.on_connection_lost({}, "stream ended", t0 + ms(2)).next == executor_step::shutdown);
  CHECK(fsm.shutdown_reason() == error::executor_shutdown);

  executor_fsm other(settings(true));
  subscribe(other, t0);
  Event error_event = typed(Event::ERROR);
  error_event.mutable_error()->set_message("something broke");
  CHECK(other.on_event(error_event, t0).next == executor_step::shutdown);
  CHECK(other.shutdown_reason() == error::framework_error);
  CHECK(other.shutdown_diagnostics().message() == "agent sent ERROR: something broke");
}
