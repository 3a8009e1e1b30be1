// mesos_http::scheduler against the simulated master with a maintenance
// window: the `inverse_offers` and `rescind_inverse_offer` callbacks, and
// ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS answered and recorded, in
// both content types.
#include "scheduler_client_support.hpp"
#include "sim/master_fixture.hpp"

#include <mesos_http/scheduler_calls.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>

using namespace mesos_http;
using mesos_http::test::recording_client;
using mesos_http::test::sim_fixture::running_master;
using nlohmann::json;
namespace sched = mesos::v1::scheduler;

namespace {

std::string url_of(unsigned short port) { return "http://127.0.0.1:" + std::to_string(port); }

// A /sim/ control request; the answer's JSON body (null when not 200).
json control(unsigned short port, const std::string& method, const std::string& path,
             const std::string& body = "") {
  auto r = test::sim_fixture::post(port, method + " " + path +
                                             " HTTP/1.1\r\nHost: sim\r\nContent-Length: " +
                                             std::to_string(body.size()) + "\r\n\r\n" + body);
  return r.status == 200 ? json::parse(r.body) : json();
}

// What the typed callbacks received, in order.
struct inverse_log {
  std::mutex mutex;
  std::vector<mesos::v1::InverseOffer> offered;
  std::vector<std::string> rescinded;

  std::size_t offered_count() {
    std::lock_guard<std::mutex> lock(mutex);
    return offered.size();
  }
  mesos::v1::InverseOffer offer(std::size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    return offered.at(i);
  }
  std::size_t rescinded_count() {
    std::lock_guard<std::mutex> lock(mutex);
    return rescinded.size();
  }
};

std::size_t count_of(const std::vector<sched::Event>& events, sched::Event::Type type) {
  return static_cast<std::size_t>(
      std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.type() == type; }));
}

}  // namespace

TEST_CASE("scheduler: inverse offers of a maintenance window reach the callbacks and are answered",
          "[client][maintenance]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  inverse_log log;
  auto customize = [&log](scheduler_handlers& on, recording_client& client) {
    // Each typed callback records, then wakes the test through the client's log.
    on.inverse_offers = [&log, &client](const sched::Event::InverseOffers& e) {
      {
        std::lock_guard<std::mutex> lock(log.mutex);
        log.offered.insert(log.offered.end(), e.inverse_offers().begin(), e.inverse_offers().end());
      }
      client.note("inverse_offers");
    };
    on.rescind_inverse_offer = [&log, &client](const sched::Event::RescindInverseOffer& e) {
      {
        std::lock_guard<std::mutex> lock(log.mutex);
        log.rescinded.push_back(e.inverse_offer_id().value());
      }
      client.note("rescind_inverse_offer");
    };
  };
  recording_client client(test::client_config({url_of(master.port())}, content), customize);
  REQUIRE(client.wait_events(sched::Event::OFFERS, 1));
  const std::string agent = client.last(sched::Event::OFFERS).offers().offers(0).agent_id().value();
  const std::string framework = client->framework_id()->value();
  const std::string path = "/sim/agents/" + agent + "/maintenance";

  json window = control(master.port(), "POST", path,
                        R"({"start_seconds_from_now":30,"duration_seconds":600})");
  REQUIRE(window.is_object());
  const std::int64_t start = window["unavailability"]["start"]["nanoseconds"];

  // The first inverse offer names the agent and the window.
  REQUIRE(client.wait([&] { return log.offered_count() >= 1; }));
  auto first = log.offer(0);
  CHECK(first.agent_id().value() == agent);
  CHECK(first.framework_id().value() == framework);
  CHECK(first.unavailability().start().nanoseconds() == start);
  CHECK(first.unavailability().duration().nanoseconds() == 600LL * 1000000000LL);
  CHECK(first.resources_size() == 0);
  // Regular offers for the agent now carry the window too.
  REQUIRE(client.wait_events(sched::Event::OFFERS, 2));
  CHECK(
      client.last(sched::Event::OFFERS).offers().offers(0).unavailability().start().nanoseconds() ==
      start);

  // ACCEPT, with no filter so that the master asks again at once.
  auto [accept_ec, accept_diag] =
      client.call(calls::accept_inverse_offers(first, calls::refuse_seconds(0)));
  INFO(accept_diag.to_string());
  REQUIRE_FALSE(accept_ec);
  REQUIRE(client.wait([&] { return log.offered_count() >= 2; }));
  auto second = log.offer(1);
  CHECK(second.id().value() != first.id().value());
  CHECK(second.agent_id().value() == agent);

  // DECLINE by id.
  auto [decline_ec, decline_diag] =
      client.call(calls::decline_inverse_offers({second.id()}, calls::refuse_seconds(0)));
  INFO(decline_diag.to_string());
  REQUIRE_FALSE(decline_ec);
  REQUIRE(client.wait([&] { return log.offered_count() >= 3; }));
  auto third = log.offer(2);

  // The master recorded both answers, in order.
  json status = control(master.port(), "GET", path);
  REQUIRE(status["answers"].size() == 2);
  CHECK(status["answers"][0]["inverse_offer_id"] == first.id().value());
  CHECK(status["answers"][0]["framework_id"] == framework);
  CHECK(status["answers"][0]["status"] == "ACCEPT");
  CHECK(status["answers"][1]["inverse_offer_id"] == second.id().value());
  CHECK(status["answers"][1]["status"] == "DECLINE");
  std::size_t accepted = 0, declined = 0;
  for (const auto& entry : master->call_log()) {
    if (entry.status != 202) continue;
    accepted += entry.call_type == "ACCEPT_INVERSE_OFFERS";
    declined += entry.call_type == "DECLINE_INVERSE_OFFERS";
  }
  CHECK(accepted == 1);
  CHECK(declined == 1);

  // Cancelling the window rescinds the one still outstanding.
  json cancelled = control(master.port(), "DELETE", path);
  REQUIRE(cancelled.is_object());
  REQUIRE(client.wait([&] { return log.rescinded_count() >= 1; }));
  {
    std::lock_guard<std::mutex> lock(log.mutex);
    CHECK(log.rescinded == std::vector<std::string>{third.id().value()});
  }

  // The generic `event` hook saw every one of them, as did the counters.
  auto events = client.events_copy();
  CHECK(count_of(events, sched::Event::INVERSE_OFFERS) == log.offered_count());
  CHECK(count_of(events, sched::Event::RESCIND_INVERSE_OFFER) == 1);
  auto metrics = client->metrics();
  CHECK(metrics.events_by_type["INVERSE_OFFERS"] == log.offered_count());
  CHECK(metrics.events_by_type["RESCIND_INVERSE_OFFER"] == 1);
  CHECK(metrics.calls_by_type["ACCEPT_INVERSE_OFFERS"] == 1);
  CHECK(metrics.calls_by_type["DECLINE_INVERSE_OFFERS"] == 1);
}
