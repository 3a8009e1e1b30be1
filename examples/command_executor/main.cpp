// command_executor: a custom Mesos executor that runs each task's command.
//
// The agent starts it (ExecutorInfo.command names this program) with the
// MESOS_* environment that says where the agent is and who the executor
// is. For every task it receives (LAUNCH, or each task of a LAUNCH_GROUP)
// it runs TaskInfo.command as a child process in its own process group and
// reports TASK_STARTING, TASK_RUNNING (the message gives the pid), then
// TASK_FINISHED (exit status 0) or TASK_FAILED, with the end of the
// command's output in the message. KILL sends SIGTERM to the task's
// process group and SIGKILL once the kill policy's grace period is over,
// then reports TASK_KILLED. SHUTDOWN kills every task and exits once the
// agent has acknowledged their last updates.
//
// Mesos refuses a LAUNCH task that has both `command` and `executor`, so a
// task sent to this executor by LAUNCH carries its shell command in
// TaskInfo.data instead; `command` is used when present (the tasks of a
// LAUNCH_GROUP have one), else `data` runs as `sh -c DATA`.
//
// Framework messages: every MESSAGE event (data from the scheduler) is
// answered with a MESSAGE call carrying "echo:" + the data, so a framework
// (or a test) can see messages flow both ways.
//
// Optional: COMMAND_EXECUTOR_CONTENT_TYPE=json|protobuf (default protobuf)
// chooses how it talks to the agent.
//
// Exit status: 0 after SHUTDOWN, 1 when the agent was lost or refused the
// executor, 2 for a bad environment.
#include "task_process.hpp"

#include <mesos_http/error.hpp>
#include <mesos_http/executor.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <signal.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace {

using command_executor::task_process;
using mesos::v1::TaskState;
namespace exec = mesos::v1::executor;

constexpr std::chrono::seconds default_kill_grace{3};

std::chrono::nanoseconds to_duration(const mesos::v1::DurationInfo& d) {
  return std::chrono::nanoseconds(d.nanoseconds() < 0 ? 0 : d.nanoseconds());
}

// What the wait status says, in the words of Mesos' command executor.
std::string describe(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return "Command exited with status " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return "Command terminated with signal " + std::string(strsignal(WTERMSIG(wait_status)));
  }
  return "Command ended with wait status " + std::to_string(wait_status);
}

class command_runner {
 public:
  explicit command_runner(mesos_http::executor_config config) : config_(std::move(config)) {}

  // Builds the executor and everything that lives on its loop; then runs
  // the loop until the executor is done. Returns the exit status.
  int run() {
    mesos_http::executor_handlers on;
    on.launch = [this](const exec::Event::Launch& l) { launch(l.task()); };
    on.launch_group = [this](const exec::Event::LaunchGroup& g) {
      for (const auto& t : g.task_group().tasks()) launch(t);
    };
    on.kill = [this](const exec::Event::Kill& k) {
      std::optional<std::chrono::nanoseconds> grace;
      if (k.has_kill_policy() && k.kill_policy().has_grace_period()) {
        grace = to_duration(k.kill_policy().grace_period());
      }
      kill(k.task_id().value(), grace);
    };
    on.acknowledged = [this](const exec::Event::Acknowledged&) { maybe_done(); };
    // Best effort, like the message itself: a failed echo is not retried.
    on.message = [this](const exec::Event::Message& m) {
      executor_->send_message("echo:" + m.data());
    };
    on.shutdown = [this] { shutdown(); };
    on.error = [](const exec::Event::Error& e) {
      std::cerr << "command_executor: agent error: " << e.message() << "\n";
    };
    executor_ = std::make_unique<mesos_http::executor>(io_.get_executor(), config_, std::move(on));

    // Children are reaped when SIGCHLD arrives; the signal set is in place
    // before the first fork, so no exit goes unnoticed.
    sigchld_.emplace(executor_->get_executor(), SIGCHLD);
    wait_for_children();

    boost::system::error_code ec;
    executor_->async_run([this, &ec](boost::system::error_code result) {
      ec = result;
      // Nothing may outlive the executor, and nothing may keep the loop
      // running once it is done.
      for (auto& [id, t] : tasks_) {
        if (t.process) t.process->abandon();
      }
      sigchld_->cancel();
    });
    io_.run();
    if (shutting_down_ &&
        (ec == mesos_http::error::stopped || ec == mesos_http::error::executor_shutdown)) {
      return 0;
    }
    std::cerr << "command_executor: " << ec.message() << ": " << executor_->last_error().message()
              << "\n";
    return 1;
  }

 private:
  struct task {
    mesos::v1::TaskInfo info;
    std::shared_ptr<task_process> process;
    bool killing = false;
    bool terminal = false;
  };

  void update(const std::string& id, TaskState state, const std::string& message = {}) {
    mesos::v1::TaskStatus status;
    status.mutable_task_id()->set_value(id);
    status.set_state(state);
    if (!message.empty()) status.set_message(message);
    executor_->send_update(std::move(status));
  }

  // What the task runs: its `command`, else its `data` as a shell command
  // (the only place a LAUNCH task with an executor can carry one).
  // The task learns its id from MESOS_TASK_ID, as under Mesos's executors.
  static std::optional<mesos::v1::CommandInfo> command_of(const mesos::v1::TaskInfo& info) {
    mesos::v1::CommandInfo command;
    if (info.has_command()) {
      command = info.command();
    } else if (!info.data().empty()) {
      command.set_shell(true);
      command.set_value(info.data());
    } else {
      return std::nullopt;
    }
    auto* id = command.mutable_environment()->add_variables();
    id->set_name("MESOS_TASK_ID");
    id->set_value(info.task_id().value());
    return command;
  }

  void launch(const mesos::v1::TaskInfo& info) {
    const std::string id = info.task_id().value();
    if (tasks_.count(id)) return update(id, mesos::v1::TASK_FAILED, "Task id already in use");
    task& t = tasks_[id];
    t.info = info;
    const auto command = command_of(info);
    if (shutting_down_ || !command) {
      t.terminal = true;
      return update(
          id, mesos::v1::TASK_FAILED,
          shutting_down_ ? "Executor is shutting down" : "The task has neither a command nor data");
    }
    update(id, mesos::v1::TASK_STARTING);
    std::string why;
    t.process = task_process::start(
        executor_->get_executor(), *command,
        [this, id](const task_process::exit_info& e) { exited(id, e); }, why);
    if (!t.process) {
      t.terminal = true;
      return update(id, mesos::v1::TASK_FAILED, why);
    }
    update(id, mesos::v1::TASK_RUNNING,
           "Command started with pid " + std::to_string(t.process->pid()));
  }

  void kill(const std::string& id, std::optional<std::chrono::nanoseconds> grace) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) {
      // Not ours (any more): say so, the agent expects a terminal state.
      return update(id, mesos::v1::TASK_LOST, "Unknown task");
    }
    task& t = it->second;
    if (t.terminal || !t.process) return;
    if (!grace && t.info.has_kill_policy() && t.info.kill_policy().has_grace_period()) {
      grace = to_duration(t.info.kill_policy().grace_period());
    }
    t.killing = true;
    t.process->kill(grace.value_or(default_kill_grace));
  }

  void exited(const std::string& id, const task_process::exit_info& e) {
    task& t = tasks_.at(id);
    t.terminal = true;
    std::string message = describe(e.wait_status);
    if (!e.output_tail.empty()) message += "\n" + e.output_tail;
    TaskState state = mesos::v1::TASK_FAILED;
    if (t.killing) {
      state = mesos::v1::TASK_KILLED;
    } else if (WIFEXITED(e.wait_status) && WEXITSTATUS(e.wait_status) == 0) {
      state = mesos::v1::TASK_FINISHED;
    }
    update(id, state, message);
  }

  void shutdown() {
    shutting_down_ = true;
    // Leave half of the agent's grace period for the updates to get through.
    const auto budget =
        std::chrono::duration_cast<std::chrono::nanoseconds>(config_.shutdown_grace_period / 2);
    for (auto& [id, t] : tasks_) {
      if (t.terminal || !t.process) continue;
      auto grace = std::chrono::nanoseconds(default_kill_grace);
      if (t.info.has_kill_policy() && t.info.kill_policy().has_grace_period()) {
        grace = to_duration(t.info.kill_policy().grace_period());
      }
      kill(id, std::min(grace, budget));
    }
    maybe_done();
  }

  // After SHUTDOWN: stop once every task has ended and the agent has taken
  // every update (called again on each acknowledgement).
  void maybe_done() {
    if (!shutting_down_) return;
    for (const auto& [id, t] : tasks_) {
      if (!t.terminal) return;
    }
    if (executor_->metrics().pending_updates == 0) executor_->stop();
  }

  // Reaps every child that has ended (never blocks): task processes, and
  // the orphans of their groups that were handed to us as subreaper.
  void wait_for_children() {
    sigchld_->async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;
      int status = 0;
      pid_t pid;
      while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        for (auto& [id, t] : tasks_) {
          if (t.process && t.process->pid() == pid) t.process->reaped(status);
        }
      }
      wait_for_children();
    });
  }

  // First, so that it goes last: everything below lives on it.
  boost::asio::io_context io_;
  mesos_http::executor_config config_;
  std::unique_ptr<mesos_http::executor> executor_;
  std::optional<boost::asio::signal_set> sigchld_;
  std::map<std::string, task> tasks_;
  bool shutting_down_ = false;
};

}  // namespace

int main() {
  boost::system::error_code ec;
  mesos_http::diagnostics diag;
  auto config = mesos_http::executor_config::from_environment(ec, diag);
  if (!config) {
    std::cerr << "command_executor: " << diag.message() << "\n";
    return 2;
  }
  if (const char* type = std::getenv("COMMAND_EXECUTOR_CONTENT_TYPE")) {
    auto parsed = mesos_http::parse_content_type(type);
    if (!parsed) {
      std::cerr << "command_executor: COMMAND_EXECUTOR_CONTENT_TYPE='" << type
                << "' is neither json nor protobuf\n";
      return 2;
    }
    config->content = *parsed;
  }
#ifdef __linux__
  // What a task leaves behind (a daemon, a process whose parent died) is
  // handed to this process rather than to init, so it is reaped here and
  // a task's process group really empties.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
  command_runner runner(std::move(*config));
  return runner.run();
}
