// The mesos-http command-line tool.
#include "args.hpp"
#include "client_commands.hpp"
#include "sim_command.hpp"
#include "stream_commands.hpp"

#include <iostream>
#include <map>

namespace {

const std::string usage_text = std::string() +
    "usage: mesos-http <command> [options]\n"
    "\n"
    "commands:\n"
    "  decode [--api scheduler|executor] [--content-type protobuf|json]\n"
    "         [--calls|--events] [FILE|-]\n"
    "      Read a RecordIO stream of Mesos events (or calls) and print each as\n"
    "      one line of Mesos JSON. The content type is detected from the first\n"
    "      record when not given. Exits 1 on malformed input.\n"
    "  encode [--api scheduler|executor] [--content-type protobuf|json]\n"
    "         [--calls|--events] [FILE|-]\n"
    "      Read one JSON message per line and write them as a RecordIO stream\n"
    "      in the given content type (default json).\n"
    "  sim [--port 5050] [--address 127.0.0.1] [--agents N] [--masters K]\n"
    "      [--agent-resources TEXT] [--heartbeat SECONDS] [--task-run-time SECONDS]\n"
    "      [--record FILE]\n"
    "      Run a simulated Mesos cluster (the v1 Scheduler API over HTTP) until\n"
    "      interrupted. Port 0 picks a free port; K masters listen on consecutive\n"
    "      ports, the first leads and the others redirect to it.\n" +
    mesos_http::tool::execute_usage + mesos_http::tool::decline_all_usage +
    "  help\n"
    "      Print this text.\n"
    "\n"
    "Messages are scheduler events unless --api executor or --calls say\n"
    "otherwise. Logging: MESOS_HTTP_LOG=error|warning|info|debug[=DIR].\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace mesos_http::tool;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << usage_text;
    return usage_error;
  }
  std::string command = args.front();
  args.erase(args.begin());
  const std::map<std::string, int (*)(std::vector<std::string>)> commands = {
      {"decode", decode_command},
      {"encode", encode_command},
      {"sim", sim_command},
      {"execute", execute_command},
      {"decline-all", decline_all_command},
  };
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << usage_text;
    return ok;
  }
  auto it = commands.find(command);
  if (it == commands.end()) {
    std::cerr << "mesos-http: unknown command '" << command << "'\n\n" << usage_text;
    return usage_error;
  }
  try {
    return it->second(std::move(args));
  } catch (const usage_failure& failure) {
    std::cerr << "mesos-http " << command << ": " << failure.message << "\n\n" << usage_text;
    return usage_error;
  }
}
