// Private to the simulator: how a Mesos master parses a JSON call body
// (stout's JSON::parse, i.e. picojson, then protobuf::parse<Call>), with its
// error texts. Used by scheduler_endpoint.cpp.
#ifndef MESOS_HTTP_SRC_SIM_ENDPOINT_JSON_HPP
#define MESOS_HTTP_SRC_SIM_ENDPOINT_JSON_HPP

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <optional>
#include <string>
#include <string_view>

namespace mesos_http::sim::detail {

/// Decodes the JSON `body` into `call` (with the library's codec). Returns
/// the master's complete 400 body when it would refuse the body:
/// "Failed to parse body into JSON: ..." or "Failed to convert JSON into
/// Call protobuf: ...". Never throws.
std::optional<std::string> parse_json_call(std::string_view body, mesos::v1::scheduler::Call& call);

/// stout's JSON::parse error text for `text` (picojson's "syntax error at
/// line N near: ..." or the trailing-characters error), or nullopt when it
/// is one JSON value.
std::optional<std::string> json_parse_error(std::string_view text);

}  // namespace mesos_http::sim::detail

#endif  // MESOS_HTTP_SRC_SIM_ENDPOINT_JSON_HPP
