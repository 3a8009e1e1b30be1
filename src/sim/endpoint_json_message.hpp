// Private to the simulator: how a Mesos master or agent turns a JSON request
// body into any Call message (stout's JSON::parse, then protobuf::parse<T>,
// then the required-fields check), with the texts it answers 400 with.
//
// One reader for every Call type: `parse_json_call` (endpoint_json.hpp) is
// this for a scheduler::Call, and the agent's /api/v1/executor uses it for
// executor::Call. The scheduler endpoint's tests pin its texts.
#ifndef MESOS_HTTP_SRC_SIM_ENDPOINT_JSON_MESSAGE_HPP
#define MESOS_HTTP_SRC_SIM_ENDPOINT_JSON_MESSAGE_HPP

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

namespace mesos_http::sim::detail {

/// Decodes the JSON `body` into `message` (with the library's codec).
/// Returns Mesos's complete 400 body when Mesos would refuse the body:
/// "Failed to parse body into JSON: ..." or "Failed to convert JSON into
/// Call protobuf: ..." (Mesos says "Call" whatever the message type). Never
/// throws.
std::optional<std::string> parse_json_message(std::string_view body,
                                              google::protobuf::Message& message);

}  // namespace mesos_http::sim::detail

#endif  // MESOS_HTTP_SRC_SIM_ENDPOINT_JSON_MESSAGE_HPP
