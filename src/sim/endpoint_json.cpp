// A JSON call body as a Mesos master reads it: stout's JSON::parse (picojson
// plus a trailing-characters check, 3rdparty/stout/include/stout/json.hpp),
// then protobuf::parse<Call> (stout/protobuf.hpp, `internal::Parser`), then
// the required-fields check. The library's codec does the decoding; this
// file reproduces which bodies Mesos refuses and in what words.
//
// NOTE on the texts after "Failed to parse body into JSON: ": they follow
// picojson's format ("syntax error at line N near: <rest of that line>"), but
// where nlohmann's parser stops can differ from picojson's (they agree at the
// end of the input, as in the recordings), and picojson is laxer in places
// ("+1", "01", invalid UTF-8 in strings are JSON to Mesos, not here).
#include "sim/endpoint_json.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <google/protobuf/descriptor.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

namespace mesos_http::sim::detail {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using json = nlohmann::json;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A SAX handler that only checks syntax and remembers where it failed.
struct syntax_check {
  std::size_t position = 0;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(std::int64_t) { return true; }
  bool number_unsigned(std::uint64_t) { return true; }
  bool number_float(double, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception&) {
    position = pos;
    return false;
  }
};

// Whether `text` is JSON (strict: one value and nothing but whitespace
// after it). On failure `where` is the offset of the byte the parser
// stopped at (clamped to the size).
bool syntax_ok(std::string_view text, bool strict, std::size_t& where) {
  syntax_check handler;
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &handler, json::input_format_t::json, strict);
  } catch (...) {
    ok = false;  // out of memory: reported as a syntax error
  }
  if (ok) return true;
  // nlohmann counts the characters read: the offending one is position-1.
  where = handler.position > 0 ? handler.position - 1 : 0;
  if (where > text.size()) where = text.size();
  return false;
}

// --- protobuf::parse<Call>, for its error texts --------------------------

// The walk gives up (leaving the verdict to the codec) beyond this nesting;
// the codec refuses such bodies anyway (codec::max_json_depth).
constexpr std::size_t max_walk_depth = 2 * codec::max_json_depth;

// A result of the walk: an error text, "fine", or "gave up".
struct verdict {
  std::optional<std::string> error;
  bool gave_up = false;
};

verdict fine() { return {}; }
verdict fail(std::string text) { return {std::move(text), false}; }

std::string not_expecting(const char* kind, const FieldDescriptor& f) {
  return std::string("Not expecting a JSON ") + kind + " for field '" + f.name() + "'";
}

verdict walk_object(const json& object, const Descriptor& d, std::size_t depth);

// JSON::parse<T>(s) for a string holding a number or a boolean.
verdict parse_string_as(const std::string& s, json::value_t want_a, const char* kind,
                        const FieldDescriptor& f) {
  const std::string head =
      "Failed to parse '" + s + "' as a JSON " + kind + " for field '" + f.name() + "': ";
  if (auto error = json_parse_error(s)) return fail(head + *error);
  json value;
  try {
    value = json::parse(s);
  } catch (...) {
    return {std::nullopt, true};
  }
  const bool number = value.is_number();
  const bool matches = want_a == json::value_t::boolean ? value.is_boolean() : number;
  if (!matches) return fail(head + "Unexpected JSON type parsed");
  return fine();
}

// stout's base64::decode error ("Invalid character 'c'"), or none.
std::optional<std::string> base64_error(const std::string& s) {
  for (char c : s) {
    if (c == '=') break;
    const auto u = static_cast<unsigned char>(c);
    if (u == ' ' || (u >= '\t' && u <= '\r')) continue;
    const bool alnum = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
    if (!alnum && c != '+' && c != '/') return std::string("Invalid character '") + c + "'";
  }
  return std::nullopt;
}

verdict walk_value(const json& value, const FieldDescriptor& f, std::size_t depth) {
  if (depth > max_walk_depth) return {std::nullopt, true};
  switch (value.type()) {
    case json::value_t::null:
      return fine();  // unset
    case json::value_t::object:
      if (f.type() != FieldDescriptor::TYPE_MESSAGE) return fail(not_expecting("object", f));
      if (f.is_map()) {
        const Descriptor& entry = *f.message_type();
        for (const auto& [key, item] : value.items()) {
          verdict v = walk_value(json(key), *entry.map_key(), depth + 1);
          if (v.error || v.gave_up) return v;
          v = walk_value(item, *entry.map_value(), depth + 1);
          if (v.error || v.gave_up) return v;
        }
        return fine();
      }
      return walk_object(value, *f.message_type(), depth + 1);
    case json::value_t::array:
      if (!f.is_repeated()) return fail(not_expecting("array", f));
      for (const json& element : value) {
        verdict v = walk_value(element, f, depth + 1);
        if (v.error || v.gave_up) return v;
      }
      return fine();
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      switch (f.cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          if (f.type() == FieldDescriptor::TYPE_BYTES) {
            if (auto error = base64_error(s)) {
              return fail("Failed to base64 decode bytes field '" + f.name() + "': " + *error);
            }
          }
          return fine();
        case FieldDescriptor::CPPTYPE_ENUM:
          // Unknown names are dropped, except for required enums.
          if (f.enum_type()->FindValueByName(s) == nullptr && f.is_required()) {
            return fail("Failed to find enum for '" + s + "'");
          }
          return fine();
        case FieldDescriptor::CPPTYPE_DOUBLE:
        case FieldDescriptor::CPPTYPE_FLOAT:
          if (s == "Infinity" || s == "-Infinity") return fine();
          return parse_string_as(s, json::value_t::number_float, "number", f);
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
        case FieldDescriptor::CPPTYPE_UINT32:
        case FieldDescriptor::CPPTYPE_UINT64:
          return parse_string_as(s, json::value_t::number_float, "number", f);
        case FieldDescriptor::CPPTYPE_BOOL:
          return parse_string_as(s, json::value_t::boolean, "boolean", f);
        default:
          return fail(not_expecting("string", f));
      }
    }
    case json::value_t::boolean:
      if (f.cpp_type() != FieldDescriptor::CPPTYPE_BOOL) return fail(not_expecting("boolean", f));
      return fine();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      switch (f.cpp_type()) {
        case FieldDescriptor::CPPTYPE_DOUBLE:
        case FieldDescriptor::CPPTYPE_FLOAT:
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
        case FieldDescriptor::CPPTYPE_UINT32:
        case FieldDescriptor::CPPTYPE_UINT64:
          return fine();
        default:
          return fail(not_expecting("number", f));
      }
    default:
      return {std::nullopt, true};
  }
}

// Fields in key order (stout's JSON::Object is a std::map, as is
// nlohmann's object): the first error in that order is the one reported.
verdict walk_object(const json& object, const Descriptor& d, std::size_t depth) {
  if (depth > max_walk_depth) return {std::nullopt, true};
  for (const auto& [name, value] : object.items()) {
    const FieldDescriptor* f = d.FindFieldByName(name);
    if (f == nullptr) continue;  // unknown keys are ignored
    verdict v = walk_value(value, *f, depth);
    if (v.error || v.gave_up) return v;
  }
  return fine();
}

// The codec's own words, without its "invalid JSON <type>: " prefix.
std::string codec_message(const diagnostics& diag) {
  std::string_view m = diag.message();
  const std::string_view prefix = "invalid JSON mesos.v1.scheduler.Call: ";
  if (m.substr(0, prefix.size()) == prefix) m.remove_prefix(prefix.size());
  return std::string(m);
}

}  // namespace

std::optional<std::string> json_parse_error(std::string_view text) {
  std::size_t where = 0;
  if (syntax_ok(text, /*strict=*/true, where)) return std::nullopt;
  std::size_t ignored = 0;
  if (syntax_ok(text, /*strict=*/false, ignored)) {
    // One complete value, then more: picojson stops right after the value.
    std::size_t value_end = where;
    while (value_end > 0 && is_space(text[value_end - 1])) --value_end;
    std::size_t last_visible = text.size();
    while (last_visible > value_end && is_space(text[last_visible - 1])) --last_visible;
    return "Parsed JSON included non-whitespace trailing characters: " +
           std::string(text.substr(value_end, last_visible - value_end));
  }
  std::size_t line = 1;
  for (std::size_t i = 0; i < where; ++i) line += text[i] == '\n' ? 1 : 0;
  std::string message = "syntax error at line " + std::to_string(line) + " near: ";
  for (std::size_t i = where; i < text.size() && text[i] != '\n'; ++i) {
    // picojson's getc() yields bytes as 0..255 and keeps those >= ' '.
    if (static_cast<unsigned char>(text[i]) >= ' ') message.push_back(text[i]);
  }
  return message;
}

std::optional<std::string> parse_json_call(std::string_view body,
                                           mesos::v1::scheduler::Call& call) {
  const std::string conversion = "Failed to convert JSON into Call protobuf: ";
  try {
    // JSON::parse: any syntax error wins.
    if (auto error = json_parse_error(body)) return "Failed to parse body into JSON: " + *error;

    // protobuf::parse<Call> takes an object only.
    const std::size_t first = body.find_first_not_of(" \t\n\r");
    if (first == std::string_view::npos || body[first] != '{') {
      return conversion + "Expecting a JSON object";
    }

    diagnostics diag;
    const auto ec = codec(content_type::json).decode(body, call, diag);

    // Mesos's type errors come first, in key order.
    const json document = json::parse(body);
    const verdict v = walk_object(document, *call.GetDescriptor(), 0);
    if (v.error) return conversion + *v.error;

    if (!ec) return std::nullopt;
    if (ec == error::missing_required_fields) {
      return conversion + "Missing required fields: " + call.InitializationErrorString();
    }
    // The codec is stricter than Mesos here (or the walk gave up): its words.
    if (ec == error::malformed_json)
      return "Failed to parse body into JSON: " + codec_message(diag);
    return conversion + codec_message(diag);
  } catch (...) {
    // Out of memory on a huge body; the caller answers 400 all the same.
    return conversion + "out of memory";
  }
}

}  // namespace mesos_http::sim::detail
