// sim::cluster: maintenance windows, inverse offers and the answers to them,
// with time as data.
#include "sim/cluster_harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace mesos_http;
using namespace mesos_http::test;

namespace {

// Unix nanoseconds of the harness's start (small_config's start_timestamp).
constexpr std::int64_t start_ns = 1700000000LL * 1000000000LL;

std::int64_t ns_since_start(const harness& h, sim::duration extra = {}) {
  return start_ns +
         std::chrono::duration_cast<std::chrono::nanoseconds>(h.now - h.start + extra).count();
}

sched::Call answer_call(sched::Call::Type type, const std::string& framework_id,
                        const std::vector<std::string>& ids,
                        std::optional<double> refuse_seconds = std::nullopt) {
  sched::Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(framework_id);
  auto* answer = type == sched::Call::ACCEPT_INVERSE_OFFERS
                     ? call.mutable_accept_inverse_offers()->mutable_inverse_offer_ids()
                     : call.mutable_decline_inverse_offers()->mutable_inverse_offer_ids();
  for (const auto& id : ids) answer->Add()->set_value(id);
  if (refuse_seconds) {
    auto* filters = type == sched::Call::ACCEPT_INVERSE_OFFERS
                        ? call.mutable_accept_inverse_offers()->mutable_filters()
                        : call.mutable_decline_inverse_offers()->mutable_filters();
    filters->set_refuse_seconds(*refuse_seconds);
  }
  return call;
}

std::vector<v1::InverseOffer> inverse_offers(const std::vector<sim::delivery>& d,
                                             const std::string& framework_id) {
  std::vector<v1::InverseOffer> out;
  for (const auto& e : harness::events(d, framework_id, sched::Event::INVERSE_OFFERS)) {
    for (const auto& io : e.inverse_offers().inverse_offers()) out.push_back(io);
  }
  return out;
}

std::vector<std::string> rescinded_inverse(const std::vector<sim::delivery>& d,
                                           const std::string& framework_id) {
  std::vector<std::string> out;
  for (const auto& e : harness::events(d, framework_id, sched::Event::RESCIND_INVERSE_OFFER)) {
    out.push_back(e.rescind_inverse_offer().inverse_offer_id().value());
  }
  return out;
}

// Subscribes one framework, lets it receive its offer, schedules maintenance
// on m-S0 and returns the first inverse offer it gets.
struct maintained {
  harness h;
  std::string fw;
  v1::InverseOffer first;

  explicit maintained(sim::cluster_config config = small_config()) : h(std::move(config)) {
    fw = h.subscribe();
    REQUIRE(h.offers_for(fw).size() == 1);
    REQUIRE(h.cluster.schedule_maintenance("m-S0", {std::chrono::hours(1), std::nullopt}, h.now));
    h.run_for(0ms);
    auto got = inverse_offers(h.take(), fw);
    REQUIRE(got.size() == 1);
    first = got[0];
  }
};

}  // namespace

TEST_CASE("maintenance: offers are remade with unavailability and users get inverse offers",
          "[sim][cluster][maintenance]") {
  auto config = small_config();
  config.agents.push_back(sim::agent_config{});
  harness h(config);
  framework_options a_opts, b_opts;
  a_opts.name = "a";
  b_opts.name = "b";
  std::string a = h.subscribe(a_opts), b = h.subscribe(b_opts);
  h.run_for(200ms);
  auto first = h.take();
  // One agent each; find who holds m-S0.
  std::string holder, other;
  v1::Offer held;
  for (const auto& fw : {a, b}) {
    for (const auto& e : harness::events(first, fw, sched::Event::OFFERS)) {
      for (const auto& o : e.offers().offers()) {
        if (o.agent_id().value() == "m-S0") {
          holder = fw;
          held = o;
        }
      }
    }
  }
  REQUIRE_FALSE(holder.empty());
  other = holder == a ? b : a;
  CHECK_FALSE(held.has_unavailability());

  sim::maintenance_window window{10s, std::chrono::hours(2)};
  REQUIRE(h.cluster.schedule_maintenance("m-S0", window, h.now));
  auto status = h.cluster.maintenance("m-S0");
  REQUIRE(status);
  CHECK(status->agent_id == "m-S0");
  CHECK(status->unavailability.start().nanoseconds() == ns_since_start(h, 10s));
  CHECK(status->unavailability.duration().nanoseconds() == 7200LL * 1000000000LL);
  CHECK(status->outstanding.empty());  // nothing until the allocation round
  CHECK_FALSE(h.cluster.maintenance("m-S1"));

  // The outstanding offer is rescinded at once; the round follows right away.
  auto immediate = h.take();
  auto rescinds = harness::events(immediate, holder, sched::Event::RESCIND);
  REQUIRE(rescinds.size() == 1);
  CHECK(rescinds[0].rescind().offer_id().value() == held.id().value());
  CHECK(harness::events(immediate, other).empty());

  h.run_for(0ms);
  auto round = h.take();
  // OFFERS first, then INVERSE_OFFERS, as Mesos's allocator sends them.
  auto holder_events = harness::events(round, holder);
  REQUIRE(holder_events.size() == 2);
  REQUIRE(holder_events[0].type() == sched::Event::OFFERS);
  REQUIRE(holder_events[1].type() == sched::Event::INVERSE_OFFERS);
  const auto& remade = holder_events[0].offers().offers(0);
  CHECK(remade.agent_id().value() == "m-S0");
  REQUIRE(remade.has_unavailability());
  CHECK(remade.unavailability().start().nanoseconds() == ns_since_start(h, 10s));
  REQUIRE(holder_events[1].inverse_offers().inverse_offers_size() == 1);
  const auto& io = holder_events[1].inverse_offers().inverse_offers(0);
  CHECK(io.id().value().rfind("m-O", 0) == 0);
  CHECK(io.id().value() != remade.id().value());
  CHECK(io.framework_id().value() == holder);
  CHECK(io.agent_id().value() == "m-S0");
  CHECK(io.url().path() == "/slave(1)");
  CHECK(io.url().address().hostname() == "agent-0.sim");
  CHECK(io.resources_size() == 0);  // the whole agent
  CHECK(io.unavailability().start().nanoseconds() == ns_since_start(h, 10s));
  CHECK(io.unavailability().duration().nanoseconds() == 7200LL * 1000000000LL);
  // The other framework has nothing on m-S0: no inverse offer.
  CHECK(inverse_offers(round, other).empty());

  status = h.cluster.maintenance("m-S0");
  REQUIRE(status->outstanding.size() == 1);
  CHECK(status->outstanding[0].id().value() == io.id().value());

  // One outstanding inverse offer per framework and agent: later rounds send
  // no more while it is unanswered.
  h.run_for(5s);
  CHECK(inverse_offers(h.take(), holder).empty());

  CHECK_FALSE(h.cluster.schedule_maintenance("m-S9", window, h.now));
}

TEST_CASE("maintenance: answers are recorded, stale ids ignored, filters delay the next one",
          "[sim][cluster][maintenance]") {
  maintained m;
  auto& h = m.h;
  const std::string io1 = m.first.id().value();

  // Unknown and stale ids are ignored; a known one is answered once.
  CHECK_FALSE(
      h.call(answer_call(sched::Call::DECLINE_INVERSE_OFFERS, m.fw, {"nope", io1, io1}, 30)));
  auto status = h.cluster.maintenance("m-S0");
  REQUIRE(status->answers.size() == 1);
  CHECK(status->answers[0].inverse_offer_id == io1);
  CHECK(status->answers[0].framework_id == m.fw);
  CHECK_FALSE(status->answers[0].accepted);
  CHECK(std::abs(status->answers[0].timestamp - 1700000000.2) < 1e-6);
  CHECK(status->outstanding.empty());
  h.call(answer_call(sched::Call::ACCEPT_INVERSE_OFFERS, m.fw, {io1}));
  CHECK(h.cluster.maintenance("m-S0")->answers.size() == 1);
  CHECK(h.take().empty());  // answers have no event

  // refuse_seconds 30: nothing for 30 s, then a new one.
  h.run_for(29s);
  CHECK(inverse_offers(h.take(), m.fw).empty());
  h.run_for(2s);
  auto again = inverse_offers(h.take(), m.fw);
  REQUIRE(again.size() == 1);
  const std::string io2 = again[0].id().value();
  CHECK(io2 != io1);

  // Another framework cannot answer it.
  std::string other = h.subscribe();
  h.call(answer_call(sched::Call::ACCEPT_INVERSE_OFFERS, other, {io2}));
  CHECK(h.cluster.maintenance("m-S0")->answers.size() == 1);
  CHECK(h.cluster.maintenance("m-S0")->outstanding.size() == 1);

  // refuse_seconds 0: no filter, the next round offers again.
  h.call(answer_call(sched::Call::ACCEPT_INVERSE_OFFERS, m.fw, {io2}, 0));
  status = h.cluster.maintenance("m-S0");
  REQUIRE(status->answers.size() == 2);
  CHECK(status->answers[1].inverse_offer_id == io2);
  CHECK(status->answers[1].accepted);
  h.take();
  h.run_for(200ms);
  auto third = inverse_offers(h.take(), m.fw);
  REQUIRE(third.size() == 1);

  // REVIVE clears a long filter.
  h.call(answer_call(sched::Call::DECLINE_INVERSE_OFFERS, m.fw, {third[0].id().value()}, 3600));
  h.run_for(10s);
  CHECK(inverse_offers(h.take(), m.fw).empty());
  h.call(simple_call(m.fw, sched::Call::REVIVE));
  h.run_for(200ms);
  CHECK(inverse_offers(h.take(), m.fw).size() == 1);
  CHECK(h.cluster.maintenance("m-S0")->answers.size() == 3);
}

TEST_CASE("maintenance: cancelling rescinds inverse offers and offers lose unavailability",
          "[sim][cluster][maintenance]") {
  maintained m;
  auto& h = m.h;
  auto last = h.cluster.cancel_maintenance("m-S0", h.now);
  REQUIRE(last);
  REQUIRE(last->outstanding.size() == 1);
  CHECK(last->outstanding[0].id().value() == m.first.id().value());
  auto d = h.take();
  CHECK(rescinded_inverse(d, m.fw) == std::vector<std::string>{m.first.id().value()});
  CHECK(harness::events(d, m.fw, sched::Event::RESCIND).size() == 1);

  h.run_for(0ms);
  d = h.take();
  auto offers = harness::events(d, m.fw, sched::Event::OFFERS);
  REQUIRE(offers.size() == 1);
  CHECK_FALSE(offers[0].offers().offers(0).has_unavailability());
  CHECK(inverse_offers(d, m.fw).empty());
  CHECK_FALSE(h.cluster.maintenance("m-S0"));
  CHECK_FALSE(h.cluster.cancel_maintenance("m-S0", h.now));
  CHECK_FALSE(h.cluster.cancel_maintenance("m-S9", h.now));

  // An answer to the rescinded inverse offer changes nothing.
  h.call(answer_call(sched::Call::ACCEPT_INVERSE_OFFERS, m.fw, {m.first.id().value()}));
  CHECK(h.take().empty());
}

TEST_CASE("maintenance: rescheduling replaces the window and its inverse offers",
          "[sim][cluster][maintenance]") {
  maintained m;
  auto& h = m.h;
  h.call(answer_call(sched::Call::DECLINE_INVERSE_OFFERS, m.fw, {m.first.id().value()}, 3600));
  REQUIRE(h.cluster.maintenance("m-S0")->answers.size() == 1);
  REQUIRE(h.cluster.schedule_maintenance("m-S0", {-5s, 60s}, h.now));
  h.run_for(0ms);
  auto d = h.take();
  // The filter is forgotten: the new window is offered at once.
  auto fresh = inverse_offers(d, m.fw);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0].unavailability().start().nanoseconds() == ns_since_start(h, -5s));
  CHECK(fresh[0].unavailability().duration().nanoseconds() == 60LL * 1000000000LL);
  CHECK(h.cluster.maintenance("m-S0")->answers.empty());
}

TEST_CASE("maintenance: tasks count as use, and disconnection drops inverse offers silently",
          "[sim][cluster][maintenance]") {
  harness h;
  framework_options idle;
  idle.name = "idle";
  idle.suppressed = {"*"};
  std::string fw = h.subscribe();
  std::string quiet = h.subscribe(idle);
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  // Everything the task leaves is refused for an hour: only the task remains.
  h.call(accept_call(fw, {offers[0].id().value()},
                     {launch({command_task("t1", "m-S0", "sleep 1000")})}, 3600));
  h.run_for(200ms);
  h.take();
  REQUIRE(h.cluster.schedule_maintenance("m-S0", {1h, std::nullopt}, h.now));
  h.run_for(0ms);
  auto d = h.take();
  auto got = inverse_offers(d, fw);
  REQUIRE(got.size() == 1);
  CHECK_FALSE(got[0].unavailability().has_duration());
  CHECK(inverse_offers(d, quiet).empty());

  // A disconnected framework loses it without RESCIND_INVERSE_OFFER and gets
  // a new one once subscribed again (its task is still there).
  h.cluster.disconnected(fw, *h.cluster.current_stream(fw), h.now);
  CHECK(h.cluster.maintenance("m-S0")->outstanding.empty());
  CHECK(h.take().empty());
  framework_options again;
  again.id = fw;
  h.subscribe(again);
  h.run_for(200ms);
  auto renewed = inverse_offers(h.take(), fw);
  REQUIRE(renewed.size() == 1);
  CHECK(renewed[0].id().value() != got[0].id().value());

  // Removing the agent rescinds the outstanding one and ends the window.
  REQUIRE(h.cluster.remove_agent("m-S0", h.now));
  d = h.take();
  CHECK(rescinded_inverse(d, fw) == std::vector<std::string>{renewed[0].id().value()});
  CHECK_FALSE(h.cluster.maintenance("m-S0"));
}

TEST_CASE("maintenance: unanswered inverse offers time out like offers",
          "[sim][cluster][maintenance]") {
  auto config = small_config();
  config.offer_timeout = 2s;
  maintained m(config);
  auto& h = m.h;
  h.run_for(1900ms);
  CHECK(rescinded_inverse(h.take(), m.fw).empty());
  h.run_for(200ms);
  // Rescinded, then offered again by the round that the returned offer asks for.
  auto events = harness::events(h.take(), m.fw);
  auto rescind = std::find_if(events.begin(), events.end(), [](const sched::Event& e) {
    return e.type() == sched::Event::RESCIND_INVERSE_OFFER;
  });
  REQUIRE(rescind != events.end());
  CHECK(rescind->rescind_inverse_offer().inverse_offer_id().value() == m.first.id().value());
  auto next = std::find_if(rescind, events.end(), [](const sched::Event& e) {
    return e.type() == sched::Event::INVERSE_OFFERS;
  });
  REQUIRE(next != events.end());
  CHECK(next->inverse_offers().inverse_offers(0).id().value() != m.first.id().value());
}
