// Small command-line helpers shared by the mesos-http subcommands.
#ifndef MESOS_HTTP_TOOL_ARGS_HPP
#define MESOS_HTTP_TOOL_ARGS_HPP

#include <mesos_http/content_type.hpp>

#include <google/protobuf/message.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::tool {

/// Exit codes of every subcommand.
enum exit_code : int { ok = 0, bad_input = 1, usage_error = 2 };

/// Thrown by the parsing helpers for a bad command line; main prints it with
/// the usage text and exits with `usage_error`.
struct usage_failure {
  std::string message;
};

/// Which API's messages a command reads or writes.
enum class api { scheduler, executor };

/// Pulls the value following option `name` out of `args` (`--name VALUE` or
/// `--name=VALUE`); nullopt if absent.
std::optional<std::string> take_option(std::vector<std::string>& args, const std::string& name);

/// Removes flag `name` from `args`; true if it was there.
bool take_flag(std::vector<std::string>& args, const std::string& name);

/// `--api scheduler|executor` (default scheduler).
api take_api(std::vector<std::string>& args);

/// `--content-type protobuf|json|<media type>`; nullopt if absent.
std::optional<content_type> take_content_type(std::vector<std::string>& args);

/// The single remaining FILE argument, "-" (stdin) if none.
std::string take_input(std::vector<std::string>& args);

/// A new empty Event (events=true) or Call of `which` API.
std::unique_ptr<google::protobuf::Message> new_message(api which, bool events);

}  // namespace mesos_http::tool

#endif  // MESOS_HTTP_TOOL_ARGS_HPP
