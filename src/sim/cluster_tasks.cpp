// The simulated cluster: the simulated executors (task scripts), status
// updates with acknowledgements and retries, KILL, SHUTDOWN, RECONCILE,
// MESSAGE and agent loss. Launches are in cluster_launch.cpp.
#include "sim/cluster_impl.hpp"

#include <mesos_http/sim/executor_events.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace mesos_http::sim {

namespace {

constexpr auto max_retry_interval = std::chrono::minutes(10);
constexpr auto min_retry_interval = std::chrono::milliseconds(1);

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace

detail::script parse_script(const std::string& command, duration default_run) {
  // Split into steps at ';', "&&" and newlines.
  std::vector<std::string> steps(1);
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == ';' || c == '\n') {
      steps.emplace_back();
    } else if (c == '&' && i + 1 < command.size() && command[i + 1] == '&') {
      steps.emplace_back();
      ++i;
    } else {
      steps.back() += c;
    }
  }
  detail::script plan;
  bool recognized = false;
  double seconds = 0;
  for (const auto& step : steps) {
    auto w = words(step);
    if (w.empty()) continue;
    if (w[0] == "sleep") {
      recognized = true;
      if (w.size() > 1) {
        char* end = nullptr;
        double value = std::strtod(w[1].c_str(), &end);
        if (end != w[1].c_str() && std::isfinite(value) && value > 0) seconds += value;
      }
    } else if (w[0] == "exit") {
      recognized = true;
      if (w.size() > 1) {
        char* end = nullptr;
        long value = std::strtol(w[1].c_str(), &end, 10);
        plan.exit_code = (*end == '\0' && end != w[1].c_str())
                             ? static_cast<int>(((value % 256) + 256) % 256)
                             : 2;
      }
      break;
    } else if (w[0] == "true") {
      recognized = true;
    } else if (w[0] == "false") {
      recognized = true;
      plan.exit_code = 1;
      break;
    }
  }
  plan.run = recognized ? seconds_to_duration(seconds, duration::zero()) : default_run;
  if (plan.run < duration::zero()) plan.run = duration::zero();
  return plan;
}

// --- status updates ---

void cluster::impl::master_update(framework_state& f, const std::string& task_id,
                                  const std::optional<std::string>& agent_id, v1::TaskState state,
                                  v1::TaskStatus::Reason reason, const std::string& message,
                                  time_point now) {
  sched::Event event;
  event.set_type(sched::Event::UPDATE);
  auto* status = event.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value(task_id);
  status->set_state(state);
  status->set_message(message);
  status->set_source(v1::TaskStatus::SOURCE_MASTER);
  status->set_reason(reason);
  if (agent_id) status->mutable_agent_id()->set_value(*agent_id);
  status->set_timestamp(timestamp(now));
  send(f, std::move(event));
}

v1::TaskStatus cluster::impl::executor_status(const task_state& t, v1::TaskState state,
                                              time_point now) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value(t.id);
  status.set_state(state);
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  status.mutable_agent_id()->set_value(agents[t.agent].id);
  status.mutable_executor_id()->set_value(t.executor_id);
  status.set_timestamp(timestamp(now));
  status.set_uuid(new_uuid_bytes());
  if (t.container) *status.mutable_container_status() = *t.container;
  if (state == v1::TASK_RUNNING && t.container && t.container->container_id().has_parent()) {
    // A nested (task group) container reports its address and process only
    // while running, as the default executor does.
    auto* container = status.mutable_container_status();
    container->add_network_infos()->add_ip_addresses()->set_ip_address("127.0.0.1");
    container->set_executor_pid(next_pid++);
  }
  return status;
}

void cluster::impl::enqueue(framework_state& f, task_state& t, v1::TaskStatus status,
                            time_point now) {
  t.updates.push_back(std::move(status));
  if (t.updates.size() == 1) forward_head(f, t, now);
}

void cluster::impl::forward_head(framework_state& f, task_state& t, time_point now) {
  t.update_state = t.updates.front().state();
  sched::Event event;
  event.set_type(sched::Event::UPDATE);
  *event.mutable_update()->mutable_status() = t.updates.front();
  send(f, std::move(event));
  cancel(t.retry_timer);
  t.retry_timer = schedule(now + t.retry, {timer_kind::update_retry, f.id, t.id, 0});
}

void cluster::impl::retry_update(framework_state& f, task_state& t, time_point now) {
  if (t.updates.empty()) return;
  sched::Event event;
  event.set_type(sched::Event::UPDATE);
  *event.mutable_update()->mutable_status() = t.updates.front();
  send(f, std::move(event));
  t.retry = std::min<duration>(t.retry * 2, max_retry_interval);
  t.retry_timer = schedule(now + t.retry, {timer_kind::update_retry, f.id, t.id, 0});
}

void cluster::impl::resend_pending(framework_state& f, time_point) {
  for (auto& [id, t] : f.tasks) {
    if (t.updates.empty()) continue;
    sched::Event event;
    event.set_type(sched::Event::UPDATE);
    *event.mutable_update()->mutable_status() = t.updates.front();
    send(f, std::move(event));
  }
}

void cluster::impl::acknowledge(framework_state& f, const sched::Call::Acknowledge& ack,
                                time_point now) {
  auto it = f.tasks.find(ack.task_id().value());
  if (it == f.tasks.end()) return;
  task_state& t = it->second;
  if (ack.agent_id().value() != agents[t.agent].id) return;
  if (t.updates.empty() || t.updates.front().uuid() != ack.uuid()) return;  // stale or unknown
  t.updates.pop_front();
  cancel(t.retry_timer);
  t.retry = std::max<duration>(config.update_retry_interval, min_retry_interval);
  if (!t.updates.empty()) {
    forward_head(f, t, now);
  } else if (t.terminal) {
    complete(f, t);
    f.tasks.erase(it);  // the terminal update is acknowledged: the task is gone
  }
}

// --- task life ---

void cluster::impl::task_step(framework_state& f, task_state& t, time_point now) {
  if (t.terminal) return;
  if (t.killing) {
    reach_terminal(f, t, v1::TASK_KILLED, "Command terminated with signal Terminated", now);
    return;
  }
  switch (t.state) {
    case v1::TASK_STAGING:
      t.state = v1::TASK_STARTING;
      enqueue(f, t, executor_status(t, v1::TASK_STARTING, now), now);
      if (t.exec_command) {
        exec_start(f, t);  // TASK_RUNNING comes with process_started
        break;
      }
      t.step_timer = schedule(now + config.task_step_delay, {timer_kind::task_step, f.id, t.id, 0});
      break;
    case v1::TASK_STARTING:
      t.state = v1::TASK_RUNNING;
      enqueue(f, t, executor_status(t, v1::TASK_RUNNING, now), now);
      t.step_timer = schedule(now + t.plan.run, {timer_kind::task_step, f.id, t.id, 0});
      break;
    default:
      reach_terminal(f, t, t.plan.exit_code == 0 ? v1::TASK_FINISHED : v1::TASK_FAILED,
                     "Command exited with status " + std::to_string(t.plan.exit_code), now);
      break;
  }
}

void cluster::impl::reach_terminal(framework_state& f, task_state& t, v1::TaskState state,
                                   const std::string& message, time_point now,
                                   v1::TaskStatus::Source source,
                                   std::optional<v1::TaskStatus::Reason> reason) {
  cancel(t.step_timer);
  t.state = state;
  t.terminal = true;
  v1::TaskStatus status = executor_status(t, state, now);
  status.set_source(source);
  if (reason) status.set_reason(*reason);
  if (!message.empty()) status.set_message(message);
  enqueue(f, t, std::move(status), now);
  free_task(f, t, now);
}

void cluster::impl::free_task(framework_state& f, task_state& t, time_point now) {
  agent_state& a = agents[t.agent];
  if (!a.removed) detail::add(a.available, t.resources);
  charge(f, t.resources, -1);
  request_allocation(now, false);
  if (t.command_executor) return;
  auto it = f.executors.find({t.agent, t.executor_id});
  if (it == f.executors.end() || --it->second.live_tasks > 0) return;
  if (it->second.real) return;  // a real executor decides itself when to exit
  // The executor has nothing left to run and exits.
  if (!a.removed) detail::add(a.available, it->second.resources);
  charge(f, it->second.resources, -1);
  f.executors.erase(it);
  sched::Event event;
  event.set_type(sched::Event::FAILURE);
  event.mutable_failure()->mutable_agent_id()->set_value(a.id);
  event.mutable_failure()->mutable_executor_id()->set_value(t.executor_id);
  event.mutable_failure()->set_status(0);
  send(f, std::move(event));
}

void cluster::impl::drop_task(framework_state& f, task_state& t, time_point) {
  exec_destroy(f, t);
  cancel(t.step_timer);
  cancel(t.retry_timer);
  if (!t.terminal) charge(f, t.resources, -1);
}

// --- KILL, SHUTDOWN, RECONCILE, MESSAGE ---

void cluster::impl::kill_task(framework_state& f, task_state& t, bool announce, time_point now,
                              std::optional<duration> grace) {
  if (t.terminal) return;
  if (kill_on_executor(f, t, grace, now)) return;
  // A real process may be killed again: a shorter grace period escalates.
  if (t.killing && t.process != 0) return exec_kill(f, t, grace);
  if (t.killing) return;
  if (t.state == v1::TASK_STAGING) {
    reach_terminal(f, t, v1::TASK_KILLED, "Killed before delivery to the executor", now,
                   v1::TaskStatus::SOURCE_AGENT, v1::TaskStatus::REASON_TASK_KILLED_DURING_LAUNCH);
    return;
  }
  cancel(t.step_timer);
  t.killing = true;
  if (announce && f.killing_state) {
    t.state = v1::TASK_KILLING;
    enqueue(f, t, executor_status(t, v1::TASK_KILLING, now), now);
  }
  if (t.process != 0) return exec_kill(f, t, grace);  // TASK_KILLED when it exits
  t.step_timer = schedule(now + config.task_step_delay, {timer_kind::task_step, f.id, t.id, 0});
}

void cluster::impl::kill(framework_state& f, const sched::Call::Kill& kill, time_point now) {
  auto it = f.tasks.find(kill.task_id().value());
  if (it == f.tasks.end()) {
    // Unknown task: the master answers with reconciliation.
    sched::Call::Reconcile reconcile;
    auto* task = reconcile.add_tasks();
    *task->mutable_task_id() = kill.task_id();
    if (kill.has_agent_id()) *task->mutable_agent_id() = kill.agent_id();
    this->reconcile(f, reconcile, now);
    return;
  }
  task_state& t = it->second;
  if (kill.has_agent_id() && kill.agent_id().value() != agents[t.agent].id) return;
  std::optional<duration> grace;
  if (kill.has_kill_policy() && kill.kill_policy().has_grace_period()) {
    grace = std::chrono::duration_cast<duration>(std::chrono::nanoseconds(
        std::max<std::int64_t>(0, kill.kill_policy().grace_period().nanoseconds())));
  }
  kill_task(f, t, true, now, grace);
}

void cluster::impl::shutdown(framework_state& f, const sched::Call::Shutdown& shutdown,
                             time_point now) {
  const auto found = live_agent(shutdown.agent_id().value());
  if (!found) return;
  const std::size_t agent = *found;
  const std::string& executor_id = shutdown.executor_id().value();
  auto executor = f.executors.find({agent, executor_id});
  if (executor != f.executors.end() && executor->second.real) {
    return shutdown_executor(f, executor->second, now);
  }
  if (executor != f.executors.end()) {
    for (auto& [id, t] : f.tasks) {
      if (t.agent == agent && !t.command_executor && t.executor_id == executor_id) {
        kill_task(f, t, false, now);
      }
    }
    return;
  }
  auto it = f.tasks.find(executor_id);  // a command executor has the task's id
  if (it != f.tasks.end() && it->second.agent == agent && it->second.command_executor) {
    kill_task(f, it->second, false, now);
  }
}

void cluster::impl::reconcile(framework_state& f, const sched::Call::Reconcile& reconcile,
                              time_point now) {
  auto latest = [&](const task_state& t) {
    sched::Event event;
    event.set_type(sched::Event::UPDATE);
    auto* status = event.mutable_update()->mutable_status();
    status->mutable_task_id()->set_value(t.id);
    status->set_state(t.update_state);
    status->set_message("Reconciliation: Latest task state");
    status->set_source(v1::TaskStatus::SOURCE_MASTER);
    status->set_reason(v1::TaskStatus::REASON_RECONCILIATION);
    status->mutable_agent_id()->set_value(agents[t.agent].id);
    if (!t.command_executor) status->mutable_executor_id()->set_value(t.executor_id);
    status->set_timestamp(timestamp(now));
    if (t.update_state != v1::TASK_STAGING && t.container) {
      *status->mutable_container_status() = *t.container;
    }
    send(f, std::move(event));
  };
  if (reconcile.tasks_size() == 0) {
    std::vector<const task_state*> all;
    all.reserve(f.tasks.size());
    for (const auto& [id, t] : f.tasks) all.push_back(&t);
    std::sort(all.begin(), all.end(),
              [](const task_state* a, const task_state* b) { return a->id < b->id; });
    for (const auto* t : all) latest(*t);
    return;
  }
  for (const auto& wanted : reconcile.tasks()) {
    auto it = f.tasks.find(wanted.task_id().value());
    if (it != f.tasks.end()) {
      latest(it->second);
      continue;
    }
    std::optional<std::string> agent_id;
    if (wanted.has_agent_id()) agent_id = wanted.agent_id().value();
    bool agent_known =
        agent_id && std::any_of(agents.begin(), agents.end(), [&](const agent_state& a) {
          return a.id == *agent_id && !a.removed;
        });
    if (agent_known) {
      master_update(f, wanted.task_id().value(), agent_id,
                    f.partition_aware ? v1::TASK_GONE : v1::TASK_LOST,
                    v1::TaskStatus::REASON_RECONCILIATION,
                    "Reconciliation: Task is unknown to the agent", now);
    } else {
      master_update(f, wanted.task_id().value(), agent_id,
                    f.partition_aware ? v1::TASK_UNKNOWN : v1::TASK_LOST,
                    v1::TaskStatus::REASON_RECONCILIATION, "Reconciliation: Task is unknown", now);
    }
  }
}

void cluster::impl::message(framework_state& f, const sched::Call::Message& message) {
  const auto found = live_agent(message.agent_id().value());
  if (!found) return;
  const std::size_t agent = *found;
  const std::string& executor_id = message.executor_id().value();
  auto executor = f.executors.find({agent, executor_id});
  if (executor != f.executors.end() && executor->second.real) {
    // Dropped until it subscribed, as the agent drops messages then.
    if (executor->second.subscribed) {
      to_executor(f, executor->second, executor_events::message(message.data()));
    }
    return;
  }
  bool running = false;
  if (executor != f.executors.end()) {
    running = true;
  } else {
    auto it = f.tasks.find(executor_id);
    running = it != f.tasks.end() && it->second.agent == agent && it->second.command_executor &&
              !it->second.terminal && it->second.state != v1::TASK_STAGING;
  }
  if (!running) return;  // dropped, as the agent drops messages for unknown executors
  sched::Event event;
  event.set_type(sched::Event::MESSAGE);
  *event.mutable_message()->mutable_agent_id() = message.agent_id();
  *event.mutable_message()->mutable_executor_id() = message.executor_id();
  event.mutable_message()->set_data(message.data());
  send(f, std::move(event));
}

// --- agent loss ---

bool cluster::impl::remove_agent(const std::string& agent_id, time_point now) {
  const auto found = live_agent(agent_id);
  if (!found) return false;
  const std::size_t index = *found;
  agent_state& a = agents[index];
  a.removed = true;

  std::vector<std::string> lost_offers;
  for (const auto& [id, o] : offers) {
    if (o.agent == index) lost_offers.push_back(id);
  }
  std::sort(lost_offers.begin(), lost_offers.end());
  for (const auto& id : lost_offers) {
    resource_list discarded;
    remove_offer(id, true, &discarded, now);
  }
  if (a.maintenance) set_unavailability(index, std::nullopt, now);  // rescinds inverse offers

  for (auto& [fid, f] : frameworks) {
    if (f->status == framework_status::removed) continue;
    std::vector<std::string> lost;
    for (const auto& [id, t] : f->tasks) {
      if (t.agent == index) lost.push_back(id);
    }
    std::sort(lost.begin(), lost.end());
    for (const auto& id : lost) {
      task_state& t = f->tasks.at(id);
      bool was_live = !t.terminal;
      drop_task(*f, t, now);
      if (was_live) t.state = f->partition_aware ? v1::TASK_GONE : v1::TASK_LOST;
      complete(*f, t);
      f->tasks.erase(id);
      if (was_live) {
        master_update(*f, id, a.id, f->partition_aware ? v1::TASK_GONE : v1::TASK_LOST,
                      v1::TaskStatus::REASON_AGENT_REMOVED, "Agent " + a.hostname + " removed",
                      now);
      }
    }
    for (auto it = f->executors.begin(); it != f->executors.end();) {
      if (it->first.first == index) {
        kill_executor_process(it->second.process);  // gone with its agent
        charge(*f, it->second.resources, -1);
        it = f->executors.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = f->filters.begin(); it != f->filters.end();) {
      if (it->first.second == index) {
        timers.erase(it->second.expiry);
        it = f->filters.erase(it);
      } else {
        ++it;
      }
    }
    sched::Event failure;
    failure.set_type(sched::Event::FAILURE);
    failure.mutable_failure()->mutable_agent_id()->set_value(a.id);
    send(*f, std::move(failure));
  }
  a.available.clear();
  request_allocation(now, false);
  return true;
}

}  // namespace mesos_http::sim
