// `mesos-http sim`: a simulated Mesos master with agents, serving until
// interrupted.
#include "sim_command.hpp"

#include <mesos_http/sim/ensemble.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

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

long take_number(std::vector<std::string>& args, const std::string& name, long fallback,
                 long low, long high) {
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

}  // namespace

int sim_command(std::vector<std::string> args) {
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
  if (!args.empty()) throw usage_failure{"unexpected argument '" + args.front() + "'"};

  config.cluster.agents.assign(static_cast<std::size_t>(agents), sim::agent_config{});
  for (auto& agent : config.cluster.agents) agent.resources = resources;

  boost::asio::io_context io;
  std::unique_ptr<sim::ensemble> masters;
  try {
    masters = std::make_unique<sim::ensemble>(io.get_executor(), config,
                                              static_cast<std::size_t>(count));
  } catch (const std::exception& e) {  // e.g. --agent-resources that do not parse
    throw usage_failure{e.what()};
  }
  if (auto ec = masters->start()) {
    std::cerr << "mesos-http sim: cannot listen on " << config.address << ":" << config.port
              << ": " << ec.message() << '\n';
    return bad_input;
  }
  auto endpoints = masters->endpoints();
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    std::cout << "mesos-http sim: master listening on http://" << endpoints[i]
              << (i == 0 ? " (leader)" : "") << '\n';
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
