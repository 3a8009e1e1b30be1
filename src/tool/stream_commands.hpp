#ifndef MESOS_HTTP_TOOL_STREAM_COMMANDS_HPP
#define MESOS_HTTP_TOOL_STREAM_COMMANDS_HPP

#include "args.hpp"

#include <string>
#include <vector>

namespace mesos_http::tool {

/// mesos-http decode [--api scheduler|executor] [--content-type protobuf|json]
///                   [--calls|--events] [FILE|-]
int decode_command(std::vector<std::string> args);

/// mesos-http encode [--api scheduler|executor] [--content-type protobuf|json]
///                   [--calls|--events] [FILE|-]
int encode_command(std::vector<std::string> args);

}  // namespace mesos_http::tool

#endif  // MESOS_HTTP_TOOL_STREAM_COMMANDS_HPP
