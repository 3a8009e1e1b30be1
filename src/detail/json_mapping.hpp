// Mesos's JSON mapping of protobuf messages (see docs/content-types.md):
// the writer produces what a Mesos master emits, the reader accepts what a
// Mesos master accepts. Used by `codec`; not installed.
#ifndef MESOS_HTTP_DETAIL_JSON_MAPPING_HPP
#define MESOS_HTTP_DETAIL_JSON_MAPPING_HPP

#include <mesos_http/diagnostics.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace mesos_http::detail {

/// Appends `message` as compact Mesos JSON to `out`.
void write_json(const google::protobuf::Message& message, std::string& out);

/// Appends `value` as Mesos writes a double ("15.0", "0.1", "\"Infinity\"").
void write_json_double(double value, std::string& out);

/// Appends `text` as a quoted JSON string (no UTF-8 validation, '/' kept).
void write_json_string(std::string_view text, std::string& out);

/// Parses `text` into `message` (not cleared here; required fields are not
/// checked here). Nesting deeper than `max_depth` messages is refused.
boost::system::error_code read_json(std::string_view text,
                                    google::protobuf::Message& message,
                                    std::size_t max_depth, diagnostics& diag);

}  // namespace mesos_http::detail

#endif  // MESOS_HTTP_DETAIL_JSON_MAPPING_HPP
