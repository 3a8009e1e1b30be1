// Exec mode over loopback: command tasks run as real child processes, in
// both content types — output, exit codes, kills, and no process left behind.
#include "sim/exec_support.hpp"

#include <filesystem>

using namespace mesos_http::test::sim_fixture;
namespace v1 = mesos::v1;

TEST_CASE("sim exec: a task runs for real in its sandbox with Mesos's environment",
          "[sim][master][exec]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  exit_log exits;
  running_master master(exec_config(&exits));
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  const std::string command =
      "echo hello; echo \"$MESOS_TASK_ID $MESOS_FRAMEWORK_ID $MESOS_EXECUTOR_ID\"; "
      "echo \"$MESOS_AGENT_ID $MESOS_SLAVE_ID\"; pwd; echo \"$MESOS_SANDBOX\"; "
      "echo \"$GREETING\"; echo oops >&2";
  REQUIRE(launch_with(s, calls, offer, "echo-1", command, [](v1::TaskInfo& task) {
            auto* v = task.mutable_command()->mutable_environment()->add_variables();
            v->set_name("GREETING");
            v->set_value("hi there");
          }) == 202);
  auto running = ack_until_status(s, calls, "echo-1", v1::TASK_RUNNING);
  CHECK(running.container_status().executor_pid() > 0);
  auto finished = ack_until_status(s, calls, "echo-1", v1::TASK_FINISHED);
  CHECK(finished.message() == "Command exited with status 0");
  CHECK(finished.source() == v1::TaskStatus::SOURCE_EXECUTOR);

  auto exit = exits.wait_for("echo-1");
  const std::string agent = offer.agent_id().value();
  const std::string sandbox = master->work_dir() + "/agents/" + agent + "/frameworks/" +
                              s.framework_id + "/executors/echo-1/runs/" +
                              running.container_status().container_id().value();
  CHECK(exit.sandbox == sandbox);
  CHECK(exit.framework_id == s.framework_id);
  CHECK(exit.status == "exited with status 0");
  CHECK(exit.pid == running.container_status().executor_pid());
  const std::string real = std::filesystem::canonical(sandbox).string();
  CHECK(exit.stdout_text == "hello\necho-1 " + s.framework_id + " echo-1\n" + agent + " " + agent +
                                "\n" + real + "\n" + sandbox + "\nhi there\n");
  CHECK(read_file(sandbox + "/stdout") == exit.stdout_text);
  CHECK(read_file(sandbox + "/stderr") == "oops\n");
  CHECK(reaped(exit.pid));
}

TEST_CASE("sim exec: a non-zero exit fails the task with the executor's message",
          "[sim][master][exec]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master(exec_config());
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  REQUIRE(launch(s, calls, offer, "exit-3", "echo failing; exit 3") == 202);
  auto failed = ack_until_status(s, calls, "exit-3", v1::TASK_FAILED);
  CHECK(failed.message() == "Command exited with status 3");
  CHECK(failed.source() == v1::TaskStatus::SOURCE_EXECUTOR);
}

TEST_CASE("sim exec: shell=false runs the executable with its arguments", "[sim][master][exec]") {
  exit_log exits;
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master(exec_config(&exits));
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  REQUIRE(launch_with(s, calls, offer, "argv", "echo", [](v1::TaskInfo& task) {
            task.mutable_command()->set_shell(false);
            for (const char* arg : {"echo", "a  b", "$HOME"})
              task.mutable_command()->add_arguments(arg);
          }) == 202);
  ack_until_status(s, calls, "argv", v1::TASK_FINISHED);
  CHECK(exits.wait_for("argv").stdout_text == "a  b $HOME\n");  // no shell expansion
}

TEST_CASE("sim exec: a command that cannot be executed fails the launch", "[sim][master][exec]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master(exec_config());
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  REQUIRE(launch_with(s, calls, offer, "missing", "/nonexistent/program",
                      [](v1::TaskInfo& task) { task.mutable_command()->set_shell(false); }) == 202);
  auto failed = ack_until_status(s, calls, "missing", v1::TASK_FAILED);
  CHECK(failed.reason() == v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  CHECK(failed.source() == v1::TaskStatus::SOURCE_AGENT);
  CHECK_THAT(failed.message(), Catch::Contains("/nonexistent/program") &&
                                   Catch::Contains("No such file or directory"));
  CHECK(master->task_processes().empty());
}

TEST_CASE("sim exec: KILL terminates the process group, a TERM-proof one gets SIGKILL",
          "[sim][master][exec]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master(exec_config());
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());

  std::string command = "sleep 100";
  std::string message = "Command terminated with signal Terminated";
  SECTION("SIGTERM is enough") {}
  SECTION("SIGTERM ignored: SIGKILL after the kill policy's grace period") {
    command = "trap '' TERM; echo ready; sleep 100; sleep 100";
    message = "Command terminated with signal Killed";
  }
  REQUIRE(launch_with(s, calls, offer, "victim", command, [](v1::TaskInfo& task) {
            task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(50'000'000);
          }) == 202);
  auto running = ack_until_status(s, calls, "victim", v1::TASK_RUNNING);
  int pid = static_cast<int>(running.container_status().executor_pid());
  REQUIRE(pid > 0);
  CHECK(::kill(pid, 0) == 0);
  if (command.rfind("trap", 0) == 0) {  // wait until SIGTERM is really ignored
    const std::string out = master->work_dir() + "/agents/" + offer.agent_id().value() +
                            "/frameworks/" + s.framework_id + "/executors/victim/runs/" +
                            running.container_status().container_id().value() + "/stdout";
    REQUIRE(eventually([&] { return read_file(out) == "ready\n"; }));
  }

  sched::Call kill = call_of(sched::Call::KILL, s);
  kill.mutable_kill()->mutable_task_id()->set_value("victim");
  calls.send(scheduler_call(kill, type, s.stream_id));
  REQUIRE(calls.read_response().status == 202);
  auto killed = ack_until_status(s, calls, "victim", v1::TASK_KILLED);
  CHECK(killed.message() == message);
  CHECK(reaped(pid));  // gone, and not a zombie either
  CHECK(master->task_processes().empty());
}

TEST_CASE("sim exec: stopping the master kills and reaps every task process",
          "[sim][master][exec]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master(exec_config());
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  // The task also leaves a background child in its process group.
  REQUIRE(launch(s, calls, offer, "tree", "sleep 100 & echo $! > bg.pid; wait") == 202);
  auto running = ack_until_status(s, calls, "tree", v1::TASK_RUNNING);
  int pid = static_cast<int>(running.container_status().executor_pid());
  const std::string work = master->work_dir();
  const std::string pid_file = work + "/agents/" + offer.agent_id().value() + "/frameworks/" +
                               s.framework_id + "/executors/tree/runs/" +
                               running.container_status().container_id().value() + "/bg.pid";
  REQUIRE(eventually([&] { return read_file(pid_file).find('\n') != std::string::npos; }));
  int background = std::stoi(read_file(pid_file));
  CHECK(master->task_processes() == std::vector<int>{pid});

  master->stop();
  CHECK(reaped(pid));
  CHECK(eventually([&] { return not_running(background); }));
  CHECK(master->task_processes().empty());
}

TEST_CASE("sim exec: agent removal and TEARDOWN kill the processes concerned",
          "[sim][master][exec]") {
  auto type = GENERATE(content_type::json, content_type::protobuf);
  running_master master(exec_config());
  auto s = subscribe(master.port(), type);
  auto offer = s.next_of(sched::Event::OFFERS).offers().offers(0);
  raw_connection calls(master.port());
  REQUIRE(launch(s, calls, offer, "doomed", "sleep 100") == 202);
  auto running = ack_until_status(s, calls, "doomed", v1::TASK_RUNNING);
  int pid = static_cast<int>(running.container_status().executor_pid());

  SECTION("agent removed through the control endpoint") {
    auto removed = post(master.port(), "POST /sim/agents/" + offer.agent_id().value() +
                                           "/remove HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(removed.status == 200);
    auto lost = s.next_of(sched::Event::UPDATE).update().status();
    CHECK(lost.state() == v1::TASK_LOST);
    CHECK(lost.reason() == v1::TaskStatus::REASON_AGENT_REMOVED);
  }
  SECTION("framework torn down") {
    calls.send(scheduler_call(call_of(sched::Call::TEARDOWN, s), type, s.stream_id));
    CHECK(calls.read_response().status == 202);
  }
  CHECK(eventually([&] { return reaped(pid); }));
  CHECK(eventually([&] { return master->task_processes().empty(); }));
}
