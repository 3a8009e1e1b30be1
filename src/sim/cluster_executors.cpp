// The simulated cluster in exec mode with real executors: a custom (or, when
// configured, the default) executor runs as a process that speaks the
// executor API to its agent. The cluster decides what the agent tells it
// (executor deliveries) and takes what it reports; the I/O — the agent's
// /api/v1/executor listener and the process itself — belongs to the caller
// (sim::master with sim::agent_server and the process runner).
#include "sim/cluster_impl.hpp"

#include <mesos_http/sim/executor_events.hpp>

#include <sys/wait.h>

namespace mesos_http::sim {

namespace exec = mesos::v1::executor;

namespace {

bool is_terminal(v1::TaskState state) {
  switch (state) {
    case v1::TASK_FINISHED:
    case v1::TASK_FAILED:
    case v1::TASK_KILLED:
    case v1::TASK_ERROR:
    case v1::TASK_LOST:
    case v1::TASK_DROPPED:
    case v1::TASK_GONE:
    case v1::TASK_GONE_BY_OPERATOR:
      return true;
    default:
      return false;
  }
}

// A duration as Mesos's flags write one ("2500ms").
std::string milliseconds_text(duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

}  // namespace

bool cluster::impl::runs_for_real(const v1::ExecutorInfo& info) const {
  if (!config.exec_tasks) return false;
  if (info.type() == v1::ExecutorInfo::DEFAULT) return config.default_executor.has_value();
  return info.has_command();
}

void cluster::impl::start_executor(framework_state& f, executor_state& e, time_point now) {
  process_action a;
  a.what = process_action::kind::start;
  a.executor = true;
  a.process = next_process++;
  a.framework_id = f.id;
  a.agent_id = agents[e.agent].id;
  a.executor_id = e.info.executor_id().value();
  a.container_id = e.container_id;
  a.command = e.info.has_command() ? e.info.command() : *config.default_executor;
  // What the agent tells every executor (the listener's address and the
  // token are the caller's to add).
  auto set = [&](const std::string& name, const std::string& value) {
    auto* variable = a.command.mutable_environment()->add_variables();
    variable->set_name(name);
    variable->set_value(value);
  };
  set("MESOS_CHECKPOINT", f.info.checkpoint() ? "1" : "0");
  set("MESOS_RECOVERY_TIMEOUT", milliseconds_text(config.executor_recovery_timeout));
  set("MESOS_SUBSCRIPTION_BACKOFF_MAX", "1secs");
  set("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", milliseconds_text(config.executor_shutdown_grace));
  set("MESOS_HTTP_COMMAND_EXECUTOR", "0");
  a.role = f.roles.empty() ? std::string("*") : *f.roles.begin();
  for (const auto& r : e.resources) {
    if (r.has_allocation_info()) a.role = r.allocation_info().role();
  }
  e.real = true;
  e.process = a.process;
  executor_processes[a.process] = {f.id, e.agent, a.executor_id};
  schedule(now + config.executor_registration_timeout,
           {timer_kind::executor_registration, f.id, std::to_string(a.process), e.agent});
  actions.push_back(std::move(a));
}

// The agent destroys the container of an executor that did not subscribe in
// time; its exit, reported as usual, fails its tasks with the reason.
void cluster::impl::registration_timeout(std::uint64_t process) {
  auto it = executor_processes.find(process);
  if (it == executor_processes.end()) return;
  auto* f = find(it->second.framework_id);
  if (!f) return;
  auto e = f->executors.find({it->second.agent, it->second.executor_id});
  if (e == f->executors.end() || e->second.process != process || e->second.subscribed) return;
  e->second.registration_timed_out = true;
  kill_executor_process(process);
}

void cluster::impl::to_executor(const framework_state& f, const executor_state& e,
                                exec::Event event) {
  executor_out.push_back(
      {agents[e.agent].id, f.id, e.info.executor_id().value(), std::move(event)});
}

void cluster::impl::deliver_tasks(framework_state& f, executor_state& e, bool group,
                                  std::vector<v1::TaskInfo> tasks) {
  if (!e.subscribed) {
    e.pending.emplace_back(group, std::move(tasks));
    return;
  }
  // Tasks killed while waiting are not delivered (they already ended).
  std::vector<v1::TaskInfo> live;
  for (auto& task : tasks) {
    auto it = f.tasks.find(task.task_id().value());
    if (it == f.tasks.end() || it->second.terminal) continue;
    it->second.delivered = true;
    live.push_back(std::move(task));
  }
  if (live.empty()) return;
  if (!group) {
    for (const auto& task : live) to_executor(f, e, executor_events::launch(task));
    return;
  }
  v1::TaskGroupInfo task_group;
  for (auto& task : live) *task_group.add_tasks() = std::move(task);
  to_executor(f, e, executor_events::launch_group(task_group));
}

detail::executor_state* cluster::impl::real_executor(framework_state& f,
                                                     const std::string& agent_id,
                                                     const std::string& executor_id) {
  const auto agent = live_agent(agent_id);
  if (!agent) return nullptr;
  auto it = f.executors.find({*agent, executor_id});
  return it != f.executors.end() && it->second.real ? &it->second : nullptr;
}

bool cluster::impl::kill_on_executor(framework_state& f, task_state& t,
                                     std::optional<duration> grace, time_point now) {
  if (!t.real_executor) return false;
  if (t.terminal) return true;
  if (!t.delivered) {
    reach_terminal(f, t, v1::TASK_KILLED, "Killed before delivery to the executor", now,
                   v1::TaskStatus::SOURCE_AGENT, v1::TaskStatus::REASON_TASK_KILLED_DURING_LAUNCH);
    return true;
  }
  auto it = f.executors.find({t.agent, t.executor_id});
  if (it == f.executors.end()) return true;
  t.killing = true;
  std::optional<v1::KillPolicy> policy;
  if (grace) {
    policy.emplace();
    policy->mutable_grace_period()->set_nanoseconds(
        std::chrono::duration_cast<std::chrono::nanoseconds>(*grace).count());
  }
  v1::TaskID id;
  id.set_value(t.id);
  to_executor(f, it->second, executor_events::kill(id, policy));
  return true;
}

void cluster::impl::shutdown_executor(framework_state& f, executor_state& e, time_point now) {
  if (e.shutting_down || e.process == 0) return;
  e.shutting_down = true;
  if (e.subscribed) to_executor(f, e, executor_events::shutdown());
  // Not subscribed (or slow to exit): killed once the grace period is over.
  schedule(now + (e.subscribed ? config.executor_shutdown_grace : duration::zero()),
           {timer_kind::executor_shutdown, f.id, std::to_string(e.process), e.agent});
}

void cluster::impl::kill_executor_process(std::uint64_t process) {
  auto it = executor_processes.find(process);
  if (it == executor_processes.end()) return;
  process_action a;
  a.what = process_action::kind::kill;  // its exit is still reported
  a.executor = true;
  a.process = process;
  a.framework_id = it->second.framework_id;
  a.agent_id = agents[it->second.agent].id;
  a.executor_id = it->second.executor_id;
  a.grace_period = duration::zero();
  actions.push_back(std::move(a));
}

void cluster::impl::executor_terminated(framework_state& f, executor_state& e, int wait_status,
                                        const std::string& message, time_point now) {
  const std::string executor_id = e.info.executor_id().value();
  const std::size_t agent = e.agent;
  const bool shutting_down = e.shutting_down;
  const bool timed_out = e.registration_timed_out;
  executor_processes.erase(e.process);
  e.process = 0;
  std::vector<std::string> live;
  for (const auto& [id, t] : f.tasks) {
    if (t.agent == agent && t.executor_id == executor_id && !t.terminal) live.push_back(id);
  }
  std::sort(live.begin(), live.end());
  const std::string why =
      timed_out ? "Executor did not register within " +
                      milliseconds_text(config.executor_registration_timeout)
                : message;
  const auto reason = timed_out ? v1::TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT
                                : v1::TaskStatus::REASON_EXECUTOR_TERMINATED;
  for (const auto& id : live) {
    task_state& t = f.tasks.at(id);
    const bool killed = !timed_out && (t.killing || shutting_down);
    reach_terminal(f, t, killed ? v1::TASK_KILLED : v1::TASK_FAILED, why, now,
                   v1::TaskStatus::SOURCE_AGENT, reason);
  }
  auto it = f.executors.find({agent, executor_id});
  agent_state& a = agents[agent];
  if (!a.removed) detail::add(a.available, it->second.resources);
  charge(f, it->second.resources, -1);
  f.executors.erase(it);
  request_allocation(now, false);
  sched::Event event;
  event.set_type(sched::Event::FAILURE);
  event.mutable_failure()->mutable_agent_id()->set_value(a.id);
  event.mutable_failure()->mutable_executor_id()->set_value(executor_id);
  event.mutable_failure()->set_status(wait_status);
  send(f, std::move(event));
}

bool cluster::impl::executor_process_report(std::uint64_t process, std::optional<int> pid,
                                            const std::optional<std::string>& error,
                                            std::optional<int> wait_status, time_point now) {
  auto it = executor_processes.find(process);
  if (it == executor_processes.end()) return false;
  const detail::executor_process owner = it->second;
  auto* f = find(owner.framework_id);
  auto e = f ? f->executors.find({owner.agent, owner.executor_id}) : decltype(f->executors)::iterator{};
  if (!f || e == f->executors.end() || e->second.process != process) {
    // Its framework or agent went away first: nothing is left to update.
    if (!pid) executor_processes.erase(process);
    return true;
  }
  if (pid) {
    e->second.pid = *pid;
  } else if (error) {
    executor_terminated(*f, e->second, 0, "Failed to launch container: " + *error, now);
  } else {
    executor_terminated(*f, e->second, wait_status.value_or(0), "Executor terminated", now);
  }
  return true;
}

// --- the public face ---

std::vector<executor_delivery> cluster::take_executor_deliveries() {
  std::vector<executor_delivery> taken;
  taken.swap(impl_->executor_out);
  return taken;
}

bool cluster::executor_subscribed(const std::string& agent_id, const std::string& framework_id,
                                  const std::string& executor_id, const exec::Call& call,
                                  time_point now) {
  auto* f = impl_->find(framework_id);
  if (!f) return false;
  auto* e = impl_->real_executor(*f, agent_id, executor_id);
  if (!e || e->process == 0) return false;
  const impl::agent_state& a = impl_->agents[e->agent];
  v1::AgentInfo agent;
  agent.set_hostname(a.hostname);
  agent.mutable_id()->set_value(a.id);
  agent.set_port(5051);
  for (const auto& r : a.total) *agent.add_resources() = r;
  for (const auto& attribute : a.attributes) *agent.add_attributes() = attribute;
  v1::ContainerID container;
  container.set_value(e->container_id);
  impl_->to_executor(*f, *e, executor_events::subscribed(e->info, f->info, agent, container));
  if (e->shutting_down) impl_->to_executor(*f, *e, executor_events::shutdown());
  e->subscribed = true;
  auto pending = std::move(e->pending);
  e->pending.clear();
  for (auto& [group, tasks] : pending) impl_->deliver_tasks(*f, *e, group, std::move(tasks));
  for (const auto& update : call.subscribe().unacknowledged_updates()) {
    executor_update(agent_id, framework_id, executor_id, update.status(), now);
  }
  return true;
}

void cluster::executor_update(const std::string& agent_id, const std::string& framework_id,
                              const std::string& executor_id, const v1::TaskStatus& status,
                              time_point now) {
  auto* f = impl_->find(framework_id);
  if (!f || f->status == framework_status::removed) return;
  auto* e = impl_->real_executor(*f, agent_id, executor_id);
  if (!e) return;
  impl_->to_executor(*f, *e, executor_events::acknowledged(status.task_id(), status.uuid()));
  if (!e->seen_updates.insert(status.uuid()).second) return;  // a re-send: taken already
  auto it = f->tasks.find(status.task_id().value());
  if (it == f->tasks.end()) return;
  impl::task_state& t = it->second;
  if (t.terminal || t.agent != e->agent || t.executor_id != executor_id) return;
  v1::TaskStatus forwarded = status;
  forwarded.mutable_agent_id()->set_value(agent_id);
  forwarded.mutable_executor_id()->set_value(executor_id);
  if (!forwarded.has_source()) forwarded.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  if (!forwarded.has_timestamp()) forwarded.set_timestamp(impl_->timestamp(now));
  if (!forwarded.has_container_status() && t.container) {
    *forwarded.mutable_container_status() = *t.container;
  }
  t.state = forwarded.state();
  if (!is_terminal(t.state)) {
    impl_->enqueue(*f, t, std::move(forwarded), now);
    return;
  }
  impl_->cancel(t.step_timer);
  t.terminal = true;
  impl_->enqueue(*f, t, std::move(forwarded), now);
  impl_->free_task(*f, t, now);
}

void cluster::executor_message(const std::string& agent_id, const std::string& framework_id,
                               const std::string& executor_id, const std::string& data) {
  auto* f = impl_->subscribed(framework_id);
  if (!f || !impl_->real_executor(*f, agent_id, executor_id)) return;
  sched::Event event;
  event.set_type(sched::Event::MESSAGE);
  event.mutable_message()->mutable_agent_id()->set_value(agent_id);
  event.mutable_message()->mutable_executor_id()->set_value(executor_id);
  event.mutable_message()->set_data(data);
  impl_->send(*f, std::move(event));
}

}  // namespace mesos_http::sim
