// `mesos-http sim`: a simulated Mesos master with agents, serving until
// interrupted.
#include "sim_command.hpp"

#include <mesos_http/sim/ensemble.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

namespace mesos_http::tool {

namespace {

double take_seconds(std::vector<std::string>& args, const std::string& name, double fallback) {
  auto value = take_option(args, name);
  if (!value) return fallback;
  char* end = nullptr;
  double seconds = std::strtod(value->c_str(), &end);
  if (end == value->c_str() || *end != '\0' || seconds < 0) {
    throw usage_failure{name + " needs a number of seconds, not '" + *value + "'"};
  }
  return seconds;
}

long take_number(std::vector<std::string>& args, const std::string& name, long fallback, long low,
                 long high) {
  auto value = take_option(args, name);
  if (!value) return fallback;
  char* end = nullptr;
  long n = std::strtol(value->c_str(), &end, 10);
  if (end == value->c_str() || *end != '\0' || n < low || n > high) {
    throw usage_failure{name + " must be a number from " + std::to_string(low) + " to " +
                        std::to_string(high) + ", not '" + *value + "'"};
  }
  return n;
}

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

constexpr const char* sim_usage =
    "usage: mesos-http sim [options]\n"
    "  --port 5050 --address 127.0.0.1   where to listen (port 0: a free one)\n"
    "  --masters K                       K masters, the first leads\n"
    "  --agents N --agent-resources TEXT agents and their resources\n"
    "  --heartbeat SECONDS               HEARTBEAT interval (15)\n"
    "  --task-run-time SECONDS           run time of scripted tasks (1)\n"
    "  --record FILE                     append every event stream to FILE\n"
    "  --master-id ID                    the master id (default: a random UUID)\n"
    "  --exec [--work-dir DIR]           run command tasks as local processes;\n"
    "                                    their stdout is printed as [task ID] lines\n"
    "  --default-executor PROGRAM        with --exec: run task groups on PROGRAM\n"
    "                                    (an executor, e.g. examples/command_executor);\n"
    "                                    custom executors always run for real\n"
    "faults (every master; change them later with POST /sim/faults):\n"
    "  --fail-next N --fail-status CODE  answer the next N requests with CODE (503)\n"
    "  --response-delay SECONDS          delay every answer\n"
    "  --stop-heartbeats                 send no HEARTBEAT events\n"
    "  --cut-after-events N              cut each new stream after N events\n"
    "  --cut-at-byte B                   cut each new stream after B body bytes\n"
    "  --garbage TEXT                    write TEXT into the next new stream\n"
    "  --chunk-size N                    re-chunk streams into N-byte chunks\n"
    "control: GET|POST|DELETE /sim/faults, POST /sim/leader, GET /sim/calls,\n"
    "         POST /sim/agents/ID/remove (see docs/simulator.md)\n";

sim::fault_settings take_faults(std::vector<std::string>& args) {
  constexpr long most = 2147483647;
  sim::fault_settings f;
  f.fail_next_requests = static_cast<unsigned>(take_number(args, "--fail-next", 0, 0, most));
  f.fail_status = static_cast<unsigned>(take_number(args, "--fail-status", 503, 100, 599));
  f.response_delay = millis(take_seconds(args, "--response-delay", 0));
  f.stop_heartbeats = take_flag(args, "--stop-heartbeats");
  f.cut_stream_after_events =
      static_cast<unsigned>(take_number(args, "--cut-after-events", 0, 0, most));
  f.cut_stream_at_byte = static_cast<std::uint64_t>(take_number(args, "--cut-at-byte", 0, 0, most));
  f.garbage = take_option(args, "--garbage").value_or("");
  f.chunk_size = static_cast<std::size_t>(take_number(args, "--chunk-size", 0, 0, most));
  return f;
}

// --exec: each finished task's stdout, line by line, then how it ended.
// "task <id>", or for an executor process (no task id) "executor <id>", the
// id read from its sandbox path (.../executors/<id>/runs/<container>).
std::string process_label(const sim::task_process_exit& exit) {
  if (!exit.task_id.empty()) return "task " + exit.task_id;
  const std::string marker = "/executors/";
  auto from = exit.sandbox.rfind(marker);
  if (from == std::string::npos) return "executor";
  from += marker.size();
  return "executor " + exit.sandbox.substr(from, exit.sandbox.find('/', from) - from);
}

void print_task_output(const sim::task_process_exit& exit) {
  const std::string label = process_label(exit);
  std::istringstream lines(exit.stdout_text);
  std::string line;
  while (std::getline(lines, line)) std::cout << "[" << label << "] " << line << '\n';
  std::cout << "[" << label << "] command " << exit.status << std::endl;
}

}  // namespace

int sim_command(std::vector<std::string> args) {
  if (take_flag(args, "--help") || take_flag(args, "-h")) {
    std::cout << sim_usage;
    return ok;
  }
  sim::master_config config;
  config.port = static_cast<unsigned short>(take_number(args, "--port", 5050, 0, 65535));
  if (auto address = take_option(args, "--address")) config.address = *address;
  long agents = take_number(args, "--agents", 1, 0, 10000);
  long count = take_number(args, "--masters", 1, 1, 9);
  std::string resources = take_option(args, "--agent-resources")
                              .value_or("cpus:4;mem:8192;disk:10000;ports:[31000-32000]");
  config.heartbeat_interval = millis(take_seconds(args, "--heartbeat", 15));
  config.cluster.task_run_time = millis(take_seconds(args, "--task-run-time", 1));
  if (auto file = take_option(args, "--record")) config.record_file = *file;
  config.cluster.master_id = take_option(args, "--master-id").value_or(sim::random_uuid());
  config.exec.enabled = take_flag(args, "--exec");
  if (auto dir = take_option(args, "--work-dir")) {
    if (!config.exec.enabled) throw usage_failure{"--work-dir needs --exec"};
    config.exec.work_dir = *dir;
  }
  if (auto program = take_option(args, "--default-executor")) {
    if (!config.exec.enabled) throw usage_failure{"--default-executor needs --exec"};
    // Executors start in their sandboxes: a relative path would not resolve.
    const std::string path = std::filesystem::absolute(*program).lexically_normal().string();
    mesos::v1::CommandInfo command;
    command.set_shell(false);
    command.set_value(path);
    command.add_arguments(path);
    config.cluster.default_executor = command;
  }
  if (config.exec.enabled) config.exec.on_exit = print_task_output;
  sim::fault_settings faults = take_faults(args);
  if (!args.empty()) throw usage_failure{"unexpected argument '" + args.front() + "'"};

  config.cluster.agents.assign(static_cast<std::size_t>(agents), sim::agent_config{});
  for (auto& agent : config.cluster.agents) agent.resources = resources;

  boost::asio::io_context io;
  std::unique_ptr<sim::ensemble> masters;
  try {
    masters =
        std::make_unique<sim::ensemble>(io.get_executor(), config, static_cast<std::size_t>(count));
  } catch (const std::exception& e) {  // e.g. --agent-resources that do not parse
    throw usage_failure{e.what()};
  }
  if (auto ec = masters->start()) {
    std::cerr << "mesos-http sim: cannot start on " << config.address << ":" << config.port << ": "
              << ec.message() << '\n';
    return bad_input;
  }
  for (std::size_t i = 0; i < masters->size(); ++i) masters->at(i).set_faults(faults);
  auto endpoints = masters->endpoints();
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    std::cout << "mesos-http sim: master listening on http://" << endpoints[i]
              << (i == 0 ? " (leader)" : "") << '\n';
  }
  std::cout << "mesos-http sim: master id " << config.cluster.master_id << '\n';
  if (config.exec.enabled) {
    std::cout << "mesos-http sim: running command tasks in " << masters->at(0).work_dir()
              << (config.exec.work_dir.empty() ? " (removed on exit)" : "") << '\n';
  }
  std::cout << "mesos-http sim: " << agents << " agent(s); Ctrl-C to stop" << std::endl;

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    std::cout << "mesos-http sim: stopping" << std::endl;
    masters->stop();
    io.stop();
  });
  io.run();
  return ok;
}

}  // namespace mesos_http::tool
