// sim::cluster at scale: 100 frameworks run 100 tasks each to TASK_FINISHED.
#include "sim/cluster_harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>

using namespace mesos_http;
using namespace mesos_http::test;

TEST_CASE("cluster scale: 100 frameworks x 100 tasks finish with acknowledgements",
          "[sim][cluster][scale]") {
  auto config = small_config();
  config.agents.assign(10, sim::agent_config{});
  for (auto& a : config.agents) a.resources = "cpus:100;mem:100000;disk:100000;ports:[31000-32000]";
  harness h(config);

  constexpr int frameworks = 100;
  constexpr int tasks_per_framework = 100;
  struct scheduler {
    int launched = 0;
    int finished = 0;
    int other_terminal = 0;
    bool suppressed = false;
  };
  std::map<std::string, scheduler> schedulers;
  for (int i = 0; i < frameworks; ++i) {
    schedulers[h.subscribe({"fw-" + std::to_string(i)})];
  }
  REQUIRE(schedulers.size() == frameworks);

  std::size_t updates_seen = 0;
  for (int step = 0; step < 4000; ++step) {
    h.run_for(50ms);
    for (const auto& d : h.cluster.take_deliveries()) {
      if (!d.event) continue;
      auto& s = schedulers.at(d.framework_id);
      const auto& e = *d.event;
      if (e.type() == sched::Event::OFFERS) {
        for (const auto& offer : e.offers().offers()) {
          if (s.launched == tasks_per_framework) {
            h.call(decline_call(d.framework_id, offer.id().value(), 1000.0));
            continue;
          }
          auto op = launch({});
          for (int n = 0; n < 40 && s.launched < tasks_per_framework; ++n, ++s.launched) {
            *op.mutable_launch()->add_task_infos() =
                command_task("task-" + std::to_string(s.launched), offer.agent_id().value(),
                             "sleep 0.5", 0.1, 32);
          }
          h.call(accept_call(d.framework_id, {offer.id().value()}, {op}, 1.0));
          if (s.launched == tasks_per_framework && !s.suppressed) {
            h.call(simple_call(d.framework_id, sched::Call::SUPPRESS));
            s.suppressed = true;
          }
        }
      } else if (e.type() == sched::Event::UPDATE) {
        ++updates_seen;
        const auto& status = e.update().status();
        if (status.state() == v1::TASK_FINISHED) {
          ++s.finished;
        } else if (status.state() != v1::TASK_STARTING && status.state() != v1::TASK_RUNNING) {
          ++s.other_terminal;
        }
        if (status.has_uuid()) h.call(ack_call(d.framework_id, status));
      }
    }
    bool done = true;
    for (const auto& [id, s] : schedulers) done = done && s.finished == tasks_per_framework;
    if (done) break;
  }

  int total_finished = 0;
  for (const auto& [id, s] : schedulers) {
    INFO(id);
    CHECK(s.launched == tasks_per_framework);
    CHECK(s.finished == tasks_per_framework);
    CHECK(s.other_terminal == 0);
    total_finished += s.finished;
  }
  CHECK(total_finished == frameworks * tasks_per_framework);
  CHECK(updates_seen == 3u * frameworks * tasks_per_framework);  // no re-sends were needed

  auto state = nlohmann::json::parse(h.cluster.state_json());
  CHECK(state["tasks"].empty());  // every terminal update was acknowledged
  for (const auto& agent : state["agents"]) {
    CHECK(agent["resources"]["used"].value("cpus", 0.0) == 0.0);
  }
}
