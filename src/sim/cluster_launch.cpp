// The simulated cluster: LAUNCH and LAUNCH_GROUP, with the master's task and
// executor validation (TASK_ERROR texts as Mesos words them).
#include "sim/cluster_impl.hpp"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

namespace mesos_http::sim {

namespace {

std::string script_text(const v1::CommandInfo& command) {
  if (command.has_shell() && !command.shell() && command.arguments_size() > 0) {
    std::string text;
    for (const auto& argument : command.arguments()) text += argument + " ";
    return text;
  }
  return command.value();
}

constexpr auto min_retry_interval = std::chrono::milliseconds(1);

}  // namespace

detail::task_state& cluster::impl::start_task(framework_state& f, const v1::TaskInfo& task,
                                              const std::string& role, std::size_t agent,
                                              resource_list resources,
                                              const std::string& executor_id, bool command_executor,
                                              const std::string& parent_container, time_point now) {
  task_state t;
  t.id = task.task_id().value();
  t.name = task.name();
  t.role = role;
  t.executor_id = executor_id;
  t.command_executor = command_executor;
  t.agent = agent;
  t.resources = std::move(resources);
  const v1::CommandInfo& command = task.has_command() ? task.command() : task.executor().command();
  t.plan = parse_script(script_text(command), config.task_run_time);
  if (config.exec_tasks && command_executor && task.has_command()) t.exec_command = task.command();
  if (task.has_kill_policy() && task.kill_policy().has_grace_period()) {
    t.kill_grace = std::chrono::duration_cast<duration>(std::chrono::nanoseconds(
        std::max<std::int64_t>(0, task.kill_policy().grace_period().nanoseconds())));
  }
  t.retry = std::max<duration>(config.update_retry_interval, min_retry_interval);

  v1::ContainerStatus container;
  auto* network = container.add_network_infos()->add_ip_addresses();
  network->set_ip_address("127.0.0.1");  // protocol left unset, as the agent does
  if (command_executor) {
    container.mutable_container_id()->set_value(new_uuid_text());
    container.set_executor_pid(next_pid++);
  } else if (!parent_container.empty()) {  // a task of a group: a nested container
    container.Clear();
    container.mutable_container_id()->set_value(new_uuid_text());
    container.mutable_container_id()->mutable_parent()->set_value(parent_container);
  } else {
    auto it = f.executors.find({agent, executor_id});
    if (it != f.executors.end()) {
      container.mutable_container_id()->set_value(it->second.container_id);
      container.set_executor_pid(it->second.pid);
    }
  }
  t.container = std::move(container);
  if (!command_executor) {
    auto it = f.executors.find({agent, executor_id});
    t.real_executor = it != f.executors.end() && it->second.real;
  }

  charge(f, t.resources, +1);
  if (!t.real_executor) {
    t.step_timer = schedule(now + config.task_step_delay, {timer_kind::task_step, f.id, t.id, 0});
  }
  auto [it, inserted] = f.tasks.insert_or_assign(t.id, std::move(t));
  return it->second;
}

// --- launches ---

namespace {

// The task's (or executor's) resources in canonical form; nullopt with a
// Mesos-like error if invalid. Resources allocated to another role can never
// be in the pool, which the caller reports as "more than available".
std::optional<resource_list> launch_resources(
    const google::protobuf::RepeatedPtrField<v1::Resource>& resources, const std::string& role,
    bool* foreign_role, std::string* error) {
  for (const auto& r : resources) {
    if (r.has_allocation_info() && r.allocation_info().role() != role) *foreign_role = true;
  }
  std::string problem;
  auto list = detail::canonical_list(resources, &problem);
  if (!list) *error = "Invalid resources: " + problem;
  return list;
}

bool same_executor(const v1::ExecutorInfo& a, const v1::ExecutorInfo& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

std::optional<std::string> cluster::impl::check_task(const framework_state& f,
                                                     const v1::TaskInfo& task, std::size_t agent,
                                                     const std::set<std::string>& launching) const {
  const std::string& id = task.task_id().value();
  if (auto error = validate_id(id)) return error;
  if (f.tasks.count(id) > 0 || launching.count(id) > 0) return "Task has duplicate ID: " + id;
  if (task.agent_id().value() != agents[agent].id) {
    return "Task uses invalid agent " + task.agent_id().value() + " while agent " +
           agents[agent].id + " is expected";
  }
  if (task.has_kill_policy() && task.kill_policy().has_grace_period() &&
      task.kill_policy().grace_period().nanoseconds() < 0) {
    return std::string("Task's 'kill_policy.grace_period' must be non-negative");
  }
  if (task.has_max_completion_time() && task.max_completion_time().nanoseconds() < 0) {
    return std::string("Task's `max_completion_time` must be non-negative");
  }
  if (task.resources_size() == 0) return std::string("Task uses no resources");
  for (const auto& r : task.resources()) {
    if (auto error = detail::validate_resource(r)) {
      return "Task uses invalid resources: Invalid resources: " + *error;
    }
  }
  return std::nullopt;
}

void cluster::impl::launch(framework_state& f, const sched::Call::Accept&,
                           const v1::Offer::Operation& op, const std::string& role,
                           std::size_t agent, resource_list& pool, time_point now) {
  auto error_update = [&](const v1::TaskInfo& task, const std::string& message) {
    master_update(f, task.task_id().value(), task.agent_id().value(), v1::TASK_ERROR,
                  v1::TaskStatus::REASON_TASK_INVALID, message, now);
  };
  if (op.has_id()) {
    for (const auto& task : op.launch().task_infos()) {
      error_update(task, "Operation feedback is not supported for LAUNCH operations");
    }
    return;
  }
  for (const auto& task : op.launch().task_infos()) {
    std::optional<std::string> error = check_task(f, task, agent, {});
    if (!error && task.has_executor() == task.has_command()) {
      error = "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present";
    }
    v1::ExecutorInfo executor;
    bool new_executor = false;
    bool foreign_role = false;
    resource_list executor_resources;
    if (!error && task.has_executor()) {
      executor = task.executor();
      if (!executor.has_framework_id()) executor.mutable_framework_id()->set_value(f.id);
      if (executor.framework_id().value() != f.id) {
        error =
            "ExecutorInfo has an invalid FrameworkID (Actual: " + executor.framework_id().value() +
            " vs Expected: " + f.id + ")";
      } else if (auto id_error = validate_id(executor.executor_id().value())) {
        error = id_error;
      } else if (executor.type() == v1::ExecutorInfo::DEFAULT && executor.has_command()) {
        error = "'ExecutorInfo.command' must not be set for 'DEFAULT' executor";
      } else if (executor.type() == v1::ExecutorInfo::CUSTOM && !executor.has_command()) {
        error = "'ExecutorInfo.command' must be set for 'CUSTOM' executor";
      } else if (executor.has_type() && executor.type() != v1::ExecutorInfo::CUSTOM) {
        error = "'ExecutorInfo.type' must be 'CUSTOM'";
      } else if (!executor.has_command()) {
        error = "'ExecutorInfo.command' must be set";
      } else {
        std::string problem;
        auto list = launch_resources(executor.resources(), role, &foreign_role, &problem);
        auto existing = f.executors.find({agent, executor.executor_id().value()});
        if (!list) {
          error = "Executor uses invalid resources: " + problem;
        } else if (existing != f.executors.end() &&
                   !same_executor(existing->second.info, executor)) {
          error = "ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID";
        } else if (existing == f.executors.end()) {
          new_executor = true;
          executor_resources = *list;
        }
      }
    }
    resource_list task_resources;
    if (!error) {
      std::string problem;
      auto list = launch_resources(task.resources(), role, &foreign_role, &problem);
      if (!list) {
        error = "Task uses invalid resources: " + problem;
      } else {
        task_resources = *list;
        resource_list total = task_resources;
        detail::add(total, executor_resources);
        if (foreign_role || !detail::contains(pool, total)) {
          error = "Total resources " + detail::to_string(total) +
                  " required by task and its executor is more than available " +
                  detail::to_string(pool);
        }
      }
    }
    if (error) {
      error_update(task, *error);
      continue;
    }
    detail::subtract(pool, task_resources);
    std::string executor_id = task.task_id().value();
    if (task.has_executor()) {
      executor_id = executor.executor_id().value();
      if (new_executor) {
        detail::subtract(pool, executor_resources);
        executor_state e;
        e.info = executor;
        e.agent = agent;
        e.resources = executor_resources;
        e.container_id = new_uuid_text();
        e.pid = next_pid++;
        charge(f, e.resources, +1);
        auto& added = f.executors.emplace(std::make_pair(agent, executor_id), std::move(e)).first->second;
        if (runs_for_real(added.info)) start_executor(f, added, now);
      }
      ++f.executors.at({agent, executor_id}).live_tasks;
    }
    auto& t = start_task(f, task, role, agent, std::move(task_resources), executor_id,
                         !task.has_executor(), std::string(), now);
    if (t.real_executor) deliver_tasks(f, f.executors.at({agent, executor_id}), false, {task});
  }
}

void cluster::impl::launch_group(framework_state& f, const v1::Offer::Operation& op,
                                 const std::string& role, std::size_t agent, resource_list& pool,
                                 time_point now) {
  const auto& group = op.launch_group();
  v1::ExecutorInfo executor = group.executor();
  if (!executor.has_framework_id()) executor.mutable_framework_id()->set_value(f.id);
  std::vector<v1::TaskInfo> tasks(group.task_group().tasks().begin(),
                                  group.task_group().tasks().end());
  for (auto& task : tasks) {
    if (!task.has_executor()) *task.mutable_executor() = executor;
  }
  auto fail_all = [&](const std::string& message) {
    for (const auto& task : tasks) {
      master_update(f, task.task_id().value(), task.agent_id().value(), v1::TASK_ERROR,
                    v1::TaskStatus::REASON_TASK_GROUP_INVALID, message, now);
    }
  };
  if (op.has_id())
    return fail_all("Operation feedback is not supported for LAUNCH_GROUP operations");
  if (tasks.empty()) return;

  std::set<std::string> launching;
  resource_list total;
  bool foreign_role = false;
  for (const auto& task : tasks) {
    if (auto error = check_task(f, task, agent, launching)) {
      return fail_all("Task '" + task.task_id().value() + "' is invalid: " + *error);
    }
    launching.insert(task.task_id().value());
    std::string problem;
    auto list = launch_resources(task.resources(), role, &foreign_role, &problem);
    if (!list)
      return fail_all("Task '" + task.task_id().value() +
                      "' is invalid: Task uses invalid resources: " + problem);
    detail::add(total, *list);
  }
  const std::string& executor_id = executor.executor_id().value();
  if (executor.framework_id().value() != f.id) {
    return fail_all("ExecutorInfo has an invalid FrameworkID (Actual: " +
                    executor.framework_id().value() + " vs Expected: " + f.id + ")");
  }
  if (auto error = validate_id(executor_id)) return fail_all(*error);
  if (!executor.has_type()) return fail_all("'ExecutorInfo.type' must be set");
  if (executor.type() == v1::ExecutorInfo::UNKNOWN) return fail_all("Unknown executor type");
  if (executor.type() == v1::ExecutorInfo::DEFAULT && executor.has_command()) {
    return fail_all("'ExecutorInfo.command' must not be set for 'DEFAULT' executor");
  }
  if (executor.type() == v1::ExecutorInfo::CUSTOM && !executor.has_command()) {
    return fail_all("'ExecutorInfo.command' must be set for 'CUSTOM' executor");
  }
  for (const auto& task : tasks) {
    if (!same_executor(task.executor(), executor)) {
      return fail_all("The `ExecutorInfo` of task '" + task.task_id().value() +
                      "' is different from executor '" + executor_id + "'");
    }
  }
  std::string problem;
  auto executor_resources = launch_resources(executor.resources(), role, &foreign_role, &problem);
  if (!executor_resources) return fail_all("Executor uses invalid resources: " + problem);
  double cpus = detail::scalar_sum(*executor_resources, "cpus");
  double mem = detail::scalar_sum(*executor_resources, "mem");
  if (cpus < 0.01) {
    return fail_all("Executor '" + executor_id + "' uses less CPUs (" +
                    (cpus > 0 ? std::to_string(cpus) : std::string("None")) +
                    ") than the minimum required (0.01)");
  }
  if (mem < 32) {
    return fail_all("Executor '" + executor_id + "' uses less memory (" +
                    (mem > 0 ? std::to_string(mem) + "MB" : std::string("None")) +
                    ") than the minimum required (32MB)");
  }
  bool has_disk = std::any_of(executor_resources->begin(), executor_resources->end(),
                              [](const v1::Resource& r) { return r.name() == "disk"; });
  if (!has_disk) return fail_all("Executor '" + executor_id + "' uses no disk");
  auto existing = f.executors.find({agent, executor_id});
  if (existing != f.executors.end() && !same_executor(existing->second.info, executor)) {
    return fail_all(
        "ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID");
  }
  bool new_executor = existing == f.executors.end();
  if (new_executor) detail::add(total, *executor_resources);
  if (foreign_role || !detail::contains(pool, total)) {
    return fail_all("Total resources " + detail::to_string(total) +
                    " required by task group and its executor are more than available " +
                    detail::to_string(pool));
  }

  detail::subtract(pool, total);
  if (new_executor) {
    executor_state e;
    e.info = executor;
    e.agent = agent;
    e.resources = *executor_resources;
    e.container_id = new_uuid_text();
    e.pid = next_pid++;
    charge(f, e.resources, +1);
    auto& added = f.executors.emplace(std::make_pair(agent, executor_id), std::move(e)).first->second;
    if (runs_for_real(added.info)) start_executor(f, added, now);
  }
  executor_state& e = f.executors.at({agent, executor_id});
  for (const auto& task : tasks) {
    std::string ignored;
    bool foreign = false;
    auto list = launch_resources(task.resources(), role, &foreign, &ignored);
    ++e.live_tasks;
    start_task(f, task, role, agent, list.value_or(resource_list{}), executor_id, false,
               e.container_id, now);
  }
  if (e.real) deliver_tasks(f, e, true, tasks);
}

}  // namespace mesos_http::sim
