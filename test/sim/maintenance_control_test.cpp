// The /sim/agents/<id>/maintenance control endpoint over loopback: a window
// scheduled over HTTP turns into INVERSE_OFFERS on a framework's stream (in
// Mesos's JSON shape in JSON mode), answers show in the endpoint, and
// cancelling rescinds what is outstanding.
#include "sim/master_fixture.hpp"

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

// The next INVERSE_OFFERS event; in JSON mode also checks the record's
// shape against protocol.md (f): nested `inverse_offers.inverse_offers[]`,
// 64-bit nanoseconds as bare integers.
sched::Event next_inverse_offers(subscribed& s) {
  for (int i = 0; i < 1000; ++i) {
    auto record = s.stream->next_record();
    REQUIRE(record);
    auto event = decode_event(*record, s.type);
    if (event.type() != sched::Event::INVERSE_OFFERS) continue;
    if (s.type == content_type::json) {
      json j = json::parse(*record);
      CHECK(j["type"] == "INVERSE_OFFERS");
      const json& io = j["inverse_offers"]["inverse_offers"].at(0);
      CHECK(io["id"]["value"].is_string());
      CHECK(io["agent_id"]["value"].is_string());
      CHECK(io["framework_id"]["value"] == s.framework_id);
      CHECK(io["unavailability"]["start"]["nanoseconds"].is_number_integer());
      CHECK(io["url"]["address"]["port"] == 5051);
      CHECK_FALSE(io.contains("resources"));  // empty repeated fields are left out
    }
    return event;
  }
  FAIL("no INVERSE_OFFERS event");
  return {};
}

sched::Call answer(sched::Call::Type type, const subscribed& s, const std::string& id,
                   double refuse_seconds) {
  sched::Call call = call_of(type, s);
  mesos::v1::OfferID* target = nullptr;
  mesos::v1::Filters* filters = nullptr;
  if (type == sched::Call::ACCEPT_INVERSE_OFFERS) {
    target = call.mutable_accept_inverse_offers()->add_inverse_offer_ids();
    filters = call.mutable_accept_inverse_offers()->mutable_filters();
  } else {
    target = call.mutable_decline_inverse_offers()->add_inverse_offer_ids();
    filters = call.mutable_decline_inverse_offers()->mutable_filters();
  }
  target->set_value(id);
  filters->set_refuse_seconds(refuse_seconds);
  return call;
}

}  // namespace

TEST_CASE("sim control: POST /sim/agents/<id>/maintenance makes inverse offers",
          "[sim][master][control][maintenance]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master;
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  const std::string agent = offer.agent_id().value();
  const std::string path = "/sim/agents/" + agent + "/maintenance";

  auto none = control(master.port(), "GET", path);
  CHECK(none.status == 404);
  CHECK(none.body == "No maintenance is scheduled for agent '" + agent + "'");

  auto scheduled = control(master.port(), "POST", path,
                           R"({"start_seconds_from_now": 60, "duration_seconds": 3600.5})");
  REQUIRE(scheduled.status == 200);
  CHECK(scheduled.header("content-type") == "application/json");
  json window = json_of(scheduled);
  CHECK(window["agent_id"] == agent);
  CHECK(window["unavailability"]["duration"]["nanoseconds"] == 3600500000000LL);
  const std::int64_t start = window["unavailability"]["start"]["nanoseconds"];
  CHECK(window["answers"].empty());

  // The offer is rescinded and made again with the window, then the inverse offer.
  CHECK(s.next_of(sched::Event::RESCIND).rescind().offer_id().value() == offer.id().value());
  auto remade = s.next_of(sched::Event::OFFERS).offers().offers(0);
  CHECK(remade.unavailability().start().nanoseconds() == start);
  auto first = next_inverse_offers(s).inverse_offers().inverse_offers(0);
  CHECK(first.agent_id().value() == agent);
  CHECK(first.framework_id().value() == s.framework_id);
  CHECK(first.unavailability().start().nanoseconds() == start);
  CHECK(first.unavailability().duration().nanoseconds() == 3600500000000LL);
  json outstanding = json_of(control(master.port(), "GET", path))["inverse_offers"];
  REQUIRE(outstanding.size() == 1);
  CHECK(outstanding[0]["id"] == first.id().value());
  CHECK(outstanding[0]["framework_id"] == s.framework_id);

  // DECLINE with refuse_seconds 0: recorded, and a new inverse offer follows.
  raw_connection calls(master.port());
  calls.send(scheduler_call(answer(sched::Call::DECLINE_INVERSE_OFFERS, s, first.id().value(), 0),
                            type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  auto second = next_inverse_offers(s).inverse_offers().inverse_offers(0);
  CHECK(second.id().value() != first.id().value());
  calls.send(scheduler_call(answer(sched::Call::ACCEPT_INVERSE_OFFERS, s, "unknown", 0), type,
                            s.stream_id));
  REQUIRE(calls.read_response().status == 202);  // ignored, as Mesos does
  json status = json_of(control(master.port(), "GET", path));
  REQUIRE(status["answers"].size() == 1);
  CHECK(status["answers"][0]["inverse_offer_id"] == first.id().value());
  CHECK(status["answers"][0]["framework_id"] == s.framework_id);
  CHECK(status["answers"][0]["status"] == "DECLINE");
  CHECK(status["answers"][0]["timestamp"].is_number());

  // The call log has the answers too.
  json log = json_of(control(master.port(), "GET", "/sim/calls"));
  REQUIRE(log.size() == 3);
  CHECK(log[1]["call_type"] == "DECLINE_INVERSE_OFFERS");
  CHECK(log[1]["status"] == 202);
  CHECK(log[2]["call_type"] == "ACCEPT_INVERSE_OFFERS");

  // DELETE ends the window: the outstanding inverse offer is rescinded.
  auto cancelled = control(master.port(), "DELETE", path);
  REQUIRE(cancelled.status == 200);
  CHECK(json_of(cancelled)["answers"].size() == 1);
  CHECK(json_of(cancelled)["inverse_offers"][0]["id"] == second.id().value());
  auto rescind = s.next_of(sched::Event::RESCIND_INVERSE_OFFER);
  CHECK(rescind.rescind_inverse_offer().inverse_offer_id().value() == second.id().value());
  CHECK_FALSE(s.next_of(sched::Event::OFFERS).offers().offers(0).has_unavailability());
  CHECK(control(master.port(), "GET", path).status == 404);
  CHECK(control(master.port(), "DELETE", path).status == 404);
}

TEST_CASE("sim control: maintenance requests are checked", "[sim][master][control][maintenance]") {
  running_master master;
  auto s = subscribe(master.port(), content_type::protobuf);
  const std::string agent = s.next_of(sched::Event::OFFERS).offers().offers(0).agent_id().value();
  const std::string path = "/sim/agents/" + agent + "/maintenance";
  for (const char* body :
       {"not json", "[1]", R"({"frobnicate": 1})", R"({"duration_seconds": -1})",
        R"({"start_seconds_from_now": "soon"})", R"({"start_seconds_from_now": 1e12})"}) {
    INFO(body);
    auto r = control(master.port(), "POST", path, body);
    CHECK(r.status == 400);
    CHECK_FALSE(r.body.empty());
  }
  CHECK(control(master.port(), "GET", path).status == 404);  // nothing was scheduled

  // No body: the window starts now and has no end.
  auto now = control(master.port(), "POST", path);
  REQUIRE(now.status == 200);
  CHECK(json_of(now)["unavailability"]["start"]["nanoseconds"].is_number_integer());
  CHECK_FALSE(json_of(now)["unavailability"].contains("duration"));
  CHECK(control(master.port(), "POST", path, R"({"duration_seconds": null})").status == 200);

  auto wrong = control(master.port(), "PUT", path);
  CHECK(wrong.status == 405);
  CHECK(wrong.header("allow") == "GET, POST, DELETE");
  auto unknown = control(master.port(), "POST", "/sim/agents/nope/maintenance");
  CHECK(unknown.status == 404);
  CHECK(unknown.body == "Unknown agent 'nope'");
  CHECK(control(master.port(), "GET", "/sim/agents/nope/maintenance").status == 404);
  CHECK(control(master.port(), "POST", "/sim/agents/" + agent + "/other").status == 404);
  CHECK(control(master.port(), "POST", "/sim/agents/" + agent).status == 404);
}
