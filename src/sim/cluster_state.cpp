// The simulated cluster as JSON for GET /state.
#include "sim/cluster_impl.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace mesos_http::sim {

namespace {

using nlohmann::json;

json capability_names(const v1::FrameworkInfo& info) {
  json names = json::array();
  for (const auto& c : info.capabilities()) {
    names.push_back(v1::FrameworkInfo::Capability::Type_Name(c.type()));
  }
  return names;
}

const char* status_name(framework_status s) {
  switch (s) {
    case framework_status::unknown:
      return "unknown";
    case framework_status::removed:
      return "removed";
    case framework_status::disconnected:
      return "disconnected";
    case framework_status::subscribed:
      return "subscribed";
  }
  return "unknown";
}

// Scalars summed by name; ranges and sets as Mesos text.
json summary(const resource_list& resources) {
  json out = json::object();
  for (const auto& r : resources) {
    if (r.type() == v1::Value::SCALAR) {
      double before =
          out.contains(r.name()) && out[r.name()].is_number() ? out[r.name()].get<double>() : 0.0;
      out[r.name()] = detail::round_scalar(before + r.scalar().value());
    } else {
      std::string text = detail::to_string(r);
      text = text.substr(text.rfind(':') + 1);
      if (out.contains(r.name()) && out[r.name()].is_string()) {
        out[r.name()] = out[r.name()].get<std::string>() + " " + text;
      } else {
        out[r.name()] = text;
      }
    }
  }
  return out;
}

}  // namespace

std::string cluster::impl::state_json() const {
  json state;
  state["master_id"] = config.master_id;

  std::vector<resource_list> offered(agents.size()), used(agents.size());
  json offers_json = json::array();
  std::vector<const offer_state*> sorted_offers;
  for (const auto& [id, o] : offers) sorted_offers.push_back(&o);
  std::sort(sorted_offers.begin(), sorted_offers.end(),
            [](const offer_state* a, const offer_state* b) { return a->id < b->id; });
  for (const auto* o : sorted_offers) {
    detail::add(offered[o->agent], o->resources);
    offers_json.push_back({{"id", o->id},
                           {"framework_id", o->framework_id},
                           {"agent_id", agents[o->agent].id},
                           {"role", o->role},
                           {"resources", summary(o->resources)}});
  }

  json frameworks_json = json::array();
  json tasks_json = json::array();
  json completed_json = json::array();
  for (const auto& [id, f] : frameworks) {
    std::vector<const task_state*> tasks;
    for (const auto& [tid, t] : f->tasks) tasks.push_back(&t);
    std::sort(tasks.begin(), tasks.end(),
              [](const task_state* a, const task_state* b) { return a->id < b->id; });
    json task_ids = json::array();
    for (const auto* t : tasks) {
      task_ids.push_back(t->id);
      if (!t->terminal) detail::add(used[t->agent], t->resources);
      tasks_json.push_back({{"id", t->id},
                            {"name", t->name},
                            {"framework_id", f->id},
                            {"state", v1::TaskState_Name(t->state)},
                            {"agent_id", agents[t->agent].id},
                            {"executor_id", t->executor_id},
                            {"unacknowledged_updates", t->updates.size()}});
    }
    for (const auto& [key, e] : f->executors) detail::add(used[e.agent], e.resources);
    for (const auto& c : f->completed) {
      completed_json.push_back({{"id", c.id},
                                {"name", c.name},
                                {"framework_id", f->id},
                                {"state", v1::TaskState_Name(c.state)},
                                {"agent_id", c.agent_id}});
    }
    frameworks_json.push_back({{"id", f->id},
                               {"name", f->info.name()},
                               {"status", status_name(f->status)},
                               {"active", f->status == framework_status::subscribed},
                               {"roles", f->roles},
                               {"suppressed_roles", f->suppressed},
                               {"capabilities", capability_names(f->info)},
                               {"offers", f->offers.size()},
                               {"tasks", task_ids}});
  }

  json agents_json = json::array();
  for (std::size_t i = 0; i < agents.size(); ++i) {
    const auto& a = agents[i];
    agents_json.push_back({{"id", a.id},
                           {"hostname", a.hostname},
                           {"active", !a.removed},
                           {"resources",
                            {{"total", summary(a.total)},
                             {"used", summary(used[i])},
                             {"offered", summary(offered[i])},
                             {"available", summary(a.available)}}}});
  }

  state["frameworks"] = std::move(frameworks_json);
  state["tasks"] = std::move(tasks_json);
  state["completed_tasks"] = std::move(completed_json);
  state["agents"] = std::move(agents_json);
  state["offers"] = std::move(offers_json);
  return state.dump();
}

}  // namespace mesos_http::sim
