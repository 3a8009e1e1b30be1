// mesos-http subcommands that act as a framework: `execute` and `decline-all`.
#ifndef MESOS_HTTP_TOOL_CLIENT_COMMANDS_HPP
#define MESOS_HTTP_TOOL_CLIENT_COMMANDS_HPP

#include <string>
#include <vector>

namespace mesos_http::tool {

extern const char* const execute_usage;
extern const char* const decline_all_usage;

/// Launches one command task, prints its status updates, acknowledges them,
/// and exits 0 when it FINISHED, 1 for any other end, 2 for usage errors or
/// when the master cannot be used.
int execute_command(std::vector<std::string> args);

/// Declines every offer and acknowledges every update until an ERROR event,
/// SIGINT or SIGTERM; then prints its counters.
int decline_all_command(std::vector<std::string> args);

}  // namespace mesos_http::tool

#endif  // MESOS_HTTP_TOOL_CLIENT_COMMANDS_HPP
