// sim::cluster: subscriptions, offers, filters, failover, UPDATE_FRAMEWORK.
#include "sim/cluster_harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace mesos_http;
using namespace mesos_http::test;
using Cap = v1::FrameworkInfo::Capability;

TEST_CASE("cluster: SUBSCRIBE answers SUBSCRIBED first, with Mesos's ids", "[sim][cluster]") {
  harness h;
  auto sub = h.cluster.subscribe(subscribe_call({}), h.now);
  CHECK_FALSE(sub.error);
  CHECK(sub.framework_id == "m-0000");
  auto d = h.take();
  REQUIRE(d.size() == 1);
  CHECK(d[0].framework_id == "m-0000");
  CHECK(d[0].stream == sub.stream);
  CHECK_FALSE(d[0].close);
  REQUIRE(d[0].event);
  const auto& e = *d[0].event;
  REQUIRE(e.type() == sched::Event::SUBSCRIBED);
  CHECK(e.subscribed().framework_id().value() == "m-0000");
  CHECK(e.subscribed().heartbeat_interval_seconds() == 15.0);
  const auto& m = e.subscribed().master_info();
  CHECK(m.id() == "m");
  CHECK(m.ip() == 16777343u);
  CHECK(m.port() == 5050);
  CHECK(m.pid() == "master@127.0.0.1:5050");
  CHECK(m.hostname() == "127.0.0.1");
  CHECK(m.version() == "1.11.1");
  CHECK(m.address().port() == 5050);

  CHECK(h.cluster.status("m-0000") == sim::framework_status::subscribed);
  CHECK(h.cluster.current_stream("m-0000") == sub.stream);
  CHECK(h.cluster.status("m-0099") == sim::framework_status::unknown);
  CHECK(h.subscribe() == "m-0001");

  auto config = small_config();
  config.heartbeat_interval = 200ms;
  harness fast(config);
  fast.subscribe();
  auto fast_events = harness::events(fast.take(), "m-0000", sched::Event::SUBSCRIBED);
  REQUIRE(fast_events.size() == 1);
  CHECK(fast_events[0].subscribed().heartbeat_interval_seconds() == Approx(0.2));

  h.cluster.set_master_address("10.1.2.3", 5999);
  h.subscribe();
  auto later = harness::events(h.take(), "m-0002", sched::Event::SUBSCRIBED);
  REQUIRE(later.size() == 1);
  CHECK(later[0].subscribed().master_info().pid() == "master@10.1.2.3:5999");
  CHECK(later[0].subscribed().master_info().ip() == (10u | 1u << 8 | 2u << 16 | 3u << 24));
}

TEST_CASE("cluster: offers appear after advance, shaped like a real master's", "[sim][cluster]") {
  auto config = small_config();
  config.agents[0].attributes = {{"rack", "r1"}};
  harness h(config);
  std::string fw = h.subscribe();
  h.take();
  CHECK(harness::events(h.take(), fw, sched::Event::OFFERS).empty());  // nothing before advance
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  const auto& o = offers[0];
  CHECK(o.id().value() == "m-O0");
  CHECK(o.agent_id().value() == "m-S0");
  CHECK(o.framework_id().value() == fw);
  CHECK(o.hostname() == "agent-0.sim");
  CHECK_FALSE(o.has_allocation_info());
  CHECK(o.url().path() == "/slave(1)");
  CHECK(o.url().address().port() == 5051);
  REQUIRE(o.attributes_size() == 1);
  CHECK(o.attributes(0).text().value() == "r1");
  REQUIRE(o.resources_size() == 4);
  for (const auto& r : o.resources()) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    CHECK(r.role() == "*");
#pragma GCC diagnostic pop
    CHECK_FALSE(r.has_allocation_info());
  }

  // A MULTI_ROLE framework gets allocation_info on the offer and every resource.
  harness m;
  std::string multi = m.subscribe({"multi", {Cap::MULTI_ROLE}, {"analytics"}});
  auto multi_offers = m.offers_for(multi);
  REQUIRE(multi_offers.size() == 1);
  CHECK(multi_offers[0].allocation_info().role() == "analytics");
  for (const auto& r : multi_offers[0].resources()) {
    CHECK(r.allocation_info().role() == "analytics");
  }

  nlohmann::json state = nlohmann::json::parse(h.cluster.state_json());
  REQUIRE(state["offers"].size() == 1);
  CHECK(state["offers"][0]["id"] == "m-O0");
  CHECK(state["agents"][0]["resources"]["offered"]["cpus"] == 4.0);
  CHECK(state["frameworks"][0]["active"] == true);
}

TEST_CASE("cluster: one offer per agent and framework take turns", "[sim][cluster]") {
  auto config = small_config();
  config.agents = {sim::agent_config{}, sim::agent_config{}};
  harness h(config);
  std::string a = h.subscribe({"a"});
  std::string b = h.subscribe({"b"});
  h.run_for(200ms);
  auto d = h.take();
  auto offers_a = harness::events(d, a, sched::Event::OFFERS);
  auto offers_b = harness::events(d, b, sched::Event::OFFERS);
  REQUIRE(offers_a.size() == 1);
  REQUIRE(offers_b.size() == 1);
  CHECK(offers_a[0].offers().offers_size() == 1);
  CHECK(offers_b[0].offers().offers_size() == 1);
  CHECK(offers_a[0].offers().offers(0).agent_id().value() !=
        offers_b[0].offers().offers(0).agent_id().value());
}

TEST_CASE("cluster: DECLINE filters the agent for refuse_seconds", "[sim][cluster]") {
  harness h;
  std::string fw = h.subscribe();
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  h.call(decline_call(fw, offers[0].id().value(), 10.0));
  CHECK(h.offers_for(fw, 5s).empty());
  CHECK(h.offers_for(fw, 4s).empty());  // 9.2 s after the decline
  auto again = h.offers_for(fw, 1s);
  REQUIRE(again.size() == 1);
  CHECK(again[0].id().value() == "m-O1");

  // Without filters the default is 5 s; negative means the default too.
  h.call(decline_call(fw, again[0].id().value(), -3.0));
  CHECK(h.offers_for(fw, 4900ms).empty());
  CHECK(h.offers_for(fw, 200ms).size() == 1);
}

TEST_CASE("cluster: SUPPRESS stops offers, REVIVE clears filters and restarts them",
          "[sim][cluster]") {
  harness h;
  std::string fw = h.subscribe();
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  h.call(simple_call(fw, sched::Call::SUPPRESS));
  h.call(decline_call(fw, offers[0].id().value(), 0.0));
  CHECK(h.offers_for(fw, 10s).empty());
  h.call(simple_call(fw, sched::Call::REVIVE));
  CHECK(h.offers_for(fw, 1ms).size() == 1);  // right away, not at the next interval

  // REVIVE also lifts a long decline filter.
  auto current =
      harness::events(h.seen, fw, sched::Event::OFFERS).back().offers().offers(0).id().value();
  h.call(decline_call(fw, current, 3600.0));
  CHECK(h.offers_for(fw, 2s).empty());
  h.call(simple_call(fw, sched::Call::REVIVE));
  CHECK(h.offers_for(fw, 1ms).size() == 1);

  // A role the framework is not subscribed to makes Mesos drop the call.
  auto revive = simple_call(fw, sched::Call::SUPPRESS);
  revive.mutable_suppress()->add_roles("not-mine");
  h.call(revive);
  current =
      harness::events(h.seen, fw, sched::Event::OFFERS).back().offers().offers(0).id().value();
  h.call(decline_call(fw, current, 0.0));
  CHECK(h.offers_for(fw, 200ms).size() == 1);
}

TEST_CASE("cluster: subscriptions refused in-stream with Mesos's words", "[sim][cluster]") {
  harness h;
  framework_options both;
  both.capabilities = {Cap::MULTI_ROLE};
  both.role = "a";
  auto sub = h.cluster.subscribe(subscribe_call(both), h.now);
  CHECK(sub.error == std::optional<std::string>(
                         "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE "
                         "capable"));

  framework_options roles_only;
  roles_only.roles = {"a"};
  sub = h.cluster.subscribe(subscribe_call(roles_only), h.now);
  CHECK(sub.error == std::optional<std::string>(
                         "'FrameworkInfo.roles' must not be set when the framework is not "
                         "MULTI_ROLE capable"));

  framework_options suppressed;
  suppressed.capabilities = {Cap::MULTI_ROLE};
  suppressed.roles = {"a"};
  suppressed.suppressed = {"b", "c"};
  sub = h.cluster.subscribe(subscribe_call(suppressed), h.now);
  CHECK(sub.error == std::optional<std::string>(
                         "Suppressed roles { b, c } are not contained in the set of roles"));

  framework_options bad_role;
  bad_role.capabilities = {Cap::MULTI_ROLE};
  bad_role.roles = {"-x"};
  sub = h.cluster.subscribe(subscribe_call(bad_role), h.now);
  REQUIRE(sub.error);
  CHECK(sub.error->rfind("'FrameworkInfo.roles' contains invalid role: ", 0) == 0);

  CHECK(h.take().empty());  // nothing queued for refused subscriptions
  CHECK(h.cluster.status("m-0000") == sim::framework_status::unknown);
}

TEST_CASE("cluster: resubscribing while connected fails the old stream over", "[sim][cluster]") {
  harness h;
  framework_options o;
  o.failover_timeout = 60;
  std::string fw = h.subscribe(o);
  auto first_stream = *h.cluster.current_stream(fw);
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);

  o.id = fw;
  auto sub = h.cluster.subscribe(subscribe_call(o), h.now);
  CHECK_FALSE(sub.error);
  CHECK(sub.framework_id == fw);
  CHECK(sub.stream != first_stream);
  auto d = h.take();
  REQUIRE(d.size() == 2);
  CHECK(d[0].stream == first_stream);
  CHECK(d[0].close);
  REQUIRE(d[0].event);
  CHECK(d[0].event->type() == sched::Event::ERROR);
  CHECK(d[0].event->error().message() == "Framework failed over");
  CHECK(d[1].stream == sub.stream);
  CHECK(d[1].event->type() == sched::Event::SUBSCRIBED);
  for (const auto& x : d) CHECK(x.event->type() != sched::Event::RESCIND);

  // The old offer is gone without RESCIND; the new stream gets a fresh one.
  auto again = h.offers_for(fw);
  REQUIRE(again.size() == 1);
  CHECK(again[0].id().value() != offers[0].id().value());
  auto stale = accept_call(fw, {offers[0].id().value()}, {});
  h.call(stale);
  CHECK(h.take().empty());  // an empty invalid ACCEPT has no tasks to report

  // A principal change is refused.
  o.principal = "someone-else";
  auto refused = h.cluster.subscribe(subscribe_call(o), h.now);
  CHECK(refused.error ==
        std::optional<std::string>("Changing framework's principal is not allowed."));
  CHECK(h.cluster.current_stream(fw) == sub.stream);
}

TEST_CASE("cluster: TEARDOWN removes the framework and ends its stream", "[sim][cluster]") {
  harness h;
  std::string fw = h.subscribe();
  auto stream = *h.cluster.current_stream(fw);
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  h.call(accept_call(fw, {offers[0].id().value()},
                     {launch({command_task("t1", "m-S0", "sleep 100")})}));
  h.run_for(1s);
  h.take();
  h.call(simple_call(fw, sched::Call::TEARDOWN));
  auto d = h.take();
  REQUIRE(d.size() == 1);
  CHECK(d[0].stream == stream);
  CHECK(d[0].close);
  CHECK_FALSE(d[0].event);  // no ERROR: the stream just ends
  CHECK(h.cluster.status(fw) == sim::framework_status::removed);
  CHECK_FALSE(h.cluster.current_stream(fw));

  nlohmann::json state = nlohmann::json::parse(h.cluster.state_json());
  CHECK(state["tasks"].empty());
  REQUIRE(state["completed_tasks"].size() == 1);
  CHECK(state["completed_tasks"][0]["state"] == "TASK_KILLED");
  CHECK(state["frameworks"][0]["status"] == "removed");
  CHECK(state["agents"][0]["resources"]["available"]["cpus"] == 4.0);

  framework_options again;
  again.id = fw;
  auto sub = h.cluster.subscribe(subscribe_call(again), h.now);
  CHECK(sub.error == std::optional<std::string>("Framework has been removed"));

  // A new framework gets the whole agent.
  std::string other = h.subscribe();
  auto fresh = h.offers_for(other);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0].resources_size() == 4);
}

TEST_CASE("cluster: failover within the timeout re-sends pending updates", "[sim][cluster]") {
  harness h;
  framework_options o;
  o.failover_timeout = 30;
  std::string fw = h.subscribe(o);
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  h.call(accept_call(fw, {offers[0].id().value()},
                     {launch({command_task("t1", "m-S0", "sleep 100")})}));
  h.run_for(50ms);
  auto starting = updates(harness::events(h.take(), fw));
  REQUIRE(starting.size() == 1);
  CHECK(starting[0].state() == v1::TASK_STARTING);

  h.cluster.disconnected(fw, *h.cluster.current_stream(fw), h.now);
  CHECK(h.cluster.status(fw) == sim::framework_status::disconnected);
  h.run_for(20s);  // within the failover timeout; a retry falls into the gap
  CHECK(harness::events(h.take(), fw).empty());

  o.id = fw;
  auto sub = h.cluster.subscribe(subscribe_call(o), h.now);
  CHECK_FALSE(sub.error);
  auto d = h.take();
  auto events = harness::events(d, fw);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type() == sched::Event::SUBSCRIBED);
  REQUIRE(events[1].type() == sched::Event::UPDATE);
  CHECK(events[1].update().status().uuid() == starting[0].uuid());  // the same update again
  CHECK(d[1].stream == sub.stream);

  h.call(ack_call(fw, events[1].update().status()));
  auto running = updates(harness::events(h.take(), fw));
  REQUIRE(running.size() == 1);
  CHECK(running[0].state() == v1::TASK_RUNNING);
}

TEST_CASE("cluster: failover timeout expiry removes the framework", "[sim][cluster]") {
  harness h;
  framework_options o;
  o.failover_timeout = 5;
  std::string fw = h.subscribe(o);
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  h.call(accept_call(fw, {offers[0].id().value()},
                     {launch({command_task("t1", "m-S0", "sleep 100")})}));
  h.run_for(1s);
  h.cluster.disconnected(fw, *h.cluster.current_stream(fw), h.now);
  h.run_for(4s);
  CHECK(h.cluster.status(fw) == sim::framework_status::disconnected);
  h.run_for(2s);
  CHECK(h.cluster.status(fw) == sim::framework_status::removed);
  nlohmann::json state = nlohmann::json::parse(h.cluster.state_json());
  CHECK(state["tasks"].empty());
  CHECK(state["agents"][0]["resources"]["available"]["cpus"] == 4.0);

  o.id = fw;
  auto sub = h.cluster.subscribe(subscribe_call(o), h.now);
  CHECK(sub.error == std::optional<std::string>("Framework has been removed"));

  // failover_timeout 0: removed at the next advance.
  std::string quick = h.subscribe();
  h.cluster.disconnected(quick, *h.cluster.current_stream(quick), h.now);
  CHECK(h.cluster.status(quick) == sim::framework_status::disconnected);
  h.cluster.advance(h.now);
  CHECK(h.cluster.status(quick) == sim::framework_status::removed);
}

TEST_CASE("cluster: a disconnected framework gets no offers and keeps none", "[sim][cluster]") {
  harness h;
  framework_options o;
  o.failover_timeout = 100;
  std::string fw = h.subscribe(o);
  REQUIRE(h.offers_for(fw).size() == 1);
  h.cluster.disconnected(fw, 12345, h.now);  // not its stream: ignored
  CHECK(h.cluster.status(fw) == sim::framework_status::subscribed);
  h.cluster.disconnected(fw, *h.cluster.current_stream(fw), h.now);
  std::string other = h.subscribe();
  auto offers = h.offers_for(other);
  REQUIRE(offers.size() == 1);  // the disconnected framework's offer came back
  CHECK(offers[0].resources_size() == 4);
}

TEST_CASE("cluster: offers time out with RESCIND", "[sim][cluster]") {
  auto config = small_config();
  config.offer_timeout = 2s;
  harness h(config);
  std::string fw = h.subscribe();
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 1);
  h.run_for(1500ms);
  CHECK(harness::events(h.take(), fw, sched::Event::RESCIND).empty());
  h.run_for(600ms);
  auto d = h.take();
  auto rescinds = harness::events(d, fw, sched::Event::RESCIND);
  REQUIRE(rescinds.size() == 1);
  CHECK(rescinds[0].rescind().offer_id().value() == offers[0].id().value());
  CHECK(harness::events(d, fw, sched::Event::OFFERS).size() == 1);  // re-offered after
}

TEST_CASE("cluster: UPDATE_FRAMEWORK replaces roles and rescinds offers of removed roles",
          "[sim][cluster]") {
  auto config = small_config();
  config.agents = {sim::agent_config{}, sim::agent_config{}};
  harness h(config);
  framework_options o;
  o.capabilities = {Cap::MULTI_ROLE};
  o.roles = {"a", "b"};
  std::string fw = h.subscribe(o);
  auto offers = h.offers_for(fw);
  REQUIRE(offers.size() == 2);
  std::string offer_b;
  for (const auto& offer : offers) {
    if (offer.allocation_info().role() == "b") offer_b = offer.id().value();
  }
  REQUIRE_FALSE(offer_b.empty());

  sched::Call update = simple_call(fw, sched::Call::UPDATE_FRAMEWORK);
  auto* info = update.mutable_update_framework()->mutable_framework_info();
  *info = subscribe_call(o).subscribe().framework_info();
  info->mutable_id()->set_value(fw);
  info->clear_roles();
  info->add_roles("a");
  info->add_roles("c");
  info->set_name("renamed");
  CHECK_FALSE(h.call(update));
  auto rescinds = harness::events(h.take(), fw, sched::Event::RESCIND);
  REQUIRE(rescinds.size() == 1);
  CHECK(rescinds[0].rescind().offer_id().value() == offer_b);
  nlohmann::json state = nlohmann::json::parse(h.cluster.state_json());
  CHECK(state["frameworks"][0]["name"] == "renamed");
  CHECK(state["frameworks"][0]["roles"] == nlohmann::json({"a", "c"}));

  // The freed agent goes to the new role.
  auto next = h.offers_for(fw);
  REQUIRE(next.size() == 1);
  CHECK(next[0].allocation_info().role() == "c");

  // Immutable fields: 400 texts.
  auto user = update;
  user.mutable_update_framework()->mutable_framework_info()->set_user("nobody");
  CHECK(h.call(user) == std::optional<std::string>(
                            "Updating 'FrameworkInfo.user' is unsupported; attempted to update "
                            "from 'root' to 'nobody'"));
  auto checkpoint = update;
  checkpoint.mutable_update_framework()->mutable_framework_info()->set_checkpoint(true);
  CHECK(h.call(checkpoint) ==
        std::optional<std::string>("Updating 'FrameworkInfo.checkpoint' is unsupported; attempted "
                                   "to update from 'false' to 'true'"));
  auto principal = update;
  principal.mutable_update_framework()->mutable_framework_info()->set_principal("p");
  CHECK(h.call(principal) ==
        std::optional<std::string>("Changing framework's principal is not allowed."));
  auto suppressed = update;
  suppressed.mutable_update_framework()->add_suppressed_roles("zzz");
  CHECK(
      h.call(suppressed) ==
      std::optional<std::string>("Suppressed roles { zzz } are not contained in the set of roles"));
}

TEST_CASE("cluster: offer constraints select agents by attribute", "[sim][cluster]") {
  auto config = small_config();
  config.agents = {sim::agent_config{}, sim::agent_config{}};
  config.agents[0].attributes = {{"rack", "r1"}};
  config.agents[1].attributes = {{"rack", "r2"}};
  harness h(config);
  framework_options o;
  o.capabilities = {Cap::MULTI_ROLE};
  o.roles = {"a"};
  auto call = subscribe_call(o);
  auto* group =
      (*call.mutable_subscribe()->mutable_offer_constraints()->mutable_role_constraints())["a"]
          .add_groups();
  auto* c = group->add_attribute_constraints();
  c->mutable_selector()->set_attribute_name("rack");
  c->mutable_predicate()->mutable_text_equals()->set_value("r2");
  auto sub = h.cluster.subscribe(call, h.now);
  REQUIRE_FALSE(sub.error);
  auto offers = h.offers_for(sub.framework_id);
  REQUIRE(offers.size() == 1);
  CHECK(offers[0].agent_id().value() == "m-S1");

  auto bad = call;
  (*bad.mutable_subscribe()->mutable_offer_constraints()->mutable_role_constraints())["zzz"];
  auto refused = h.cluster.subscribe(bad, h.now);
  REQUIRE(refused.error);
  CHECK(refused.error->find("'zzz'not contained in the set of roles") != std::string::npos);
}

TEST_CASE("cluster: next_deadline is empty when nothing can happen", "[sim][cluster]") {
  harness h;
  CHECK_FALSE(h.cluster.next_deadline());
  std::string fw = h.subscribe();
  REQUIRE(h.cluster.next_deadline());
  CHECK(*h.cluster.next_deadline() == h.now);  // SUBSCRIBE asks for an offer round now
  h.offers_for(fw);
  CHECK_FALSE(h.cluster.next_deadline());  // everything is offered
}
