// Test helpers for driving sim::cluster with time as data.
#ifndef MESOS_HTTP_TEST_SIM_CLUSTER_HARNESS_HPP
#define MESOS_HTTP_TEST_SIM_CLUSTER_HARNESS_HPP

#include <mesos_http/sim/cluster.hpp>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mesos_http::test {

namespace v1 = mesos::v1;
namespace sched = mesos::v1::scheduler;
using namespace std::chrono_literals;

inline sim::cluster_config small_config() {
  sim::cluster_config config;
  config.master_id = "m";
  config.allocation_interval = 100ms;
  config.task_step_delay = 10ms;
  config.task_run_time = 100ms;
  config.update_retry_interval = 10s;
  return config;
}

struct framework_options {
  std::string name = "fw";
  std::vector<v1::FrameworkInfo::Capability::Type> capabilities;
  std::vector<std::string> roles;   // with MULTI_ROLE
  std::optional<std::string> role;  // legacy role
  double failover_timeout = 0;
  std::optional<std::string> id;  // resubscribe
  std::vector<std::string> suppressed;
  std::optional<std::string> principal;
};

inline sched::Call subscribe_call(const framework_options& o) {
  sched::Call call;
  call.set_type(sched::Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_user("root");
  info->set_name(o.name);
  info->set_failover_timeout(o.failover_timeout);
  for (auto c : o.capabilities) info->add_capabilities()->set_type(c);
  for (const auto& r : o.roles) info->add_roles(r);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (o.role) info->set_role(*o.role);
#pragma GCC diagnostic pop
  if (o.principal) info->set_principal(*o.principal);
  if (o.id) {
    info->mutable_id()->set_value(*o.id);
    call.mutable_framework_id()->set_value(*o.id);
  }
  for (const auto& r : o.suppressed) call.mutable_subscribe()->add_suppressed_roles(r);
  return call;
}

inline v1::Resource scalar(const std::string& name, double value) {
  v1::Resource r;
  r.set_name(name);
  r.set_type(v1::Value::SCALAR);
  r.mutable_scalar()->set_value(value);
  return r;
}

inline v1::TaskInfo command_task(const std::string& id, const std::string& agent_id,
                                 const std::string& command, double cpus = 0.1, double mem = 32) {
  v1::TaskInfo task;
  task.set_name(id);
  task.mutable_task_id()->set_value(id);
  task.mutable_agent_id()->set_value(agent_id);
  *task.add_resources() = scalar("cpus", cpus);
  *task.add_resources() = scalar("mem", mem);
  task.mutable_command()->set_value(command);
  task.mutable_command()->set_shell(true);
  return task;
}

/// A cluster with a clock and the deliveries seen so far.
struct harness {
  sim::time_point start = sim::time_point{} + std::chrono::hours(1);
  sim::time_point now = start;
  sim::cluster cluster;
  std::vector<sim::delivery> seen;

  explicit harness(sim::cluster_config config = small_config()) : cluster(std::move(config), now) {}

  /// Collects the queued deliveries (and remembers them in `seen`).
  std::vector<sim::delivery> take() {
    auto taken = cluster.take_deliveries();
    seen.insert(seen.end(), taken.begin(), taken.end());
    return taken;
  }

  /// Events for one framework among `deliveries`, optionally of one type.
  static std::vector<sched::Event> events(const std::vector<sim::delivery>& deliveries,
                                          const std::string& framework_id,
                                          std::optional<sched::Event::Type> type = std::nullopt) {
    std::vector<sched::Event> out;
    for (const auto& d : deliveries) {
      if (d.framework_id != framework_id || !d.event) continue;
      if (type && d.event->type() != *type) continue;
      out.push_back(*d.event);
    }
    return out;
  }

  /// Moves the clock to `until`, firing everything due on the way.
  void run_until(sim::time_point until) {
    for (;;) {
      auto next = cluster.next_deadline();
      if (!next || *next > until) break;
      if (*next > now) now = *next;
      cluster.advance(now);
    }
    now = until;
    cluster.advance(now);
  }
  void run_for(sim::duration d) { run_until(now + d); }

  std::string subscribe(const framework_options& o = {}) {
    auto sub = cluster.subscribe(subscribe_call(o), now);
    return sub.framework_id;
  }

  std::optional<std::string> call(const sched::Call& c) { return cluster.handle(c, now); }

  /// Runs an allocation round and returns the offers made to `framework_id`.
  std::vector<v1::Offer> offers_for(const std::string& framework_id, sim::duration wait = 200ms) {
    run_for(wait);
    std::vector<v1::Offer> out;
    for (const auto& e : events(take(), framework_id, sched::Event::OFFERS)) {
      for (const auto& o : e.offers().offers()) out.push_back(o);
    }
    return out;
  }
};

inline sched::Call accept_call(const std::string& framework_id,
                               const std::vector<std::string>& offer_ids,
                               const std::vector<v1::Offer::Operation>& operations,
                               std::optional<double> refuse_seconds = std::nullopt) {
  sched::Call call;
  call.set_type(sched::Call::ACCEPT);
  call.mutable_framework_id()->set_value(framework_id);
  for (const auto& id : offer_ids) call.mutable_accept()->add_offer_ids()->set_value(id);
  for (const auto& op : operations) *call.mutable_accept()->add_operations() = op;
  if (refuse_seconds) call.mutable_accept()->mutable_filters()->set_refuse_seconds(*refuse_seconds);
  return call;
}

inline v1::Offer::Operation launch(std::initializer_list<v1::TaskInfo> tasks) {
  v1::Offer::Operation op;
  op.set_type(v1::Offer::Operation::LAUNCH);
  for (const auto& t : tasks) *op.mutable_launch()->add_task_infos() = t;
  return op;
}

inline sched::Call decline_call(const std::string& framework_id, const std::string& offer_id,
                                std::optional<double> refuse_seconds = std::nullopt) {
  sched::Call call;
  call.set_type(sched::Call::DECLINE);
  call.mutable_framework_id()->set_value(framework_id);
  call.mutable_decline()->add_offer_ids()->set_value(offer_id);
  if (refuse_seconds)
    call.mutable_decline()->mutable_filters()->set_refuse_seconds(*refuse_seconds);
  return call;
}

inline sched::Call ack_call(const std::string& framework_id, const v1::TaskStatus& status) {
  sched::Call call;
  call.set_type(sched::Call::ACKNOWLEDGE);
  call.mutable_framework_id()->set_value(framework_id);
  *call.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
  *call.mutable_acknowledge()->mutable_task_id() = status.task_id();
  call.mutable_acknowledge()->set_uuid(status.uuid());
  return call;
}

inline sched::Call simple_call(const std::string& framework_id, sched::Call::Type type) {
  sched::Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(framework_id);
  return call;
}

inline std::vector<v1::TaskStatus> updates(const std::vector<sched::Event>& events) {
  std::vector<v1::TaskStatus> out;
  for (const auto& e : events) {
    if (e.type() == sched::Event::UPDATE) out.push_back(e.update().status());
  }
  return out;
}

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_SIM_CLUSTER_HARNESS_HPP
