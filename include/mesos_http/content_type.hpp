// mesos-http: the two content types of the Mesos v1 HTTP APIs.
//
// Every call body and every record of an event stream is either a protobuf
// message (`application/x-protobuf`) or Mesos-flavoured JSON
// (`application/json`). Mesos compares the Content-Type header byte for byte:
// a parameter such as "; charset=utf-8" is refused with 415, so the strings
// below are the only ones to send.
//
// Thread safety: stateless; safe from any thread.
#ifndef MESOS_HTTP_CONTENT_TYPE_HPP
#define MESOS_HTTP_CONTENT_TYPE_HPP

#include <optional>
#include <string_view>

namespace mesos_http {

/// The encoding of a message body.
enum class content_type {
  protobuf,  ///< application/x-protobuf: protobuf binary (proto2).
  json,      ///< application/json: the JSON mapping Mesos itself uses.
};

/// The exact media type string for `type`, e.g. "application/x-protobuf".
constexpr std::string_view media_type(content_type type) noexcept {
  return type == content_type::json ? std::string_view("application/json")
                                    : std::string_view("application/x-protobuf");
}

/// The content type named by a Content-Type header value, compared exactly
/// as Mesos compares it; `std::nullopt` for anything else.
constexpr std::optional<content_type> content_type_from_media_type(
    std::string_view value) noexcept {
  if (value == media_type(content_type::json)) return content_type::json;
  if (value == media_type(content_type::protobuf)) return content_type::protobuf;
  return std::nullopt;
}

/// The short name used on command lines and in logs: "protobuf" or "json".
constexpr std::string_view to_string(content_type type) noexcept {
  return type == content_type::json ? std::string_view("json")
                                    : std::string_view("protobuf");
}

/// Parses a short name ("protobuf", "json") or a full media type.
constexpr std::optional<content_type> parse_content_type(
    std::string_view text) noexcept {
  if (text == "json") return content_type::json;
  if (text == "protobuf") return content_type::protobuf;
  return content_type_from_media_type(text);
}

}  // namespace mesos_http

#endif  // MESOS_HTTP_CONTENT_TYPE_HPP
