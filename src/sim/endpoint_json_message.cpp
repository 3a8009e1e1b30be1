// JSON request bodies as Mesos reads them, for any message type. Syntax
// errors come from `json_parse_error` (endpoint_json.cpp, picojson's words);
// type errors from a walk over the document that follows stout's
// `protobuf::internal::Parser` (keys in std::map order, first error wins);
// the rest from the library's codec. See endpoint_json.cpp for where the
// texts can differ from picojson's.
#include "sim/endpoint_json_message.hpp"

#include "sim/endpoint_json.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <google/protobuf/descriptor.h>
#include <nlohmann/json.hpp>

#include <cstddef>

namespace mesos_http::sim::detail {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using json = nlohmann::json;

// Beyond this nesting the walk stops and the codec decides (it refuses such
// bodies anyway, see codec::max_json_depth).
constexpr std::size_t walk_limit = 2 * codec::max_json_depth;

// Outcome of walking one value: Mesos's error text, nothing wrong, or
// "undecided" (the walk gave up; the codec has the last word).
struct outcome {
  std::optional<std::string> error;
  bool undecided = false;

  bool stop() const { return error.has_value() || undecided; }
};

outcome ok() { return {}; }
outcome refuse(std::string text) { return {std::move(text), false}; }
outcome undecided() { return {std::nullopt, true}; }

outcome wrong_kind(const char* kind, const FieldDescriptor& field) {
  return refuse(std::string("Not expecting a JSON ") + kind + " for field '" + field.name() + "'");
}

// stout's base64 decoder: whitespace skipped, stops at '=', refuses any
// other byte outside the standard alphabet.
std::optional<std::string> base64_refusal(const std::string& text) {
  for (char c : text) {
    if (c == '=') return std::nullopt;
    const auto u = static_cast<unsigned char>(c);
    const bool space = u == ' ' || (u >= '\t' && u <= '\r');
    const bool alnum = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
    if (!space && !alnum && c != '+' && c != '/') {
      return std::string("Invalid character '") + c + "'";
    }
  }
  return std::nullopt;
}

// A string given for a number or boolean field is parsed as JSON text.
outcome string_as(const std::string& text, bool want_boolean, const FieldDescriptor& field) {
  const char* kind = want_boolean ? "boolean" : "number";
  const std::string head =
      "Failed to parse '" + text + "' as a JSON " + kind + " for field '" + field.name() + "': ";
  if (auto syntax = json_parse_error(text)) return refuse(head + *syntax);
  json value;
  try {
    value = json::parse(text);
  } catch (...) {
    return undecided();
  }
  if (want_boolean ? !value.is_boolean() : !value.is_number()) {
    return refuse(head + "Unexpected JSON type parsed");
  }
  return ok();
}

outcome walk_message(const json& object, const Descriptor& type, std::size_t depth);

outcome walk_string(const std::string& s, const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        if (auto bad = base64_refusal(s)) {
          return refuse("Failed to base64 decode bytes field '" + field.name() + "': " + *bad);
        }
      }
      return ok();
    case FieldDescriptor::CPPTYPE_ENUM:
      // Unknown names vanish from optional fields; required ones complain.
      if (field.is_required() && field.enum_type()->FindValueByName(s) == nullptr) {
        return refuse("Failed to find enum for '" + s + "'");
      }
      return ok();
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      if (s == "Infinity" || s == "-Infinity") return ok();
      return string_as(s, false, field);
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return string_as(s, false, field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return string_as(s, true, field);
    default:
      return wrong_kind("string", field);
  }
}

outcome walk_value(const json& value, const FieldDescriptor& field, std::size_t depth) {
  if (depth > walk_limit) return undecided();
  switch (value.type()) {
    case json::value_t::null:
      return ok();  // leaves the field unset
    case json::value_t::object: {
      if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return wrong_kind("object", field);
      if (!field.is_map()) return walk_message(value, *field.message_type(), depth + 1);
      const Descriptor& entry = *field.message_type();
      for (const auto& [key, item] : value.items()) {
        outcome o = walk_value(json(key), *entry.map_key(), depth + 1);
        if (!o.stop()) o = walk_value(item, *entry.map_value(), depth + 1);
        if (o.stop()) return o;
      }
      return ok();
    }
    case json::value_t::array:
      if (!field.is_repeated()) return wrong_kind("array", field);
      for (const json& element : value) {
        const outcome o = walk_value(element, field, depth + 1);
        if (o.stop()) return o;
      }
      return ok();
    case json::value_t::string:
      return walk_string(value.get_ref<const std::string&>(), field);
    case json::value_t::boolean:
      if (field.cpp_type() != FieldDescriptor::CPPTYPE_BOOL) return wrong_kind("boolean", field);
      return ok();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      switch (field.cpp_type()) {
        case FieldDescriptor::CPPTYPE_DOUBLE:
        case FieldDescriptor::CPPTYPE_FLOAT:
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
        case FieldDescriptor::CPPTYPE_UINT32:
        case FieldDescriptor::CPPTYPE_UINT64:
          return ok();
        default:
          return wrong_kind("number", field);
      }
    default:
      return undecided();
  }
}

// nlohmann's objects iterate in key order, as stout's std::map does.
outcome walk_message(const json& object, const Descriptor& type, std::size_t depth) {
  if (depth > walk_limit) return undecided();
  for (const auto& [name, value] : object.items()) {
    const FieldDescriptor* field = type.FindFieldByName(name);
    if (field == nullptr) continue;  // unknown keys are ignored
    const outcome o = walk_value(value, *field, depth);
    if (o.stop()) return o;
  }
  return ok();
}

// The codec's description without its "invalid JSON <type>: " lead-in.
std::string codec_words(const diagnostics& diag, const google::protobuf::Message& message) {
  std::string_view text = diag.message();
  const std::string lead = "invalid JSON " + message.GetTypeName() + ": ";
  if (text.substr(0, lead.size()) == lead) text.remove_prefix(lead.size());
  return std::string(text);
}

}  // namespace

std::optional<std::string> parse_json_message(std::string_view body,
                                              google::protobuf::Message& message) {
  const std::string conversion = "Failed to convert JSON into Call protobuf: ";
  try {
    if (auto syntax = json_parse_error(body)) return "Failed to parse body into JSON: " + *syntax;

    const std::size_t first = body.find_first_not_of(" \t\n\r");
    if (first == std::string_view::npos || body[first] != '{') {
      return conversion + "Expecting a JSON object";
    }

    diagnostics diag;
    const auto ec = codec(content_type::json).decode(body, message, diag);

    const outcome walked = walk_message(json::parse(body), *message.GetDescriptor(), 0);
    if (walked.error) return conversion + *walked.error;

    if (!ec) return std::nullopt;
    if (ec == error::missing_required_fields) {
      return conversion + "Missing required fields: " + message.InitializationErrorString();
    }
    // The codec refuses something Mesos would take (or the walk gave up).
    if (ec == error::malformed_json) {
      return "Failed to parse body into JSON: " + codec_words(diag, message);
    }
    return conversion + codec_words(diag, message);
  } catch (...) {
    return conversion + "out of memory";
  }
}

}  // namespace mesos_http::sim::detail
