// The exec-mode process runner on its own: exit reports through pidfds and
// through the polling fallback, kill escalation that can only be shortened,
// and stop() leaving nothing behind.
#include "sim/process_runner.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

using mesos_http::sim::exec_settings;
using mesos_http::sim::process_action;
using mesos_http::sim::detail::process_report;
using mesos_http::sim::detail::process_runner;

namespace {

struct runner_fixture {
  boost::asio::io_context io;
  std::vector<process_report> exits;
  std::shared_ptr<process_runner> runner =
      std::make_shared<process_runner>(io.get_executor(), exec_settings{true, {}, {}},
                                       [this](const process_report& r) { exits.push_back(r); });

  runner_fixture() { REQUIRE_FALSE(runner->open()); }

  process_report start(std::uint64_t number, const std::string& command) {
    process_action a;
    a.process = number;
    a.framework_id = "fw";
    a.agent_id = "agent";
    a.executor_id = a.task_id = "task-" + std::to_string(number);
    a.command.set_value(command);
    auto reports = runner->apply(a);
    REQUIRE(reports.size() == 1);
    return reports[0];
  }

  void kill(std::uint64_t number, std::chrono::milliseconds grace) {
    process_action a;
    a.what = process_action::kind::kill;
    a.process = number;
    a.grace_period = grace;
    CHECK(runner->apply(a).empty());
  }

  // Runs the executor until `count` exits were reported (at most 10 s; the
  // commands end or are killed long before).
  void run_until_exits(std::size_t count) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (exits.size() < count && std::chrono::steady_clock::now() < give_up) {
      io.restart();
      io.run_one_for(std::chrono::milliseconds(100));
    }
    REQUIRE(exits.size() >= count);
  }

  // Waits (at most 10 s) until the process's stdout holds `text`.
  void wait_for_output(std::uint64_t number, const std::string& text) {
    std::string path = runner->work_dir() + "/agents/agent/frameworks/fw/executors/task-" +
                       std::to_string(number) + "/runs/" + std::to_string(number) + "/stdout";
    for (int i = 0; i < 1000; ++i) {
      std::ifstream in(path);
      std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (content.find(text) != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("no '" << text << "' in " << path);
  }
};

bool reaped(int pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Gone or a zombie (whoever adopted it has not reaped it yet), within 5 s.
bool ends_soon(int pid) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, name, state;
    if (!(stat >> pid_field >> name >> state) || state == "Z") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("process runner: exits are reported with their wait status", "[sim][exec]") {
  bool polling = GENERATE(false, true);
  runner_fixture f;
  if (polling) f.runner->force_polling();
  auto started = f.start(1, "exit 7");
  REQUIRE(started.what == process_report::kind::started);
  f.run_until_exits(1);
  CHECK(f.exits[0].process == 1);
  CHECK(f.exits[0].pid == started.pid);
  CHECK(WIFEXITED(f.exits[0].wait_status));
  CHECK(WEXITSTATUS(f.exits[0].wait_status) == 7);
  CHECK(reaped(started.pid));
  CHECK(f.runner->pids().empty());
}

TEST_CASE("process runner: a second kill shortens the grace period, never extends it",
          "[sim][exec]") {
  runner_fixture f;
  auto started = f.start(1, "trap '' TERM; echo ready; sleep 100; sleep 100");
  REQUIRE(started.what == process_report::kind::started);
  f.wait_for_output(1, "ready");  // SIGTERM is ignored from now on
  f.kill(1, std::chrono::hours(1));
  f.kill(1, std::chrono::hours(2));  // ignored
  f.kill(1, std::chrono::milliseconds(20));
  f.run_until_exits(1);
  CHECK(WIFSIGNALED(f.exits[0].wait_status));
  CHECK(WTERMSIG(f.exits[0].wait_status) == SIGKILL);
}

TEST_CASE("process runner: what a process left behind in a session of its own dies with it",
          "[sim][exec]") {
  // An executor that crashes leaves its tasks to init; a real agent's
  // container would still hold them. Here the process's environment does.
  runner_fixture f;
  // The shell exits only once the sleeper is in a session of its own.
  auto started = f.start(1,
                         "setsid sh -c 'echo $$ > left; exec sleep 100' & "
                         "while [ ! -s left ]; do sleep 0.01; done; echo \"left:$(cat left)\"; exit 3");
  REQUIRE(started.what == process_report::kind::started);
  f.run_until_exits(1);
  CHECK(WEXITSTATUS(f.exits[0].wait_status) == 3);
  std::ifstream out(f.runner->work_dir() + "/agents/agent/frameworks/fw/executors/task-1/runs/1/stdout");
  std::string line;
  REQUIRE(std::getline(out, line));
  REQUIRE(line.rfind("left:", 0) == 0);
  const int left = std::stoi(line.substr(5));
  CHECK(ends_soon(left));
}

TEST_CASE("process runner: stop kills and reaps, then refuses new processes", "[sim][exec]") {
  runner_fixture f;
  auto a = f.start(1, "sleep 100");
  auto b = f.start(2, "sleep 100");
  REQUIRE(f.runner->pids().size() == 2);
  std::string work = f.runner->work_dir();
  CHECK(std::filesystem::is_directory(work));
  f.runner->stop();
  CHECK(reaped(a.pid));
  CHECK(reaped(b.pid));
  CHECK(f.exits.empty());  // no reports for processes the runner killed itself
  auto refused = f.start(3, "true");
  CHECK(refused.what == process_report::kind::failed);
  f.runner.reset();
  CHECK_FALSE(std::filesystem::exists(work));  // a work dir it made itself goes too
}
