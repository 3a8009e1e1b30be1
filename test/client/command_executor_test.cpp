// The command_executor example as a real process against a fake agent: it
// runs commands, reports their ends with their output, kills process groups
// (escalating to SIGKILL), runs task groups and exits 0 after SHUTDOWN,
// runs a task's `data` when it has no command, and echoes framework
// messages.
#include "executor_client_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace mesos_http;
using mesos_http::test::fake_agent;
using mesos_http::test::task_info;
namespace exec = mesos::v1::executor;
namespace events = mesos_http::sim::executor_events;

namespace {

// The example, started with exactly `env` (plus PATH), its stdout and
// stderr in a file.
class executor_process {
 public:
  explicit executor_process(std::map<std::string, std::string> env) {
    static int counter = 0;
    output_path_ = "/tmp/command-executor-test-" + std::to_string(::getpid()) + "-" +
                   std::to_string(++counter) + ".log";
    if (const char* path = std::getenv("PATH")) env.emplace("PATH", path);
    std::vector<std::string> entries;
    for (const auto& [k, v] : env) entries.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : entries) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string program = MESOS_HTTP_COMMAND_EXECUTOR;
    char* argv[] = {program.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
  }
  ~executor_process() {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::unlink(output_path_.c_str());
  }

  /// The exit status once it has exited within the bound.
  std::optional<int> wait_exit(std::chrono::milliseconds bound = test::executor_patience) {
    const auto end = std::chrono::steady_clock::now() + bound;
    while (!status_ && std::chrono::steady_clock::now() < end) {
      int s = 0;
      if (::waitpid(pid_, &s, WNOHANG) == pid_) {
        status_ = s;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!status_ || !WIFEXITED(*status_)) return std::nullopt;
    return WEXITSTATUS(*status_);
  }
  std::string output() const {
    std::ifstream in(output_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = 0;
  std::optional<int> status_;
  std::string output_path_;
};

mesos::v1::TaskInfo shell_task(const std::string& id, const std::string& command) {
  auto t = task_info(id);
  t.mutable_command()->set_value(command);
  return t;
}

std::vector<mesos::v1::TaskStatus> updates_of(const fake_agent::record& r, const std::string& id) {
  std::vector<mesos::v1::TaskStatus> out;
  for (const auto& c : r.updates) {
    if (c.update().status().task_id().value() == id) out.push_back(c.update().status());
  }
  return out;
}

bool has_state(const fake_agent::record& r, const std::string& id, mesos::v1::TaskState s) {
  for (const auto& u : updates_of(r, id)) {
    if (u.state() == s) return true;
  }
  return false;
}

std::vector<mesos::v1::TaskState> states_of(fake_agent& agent, const std::string& id) {
  std::vector<mesos::v1::TaskState> out;
  for (const auto& u : updates_of(agent.seen(), id)) out.push_back(u.state());
  return out;
}

// The last update of `id` in `state`, after waiting for it.
mesos::v1::TaskStatus wait_state(fake_agent& agent, const std::string& id,
                                 mesos::v1::TaskState state) {
  const bool ok = agent.wait([&](const auto& r) { return has_state(r, id, state); });
  INFO("task " << id << " never reached " << mesos::v1::TaskState_Name(state));
  REQUIRE(ok);
  auto all = updates_of(agent.seen(), id);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->state() == state) return *it;
  }
  return {};
}

// The pid a TASK_RUNNING message names ("Command started with pid N").
pid_t pid_in(const mesos::v1::TaskStatus& running) {
  const auto& m = running.message();
  const auto at = m.rfind(' ');
  REQUIRE(at != std::string::npos);
  return static_cast<pid_t>(std::stol(m.substr(at + 1)));
}

// The process and every member of its group have disappeared (the rest of
// the group may take a moment to be killed and reaped after the leader).
bool gone(pid_t pid, std::chrono::milliseconds bound = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (::kill(pid, 0) == -1 && errno == ESRCH && ::kill(-pid, 0) == -1 && errno == ESRCH) {
      return true;
    }
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

using running_states = std::vector<mesos::v1::TaskState>;

// A command_executor process subscribed to a fake agent, in `content`.
struct subscribed_executor {
  fake_agent agent;
  executor_process executor;

  explicit subscribed_executor(content_type content = content_type::protobuf)
      : executor(environment(agent, content)) {
    REQUIRE(agent.wait([](const auto& r) { return r.subscribes.size() == 1; }));
  }

  static std::map<std::string, std::string> environment(fake_agent& agent, content_type content) {
    auto env = agent.environment(false);
    env["COMMAND_EXECUTOR_CONTENT_TYPE"] = std::string(to_string(content));
    return env;
  }
};

}  // namespace

TEST_CASE("command_executor runs, fails and kills commands, then shuts down",
          "[client][executor][example]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  subscribed_executor started(content);
  auto& agent = started.agent;
  auto& executor = started.executor;

  agent.push(events::launch(shell_task("ok", "echo hello; exit 0")));
  auto finished = wait_state(agent, "ok", mesos::v1::TASK_FINISHED);
  CHECK(states_of(agent, "ok") == running_states{mesos::v1::TASK_STARTING, mesos::v1::TASK_RUNNING,
                                                 mesos::v1::TASK_FINISHED});
  CHECK(finished.message().find("exited with status 0") != std::string::npos);
  CHECK(finished.message().find("hello") != std::string::npos);
  CHECK(finished.source() == mesos::v1::TaskStatus::SOURCE_EXECUTOR);

  agent.push(events::launch(shell_task("bad", "echo oops >&2; exit 3")));
  auto failed = wait_state(agent, "bad", mesos::v1::TASK_FAILED);
  CHECK(states_of(agent, "bad") ==
        running_states{mesos::v1::TASK_STARTING, mesos::v1::TASK_RUNNING, mesos::v1::TASK_FAILED});
  CHECK(failed.message().find("Command exited with status 3") != std::string::npos);
  CHECK(failed.message().find("oops") != std::string::npos);

  agent.push(events::launch(shell_task("long", "sleep 60")));
  const pid_t pid = pid_in(wait_state(agent, "long", mesos::v1::TASK_RUNNING));
  CHECK_FALSE(gone(pid, std::chrono::milliseconds(0)));
  mesos::v1::TaskID long_id;
  long_id.set_value("long");
  agent.push(events::kill(long_id));
  auto killed = wait_state(agent, "long", mesos::v1::TASK_KILLED);
  CHECK(killed.message().find("signal") != std::string::npos);
  CHECK(gone(pid));

  // SHUTDOWN with a task still running: it is killed, then a clean exit.
  agent.push(events::launch(shell_task("left", "sleep 60")));
  const pid_t left = pid_in(wait_state(agent, "left", mesos::v1::TASK_RUNNING));
  agent.push(events::shutdown());
  wait_state(agent, "left", mesos::v1::TASK_KILLED);
  const auto code = executor.wait_exit();
  INFO(executor.output());
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(gone(left));
  CHECK(agent.seen().subscribes.size() == 1);
}

TEST_CASE("command_executor escalates to SIGKILL and runs task groups with their environment",
          "[client][executor][example]") {
  subscribed_executor started;
  auto& agent = started.agent;
  auto& executor = started.executor;

  // Ignores SIGTERM: only SIGKILL after the task's 300 ms grace ends it.
  auto stubborn = shell_task("stubborn", "trap '' TERM; echo ready; sleep 60; sleep 60");
  stubborn.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(300'000'000);
  agent.push(events::launch(stubborn));
  const pid_t pid = pid_in(wait_state(agent, "stubborn", mesos::v1::TASK_RUNNING));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the trap be set
  mesos::v1::TaskID id;
  id.set_value("stubborn");
  const auto asked = std::chrono::steady_clock::now();
  agent.push(events::kill(id));
  auto killed = wait_state(agent, "stubborn", mesos::v1::TASK_KILLED);
  const auto took = std::chrono::steady_clock::now() - asked;
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(killed.message().find(strsignal(SIGKILL)) != std::string::npos);
  CHECK(gone(pid));

  // A group: a shell task reading a task variable, and an argv-form task.
  mesos::v1::TaskGroupInfo group;
  auto with_env = shell_task("env", "echo \"greeting=$GREETING\"");
  auto* var = with_env.mutable_command()->mutable_environment()->add_variables();
  var->set_name("GREETING");
  var->set_value("hi from the task");
  *group.add_tasks() = with_env;
  auto argv_task = task_info("argv");
  argv_task.mutable_command()->set_shell(false);
  argv_task.mutable_command()->set_value("echo");
  argv_task.mutable_command()->add_arguments("echo");
  argv_task.mutable_command()->add_arguments("$HOME;not-a-shell");
  *group.add_tasks() = argv_task;
  agent.push(events::launch_group(group));
  auto env_done = wait_state(agent, "env", mesos::v1::TASK_FINISHED);
  CHECK(env_done.message().find("greeting=hi from the task") != std::string::npos);
  auto argv_done = wait_state(agent, "argv", mesos::v1::TASK_FINISHED);
  CHECK(argv_done.message().find("$HOME;not-a-shell") != std::string::npos);

  agent.push(events::shutdown());
  const auto code = executor.wait_exit();
  INFO(executor.output());
  REQUIRE(code);
  CHECK(*code == 0);
}

TEST_CASE("command_executor echoes framework messages and runs a task's data",
          "[client][executor][example]") {
  const auto content = GENERATE(content_type::protobuf, content_type::json);
  subscribed_executor started(content);
  auto& agent = started.agent;
  auto& executor = started.executor;

  // Bytes, not text: a NUL and a byte that is not UTF-8 survive both ways.
  const std::string data = std::string("hello task-1 \0\xff", 15);
  agent.push(events::message(data));
  const bool echoed = agent.wait([&](const auto& r) {
    return std::find(r.messages.begin(), r.messages.end(), "echo:" + data) != r.messages.end();
  });
  INFO(executor.output());
  CHECK(echoed);
  CHECK(agent.seen().messages.size() == 1);

  // A LAUNCH task of a custom executor cannot have a command: it is in data.
  auto from_data = task_info("data");
  from_data.set_data("echo \"from data\"; exit 0");
  agent.push(events::launch(from_data));
  auto done = wait_state(agent, "data", mesos::v1::TASK_FINISHED);
  CHECK(done.message().find("from data") != std::string::npos);

  agent.push(events::launch(task_info("nothing")));
  auto failed = wait_state(agent, "nothing", mesos::v1::TASK_FAILED);
  CHECK(failed.message() == "The task has neither a command nor data");

  agent.push(events::shutdown());
  const auto code = executor.wait_exit();
  REQUIRE(code);
  CHECK(*code == 0);
}

TEST_CASE("command_executor without MESOS_FRAMEWORK_ID exits naming the variable",
          "[client][executor][example]") {
  fake_agent agent;
  auto env = agent.environment(false);
  env.erase("MESOS_FRAMEWORK_ID");
  executor_process executor(env);
  const auto code = executor.wait_exit();
  REQUIRE(code);
  CHECK(*code != 0);
  CHECK(executor.output().find("MESOS_FRAMEWORK_ID") != std::string::npos);
  CHECK(agent.seen().requests.empty());
}
