// sim::cluster fed with odd and hostile calls: nothing crashes and the
// resource accounting still adds up.
#include "sim/cluster_harness.hpp"
#include "support/messages.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <limits>

using namespace mesos_http;
using namespace mesos_http::test;

namespace {

const char* const sample_master = "4f8a6c3e-1b2d-4c5e-9f70-8a1b2c3d4e5f";

// Every agent has all of its resources available again.
void check_all_available(const harness& h) {
  auto state = nlohmann::json::parse(h.cluster.state_json());
  for (const auto& agent : state["agents"]) {
    INFO(agent.dump());
    CHECK(agent["resources"]["available"] == agent["resources"]["total"]);
  }
}

std::vector<std::string> outstanding_offers(const harness& h, const std::string& fw) {
  std::vector<std::string> ids;
  auto state = nlohmann::json::parse(h.cluster.state_json());
  for (const auto& offer : state["offers"]) {
    if (offer["framework_id"] == fw) ids.push_back(offer["id"]);
  }
  return ids;
}

}  // namespace

TEST_CASE("cluster robustness: every sample call, with real and stale offers",
          "[sim][cluster][robust]") {
  auto config = small_config();
  config.master_id = sample_master;
  config.agents.assign(3, sim::agent_config{});
  harness h(config);
  auto calls = sample_scheduler_calls();
  REQUIRE(calls[0].type() == sched::Call::SUBSCRIBE);
  auto sub = h.cluster.subscribe(calls[0], h.now);  // MULTI_ROLE with constraints
  INFO(sub.error.value_or(""));
  REQUIRE_FALSE(sub.error);
  const std::string fw = sub.framework_id;
  REQUIRE(fw == std::string(sample_master) + "-0000");

  for (int round = 0; round < 4; ++round) {
    for (auto call : calls) {
      if (call.type() == sched::Call::SUBSCRIBE || call.type() == sched::Call::TEARDOWN) continue;
      if (call.type() == sched::Call::ACCEPT && round % 2 == 1) {
        auto offers = outstanding_offers(h, fw);
        if (!offers.empty()) {
          call.mutable_accept()->clear_offer_ids();
          call.mutable_accept()->add_offer_ids()->set_value(offers[0]);
        }
      }
      if (call.type() == sched::Call::UPDATE_FRAMEWORK) {
        call.mutable_update_framework()->mutable_framework_info()->mutable_id()->set_value(fw);
      }
      h.call(call);
    }
    h.run_for(2s);
    h.take();
    CHECK(h.cluster.status(fw) == sim::framework_status::subscribed);
  }
  auto teardown = simple_call(fw, sched::Call::TEARDOWN);
  h.call(teardown);
  CHECK(h.cluster.status(fw) == sim::framework_status::removed);
  h.run_for(1s);
  check_all_available(h);
}

TEST_CASE("cluster robustness: hostile values are refused or clamped", "[sim][cluster][robust]") {
  harness h;
  std::string fw = h.subscribe();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  for (int round = 0; round < 3; ++round) {
    auto offers = h.offers_for(fw, 10s);
    std::string offer = offers.empty() ? "none" : offers[0].id().value();

    auto nan_task = command_task("nan", "m-S0", "true", nan);
    auto inf_task = command_task("inf", "m-S0", "true", inf);
    auto neg_sleep = command_task("neg", "m-S0", "sleep -5");
    auto huge_sleep = command_task("huge", "m-S0", "sleep 1e300");
    auto big_exit = command_task("bigexit", "m-S0", "exit 99999999999999999999");
    auto weird = command_task("weird", "m-S0", "sleep; exit; && ;; sleep nan");
    auto ports = command_task("ports", "m-S0", "true");
    v1::Resource range;
    range.set_name("ports");
    range.set_type(v1::Value::RANGES);
    auto* r = range.mutable_ranges()->add_range();
    r->set_begin(std::numeric_limits<std::uint64_t>::max() - 1);
    r->set_end(std::numeric_limits<std::uint64_t>::max());
    *ports.add_resources() = range;

    v1::Offer::Operation reserve_star;
    reserve_star.set_type(v1::Offer::Operation::RESERVE);
    auto* star = reserve_star.mutable_reserve()->add_resources();
    *star = scalar("cpus", 1);
    star->add_reservations()->set_role("*");
    v1::Offer::Operation create_plain;
    create_plain.set_type(v1::Offer::Operation::CREATE);
    *create_plain.mutable_create()->add_volumes() = scalar("disk", 10);
    v1::Offer::Operation destroy_unknown;
    destroy_unknown.set_type(v1::Offer::Operation::DESTROY);
    auto* volume = destroy_unknown.mutable_destroy()->add_volumes();
    *volume = scalar("disk", 10);
    volume->mutable_disk()->mutable_persistence()->set_id("nope");
    v1::Offer::Operation unreserve_plain;
    unreserve_plain.set_type(v1::Offer::Operation::UNRESERVE);
    *unreserve_plain.mutable_unreserve()->add_resources() = scalar("mem", 1);
    v1::Offer::Operation grow;
    grow.set_type(v1::Offer::Operation::GROW_VOLUME);
    grow.mutable_id()->set_value("grow-1");
    v1::Offer::Operation empty_group;
    empty_group.set_type(v1::Offer::Operation::LAUNCH_GROUP);
    v1::Offer::Operation unknown;

    h.call(accept_call(
        fw, {offer},
        {reserve_star, create_plain, destroy_unknown, unreserve_plain, grow, empty_group, unknown,
         launch({nan_task, inf_task, neg_sleep, huge_sleep, big_exit, weird, ports})},
        nan));
    h.call(decline_call(fw, offer, inf));
    h.call(decline_call(fw, "", -inf));

    sched::Call kill = simple_call(fw, sched::Call::KILL);
    kill.mutable_kill()->mutable_task_id()->set_value("neg");
    kill.mutable_kill()->mutable_agent_id()->set_value("m-S9");
    h.call(kill);
    sched::Call shutdown = simple_call(fw, sched::Call::SHUTDOWN);
    shutdown.mutable_shutdown()->mutable_agent_id()->set_value("");
    h.call(shutdown);
    sched::Call message = simple_call(fw, sched::Call::MESSAGE);
    h.call(message);
    sched::Call ack = simple_call(fw, sched::Call::ACKNOWLEDGE);
    ack.mutable_acknowledge()->mutable_task_id()->set_value("neg");
    ack.mutable_acknowledge()->set_uuid("short");
    h.call(ack);
    sched::Call reconcile = simple_call(fw, sched::Call::RECONCILE);
    reconcile.mutable_reconcile()->add_tasks();
    h.call(reconcile);
    h.call(simple_call(fw, sched::Call::UNKNOWN));
    sched::Call update = simple_call(fw, sched::Call::UPDATE_FRAMEWORK);  // empty info
    CHECK(h.call(update));
    h.run_for(5s);
  }
  auto d = h.take();
  for (const auto& s : updates(harness::events(d, fw))) {
    if (s.task_id().value() == "nan" || s.task_id().value() == "inf") {
      CHECK(s.state() == v1::TASK_ERROR);
    }
  }
  h.call(simple_call(fw, sched::Call::TEARDOWN));
  h.run_for(1s);
  check_all_available(h);
  h.take();

  // Calls for unknown, removed or disconnected frameworks are ignored.
  CHECK_FALSE(h.cluster.handle(simple_call("nobody", sched::Call::REVIVE), h.now));
  CHECK_FALSE(h.cluster.handle(simple_call(fw, sched::Call::REVIVE), h.now));
  CHECK(h.take().empty());
}

TEST_CASE("cluster robustness: a failover_timeout Mesos cannot represent is refused",
          "[sim][cluster][robust]") {
  harness h;
  framework_options o;
  o.failover_timeout = 1e300;
  auto sub = h.cluster.subscribe(subscribe_call(o), h.now);
  REQUIRE(sub.error);
  CHECK(sub.error->find("failover_timeout") != std::string::npos);
  o.failover_timeout = 1e9;  // 31 years: fine, clamped internally
  sub = h.cluster.subscribe(subscribe_call(o), h.now);
  CHECK_FALSE(sub.error);
  h.cluster.disconnected(sub.framework_id, sub.stream, h.now);
  h.run_for(std::chrono::hours(24 * 365));
  CHECK(h.cluster.status(sub.framework_id) == sim::framework_status::disconnected);
}
