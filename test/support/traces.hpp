// Test support for the replay tests: locating and loading the recordings of a
// real Apache Mesos 1.11.1 master and agent (MESOS_HTTP_TRACES_DIR, see its
// README.md), finding the event streams in them, and comparing messages.
//
// These helpers use Catch2 assertions (REQUIRE, INFO): call them from inside
// a TEST_CASE only. A failed REQUIRE fails the calling test.
#ifndef MESOS_HTTP_TEST_SUPPORT_TRACES_HPP
#define MESOS_HTTP_TEST_SUPPORT_TRACES_HPP

#include "support/http_messages.hpp"

#include <mesos_http/codec.hpp>

#include <google/protobuf/message.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mesos_http::test {

// ---------------------------------------------------------------------------
// Locating and loading the recordings.

/// The recordings directory (MESOS_HTTP_TRACES_DIR, set when configuring).
std::filesystem::path traces_dir();

/// Every replay test starts here: fails the test, saying the recordings are
/// missing and how to point at them, unless the directory and its README.md,
/// scheduler/, ha/ and executor/ are there. Never a skip.
void require_traces();

/// The whole file as bytes; fails the test if it cannot be read.
std::string load(const std::filesystem::path& path);

/// The file split into HTTP messages (split_http_messages); fails the test
/// on malformed data.
std::vector<http_message> load_messages(const std::filesystem::path& path);

/// The one HTTP message of a file (scheduler/, ha/ exchanges); fails the
/// test unless there is exactly one.
http_message load_single(const std::filesystem::path& path);

/// Files of `dir` whose name ends with `suffix`, sorted by name.
std::vector<std::filesystem::path> files_ending(const std::filesystem::path& dir,
                                                std::string_view suffix);

/// `name` without its last `suffix.size()` characters.
std::string strip_suffix(const std::string& name, std::string_view suffix);

/// "dir/file" (the last two path components), for messages.
std::string label(const std::filesystem::path& path);

/// The codec for a message's Content-Type; fails the test if it has none or
/// an unsupported one.
codec codec_for(const http_message& message);

/// The first "# RecordIO records: N" line of a .decoded.txt readable view.
std::size_t recorded_record_count(const std::filesystem::path& decoded_txt);

// ---------------------------------------------------------------------------
// Messages.

/// Which API a recording speaks.
enum class api { scheduler, executor };

/// An empty scheduler::Event or executor::Event.
std::unique_ptr<google::protobuf::Message> new_event(api which);

/// An empty scheduler::Call or executor::Call.
std::unique_ptr<google::protobuf::Message> new_call(api which);

/// Name of the `type` enum of an Event or Call ("" when unset).
std::string type_name(const google::protobuf::Message& m);

/// The protobuf bytes of `m` (partial allowed); fails the test on error.
std::string serialize(const google::protobuf::Message& m);

/// Unknown fields anywhere in `m`, as "Type at path: field N = value".
std::vector<std::string> unknown_fields(const google::protobuf::Message& m);

/// Sets every unset, non-repeated field that declares a non-deprecated
/// `[default = ...]` to that default, in all present sub-messages: what a
/// round trip through our JSON writer (which writes such defaults, see
/// codec.hpp) and reader (which then sets them) does to a message. Adds the
/// full names of the fields it set to `filled`, if given.
void fill_json_defaults(google::protobuf::Message& m, std::set<std::string>* filled = nullptr);

/// Decodes `bytes` into `m` with `c`; fails the test on error.
void decode_ok(const codec& c, std::string_view bytes, google::protobuf::Message& m);

/// Encodes `m` with `c`; fails the test on error.
std::string encode_ok(const codec& c, const google::protobuf::Message& m);

/// Parses JSON text; fails the test if it is not valid JSON.
nlohmann::json parse_json(std::string_view text);

/// Is every difference between `sent` and `ours` a key that our writer adds
/// (a default) or an empty array the sender wrote and we omit? Appends every
/// difference to `notes` ("adds ...", "omits empty array ...", and for the
/// unexplained ones "LOSES ..." / "CHANGES ...").
bool json_differences_explained(const nlohmann::json& sent, const nlohmann::json& ours,
                                const std::string& path, std::vector<std::string>& notes);

// ---------------------------------------------------------------------------
// The recorded event streams.

/// One recorded event stream: a 200 response with a chunked body.
struct recorded_stream {
  std::string file;  // "scheduler/01-json-subscribe.response.http"
  api which;
  http_message response;
};

/// Every 200 response with a chunked body in the recordings: the event
/// streams (found by listing the directories, not from a table).
std::vector<recorded_stream> discover_event_streams();

/// All records of a de-chunked stream body; fails the test on a framing
/// error. `finished_cleanly` tells whether the decoder's `finish()` succeeded.
std::vector<std::string> split_records(std::string_view body, bool& finished_cleanly);

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_SUPPORT_TRACES_HPP
