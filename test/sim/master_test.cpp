// The simulated master over real loopback sockets: raw HTTP requests in both
// content types, status codes and headers as Mesos sends them, the event
// stream, a whole launch with acknowledgements, and the fault knobs.
#include "sim/master_fixture.hpp"

#include <nlohmann/json.hpp>

using namespace mesos_http::test::sim_fixture;
namespace sim = mesos_http::sim;

TEST_CASE("sim master streams SUBSCRIBED then HEARTBEAT as Mesos does", "[sim][master]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  raw_connection c(master.port());
  c.send(scheduler_call(subscribe_call(), type));
  auto header = c.read_header();
  CHECK(header.status == 200);
  CHECK(header.header("content-type") == std::string(mesos_http::media_type(type)));
  CHECK(header.header("transfer-encoding") == "chunked");
  CHECK(header.header("mesos-stream-id").size() == 36);
  CHECK(header.header("content-length").empty());
  CHECK_FALSE(header.header("date").empty());

  auto first = c.next_record();
  REQUIRE(first);
  auto subscribed_event = decode_event(*first, type);
  REQUIRE(subscribed_event.type() == sched::Event::SUBSCRIBED);
  CHECK(subscribed_event.subscribed().framework_id().value().size() > 5);
  CHECK(subscribed_event.subscribed().heartbeat_interval_seconds() == Approx(0.2));
  CHECK(subscribed_event.subscribed().master_info().port() == master.port());
  auto second = c.next_record();
  REQUIRE(second);
  CHECK(decode_event(*second, type).type() == sched::Event::HEARTBEAT);
}

TEST_CASE("sim master answers bad requests with Mesos's codes", "[sim][master]") {
  running_master master;
  auto port = master.port();
  std::string body = R"({"type":"SUBSCRIBE"})";

  auto get = post(port, "GET /api/v1/scheduler HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(get.status == 405);
  CHECK(get.header("allow") == "POST");

  auto no_type = post(port, scheduler_post(body, std::nullopt));
  CHECK(no_type.status == 400);
  CHECK(no_type.body == "Expecting 'Content-Type' to be present");

  auto wrong_type = post(port, scheduler_post(body, "application/json; charset=utf-8"));
  CHECK(wrong_type.status == 415);

  auto with_stream = post(port, scheduler_post(R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}})",
                                               "application/json", {{"Mesos-Stream-Id", "x"}}));
  CHECK(with_stream.status == 400);

  auto unknown = post(port, scheduler_call([] {
                        sched::Call call;
                        call.set_type(sched::Call::TEARDOWN);
                        call.mutable_framework_id()->set_value("no-such-framework");
                        return call;
                      }(), content_type::protobuf, "some-stream"));
  CHECK(unknown.status == 400);
  CHECK(unknown.body == "Framework cannot be found");

  auto not_found = post(port, "GET /nothing/here HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(not_found.status == 404);
}

TEST_CASE("sim master refuses oversized and malformed HTTP without dying", "[sim][master]") {
  auto config = running_master::fast_config();
  config.max_body_size = 1024;
  running_master master(config);
  auto too_big = post(master.port(), scheduler_post(std::string(4096, 'x'), "application/json"));
  CHECK(too_big.status == 413);
  auto garbage = post(master.port(), "THIS IS NOT HTTP\r\n\r\n");
  CHECK(garbage.status == 400);
  // Still serving.
  auto state = post(master.port(), "GET /state HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(state.status == 200);
}

TEST_CASE("sim master redirects when not leading and 503s without a leader", "[sim][master]") {
  running_master master;
  master->set_leader(false, std::string("127.0.0.1:5052"));
  auto redirected = post(master.port(), scheduler_call(subscribe_call(), content_type::json));
  CHECK(redirected.status == 307);
  CHECK(redirected.header("location") == "//127.0.0.1:5052/master/api/v1/scheduler");
  auto get = post(master.port(), "GET /api/v1/scheduler HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(get.status == 307);  // the leader check comes before the method check
  master->set_leader(false);
  auto none = post(master.port(), scheduler_call(subscribe_call(), content_type::json));
  CHECK(none.status == 503);
  CHECK(none.body == "No leader elected");
}

TEST_CASE("sim master: offers, decline, launch, updates and acknowledgements", "[sim][master]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  auto s = subscribe(master.port(), type);

  auto offers = s.next_of(sched::Event::OFFERS);
  REQUIRE(offers.offers().offers_size() >= 1);
  const auto& offer = offers.offers().offers(0);

  // Launch one task that finishes, on the first offer.
  raw_connection calls(master.port());
  calls.send(scheduler_call(launch_call(s, offer, "hello-1", "true"), type, s.stream_id));
  CHECK(calls.read_response().status == 202);
  auto states = ack_until(s, calls, "hello-1", mesos::v1::TASK_FINISHED);
  CHECK(states == std::vector<mesos::v1::TaskState>{mesos::v1::TASK_STARTING,
                                                    mesos::v1::TASK_RUNNING,
                                                    mesos::v1::TASK_FINISHED});

  // The state endpoint shows the finished task.
  auto state = nlohmann::json::parse(post(master.port(), "GET /state HTTP/1.1\r\nHost: x\r\n\r\n").body);
  CHECK(state.dump().find("hello-1") != std::string::npos);

  // A call with a stale stream id is refused.
  calls.send(scheduler_call(call_of(sched::Call::REVIVE, s), type, "0000-stale"));
  CHECK(calls.read_response().status == 400);

  // TEARDOWN ends the stream with a terminating chunk.
  calls.send(scheduler_call(call_of(sched::Call::TEARDOWN, s), type, s.stream_id));
  CHECK(calls.read_response().status == 202);
  while (s.stream->next_record()) {
  }
  CHECK(s.stream->saw_last_chunk());
}

TEST_CASE("sim master fault: the stream is cut after N events", "[sim][master][faults]") {
  running_master master;
  sim::fault_settings faults;
  faults.cut_stream_after_events = 2;
  master->set_faults(faults);
  auto s = subscribe(master.port(), content_type::json);  // event 1: SUBSCRIBED
  CHECK(s.next().type() == sched::Event::HEARTBEAT);       // event 2
  CHECK_FALSE(s.stream->next_record());
  CHECK_FALSE(s.stream->saw_last_chunk());  // cut, not ended
  CHECK(s.stream->decoder().at_record_boundary());
}

TEST_CASE("sim master fault: re-chunked streams carry the same records", "[sim][master][faults]") {
  running_master master;
  sim::fault_settings faults;
  faults.chunk_size = 3;
  master->set_faults(faults);
  auto s = subscribe(master.port(), content_type::protobuf);
  CHECK(s.next().type() == sched::Event::HEARTBEAT);
  CHECK(s.next_of(sched::Event::OFFERS).offers().offers_size() >= 1);
}

TEST_CASE("sim master fault: garbage in the stream breaks RecordIO framing", "[sim][master][faults]") {
  running_master master;
  sim::fault_settings faults;
  faults.garbage = "not a record\n";
  master->set_faults(faults);
  raw_connection c(master.port());
  c.send(scheduler_call(subscribe_call(), content_type::json));
  REQUIRE(c.read_header().status == 200);
  CHECK_FALSE(c.next_record());
  CHECK(c.decoder().error() == mesos_http::error::recordio_invalid_length);
}

TEST_CASE("sim master fault: the next N requests fail, then service resumes", "[sim][master][faults]") {
  running_master master;
  sim::fault_settings faults;
  faults.fail_next_requests = 2;
  faults.fail_status = 503;
  master->set_faults(faults);
  CHECK(post(master.port(), scheduler_call(subscribe_call(), content_type::json)).status == 503);
  CHECK(post(master.port(), "GET /state HTTP/1.1\r\nHost: x\r\n\r\n").status == 503);
  CHECK(post(master.port(), "GET /state HTTP/1.1\r\nHost: x\r\n\r\n").status == 200);
  auto log = master->call_log();
  REQUIRE(log.size() == 3);
  CHECK(log[0].status == 503);
  CHECK(log[2].status == 200);
}

TEST_CASE("sim master fault: heartbeats can be stopped", "[sim][master][faults]") {
  running_master master;
  sim::fault_settings faults;
  faults.stop_heartbeats = true;
  master->set_faults(faults);
  auto s = subscribe(master.port(), content_type::json);
  // With heartbeats stopped, the first event after SUBSCRIBED is an offer.
  CHECK(s.next().type() == sched::Event::OFFERS);
}
