// The simulated cluster in exec mode (`cluster_config::exec_tasks`): command
// tasks ask for real processes through process actions, and the caller
// reports back what the processes did. No I/O here: src/sim/process_runner
// does the process work for `sim::master`.
#include "sim/cluster_impl.hpp"

#include <sys/wait.h>

#include <cstring>

namespace mesos_http::sim {

namespace {

// Mesos's command executor gives a killed task this long between SIGTERM and
// SIGKILL unless a KillPolicy says otherwise (src/launcher/executor.cpp).
constexpr auto default_kill_grace = std::chrono::seconds(3);

// The command executor's "Command <WSTRINGIFY(status)>" text.
std::string command_status_message(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return "Command exited with status " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    const char* name = ::strsignal(WTERMSIG(wait_status));
    return std::string("Command terminated with signal ") +
           (name ? name : "Unknown signal " + std::to_string(WTERMSIG(wait_status)));
  }
  return "Command ended with wait status " + std::to_string(wait_status);
}

}  // namespace

void cluster::impl::exec_start(framework_state& f, task_state& t) {
  process_action a;
  a.what = process_action::kind::start;
  a.process = next_process++;
  a.framework_id = f.id;
  a.agent_id = agents[t.agent].id;
  a.executor_id = t.executor_id;
  a.task_id = t.id;
  if (t.container) a.container_id = t.container->container_id().value();
  a.role = t.role;
  a.command = *t.exec_command;
  t.process = a.process;
  processes[a.process] = {f.id, t.id};
  actions.push_back(std::move(a));
}

void cluster::impl::exec_kill(framework_state& f, task_state& t, std::optional<duration> grace) {
  process_action a;
  a.what = process_action::kind::kill;
  a.process = t.process;
  a.framework_id = f.id;
  a.agent_id = agents[t.agent].id;
  a.executor_id = t.executor_id;
  a.task_id = t.id;
  a.grace_period = grace ? *grace : t.kill_grace ? *t.kill_grace : default_kill_grace;
  actions.push_back(std::move(a));
}

void cluster::impl::exec_destroy(framework_state& f, task_state& t) {
  if (t.process == 0) return;
  process_action a;
  a.what = process_action::kind::destroy;
  a.process = t.process;
  a.framework_id = f.id;
  a.agent_id = agents[t.agent].id;
  a.executor_id = t.executor_id;
  a.task_id = t.id;
  processes.erase(t.process);
  t.process = 0;
  actions.push_back(std::move(a));
}

detail::task_state* cluster::impl::process_task(std::uint64_t process, framework_state** f) {
  auto it = processes.find(process);
  if (it == processes.end()) return nullptr;
  *f = find(it->second.first);
  if (!*f) return nullptr;
  auto task = (*f)->tasks.find(it->second.second);
  if (task == (*f)->tasks.end() || task->second.process != process) return nullptr;
  return &task->second;
}

// --- the public face ---

std::vector<process_action> cluster::take_process_actions() {
  std::vector<process_action> taken;
  taken.swap(impl_->actions);
  return taken;
}

void cluster::process_started(std::uint64_t process, int pid, time_point now) {
  if (impl_->executor_process_report(process, pid, std::nullopt, std::nullopt, now)) return;
  impl::framework_state* f = nullptr;
  auto* t = impl_->process_task(process, &f);
  if (!t || t->terminal || t->state != v1::TASK_STARTING) return;
  if (t->container) t->container->set_executor_pid(pid);
  if (t->killing) return;  // the kill is already on its way; TASK_KILLED follows
  t->state = v1::TASK_RUNNING;
  impl_->enqueue(*f, *t, impl_->executor_status(*t, v1::TASK_RUNNING, now), now);
}

void cluster::process_failed(std::uint64_t process, const std::string& error, time_point now) {
  if (impl_->executor_process_report(process, std::nullopt, error, std::nullopt, now)) return;
  impl::framework_state* f = nullptr;
  auto* t = impl_->process_task(process, &f);
  if (!t) return;
  impl_->processes.erase(process);
  t->process = 0;
  if (t->terminal) return;
  impl_->reach_terminal(*f, *t, v1::TASK_FAILED, "Failed to launch container: " + error, now,
                        v1::TaskStatus::SOURCE_AGENT,
                        v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
}

void cluster::process_exited(std::uint64_t process, int wait_status, time_point now) {
  if (impl_->executor_process_report(process, std::nullopt, std::nullopt, wait_status, now)) return;
  impl::framework_state* f = nullptr;
  auto* t = impl_->process_task(process, &f);
  if (!t) return;
  impl_->processes.erase(process);
  t->process = 0;
  if (t->terminal) return;
  bool success = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
  v1::TaskState state = success      ? v1::TASK_FINISHED
                        : t->killing ? v1::TASK_KILLED
                                     : v1::TASK_FAILED;
  impl_->reach_terminal(*f, *t, state, command_status_message(wait_status), now);
}

std::string cluster::framework_principal(const std::string& framework_id) const {
  auto it = impl_->frameworks.find(framework_id);
  if (it == impl_->frameworks.end()) return {};
  return it->second->info.principal();
}

}  // namespace mesos_http::sim
