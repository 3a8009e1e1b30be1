// The /sim/ control endpoints over loopback: faults, leadership, agent loss
// and the call log, each changing what a framework sees over HTTP. Also the
// principal check that needs the master's knowledge of FrameworkInfo.
#include "sim/master_fixture.hpp"

#include <mesos_http/sim/ensemble.hpp>

#include <nlohmann/json.hpp>

using namespace mesos_http::test::sim_fixture;
using nlohmann::json;

namespace {

mesos_http::test::raw_response control(unsigned short port, const std::string& method,
                                       const std::string& path, const std::string& body = "") {
  return post(port, method + " " + path + " HTTP/1.1\r\nHost: sim\r\nContent-Type: " +
                        "application/json\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n" + body);
}

json json_of(const mesos_http::test::raw_response& r) { return json::parse(r.body); }

// A SUBSCRIBE sent on its own connection: the response header.
mesos_http::test::raw_response try_subscribe(unsigned short port, content_type type) {
  raw_connection c(port);
  c.send(scheduler_call(subscribe_call(), type));
  return c.read_header();
}

}  // namespace

TEST_CASE("sim control: POST /sim/faults sets faults, GET shows them, DELETE clears them",
          "[sim][master][control]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  auto set = control(master.port(), "POST", "/sim/faults",
                     R"({"fail_next_requests": 2, "fail_status": 500})");
  REQUIRE(set.status == 200);
  CHECK(set.header("content-type") == "application/json");
  CHECK(json_of(set)["fail_next_requests"] == 2);
  CHECK(json_of(set)["fail_status"] == 500);

  // Control requests themselves are never failed (nor counted).
  CHECK(control(master.port(), "GET", "/sim/faults").status == 200);
  CHECK(try_subscribe(master.port(), type).status == 500);
  CHECK(try_subscribe(master.port(), type).status == 500);
  CHECK(try_subscribe(master.port(), type).status == 200);
  CHECK(json_of(control(master.port(), "GET", "/sim/faults"))["fail_next_requests"] == 0);

  // Members not given stay; every knob round-trips.
  const json all = {{"fail_next_requests", 0},
                    {"fail_status", 503},
                    {"response_delay_ms", 7},
                    {"stop_heartbeats", true},
                    {"cut_stream_after_events", 4},
                    {"cut_stream_at_byte", 900},
                    {"garbage", "xyz"},
                    {"chunk_size", 3}};
  CHECK(json_of(control(master.port(), "POST", "/sim/faults", all.dump())) == all);
  CHECK(json_of(control(master.port(), "POST", "/sim/faults", R"({"chunk_size": 5})"))["garbage"] ==
        "xyz");
  auto cleared = json_of(control(master.port(), "DELETE", "/sim/faults"));
  CHECK(cleared["chunk_size"] == 0);
  CHECK(cleared["stop_heartbeats"] == false);
  CHECK(cleared["fail_status"] == 503);
}

TEST_CASE("sim control: bad fault requests get 400 and change nothing", "[sim][master][control]") {
  running_master master;
  for (const char* body : {"not json", "[1]", R"({"frobnicate": 1})", R"({"chunk_size": -1})",
                           R"({"stop_heartbeats": 1})", R"({"fail_status": 42})",
                           R"({"chunk_size": 2, "garbage": 3})"}) {
    INFO(body);
    auto r = control(master.port(), "POST", "/sim/faults", body);
    CHECK(r.status == 400);
    CHECK_FALSE(r.body.empty());
  }
  CHECK(json_of(control(master.port(), "GET", "/sim/faults"))["chunk_size"] == 0);
  auto wrong = control(master.port(), "PUT", "/sim/faults", "{}");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("allow") == "GET, POST, DELETE");
  CHECK(control(master.port(), "GET", "/sim/nothing-here").status == 404);
}

TEST_CASE("sim control: stream faults set over HTTP shape the next stream",
          "[sim][master][control]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  SECTION("stop_heartbeats: no HEARTBEAT after SUBSCRIBED") {
    REQUIRE(control(master.port(), "POST", "/sim/faults", R"({"stop_heartbeats": true})").status ==
            200);
    auto s = subscribe(master.port(), type);
    CHECK(s.next().type() == sched::Event::OFFERS);
  }
  SECTION("cut_stream_after_events: the stream ends abruptly") {
    REQUIRE(
        control(master.port(), "POST", "/sim/faults", R"({"cut_stream_after_events": 1})").status ==
        200);
    auto s = subscribe(master.port(), type);  // reads SUBSCRIBED, the one event
    CHECK_FALSE(s.stream->next_record());
    CHECK_FALSE(s.stream->saw_last_chunk());
  }
  SECTION("chunk_size: records still decode across small chunks") {
    REQUIRE(control(master.port(), "POST", "/sim/faults", R"({"chunk_size": 3})").status == 200);
    auto s = subscribe(master.port(), type);
    CHECK(s.next().type() == sched::Event::HEARTBEAT);
  }
}

TEST_CASE("sim control: POST /sim/leader moves an ensemble's leadership",
          "[sim][master][control]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  mesos_http::sim::ensemble masters(io.get_executor(), running_master::fast_config(), 2);
  REQUIRE_FALSE(masters.start());
  std::thread thread([&] { io.run(); });
  unsigned short first = masters.at(0).port(), second = masters.at(1).port();

  auto moved = control(first, "POST", "/sim/leader", R"({"leader": 1})");
  REQUIRE(moved.status == 200);
  CHECK(json_of(moved)["leader"] == 1);
  CHECK(masters.leader() == std::optional<std::size_t>(1));
  auto redirect = try_subscribe(first, type);
  CHECK(redirect.status == 307);
  CHECK(redirect.header("location") ==
        "//" + masters.at(1).endpoint() + "/master/api/v1/scheduler");
  CHECK(try_subscribe(second, type).status == 200);

  CHECK(json_of(control(second, "POST", "/sim/leader", R"({"leader": null})"))["leader"].is_null());
  CHECK(try_subscribe(first, type).status == 503);
  CHECK(try_subscribe(second, type).status == 503);
  CHECK(control(first, "POST", "/sim/leader", R"({"leader": 2})").status == 400);
  CHECK(control(first, "POST", "/sim/leader", R"({"leader": "one"})").status == 400);
  CHECK(control(first, "POST", "/sim/leader", R"({})").status == 400);
  CHECK(control(first, "POST", "/sim/leader", R"({"leader": 0})").status == 200);
  CHECK(try_subscribe(first, type).status == 200);

  masters.stop();
  work.reset();
  thread.join();
}

TEST_CASE("sim control: a lone master can lose and regain the leadership",
          "[sim][master][control]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  REQUIRE(control(master.port(), "POST", "/sim/leader", R"({"leader": null})").status == 200);
  auto none = try_subscribe(master.port(), type);
  CHECK(none.status == 503);
  CHECK(control(master.port(), "POST", "/sim/leader", R"({"leader": 1})").status == 400);
  REQUIRE(control(master.port(), "POST", "/sim/leader", R"({"leader": 0})").status == 200);
  CHECK(try_subscribe(master.port(), type).status == 200);
}

TEST_CASE("sim control: POST /sim/agents/<id>/remove loses the agent", "[sim][master][control]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  const std::string path = "/sim/agents/" + offer.agent_id().value() + "/remove";
  auto removed = control(master.port(), "POST", path);
  REQUIRE(removed.status == 200);
  CHECK(json_of(removed)["removed"] == offer.agent_id().value());
  auto rescind = s.next_of(sched::Event::RESCIND);
  CHECK(rescind.rescind().offer_id().value() == offer.id().value());
  auto failure = s.next_of(sched::Event::FAILURE);
  CHECK(failure.failure().agent_id().value() == offer.agent_id().value());
  CHECK(control(master.port(), "POST", path).status == 404);  // already gone
  CHECK(control(master.port(), "GET", path).status == 405);
  CHECK(control(master.port(), "POST", "/sim/agents/nope/remove").status == 404);
}

TEST_CASE("sim control: GET /sim/calls is the call log", "[sim][master][control]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  auto s = subscribe(master.port(), type);
  raw_connection calls(master.port());
  calls.send(scheduler_call(call_of(sched::Call::REVIVE, s), type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  auto log = control(master.port(), "GET", "/sim/calls");
  REQUIRE(log.status == 200);
  json entries = json_of(log);
  REQUIRE(entries.size() == 2);  // control requests are not logged
  CHECK(entries[0]["call_type"] == "SUBSCRIBE");
  CHECK(entries[0]["status"] == 200);
  CHECK(entries[0]["framework_id"] == s.framework_id);
  CHECK(entries[1]["call_type"] == "REVIVE");
  CHECK(entries[1]["method"] == "POST");
  CHECK(entries[1]["target"] == "/api/v1/scheduler");
  CHECK(entries[1]["status"] == 202);
  CHECK(control(master.port(), "POST", "/sim/calls").status == 405);
}

TEST_CASE("sim master: a call authenticated as another principal than the framework's is 400",
          "[sim][master][control]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  auto config = running_master::fast_config();
  config.credentials = {{"alice", "a"}, {"bob", "b"}};
  running_master master(config);
  auto with_auth = [](std::string request, const std::string& basic) {
    return request.insert(request.find("\r\n") + 2, "Authorization: Basic " + basic + "\r\n");
  };
  const std::string alice = "YWxpY2U6YQ==", bob = "Ym9iOmI=";  // alice:a, bob:b

  auto sub = subscribe_call();
  sub.mutable_subscribe()->mutable_framework_info()->set_principal("alice");
  raw_connection stream(master.port());
  stream.send(with_auth(scheduler_call(sub, type), alice));
  auto header = stream.read_header();
  REQUIRE(header.status == 200);
  auto subscribed_event = decode_event(*stream.next_record(), type);
  sched::Call revive;
  revive.set_type(sched::Call::REVIVE);
  *revive.mutable_framework_id() = subscribed_event.subscribed().framework_id();
  const std::string request = scheduler_call(revive, type, header.header("mesos-stream-id"));

  auto as_bob = post(master.port(), with_auth(request, bob));
  CHECK(as_bob.status == 400);
  CHECK(as_bob.body ==
        "Authenticated principal 'bob' does not match principal 'alice' set in `FrameworkInfo`");
  CHECK(post(master.port(), with_auth(request, alice)).status == 202);
}
