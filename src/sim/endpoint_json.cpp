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
#include "sim/endpoint_json_message.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <google/protobuf/descriptor.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

namespace mesos_http::sim::detail {

namespace {

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

// The same rules hold for any Call type; the agent's endpoint shares them.
std::optional<std::string> parse_json_call(std::string_view body,
                                           mesos::v1::scheduler::Call& call) {
  return parse_json_message(body, call);
}

}  // namespace mesos_http::sim::detail
