// Framework flows against the simulated master over loopback: reconcile,
// kill, failover of a framework (disconnect and resubscribe, a second
// instance taking over), master failover in an ensemble, agent loss, and the
// remaining fault knobs.
#include "sim/master_fixture.hpp"

#include <mesos_http/sim/ensemble.hpp>

#include <fstream>
#include <iterator>

using namespace mesos_http::test::sim_fixture;

TEST_CASE("sim flow: explicit and implicit reconciliation", "[sim][master][flows]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  calls.send(scheduler_call(launch_call(s, offer, "long-1", "sleep 30"), type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  ack_until(s, calls, "long-1", mesos::v1::TASK_RUNNING);

  sched::Call reconcile = call_of(sched::Call::RECONCILE, s);
  reconcile.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value("long-1");
  reconcile.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value("never-launched");
  calls.send(scheduler_call(reconcile, type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  std::map<std::string, mesos::v1::TaskState> answers;
  while (answers.size() < 2) {
    auto status = s.next_of(sched::Event::UPDATE).update().status();
    CHECK(status.reason() == mesos::v1::TaskStatus::REASON_RECONCILIATION);
    CHECK_FALSE(status.has_uuid());  // reconciliation answers are not acknowledged
    answers[status.task_id().value()] = status.state();
  }
  CHECK(answers["long-1"] == mesos::v1::TASK_RUNNING);
  CHECK(answers["never-launched"] == mesos::v1::TASK_LOST);

  sched::Call implicit_call = call_of(sched::Call::RECONCILE, s);
  implicit_call.mutable_reconcile();  // an empty task list: every task
  calls.send(scheduler_call(implicit_call, type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  auto implicit = s.next_of(sched::Event::UPDATE).update().status();
  CHECK(implicit.task_id().value() == "long-1");
  CHECK(implicit.state() == mesos::v1::TASK_RUNNING);
}

TEST_CASE("sim flow: KILL ends a running task in TASK_KILLED", "[sim][master][flows]") {
  running_master master;
  auto s = subscribe(master.port(), content_type::json);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  calls.send(scheduler_call(launch_call(s, offer, "victim", "sleep 30"), s.type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  ack_until(s, calls, "victim", mesos::v1::TASK_RUNNING);
  sched::Call kill = call_of(sched::Call::KILL, s);
  kill.mutable_kill()->mutable_task_id()->set_value("victim");
  calls.send(scheduler_call(kill, s.type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  ack_until(s, calls, "victim", mesos::v1::TASK_KILLED);
}

TEST_CASE("sim flow: a framework fails over and keeps its tasks", "[sim][master][flows]") {
  running_master master;
  auto first = subscribe(master.port(), content_type::protobuf);
  auto offer = first.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  calls.send(scheduler_call(launch_call(first, offer, "survivor", "sleep 30"), first.type,
                            first.stream_id));
  REQUIRE(calls.read_response().status == 202);
  ack_until(first, calls, "survivor", mesos::v1::TASK_RUNNING);

  // The scheduler process dies: its stream closes. Calls are now refused
  // with 403 until it subscribes again.
  first.stream.reset();
  int status = 0;
  for (int i = 0; i < 100 && status != 403; ++i) {
    raw_connection probe(master.port());
    probe.send(scheduler_call(call_of(sched::Call::REVIVE, first), first.type, first.stream_id));
    status = probe.read_response().status;
  }
  CHECK(status == 403);

  // A new instance resubscribes with the framework id: same framework, new
  // stream id, and the task is still there.
  auto second = subscribe(master.port(), content_type::protobuf, first.framework_id);
  CHECK(second.framework_id == first.framework_id);
  CHECK(second.stream_id != first.stream_id);
  raw_connection calls2(master.port());
  sched::Call reconcile = call_of(sched::Call::RECONCILE, second);
  reconcile.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value("survivor");
  calls2.send(scheduler_call(reconcile, second.type, second.stream_id));
  REQUIRE(calls2.read_response().status == 202);
  auto update = second.next_of(sched::Event::UPDATE).update().status();
  CHECK(update.task_id().value() == "survivor");
  CHECK(update.state() == mesos::v1::TASK_RUNNING);

  // The old stream id is no longer valid.
  calls2.send(scheduler_call(call_of(sched::Call::REVIVE, second), second.type, first.stream_id));
  CHECK(calls2.read_response().status == 400);
}

TEST_CASE("sim flow: a second instance takes the stream over", "[sim][master][flows]") {
  running_master master;
  auto first = subscribe(master.port(), content_type::json);
  auto second = subscribe(master.port(), content_type::json, first.framework_id);
  auto error = first.next_of(sched::Event::ERROR);
  CHECK(error.error().message() == "Framework failed over");
  while (first.stream->next_record()) {
  }
  CHECK(first.stream->saw_last_chunk());
  CHECK(second.framework_id == first.framework_id);
}

TEST_CASE("sim flow: master failover in an ensemble", "[sim][master][flows][ha]") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  auto config = running_master::fast_config();
  mesos_http::sim::ensemble masters(io.get_executor(), config, 2);
  REQUIRE_FALSE(masters.start());
  std::thread thread([&] { io.run(); });
  auto endpoints = masters.endpoints();
  auto port_of = [&](std::size_t i) { return masters.at(i).port(); };

  auto redirected = post(port_of(1), scheduler_call(subscribe_call(), content_type::json));
  CHECK(redirected.status == 307);
  CHECK(redirected.header("location") == "//" + endpoints[0] + "/master/api/v1/scheduler");

  auto s = subscribe(port_of(0), content_type::json);
  masters.elect(1);  // the leader "dies": its streams are cut
  while (s.stream->next_record()) {
  }
  CHECK_FALSE(s.stream->saw_last_chunk());
  auto again = subscribe(port_of(1), content_type::json, s.framework_id);
  CHECK(again.framework_id == s.framework_id);
  CHECK(post(port_of(0), scheduler_call(subscribe_call(), content_type::json)).header("location") ==
        "//" + endpoints[1] + "/master/api/v1/scheduler");

  masters.elect(std::nullopt);
  auto none = post(port_of(1), scheduler_call(subscribe_call(), content_type::json));
  CHECK(none.status == 503);
  CHECK(none.body == "No leader elected");

  masters.stop();
  work.reset();
  thread.join();
}

TEST_CASE("sim flow: a lost agent fails its tasks and sends FAILURE", "[sim][master][flows]") {
  running_master master;
  auto s = subscribe(master.port(), content_type::json);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  calls.send(scheduler_call(launch_call(s, offer, "doomed", "sleep 30"), s.type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  ack_until(s, calls, "doomed", mesos::v1::TASK_RUNNING);
  master->remove_agent(offer.agent_id().value());
  bool lost = false, failure = false;
  for (int i = 0; i < 100 && !(lost && failure); ++i) {
    auto e = s.next();
    if (e.type() == sched::Event::UPDATE && e.update().status().task_id().value() == "doomed") {
      lost = e.update().status().state() == mesos::v1::TASK_LOST;
    }
    if (e.type() == sched::Event::FAILURE) {
      failure = e.failure().agent_id().value() == offer.agent_id().value();
    }
  }
  CHECK(lost);
  CHECK(failure);
}

TEST_CASE("sim fault: the stream is cut at a byte offset, mid-record", "[sim][master][faults]") {
  running_master master;
  mesos_http::sim::fault_settings faults;
  faults.cut_stream_at_byte = 50;  // inside SUBSCRIBED
  master->set_faults(faults);
  raw_connection c(master.port());
  c.send(scheduler_call(subscribe_call(), content_type::json));
  REQUIRE(c.read_header().status == 200);
  CHECK_FALSE(c.next_record());
  CHECK_FALSE(c.saw_last_chunk());
  CHECK(c.unread().size() == 50);  // exactly 50 body bytes arrived, then EOF
}

TEST_CASE("sim fault: responses can be delayed", "[sim][master][faults]") {
  running_master master;
  mesos_http::sim::fault_settings faults;
  faults.response_delay = std::chrono::milliseconds(300);
  master->set_faults(faults);
  auto start = std::chrono::steady_clock::now();
  CHECK(post(master.port(), "GET /state HTTP/1.1\r\nHost: x\r\n\r\n").status == 200);
  // A lower bound only: the answer cannot come before the delay.
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
}

TEST_CASE("sim --record writes the raw event stream for mesos-http decode", "[sim][master]") {
  auto config = running_master::fast_config();
  config.record_file = temp_path("sim-record.rio");
  {
    running_master master(config);
    auto s = subscribe(master.port(), content_type::protobuf);
    s.next_of(sched::Event::OFFERS);
  }
  std::ifstream in(config.record_file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  mesos_http::recordio_decoder decoder;
  std::vector<sched::Event> events;
  REQUIRE_FALSE(decoder.feed(bytes, [&](std::string_view r) {
    events.push_back(decode_event(std::string(r), content_type::protobuf));
  }));
  REQUIRE(events.size() >= 3);
  CHECK(events[0].type() == sched::Event::SUBSCRIBED);
  CHECK(events[1].type() == sched::Event::HEARTBEAT);
  std::remove(config.record_file.c_str());
}
