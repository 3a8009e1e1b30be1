#ifndef MESOS_HTTP_TOOL_SIM_COMMAND_HPP
#define MESOS_HTTP_TOOL_SIM_COMMAND_HPP

#include "args.hpp"

#include <string>
#include <vector>

namespace mesos_http::tool {

/// mesos-http sim [--port 5050] [--address 127.0.0.1] [--agents N]
///                [--masters K] [--agent-resources TEXT] [--heartbeat SECONDS]
///                [--task-run-time SECONDS] [--record FILE] [--master-id ID]
///                [--exec [--work-dir DIR]] [fault flags]
/// `mesos-http sim --help` lists every option.
int sim_command(std::vector<std::string> args);

}  // namespace mesos_http::tool

#endif  // MESOS_HTTP_TOOL_SIM_COMMAND_HPP
