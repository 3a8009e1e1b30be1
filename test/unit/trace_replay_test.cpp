// Replays bytes recorded from a real Apache Mesos 1.11.1 master and agent
// (MESOS_HTTP_TRACES_DIR, see its README.md) through the RecordIO decoder and
// the codecs:
//  * every record of every recorded event stream decodes, and re-encodes to
//    the same protobuf bytes / the same JSON value;
//  * protobuf -> JSON -> protobuf loses exactly what the JSON mapping must
//    lose (unknown enum values) and nothing else;
//  * the event types and counts are those the recording shows;
//  * every call body a master/agent accepted decodes and re-encodes; bodies
//    that Mesos could not parse fail with our codec too;
//  * the decoder yields the same records for every split of a real stream.
// Without the recordings these tests FAIL (never skip).
#include "support/http_messages.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>
#include <mesos_http/recordio.hpp>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace sched = mesos::v1::scheduler;
namespace exec = mesos::v1::executor;

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using mesos_http::codec;
using mesos_http::content_type;
using mesos_http::diagnostics;
using mesos_http::error;
using mesos_http::recordio_decoder;
using mesos_http::test::http_message;
using mesos_http::test::split_http_messages;
using json = nlohmann::json;

// ---------------------------------------------------------------------------
// Locating and loading the recordings.

fs::path traces_dir() { return fs::path(MESOS_HTTP_TRACES_DIR); }

// Every test starts here: no recordings is a failure, never a skip.
void require_traces() {
  INFO("The real-Mesos recordings are missing: expected the directory "
       << traces_dir() << " (set -DMESOS_HTTP_TRACES_DIR=... when configuring).");
  REQUIRE(fs::is_directory(traces_dir()));
  REQUIRE(fs::is_regular_file(traces_dir() / "README.md"));
  REQUIRE(fs::is_directory(traces_dir() / "scheduler"));
  REQUIRE(fs::is_directory(traces_dir() / "ha"));
  REQUIRE(fs::is_directory(traces_dir() / "executor"));
}

std::string load(const fs::path& path) {
  auto data = mesos_http::test::read_binary_file(path.string());
  INFO("cannot read " << path);
  REQUIRE(data.has_value());
  return std::move(*data);
}

std::vector<http_message> load_messages(const fs::path& path) {
  auto result = split_http_messages(load(path));
  INFO(path << ": " << result.error);
  REQUIRE(result.ok());
  return std::move(result.messages);
}

http_message load_single(const fs::path& path) {
  auto messages = load_messages(path);
  INFO(path);
  REQUIRE(messages.size() == 1);
  return std::move(messages.front());
}

// Files of `dir` whose name ends with `suffix`, sorted by name.
std::vector<fs::path> files_ending(const fs::path& dir, std::string_view suffix) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string strip_suffix(const std::string& name, std::string_view suffix) {
  return name.substr(0, name.size() - suffix.size());
}

// "dir/stem" for messages.
std::string label(const fs::path& path) {
  return path.parent_path().filename().string() + "/" + path.filename().string();
}

codec codec_for(const http_message& message) {
  auto value = message.header("Content-Type");
  INFO("Content-Type: " << (value ? std::string(*value) : "(none)"));
  REQUIRE(value.has_value());
  auto type = mesos_http::content_type_from_media_type(*value);
  REQUIRE(type.has_value());
  return codec(*type);
}

// The first "# RecordIO records: N" line of a .decoded.txt file.
std::size_t recorded_record_count(const fs::path& decoded_txt) {
  const std::string text = load(decoded_txt);
  const std::string key = "# RecordIO records: ";
  const std::size_t at = text.find(key);
  INFO(decoded_txt << " has no '" << key << "' line");
  REQUIRE(at != std::string::npos);
  return std::stoul(text.substr(at + key.size()));
}

// ---------------------------------------------------------------------------
// Messages.

enum class api { scheduler, executor };

std::unique_ptr<Message> new_event(api which) {
  if (which == api::scheduler) return std::make_unique<sched::Event>();
  return std::make_unique<exec::Event>();
}

std::unique_ptr<Message> new_call(api which) {
  if (which == api::scheduler) return std::make_unique<sched::Call>();
  return std::make_unique<exec::Call>();
}

// Name of the `type` enum of an Event or Call ("" when unset).
std::string type_name(const Message& m) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName("type");
  REQUIRE(f != nullptr);
  if (!m.GetReflection()->HasField(m, f)) return "";
  return m.GetReflection()->GetEnum(m, f)->name();
}

std::string serialize(const Message& m) {
  std::string out;
  REQUIRE(m.SerializePartialToString(&out));
  return out;
}

// Unknown fields anywhere in `m`, as "Type at path: field N = value".
void collect_unknown(const Message& m, const std::string& path, std::vector<std::string>& out) {
  const Reflection* r = m.GetReflection();
  const auto& unknown = r->GetUnknownFields(m);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const auto& u = unknown.field(i);
    std::string value = "(not a varint)";
    if (u.type() == google::protobuf::UnknownField::TYPE_VARINT)
      value = std::to_string(u.varint());
    out.push_back(m.GetTypeName() + " at " + path + ": field " + std::to_string(u.number()) +
                  " = " + value);
  }
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string sub = path.empty() ? f->name() : path + "." + f->name();
    if (f->is_repeated()) {
      for (int k = 0; k < r->FieldSize(m, f); ++k)
        collect_unknown(r->GetRepeatedMessage(m, f, k), sub + "[" + std::to_string(k) + "]", out);
    } else {
      collect_unknown(r->GetMessage(m, f), sub, out);
    }
  }
}

std::vector<std::string> unknown_fields(const Message& m) {
  std::vector<std::string> out;
  collect_unknown(m, "", out);
  return out;
}

// Sets every unset, non-repeated field that declares a non-deprecated
// `[default = ...]` to that default, in all present sub-messages: what a
// round trip through our JSON writer (which writes such defaults, see
// codec.hpp) and reader (which then sets them) does to a message.
void fill_json_defaults(Message& m, std::set<std::string>* filled = nullptr) {
  const auto* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
        for (int k = 0; k < r->FieldSize(m, f); ++k)
          fill_json_defaults(*r->MutableRepeatedMessage(&m, f, k), filled);
      continue;
    }
    if (r->HasField(m, f)) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
        fill_json_defaults(*r->MutableMessage(&m, f), filled);
      continue;
    }
    if (!f->has_default_value() || f->options().deprecated()) continue;
    if (filled) filled->insert(f->full_name());
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: r->SetInt32(&m, f, f->default_value_int32()); break;
      case FieldDescriptor::CPPTYPE_INT64: r->SetInt64(&m, f, f->default_value_int64()); break;
      case FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(&m, f, f->default_value_uint32()); break;
      case FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(&m, f, f->default_value_uint64()); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: r->SetDouble(&m, f, f->default_value_double()); break;
      case FieldDescriptor::CPPTYPE_FLOAT: r->SetFloat(&m, f, f->default_value_float()); break;
      case FieldDescriptor::CPPTYPE_BOOL: r->SetBool(&m, f, f->default_value_bool()); break;
      case FieldDescriptor::CPPTYPE_ENUM: r->SetEnum(&m, f, f->default_value_enum()); break;
      case FieldDescriptor::CPPTYPE_STRING: r->SetString(&m, f, f->default_value_string()); break;
      case FieldDescriptor::CPPTYPE_MESSAGE: break;  // messages have no defaults
    }
  }
}

void decode_ok(const codec& c, std::string_view bytes, Message& m) {
  diagnostics diag;
  auto ec = c.decode(bytes, m, diag);
  INFO("decode as " << m.GetTypeName() << " (" << mesos_http::to_string(c.type())
                    << "): " << ec.message() << ": " << diag.to_string());
  REQUIRE_FALSE(ec);
}

std::string encode_ok(const codec& c, const Message& m) {
  std::string out;
  diagnostics diag;
  auto ec = c.encode(m, out, diag);
  INFO("encode " << m.GetTypeName() << " (" << mesos_http::to_string(c.type())
                 << "): " << ec.message() << ": " << diag.to_string());
  REQUIRE_FALSE(ec);
  return out;
}

json parse_json(std::string_view text) {
  INFO("not valid JSON: " << text);
  json value;
  REQUIRE_NOTHROW(value = json::parse(text.begin(), text.end()));
  return value;
}

// Is every difference between `sent` and `ours` a key that our writer adds
// (a default) or an empty array the sender wrote and we omit? Lists them.
bool json_differences_explained(const json& sent, const json& ours, const std::string& path,
                                std::vector<std::string>& notes) {
  if (sent.is_object() && ours.is_object()) {
    bool ok = true;
    for (const auto& [key, value] : sent.items()) {
      const std::string sub = path + "." + key;
      if (!ours.contains(key)) {
        if (value.is_array() && value.empty()) {
          notes.push_back("omits empty array " + sub);
          continue;
        }
        notes.push_back("LOSES " + sub);
        ok = false;
        continue;
      }
      ok = json_differences_explained(value, ours.at(key), sub, notes) && ok;
    }
    for (const auto& [key, value] : ours.items())
      if (!sent.contains(key)) notes.push_back("adds " + path + "." + key + " = " + value.dump());
    return ok;
  }
  if (sent.is_array() && ours.is_array() && sent.size() == ours.size()) {
    bool ok = true;
    for (std::size_t i = 0; i < sent.size(); ++i)
      ok = json_differences_explained(sent[i], ours[i], path + "[" + std::to_string(i) + "]",
                                      notes) && ok;
    return ok;
  }
  if (sent == ours) return true;
  notes.push_back("CHANGES " + path + ": " + sent.dump() + " -> " + ours.dump());
  return false;
}

// ---------------------------------------------------------------------------
// The recorded event streams.

// What the recording shows for each stream: the `.response.decoded.txt` /
// `.decoded.txt` files next to the recordings list every record (their
// "# RecordIO records: N" line is also checked against these tables), the
// README says which streams ended with a terminating chunk.
struct expected_stream {
  const char* file;          // relative to the traces directory
  const char* decoded_txt;   // the readable view with the record count
  api which;
  content_type type;
  bool terminated;  // terminating 0-chunk seen (else the connection was cut)
  std::vector<const char*> types;
};

const std::vector<expected_stream>& expected_streams() {
  static const std::vector<expected_stream> streams = {
      {"scheduler/01-json-subscribe.response.http", "scheduler/01-json-subscribe.response.decoded.txt",
       api::scheduler, content_type::json, true,
       {"SUBSCRIBED", "HEARTBEAT", "OFFERS",    "UPDATE", "UPDATE", "UPDATE", "OFFERS",
        "OFFERS",     "UPDATE",    "UPDATE",    "UPDATE", "UPDATE", "UPDATE", "OFFERS",
        "UPDATE",     "UPDATE",    "UPDATE",    "OFFERS", "UPDATE", "UPDATE", "UPDATE",
        "OFFERS",     "UPDATE",    "FAILURE",   "OFFERS", "HEARTBEAT", "HEARTBEAT"}},
      {"scheduler/44-proto-subscribe.response.http", "scheduler/44-proto-subscribe.response.decoded.txt",
       api::scheduler, content_type::protobuf, false,  // curl killed by the recorder
       {"SUBSCRIBED", "HEARTBEAT", "OFFERS", "OFFERS", "UPDATE", "UPDATE", "UPDATE", "OFFERS",
        "UPDATE", "UPDATE", "UPDATE", "OFFERS", "UPDATE", "OFFERS", "HEARTBEAT"}},
      {"scheduler/62-proto-resubscribe.response.http",
       "scheduler/62-proto-resubscribe.response.decoded.txt", api::scheduler,
       content_type::protobuf, true, {"SUBSCRIBED", "HEARTBEAT", "OFFERS"}},
      {"ha/07-ha-subscribe-leader-then-leader-killed.response.http",
       "ha/07-ha-subscribe-leader-then-leader-killed.response.decoded.txt", api::scheduler,
       content_type::json, false,  // leader SIGKILLed
       {"SUBSCRIBED", "HEARTBEAT", "OFFERS"}},
      {"ha/08-ha-resubscribe-new-leader.response.http",
       "ha/08-ha-resubscribe-new-leader.response.decoded.txt", api::scheduler, content_type::json,
       true, {"SUBSCRIBED", "HEARTBEAT", "OFFERS"}},
      {"ha/12-ha-subscribe-master-prefixed-path.response.http",
       "ha/12-ha-subscribe-master-prefixed-path.response.decoded.txt", api::scheduler,
       content_type::json, false,  // curl stopped after 3 s
       {"SUBSCRIBED", "HEARTBEAT"}},
      // Executor streams: the executor process exits, so each is cut.
      {"executor/cmd-echo-json.1-subscribe.agent-to-client.raw",
       "executor/cmd-echo-json.1-subscribe.decoded.txt", api::executor, content_type::protobuf,
       false, {"SUBSCRIBED", "LAUNCH", "ACKNOWLEDGED", "ACKNOWLEDGED", "ACKNOWLEDGED"}},
      {"executor/cmd-echo-proto.1-subscribe.agent-to-client.raw",
       "executor/cmd-echo-proto.1-subscribe.decoded.txt", api::executor, content_type::protobuf,
       false, {"SUBSCRIBED", "LAUNCH", "ACKNOWLEDGED", "ACKNOWLEDGED", "ACKNOWLEDGED"}},
      {"executor/cmd-sleep-json.1-subscribe.agent-to-client.raw",
       "executor/cmd-sleep-json.1-subscribe.decoded.txt", api::executor, content_type::protobuf,
       false,
       {"SUBSCRIBED", "LAUNCH", "ACKNOWLEDGED", "ACKNOWLEDGED", "KILL", "ACKNOWLEDGED",
        "ACKNOWLEDGED"}},
      {"executor/cmd-sleep-proto.1-subscribe.agent-to-client.raw",
       "executor/cmd-sleep-proto.1-subscribe.decoded.txt", api::executor, content_type::protobuf,
       false, {"SUBSCRIBED", "LAUNCH", "ACKNOWLEDGED", "ACKNOWLEDGED", "KILL", "ACKNOWLEDGED"}},
      {"executor/default-exec-group-json.1-subscribe.agent-to-client.raw",
       "executor/default-exec-group-json.1-subscribe.decoded.txt", api::executor,
       content_type::protobuf, false,
       {"SUBSCRIBED", "LAUNCH_GROUP", "ACKNOWLEDGED", "ACKNOWLEDGED", "ACKNOWLEDGED"}},
  };
  return streams;
}

struct recorded_stream {
  std::string file;  // "scheduler/01-json-subscribe.response.http"
  api which;
  http_message response;
};

// Every 200 response with a chunked body in the recordings: the event
// streams (found by listing the directories, not from the table above).
std::vector<recorded_stream> discover_event_streams() {
  std::vector<recorded_stream> out;
  auto consider = [&](const fs::path& path, api which) {
    for (auto& m : load_messages(path)) {
      if (m.status() != 200 || m.framing != mesos_http::test::body_framing::chunked) continue;
      out.push_back({label(path), which, std::move(m)});
    }
  };
  for (const char* dir : {"scheduler", "ha"})
    for (const auto& p : files_ending(traces_dir() / dir, ".response.http"))
      consider(p, api::scheduler);
  for (const auto& p : files_ending(traces_dir() / "executor", ".agent-to-client.raw"))
    consider(p, api::executor);
  return out;
}

// All records of a de-chunked stream body; fails the test on a framing
// error. `finished_cleanly` tells whether `finish()` succeeded.
std::vector<std::string> split_records(std::string_view body, bool& finished_cleanly) {
  recordio_decoder decoder;
  std::vector<std::string> records;
  auto ec = decoder.feed(body, [&](std::string_view r) { records.emplace_back(r); });
  diagnostics diag;
  decoder.describe(diag);
  INFO("RecordIO framing error: " << diag.to_string());
  REQUIRE_FALSE(ec);
  finished_cleanly = !decoder.finish();
  return records;
}

std::size_t decimal_digits(std::size_t n) {
  std::size_t d = 1;
  while (n >= 10) n /= 10, ++d;
  return d;
}

const expected_stream& expectation_for(const std::string& file) {
  for (const auto& e : expected_streams())
    if (file == e.file) return e;
  FAIL("no expectation recorded in this test for the stream " << file);
  return expected_streams().front();  // not reached: FAIL throws
}

}  // namespace

// ---------------------------------------------------------------------------
// The splitter itself, on synthetic data.

TEST_CASE("http_messages splits keep-alive data, de-chunks and reports cuts",
          "[replay][http_messages]") {
  using mesos_http::test::body_framing;
  const std::string data =
      "POST /api/v1/scheduler HTTP/1.1\r\nHost: m\r\ncontent-length: 5\r\n\r\nhello"
      "GET /x HTTP/1.1\r\nHost: m\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n1;ext=1\r\nd\r\n0\r\nTrailer: x\r\n\r\n"
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Type: a\r\n\r\nrest of data";
  auto r = split_http_messages(data);
  REQUIRE(r.ok());
  REQUIRE(r.messages.size() == 5);
  CHECK(r.messages[0].method() == "POST");
  CHECK(r.messages[0].target() == "/api/v1/scheduler");
  CHECK(r.messages[0].header("CONTENT-LENGTH") == std::optional<std::string_view>("5"));
  CHECK(r.messages[0].body == "hello");
  CHECK(r.messages[0].framing == body_framing::content_length);
  CHECK(r.messages[1].framing == body_framing::none);
  CHECK(r.messages[1].body.empty());
  CHECK(r.messages[2].status() == 200);
  CHECK(r.messages[2].body == "abcd");
  CHECK(r.messages[2].chunk_sizes == std::vector<std::size_t>{3, 1});
  CHECK(r.messages[2].chunked_terminated);
  CHECK_FALSE(r.messages[2].truncated);
  CHECK(r.messages[3].status() == 204);
  CHECK(r.messages[4].framing == body_framing::until_eof);
  CHECK(r.messages[4].body == "rest of data");
  CHECK(r.messages[4].end == data.size());

  // Cut streams: between chunks, inside a size line, inside data, inside the
  // CRLF after data, inside the trailers, inside a Content-Length body.
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct cut { std::string data; std::string body; std::vector<std::size_t> sizes; };
  for (const auto& c : std::vector<cut>{{head + "3\r\nabc\r\n", "abc", {3}},
                                        {head + "3\r\nabc\r\n1", "abc", {3}},
                                        {head + "3\r\nabc\r\n1\r", "abc", {3}},
                                        {head + "3\r\nab", "ab", {3}},
                                        {head + "3\r\nabc\r", "abc", {3}},
                                        {head + "3\r\nabc\r\n0\r\n", "abc", {3}},
                                        {head, "", {}}}) {
    INFO(c.data);
    auto cut_result = split_http_messages(c.data);
    REQUIRE(cut_result.ok());
    REQUIRE(cut_result.messages.size() == 1);
    CHECK(cut_result.messages[0].truncated);
    CHECK_FALSE(cut_result.messages[0].chunked_terminated);
    CHECK(cut_result.messages[0].body == c.body);
    CHECK(cut_result.messages[0].chunk_sizes == c.sizes);
  }
  auto short_body = split_http_messages("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  REQUIRE(short_body.ok());
  CHECK(short_body.messages.at(0).truncated);
  CHECK(short_body.messages.at(0).body == "abc");
  CHECK(split_http_messages("").messages.empty());
}

TEST_CASE("http_messages reports malformed data as an error", "[replay][http_messages]") {
  const std::string ok_head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string& bad : std::vector<std::string>{
           std::string("HTTP/1.1 200 OK\nContent-Length: 0\n\n"),            // bare LF
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"),          // headers cut
           std::string("HTTP/1.1 200"),                                      // start line cut
           std::string("HTTP/1.1 20x OK\r\n\r\n"),                           // status
           std::string("HTTP/2 200 OK\r\n\r\n"),                             // version
           std::string("GET /x HTTP/1.1 extra\r\n\r\n"),                     // target with SP
           std::string("G(T /x HTTP/1.1\r\n\r\n"),                           // method
           std::string("GET /x HTTP/1.1\r\nHost m\r\n\r\n"),                 // no colon
           std::string("GET /x HTTP/1.1\r\nHost : m\r\n\r\n"),               // space before colon
           std::string("GET /x HTTP/1.1\r\nA: b\r\n c\r\n\r\n"),             // folding
           std::string("GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),     // length
           std::string("GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
           std::string("GET /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"),
           std::string("GET /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
           std::string("GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"),
           ok_head + "x\r\n",                  // chunk size not hex
           ok_head + "\r\n",                   // empty chunk size
           ok_head + "3 \r\nabc\r\n0\r\n\r\n",  // space after the size
           ok_head + "3\r\nabcX\r\n",          // no CRLF after the data
           ok_head + "1000000000000000\r\n",   // absurd size
           ok_head + "3\nabc",                 // bare LF in size line
           ok_head + "g",                      // partial size line that is not hex
           ok_head + "0\r\nbad trailer\r\n\r\n",
       }) {
    INFO(bad);
    auto r = split_http_messages(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.error_offset <= bad.size());
  }
}

TEST_CASE("http_messages splits every recording as its readable view says",
          "[replay][http_messages]") {
  require_traces();
  // scheduler/ and ha/: one message per file; the `.response.decoded.txt`
  // views state the de-chunked size and whether the 0-chunk was seen.
  std::size_t files = 0;
  for (const char* dir : {"scheduler", "ha"}) {
    for (const auto& p : files_ending(traces_dir() / dir, ".http")) {
      const http_message m = load_single(p);
      ++files;
      const std::string name = p.filename().string();
      CHECK(m.is_request() == (name.find(".request.") != std::string::npos));
      const fs::path view = p.parent_path() / (strip_suffix(name, ".http") + ".decoded.txt");
      if (!m.is_response() || !fs::exists(view)) continue;
      const std::string text = load(view);
      INFO(label(p));
      const std::string expected_head = "# HTTP chunked body de-chunked: " +
                                         std::to_string(m.body.size()) +
                                         " payload bytes, terminating zero-length chunk seen: " +
                                         (m.chunked_terminated ? "True" : "False") + "\n";
      CHECK(text.compare(0, expected_head.size(), expected_head) == 0);
      CHECK(m.truncated == !m.chunked_terminated);
    }
  }
  CHECK(files == 2 * 64 + 2 * 12);  // 64 scheduler and 12 ha exchanges

  // executor/: whole TCP directions; the views state the message counts
  // ("# client->agent: 222 bytes, 1 HTTP requests; agent->client: ...").
  std::size_t connections = 0;
  for (const auto& view : files_ending(traces_dir() / "executor", ".decoded.txt")) {
    const std::string stem = strip_suffix(view.filename().string(), ".decoded.txt");
    const fs::path up = traces_dir() / "executor" / (stem + ".client-to-agent.raw");
    const fs::path down = traces_dir() / "executor" / (stem + ".agent-to-client.raw");
    const std::string up_bytes = load(up), down_bytes = load(down);
    const auto requests = load_messages(up);
    const auto responses = load_messages(down);
    ++connections;
    const std::string line = "# client->agent: " + std::to_string(up_bytes.size()) + " bytes, " +
                             std::to_string(requests.size()) + " HTTP requests; agent->client: " +
                             std::to_string(down_bytes.size()) + " bytes, " +
                             std::to_string(responses.size()) + " HTTP responses\n";
    const std::string text = load(view);
    INFO(stem << ": expected the line " << line);
    CHECK(text.find(line) != std::string::npos);
    for (const auto& m : requests) CHECK(m.is_request());
    for (const auto& m : responses) CHECK(m.is_response());
    CHECK(requests.back().end == up_bytes.size());
    CHECK(responses.back().end == down_bytes.size());
  }
  CHECK(connections == 12);
}

// ---------------------------------------------------------------------------
// (a) + (c): every record of every stream decodes; types and counts.

TEST_CASE("replay: every record of every recorded event stream decodes and re-encodes",
          "[replay]") {
  require_traces();
  const auto streams = discover_event_streams();

  // Listing the directories finds exactly the streams this test expects.
  std::set<std::string> found, expected;
  for (const auto& s : streams) found.insert(s.file);
  for (const auto& e : expected_streams()) expected.insert(e.file);
  REQUIRE(found == expected);

  std::size_t total_records = 0;
  for (const auto& stream : streams) {
    const expected_stream& want = expectation_for(stream.file);
    INFO("stream " << stream.file);
    REQUIRE(stream.which == want.which);
    const codec c = codec_for(stream.response);
    REQUIRE(c.type() == want.type);
    REQUIRE(stream.response.chunked_terminated == want.terminated);

    bool finished = false;
    const auto records = split_records(stream.response.body, finished);
    if (want.terminated) {
      // The master ended the stream with the 0-chunk: the RecordIO stream
      // must end cleanly too.
      CHECK(finished);
    } else {
      // Cut stream (killed master, killed client, exited executor): every
      // record up to the cut decodes (checked below). In these recordings
      // the cut fell between HTTP chunks and every chunk carries one whole
      // record, so the decoder also happens to stand at a record boundary.
      CHECK(stream.response.truncated);
      CHECK(finished);
    }

    // (c) count and types, against the table and the readable view.
    CHECK(records.size() == want.types.size());
    CHECK(records.size() == recorded_record_count(traces_dir() / want.decoded_txt));
    // Mesos writes one RecordIO record per HTTP chunk.
    REQUIRE(stream.response.chunk_sizes.size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i)
      CHECK(stream.response.chunk_sizes[i] ==
            decimal_digits(records[i].size()) + 1 + records[i].size());

    // Framing the records again gives the master's bytes back exactly.
    std::string reframed;
    for (const auto& r : records) mesos_http::recordio_append(reframed, r);
    CHECK(reframed == stream.response.body);

    for (std::size_t i = 0; i < records.size(); ++i) {
      INFO("record " << i << " (" << records[i].size() << " bytes)");
      auto event = new_event(stream.which);
      decode_ok(c, records[i], *event);
      ++total_records;
      if (i < want.types.size()) CHECK(type_name(*event) == want.types[i]);
      if (c.type() == content_type::protobuf) {
        std::string framed;
        diagnostics diag;
        CHECK_FALSE(c.encode_record(*event, framed, diag));
        CHECK(framed == mesos_http::recordio_encode(records[i]));
      }

      // (b) re-encode in the same content type.
      const std::string again = encode_ok(c, *event);
      if (c.type() == content_type::protobuf) {
        CHECK(again == records[i]);  // byte-identical, unknown fields included
      } else {
        INFO("recorded: " << records[i] << "\nours:     " << again);
        CHECK(parse_json(records[i]) == parse_json(again));
      }
    }
  }
  // 27 + 15 + 3 + 3 + 3 + 2 scheduler events, 5 + 5 + 7 + 6 + 5 executor.
  CHECK(total_records == 81);
}

// ---------------------------------------------------------------------------
// (b) cross-check between the two content types.

TEST_CASE("replay: protobuf events survive protobuf -> JSON -> protobuf but for unknown fields",
          "[replay]") {
  require_traces();
  const codec proto(content_type::protobuf);
  const codec js(content_type::json);
  std::size_t checked = 0, identical = 0;
  std::vector<std::string> unknown_seen;  // "stream#record: unknown field"
  std::set<std::string> defaults_filled;
  for (const auto& stream : discover_event_streams()) {
    if (codec_for(stream.response).type() != content_type::protobuf) continue;
    INFO("stream " << stream.file);
    bool finished = false;
    const auto records = split_records(stream.response.body, finished);
    for (std::size_t i = 0; i < records.size(); ++i) {
      INFO("record " << i);
      auto original = new_event(stream.which);
      decode_ok(proto, records[i], *original);

      const std::string as_json = encode_ok(js, *original);
      auto from_json = new_event(stream.which);
      decode_ok(js, as_json, *from_json);
      const std::string back = encode_ok(proto, *from_json);

      // What JSON must do to the message, and nothing more: drop unknown
      // fields (unknown enum values, fields the schema lacks: JSON cannot
      // carry them), and set the declared defaults that our writer writes
      // for unset fields (see codec.hpp).
      auto expected = std::unique_ptr<Message>(original->New());
      expected->CopyFrom(*original);
      expected->DiscardUnknownFields();
      fill_json_defaults(*expected, &defaults_filled);
      INFO("JSON form: " << as_json);
      CHECK(back == serialize(*expected));

      for (const auto& u : unknown_fields(*original))
        unknown_seen.push_back(label(stream.file) + "#" + std::to_string(i) + ": " + u);
      ++checked;
      if (back == records[i]) ++identical;
    }
  }
  CHECK(checked == 15 + 3 + 5 + 5 + 7 + 6 + 5);
  CHECK(identical == 34);

  // The only data of the real 1.11.1 master/agent that our schema does not
  // know: field 7 of the AgentInfo in every executor SUBSCRIBED (the old
  // SlaveInfo `checkpoint` flag, true; not in our v1 AgentInfo). Protobuf
  // keeps it (the byte-identical re-encode above); JSON drops it.
  const std::string agent_checkpoint = "mesos.v1.AgentInfo at subscribed.agent_info: field 7 = 1";
  CHECK(unknown_seen == std::vector<std::string>{
                            "executor/cmd-echo-json.1-subscribe.agent-to-client.raw#0: " + agent_checkpoint,
                            "executor/cmd-echo-proto.1-subscribe.agent-to-client.raw#0: " + agent_checkpoint,
                            "executor/cmd-sleep-json.1-subscribe.agent-to-client.raw#0: " + agent_checkpoint,
                            "executor/cmd-sleep-proto.1-subscribe.agent-to-client.raw#0: " + agent_checkpoint,
                            "executor/default-exec-group-json.1-subscribe.agent-to-client.raw#0: " +
                                agent_checkpoint,
                        });
  // Unset fields with a declared default that JSON made explicit (the
  // agent leaves FrameworkInfo.checkpoint unset in executor SUBSCRIBED and
  // IPAddress.protocol unset in task statuses).
  CHECK(defaults_filled == std::set<std::string>{"mesos.v1.FrameworkInfo.checkpoint",
                                                 "mesos.v1.NetworkInfo.IPAddress.protocol"});
}

TEST_CASE("replay: JSON events survive JSON -> protobuf -> JSON", "[replay]") {
  require_traces();
  const codec proto(content_type::protobuf);
  const codec js(content_type::json);
  std::size_t checked = 0;
  for (const auto& stream : discover_event_streams()) {
    if (codec_for(stream.response).type() != content_type::json) continue;
    INFO("stream " << stream.file);
    bool finished = false;
    for (const auto& record : split_records(stream.response.body, finished)) {
      INFO("record " << record);
      auto original = new_event(stream.which);
      decode_ok(js, record, *original);
      auto again = new_event(stream.which);
      decode_ok(proto, encode_ok(proto, *original), *again);
      CHECK(parse_json(encode_ok(js, *again)) == parse_json(record));
      ++checked;
    }
  }
  CHECK(checked == 27 + 3 + 3 + 2);
}

TEST_CASE("replay: the QUOTA_V2 master capability and unknown enum values", "[replay]") {
  require_traces();
  // A Mesos 1.11.1 master advertises MasterInfo capability QUOTA_V2 (= 3),
  // which its own v1 mesos.proto does not define (README, protocol.md (l)):
  // its JSON writer printed that capability as {} and its protobuf carries
  // the bare number 3. Our schema follows Mesos 1.12.0, whose v1 proto
  // defines QUOTA_V2, so for us 3 is a known value.
  using capability = mesos::v1::MasterInfo::Capability;
  const codec proto(content_type::protobuf);
  const codec js(content_type::json);
  const json caps_1_11 = json::parse(R"([{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{}])");
  const json caps_1_12 =
      json::parse(R"([{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}])");
  {
    INFO("our schema is expected to define MasterInfo.Capability QUOTA_V2 = 3 (as Mesos 1.12.0)");
    REQUIRE(capability::Type_IsValid(3));
    REQUIRE(capability::Type_Name(capability::QUOTA_V2) == "QUOTA_V2");
    REQUIRE(capability::QUOTA_V2 == 3);
  }

  SECTION("JSON stream: the 1.11.1 master wrote {}, which stays {}") {
    const http_message m = load_single(traces_dir() / "scheduler/01-json-subscribe.response.http");
    bool finished = false;
    const auto records = split_records(m.body, finished);
    REQUIRE_FALSE(records.empty());
    const json recorded = parse_json(records[0]);
    REQUIRE(recorded.at("type") == "SUBSCRIBED");
    CHECK(recorded.at("subscribed").at("master_info").at("capabilities") == caps_1_11);

    sched::Event event;
    decode_ok(js, records[0], event);
    REQUIRE(event.subscribed().master_info().capabilities_size() == 3);
    CHECK_FALSE(event.subscribed().master_info().capabilities(2).has_type());
    const json ours = parse_json(encode_ok(js, event));
    CHECK(ours.at("subscribed").at("master_info").at("capabilities") == caps_1_11);
  }

  // The SUBSCRIBED of both protobuf streams carries Capability { type: 3 }
  // on the wire: field 9, length 2, then 0x08 0x03.
  const std::string quota_v2_on_wire("\x4a\x02\x08\x03", 4);
  for (const char* file : {"scheduler/44-proto-subscribe.response.http",
                           "scheduler/62-proto-resubscribe.response.http"}) {
    const http_message m = load_single(traces_dir() / file);
    bool finished = false;
    const auto records = split_records(m.body, finished);
    REQUIRE_FALSE(records.empty());
    const std::string& recorded = records[0];
    REQUIRE(recorded.find(quota_v2_on_wire) != std::string::npos);

    DYNAMIC_SECTION("protobuf stream " << file << ": 3 is QUOTA_V2 for us, in both encodings") {
      sched::Event event;
      decode_ok(proto, recorded, event);
      REQUIRE(event.type() == sched::Event::SUBSCRIBED);
      const auto& info = event.subscribed().master_info();
      REQUIRE(info.capabilities_size() == 3);
      CHECK(info.capabilities(0).type() == capability::AGENT_UPDATE);
      CHECK(info.capabilities(1).type() == capability::AGENT_DRAINING);
      CHECK(info.capabilities(2).type() == capability::QUOTA_V2);
      CHECK(unknown_fields(event).empty());
      CHECK(encode_ok(proto, event) == recorded);
      // Where the 1.11.1 master wrote {}, we (like a 1.12 master) write the name.
      const std::string as_json = encode_ok(js, event);
      CHECK(parse_json(as_json).at("subscribed").at("master_info").at("capabilities") == caps_1_12);
      sched::Event back;
      decode_ok(js, as_json, back);
      CHECK(encode_ok(proto, back) == recorded);
    }

    DYNAMIC_SECTION("protobuf stream " << file << ", capability 3 patched to an undefined 127: "
                    "kept as an unknown field, {} in JSON") {
      // The same real record with one byte changed, to play a master that is
      // newer than our schema (as 1.11.1 was newer than its own v1 proto).
      std::string patched = recorded;
      const std::size_t at = patched.find(quota_v2_on_wire) + 3;
      patched[at] = '\x7f';
      REQUIRE_FALSE(capability::Type_IsValid(127));

      sched::Event event;
      decode_ok(proto, patched, event);
      const auto& info = event.subscribed().master_info();
      REQUIRE(info.capabilities_size() == 3);
      CHECK_FALSE(info.capabilities(2).has_type());
      CHECK(unknown_fields(event) ==
            std::vector<std::string>{"mesos.v1.MasterInfo.Capability at "
                                     "subscribed.master_info.capabilities[2]: field 1 = 127"});
      // Protobuf re-encode keeps the unknown value, byte for byte.
      CHECK(encode_ok(proto, event) == patched);

      // JSON writes the capability as {}, exactly like the 1.11.1 master did
      // for the value it did not know ...
      const std::string as_json = encode_ok(js, event);
      CHECK(parse_json(as_json).at("subscribed").at("master_info").at("capabilities") == caps_1_11);
      // ... so protobuf -> JSON -> protobuf loses exactly the unknown value:
      // the capability becomes "\x4a\x00", 2 bytes shorter, and so are the
      // enclosing messages (their varint lengths keep their size here).
      sched::Event back;
      decode_ok(js, as_json, back);
      const std::string rebuilt = encode_ok(proto, back);
      sched::Event expected;
      decode_ok(proto, patched, expected);
      expected.DiscardUnknownFields();
      fill_json_defaults(expected);
      CHECK(rebuilt == serialize(expected));
      CHECK(rebuilt.size() + 2 == patched.size());
      CHECK(rebuilt.find(std::string("\x4a\x00", 2)) != std::string::npos);
    }
  }
}

// ---------------------------------------------------------------------------
// (d) recorded call bodies.

namespace {

// What Mesos did with the body of a request it did not accept.
enum class mesos_verdict {
  parse_error,  // Mesos failed to parse the body: our codec must fail too
  parsed_ok,    // Mesos parsed it, then refused the call for another reason
  not_parsed,   // Mesos refused before parsing (method, headers, path, not leader)
};

struct rejected_request {
  const char* file;  // .request.http, relative to the traces directory
  int status;
  mesos_verdict verdict;
  error expected;  // for parse_error
};

// From each `.response.http` body and Mesos 1.11.1's Master::Http::scheduler:
// method -> Content-Type -> parse ("Failed to parse body ...", "Failed to
// convert JSON into Call protobuf ...") -> validation ("Failed to validate
// scheduler::Call") -> Accept/stream id/framework checks.
const std::vector<rejected_request>& rejected_requests() {
  using v = mesos_verdict;
  static const std::vector<rejected_request> table = {
      // Content-Type text/plain: refused before parsing.
      {"scheduler/19-err-wrong-content-type.request.http", 415, v::not_parsed, {}},
      // No Content-Type: refused before parsing.
      {"scheduler/20-err-no-content-type.request.http", 400, v::not_parsed, {}},
      // Stream id checks come after parsing and validation.
      {"scheduler/21-err-missing-stream-id.request.http", 400, v::parsed_ok, {}},
      {"scheduler/22-err-wrong-stream-id.request.http", 400, v::parsed_ok, {}},
      // "Failed to parse body into JSON: syntax error ..."
      {"scheduler/23-err-malformed-json.request.http", 400, v::parse_error, error::malformed_json},
      {"scheduler/24-err-empty-body.request.http", 400, v::parse_error, error::malformed_json},
      // Unknown enum name dropped; "Failed to validate scheduler::Call:
      // Expecting 'type' to be present" (checked below: no type).
      {"scheduler/25-err-unknown-call-type.request.http", 400, v::parsed_ok, {}},
      // "Failed to convert JSON into Call protobuf: Not expecting a JSON
      // string for field 'tasks'"
      {"scheduler/26-err-json-wrong-field-type.request.http", 400, v::parse_error,
       error::json_schema_mismatch},
      // Validation errors: parsed fine.
      {"scheduler/27-err-accept-missing-accept-field.request.http", 400, v::parsed_ok, {}},
      {"scheduler/28-err-missing-framework-id.request.http", 400, v::parsed_ok, {}},
      // "Framework cannot be found": parsed fine.
      {"scheduler/29-err-unknown-framework.request.http", 400, v::parsed_ok, {}},
      {"scheduler/30-err-unknown-framework-no-stream-id.request.http", 400, v::parsed_ok, {}},
      // Wrong method: refused before parsing (31 has no body at all).
      {"scheduler/31-err-get-instead-of-post.request.http", 405, v::not_parsed, {}},
      {"scheduler/32-err-put-instead-of-post.request.http", 405, v::not_parsed, {}},
      // Accept header is checked after parsing and validating a SUBSCRIBE.
      {"scheduler/33-err-subscribe-not-acceptable.request.http", 406, v::parsed_ok, {}},
      // "Failed to convert JSON into Call protobuf: Missing required fields:
      // subscribe.framework_info.user, subscribe.framework_info.name"
      {"scheduler/34-err-subscribe-missing-required.request.http", 400, v::parse_error,
       error::missing_required_fields},
      {"scheduler/35-err-subscribe-wrong-framework-id.request.http", 400, v::parsed_ok, {}},
      {"scheduler/36-err-subscribe-with-stream-id.request.http", 400, v::parsed_ok, {}},
      // Routed to the operator endpoint, parsed as a master::Call (not ours).
      {"scheduler/37-err-wrong-path.request.http", 400, v::not_parsed, {}},
      {"scheduler/43-err-after-teardown.request.http", 400, v::parsed_ok, {}},
      // "Failed to parse body into Call protobuf": garbage, JSON, and a
      // FrameworkID without its required value (ParseFromString fails).
      {"scheduler/58-err-proto-malformed.request.http", 400, v::parse_error,
       error::malformed_protobuf},
      {"scheduler/59-err-proto-json-body.request.http", 400, v::parse_error,
       error::malformed_protobuf},
      {"scheduler/60-err-proto-missing-required.request.http", 400, v::parse_error,
       error::missing_required_fields},
      // "Framework is not subscribed" / stale stream id: parsed fine.
      {"scheduler/61-err-proto-framework-disconnected.request.http", 403, v::parsed_ok, {}},
      {"scheduler/63-err-proto-old-stream-id.request.http", 400, v::parsed_ok, {}},
      // Not the leader / no leader / GET /redirect: answered before parsing.
      {"ha/01-ha-redirect-endpoint-nonleader.request.http", 307, v::not_parsed, {}},
      {"ha/02-ha-redirect-endpoint-leader.request.http", 307, v::not_parsed, {}},
      {"ha/03-ha-subscribe-json-nonleader.request.http", 307, v::not_parsed, {}},
      {"ha/04-ha-subscribe-proto-nonleader.request.http", 307, v::not_parsed, {}},
      {"ha/05-ha-get-nonleader.request.http", 307, v::not_parsed, {}},
      {"ha/06-ha-reconcile-nonleader.request.http", 307, v::not_parsed, {}},
      {"ha/10-ha-subscribe-no-leader.request.http", 503, v::not_parsed, {}},
      {"ha/11-ha-redirect-endpoint-no-leader.request.http", 503, v::not_parsed, {}},
  };
  return table;
}

bool accepted(int status) { return status == 200 || status == 202; }

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Decodes `body` as a Call and re-encodes it in the same content type.
// Protobuf must be byte-identical. JSON must be the same JSON value, or else
// decode to an equivalent message with every difference explained (returns
// the notes then).
std::vector<std::string> check_call_round_trip(api which, const codec& c, const std::string& body) {
  auto call = new_call(which);
  decode_ok(c, body, *call);
  CHECK(type_name(*call) != "");
  const std::string again = encode_ok(c, *call);
  if (c.type() == content_type::protobuf) {
    CHECK(again == body);
    CHECK(unknown_fields(*call).empty());
    return {};
  }
  const json sent = parse_json(body), ours = parse_json(again);
  if (sent == ours) return {};
  std::vector<std::string> notes;
  INFO("sent: " << body << "\nours: " << again);
  CHECK(json_differences_explained(sent, ours, "", notes));
  auto reread = new_call(which);
  decode_ok(c, again, *reread);
  // Equivalent: unset and default-valued fields compare equal.
  CHECK(google::protobuf::util::MessageDifferencer::Equivalent(*call, *reread));
  return notes;
}

}  // namespace

TEST_CASE("replay: every call a real master accepted decodes and re-encodes", "[replay]") {
  require_traces();
  // JSON calls whose re-encoding is not the same JSON value as what the
  // client sent, and why: our writer adds the declared defaults of unset
  // fields (as Mesos's own writer does) and omits empty arrays. These are
  // compared as messages instead (MessageDifferencer::Equivalent).
  const std::map<std::string, std::vector<std::string>> expected_json_differences = {
      {"ha/07-ha-subscribe-leader-then-leader-killed.request.http",
       {"adds .subscribe.framework_info.checkpoint = false"}},
      {"ha/08-ha-resubscribe-new-leader.request.http",
       {"adds .subscribe.framework_info.checkpoint = false"}},
      {"ha/12-ha-subscribe-master-prefixed-path.request.http",
       {"adds .subscribe.framework_info.checkpoint = false",
        "adds .subscribe.framework_info.failover_timeout = 0.0"}},
      {"scheduler/01-json-subscribe.request.http",
       {"adds .subscribe.framework_info.checkpoint = false"}},
      {"scheduler/11-json-reconcile-implicit.request.http", {"omits empty array .reconcile.tasks"}},
  };
  std::size_t accepted_count = 0, json_count = 0;
  std::map<std::string, std::vector<std::string>> json_differences;
  std::set<std::string> rejected_seen;
  for (const char* dir : {"scheduler", "ha"}) {
    for (const auto& p : files_ending(traces_dir() / dir, ".request.http")) {
      const std::string stem = strip_suffix(p.filename().string(), ".request.http");
      const http_message request = load_single(p);
      const http_message response = load_single(p.parent_path() / (stem + ".response.http"));
      INFO(label(p) << " -> " << response.start_line);
      if (!accepted(response.status())) {
        rejected_seen.insert(label(p));
        continue;
      }
      REQUIRE(request.method() == "POST");
      const codec c = codec_for(request);
      auto notes = check_call_round_trip(api::scheduler, c, request.body);
      ++accepted_count;
      if (c.type() == content_type::json) ++json_count;
      if (!notes.empty()) json_differences[label(p)] = notes;
    }
  }
  // 01-18, 38-42, 44-57, 62, 64; ha 07, 08, 09, 12.
  CHECK(accepted_count == 18 + 5 + 14 + 2 + 4);
  CHECK(json_count == 18 + 5 + 4);
  CHECK(json_differences == expected_json_differences);

  // Every request the master did not accept is classified in the table of
  // the test case below, and nothing else is.
  std::set<std::string> table;
  for (const auto& r : rejected_requests()) table.insert(r.file);
  CHECK(rejected_seen == table);
}

TEST_CASE("replay: every executor call the agent accepted decodes and re-encodes", "[replay]") {
  require_traces();
  std::size_t accepted_count = 0, skipped_operator = 0;
  for (const auto& up : files_ending(traces_dir() / "executor", ".client-to-agent.raw")) {
    const std::string stem = strip_suffix(up.filename().string(), ".client-to-agent.raw");
    const auto requests = load_messages(up);
    const auto responses = load_messages(traces_dir() / "executor" / (stem + ".agent-to-client.raw"));
    INFO(stem);
    REQUIRE(requests.size() == responses.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      INFO("request " << i << ": " << requests[i].start_line << " -> " << responses[i].start_line);
      CHECK(accepted(responses[i].status()));
      if (requests[i].target() != "/slave(1)/api/v1/executor") {
        // The default executor's calls to the agent operator API
        // (/slave(1)/api/v1, mesos.v1.agent.Call): not part of our schema.
        CHECK(requests[i].target() == "/slave(1)/api/v1");
        ++skipped_operator;
        continue;
      }
      if (!accepted(responses[i].status())) continue;
      check_call_round_trip(api::executor, codec_for(requests[i]), requests[i].body);
      ++accepted_count;
    }
  }
  // 5 SUBSCRIBEs and 3 + 3 + 4 + 3 + 3 UPDATEs.
  CHECK(accepted_count == 5 + 16);
  CHECK(skipped_operator == 2);
}

TEST_CASE("replay: bodies Mesos could not parse fail to decode here too", "[replay]") {
  require_traces();
  std::size_t parse_errors = 0, parsed = 0, not_parsed = 0;
  for (const auto& r : rejected_requests()) {
    const fs::path path = traces_dir() / r.file;
    const std::string stem = strip_suffix(path.filename().string(), ".request.http");
    const http_message request = load_single(path);
    const http_message response = load_single(path.parent_path() / (stem + ".response.http"));
    INFO(r.file << " -> " << response.start_line << ": " << response.body);
    REQUIRE(response.status() == r.status);
    const bool mesos_parse_failure =
        starts_with(response.body, "Failed to parse body") ||
        starts_with(response.body, "Failed to convert JSON into Call protobuf");
    CHECK(mesos_parse_failure == (r.verdict == mesos_verdict::parse_error));

    switch (r.verdict) {
      case mesos_verdict::not_parsed:
        // Mesos refused it before looking at the body; nothing to compare.
        ++not_parsed;
        break;
      case mesos_verdict::parse_error: {
        sched::Call call;
        diagnostics diag;
        auto ec = codec_for(request).decode(request.body, call, diag);
        INFO("our codec: " << ec.message() << ": " << diag.to_string());
        CHECK(ec == r.expected);
        CHECK_FALSE(diag.message().empty());
        ++parse_errors;
        break;
      }
      case mesos_verdict::parsed_ok: {
        sched::Call call;
        decode_ok(codec_for(request), request.body, call);
        if (starts_with(r.file, "scheduler/25-")) {
          // "NOT_A_CALL": the unknown enum name is dropped, as by Mesos.
          CHECK_FALSE(call.has_type());
        }
        ++parsed;
        break;
      }
    }
  }
  CHECK(parse_errors == 7);
  CHECK(parsed == 13);
  CHECK(not_parsed == 13);
}

// ---------------------------------------------------------------------------
// (e) RecordIO split robustness on real data.

TEST_CASE("replay: real streams decode the same at every split", "[replay]") {
  require_traces();
  for (const char* file : {"scheduler/01-json-subscribe.response.http",
                           "scheduler/44-proto-subscribe.response.http"}) {
    INFO(file);
    const http_message m = load_single(traces_dir() / file);
    const std::string& body = m.body;
    bool finished = false;
    const auto expected = split_records(body, finished);
    REQUIRE(finished);
    REQUIRE(expected.size() == m.chunk_sizes.size());

    auto decode = [](const std::vector<std::string_view>& pieces, bool& clean) {
      recordio_decoder decoder;
      std::vector<std::string> out;
      clean = true;
      for (auto piece : pieces)
        if (decoder.feed(piece, [&](std::string_view r) { out.emplace_back(r); })) clean = false;
      if (decoder.finish()) clean = false;
      return out;
    };

    // Two pieces, split at every offset (0 and size included).
    std::size_t first_bad = std::string::npos;
    for (std::size_t at = 0; at <= body.size() && first_bad == std::string::npos; ++at) {
      const std::string_view all(body);
      bool clean = false;
      if (decode({all.substr(0, at), all.substr(at)}, clean) != expected || !clean) first_bad = at;
    }
    INFO("first split offset giving different records: " << first_bad << " of " << body.size());
    CHECK(first_bad == std::string::npos);

    // One byte at a time.
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < body.size(); ++i) bytes.push_back(std::string_view(body).substr(i, 1));
    bool clean = false;
    CHECK(decode(bytes, clean) == expected);
    CHECK(clean);

    // And with the HTTP chunk boundaries the master used.
    std::vector<std::string_view> chunks;
    std::size_t at = 0;
    for (std::size_t size : m.chunk_sizes) {
      chunks.push_back(std::string_view(body).substr(at, size));
      at += size;
    }
    CHECK(at == body.size());
    CHECK(decode(chunks, clean) == expected);
    CHECK(clean);
  }
}
