// Test support for the replay tests: see traces.hpp.
#include "support/traces.hpp"

#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/recordio.hpp>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/unknown_field_set.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <utility>

namespace mesos_http::test {

namespace {

namespace fs = std::filesystem;
namespace sched = mesos::v1::scheduler;
namespace exec = mesos::v1::executor;

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using json = nlohmann::json;

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

}  // namespace

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

std::vector<std::string> unknown_fields(const Message& m) {
  std::vector<std::string> out;
  collect_unknown(m, "", out);
  return out;
}

// Sets every unset, non-repeated field that declares a non-deprecated
// `[default = ...]` to that default, in all present sub-messages: what a
// round trip through our JSON writer (which writes such defaults, see
// codec.hpp) and reader (which then sets them) does to a message.
void fill_json_defaults(Message& m, std::set<std::string>* filled) {
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

// Every 200 response with a chunked body in the recordings: the event
// streams (found by listing the directories, not from a table).
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

}  // namespace mesos_http::test
