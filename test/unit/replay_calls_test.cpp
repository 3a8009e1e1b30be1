// Replays the call bodies recorded from a real Apache Mesos 1.11.1 master and
// agent (MESOS_HTTP_TRACES_DIR, see its README.md) through the codecs:
//  * every call body a master/agent accepted decodes and re-encodes;
//  * bodies that Mesos could not parse fail with our codec too.
// The recorded event streams are in replay_streams_test.cpp. Without the
// recordings these tests FAIL (never skip).
#include "support/http_messages.hpp"
#include "support/traces.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// ---------------------------------------------------------------------------
// (d) recorded call bodies.

namespace {

namespace fs = std::filesystem;
namespace sched = mesos::v1::scheduler;

using mesos_http::codec;
using mesos_http::content_type;
using mesos_http::diagnostics;
using mesos_http::error;
using mesos_http::test::api;
using mesos_http::test::codec_for;
using mesos_http::test::decode_ok;
using mesos_http::test::encode_ok;
using mesos_http::test::files_ending;
using mesos_http::test::http_message;
using mesos_http::test::json_differences_explained;
using mesos_http::test::label;
using mesos_http::test::load_messages;
using mesos_http::test::load_single;
using mesos_http::test::new_call;
using mesos_http::test::parse_json;
using mesos_http::test::require_traces;
using mesos_http::test::strip_suffix;
using mesos_http::test::traces_dir;
using mesos_http::test::type_name;
using mesos_http::test::unknown_fields;
using json = nlohmann::json;

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
