// Replays every request recorded on /api/v1/scheduler of a real Mesos 1.11.1
// master (MESOS_HTTP_TRACES_DIR, scheduler/ and ha/) through
// `sim::check_scheduler_request`, with a `master_view` that reproduces what
// the real master knew at that moment, and compares with what it answered:
// status, body text, Location / Allow / WWW-Authenticate. Requests it
// accepted (200/202) must come out unanswered with the call decoded.
// The checks one by one are in endpoint_checks_test.cpp.
#include "support/http_messages.hpp"
#include "support/traces.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace sched = mesos::v1::scheduler;
namespace sim = mesos_http::sim;

using mesos_http::test::codec_for;
using mesos_http::test::files_ending;
using mesos_http::test::http_message;
using mesos_http::test::load_single;
using mesos_http::test::require_traces;
using mesos_http::test::strip_suffix;
using mesos_http::test::traces_dir;
using sim::framework_status;

// Ids, from the recordings (README "Cluster state was wiped": master id
// 9d9f1d3e-..., JSON framework -0000, protobuf framework -0001).
const std::string json_fw = "9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-0000";
const std::string proto_fw = "9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-0001";
const std::string ha_fw = "4ee0f1b2-fe0f-4016-b423-0c62f7e1708b-0000";
// Mesos-Stream-Id headers of the SUBSCRIBE responses.
const std::string json_stream = "12fc5217-df5a-4c9f-abbf-fed67de8eb96";     // 01
const std::string proto_stream_1 = "a19eb786-1afc-4eab-a9d6-58c53f28af0a";  // 44
const std::string proto_stream_2 = "950e3a1e-f520-4ccd-be78-aeb099664891";  // 62
const std::string ha_stream = "fe7cb337-edbe-4d38-9dd3-2737d5c57b3b";       // ha/08

struct known_framework {
  std::string id;
  framework_status status;
  std::string stream;  // when subscribed
};

// What the master knew when the request arrived.
struct situation {
  bool leading = true;
  std::optional<std::string> leader;  // when not leading
  std::vector<known_framework> frameworks;
};

// The situations of the recorded session, in time order.
const situation fresh_leader{};  // cluster state wiped / fresh master
const situation json_session{
    true, std::nullopt, {{json_fw, framework_status::subscribed, json_stream}}};
const situation json_torn_down{true, std::nullopt, {{json_fw, framework_status::removed, ""}}};
const situation proto_session_1{true,
                                std::nullopt,
                                {{json_fw, framework_status::removed, ""},
                                 {proto_fw, framework_status::subscribed, proto_stream_1}}};
const situation proto_disconnected{
    true,
    std::nullopt,
    {{json_fw, framework_status::removed, ""}, {proto_fw, framework_status::disconnected, ""}}};
const situation proto_session_2{true,
                                std::nullopt,
                                {{json_fw, framework_status::removed, ""},
                                 {proto_fw, framework_status::subscribed, proto_stream_2}}};
const situation ha_standby{false, std::string("127.0.0.1:5050"), {}};
const situation ha_new_leader{true, std::nullopt, {}};
const situation ha_new_leader_subscribed{
    true, std::nullopt, {{ha_fw, framework_status::subscribed, ha_stream}}};
const situation ha_no_leader{false, std::nullopt, {}};

enum class body_match {
  exact,   // our body == the recorded body
  prefix,  // the recorded body embeds parser details: only Mesos's prefix is ours
};

struct replay_row {
  const char* exchange;  // "dir/NN-name", without ".request.http"
  const situation* at;
  body_match match = body_match::exact;
  const char* prefix = "";  // for body_match::prefix
};

const char* const json_syntax = "Failed to parse body into JSON: ";
const char* const json_conversion = "Failed to convert JSON into Call protobuf: ";

// One row per recorded request on the scheduler endpoint; the comment says
// where the situation comes from (README narrative, recorded headers).
const std::vector<replay_row>& replay_rows() {
  static const std::vector<replay_row> rows = {
      // Session 1: state wiped, nothing known; 01 subscribes -0000 and its
      // response carries Mesos-Stream-Id 12fc5217-... (json_stream).
      {"scheduler/01-json-subscribe", &fresh_leader},
      // 02-18: calls on the open 01 stream, all with json_stream.
      {"scheduler/02-json-accept-launch-echo", &json_session},
      {"scheduler/03-json-acknowledge-echo-task-starting", &json_session},
      {"scheduler/04-json-acknowledge-echo-task-running", &json_session},
      {"scheduler/05-json-acknowledge-echo-task-finished", &json_session},
      {"scheduler/06-json-decline", &json_session},
      {"scheduler/07-json-accept-launch-sleep", &json_session},
      {"scheduler/08-json-acknowledge-sleep-task-starting", &json_session},
      {"scheduler/09-json-acknowledge-sleep-task-running", &json_session},
      {"scheduler/10-json-reconcile-explicit", &json_session},
      {"scheduler/11-json-reconcile-implicit", &json_session},
      {"scheduler/12-json-kill", &json_session},
      {"scheduler/13-json-acknowledge-sleep-task-killing", &json_session},
      {"scheduler/14-json-acknowledge-sleep-task-killed", &json_session},
      {"scheduler/15-json-reconcile-operations", &json_session},
      {"scheduler/16-json-suppress", &json_session},
      {"scheduler/17-json-revive", &json_session},
      {"scheduler/18-json-accept-unknown-offer", &json_session},
      // 19-36: error probes while 01 is still open (README: the stream ends
      // only after 42's TEARDOWN).
      {"scheduler/19-err-wrong-content-type", &json_session},
      {"scheduler/20-err-no-content-type", &json_session},
      {"scheduler/21-err-missing-stream-id", &json_session},
      {"scheduler/22-err-wrong-stream-id", &json_session},  // random stream id
      {"scheduler/23-err-malformed-json", &json_session, body_match::prefix, json_syntax},
      {"scheduler/24-err-empty-body", &json_session, body_match::prefix, json_syntax},
      {"scheduler/25-err-unknown-call-type", &json_session},
      {"scheduler/26-err-json-wrong-field-type", &json_session, body_match::prefix,
       json_conversion},
      {"scheduler/27-err-accept-missing-accept-field", &json_session},
      {"scheduler/28-err-missing-framework-id", &json_session},
      {"scheduler/29-err-unknown-framework", &json_session},  // random framework id
      {"scheduler/30-err-unknown-framework-no-stream-id", &json_session},
      {"scheduler/31-err-get-instead-of-post", &json_session},
      {"scheduler/32-err-put-instead-of-post", &json_session},
      {"scheduler/33-err-subscribe-not-acceptable", &json_session},
      // 34 names the missing fields itself (protobuf's InitializationErrorString).
      {"scheduler/34-err-subscribe-missing-required", &json_session},
      {"scheduler/35-err-subscribe-wrong-framework-id", &json_session},
      {"scheduler/36-err-subscribe-with-stream-id", &json_session},
      // (37 went to /api/v1/schedulerz: see excluded_exchanges.)
      {"scheduler/38-json-accept-launch-group", &json_session},
      {"scheduler/39-json-acknowledge-group-task-starting", &json_session},
      {"scheduler/40-json-acknowledge-group-task-running", &json_session},
      {"scheduler/41-json-acknowledge-group-task-finished", &json_session},
      {"scheduler/42-json-teardown", &json_session},
      // 42's TEARDOWN removed -0000 ("43-err-after-teardown ... old stream id").
      {"scheduler/43-err-after-teardown", &json_torn_down},
      // Session 2: 44 subscribes -0001, stream a19eb786-... (proto_stream_1).
      {"scheduler/44-proto-subscribe", &json_torn_down},
      {"scheduler/45-proto-decline", &proto_session_1},
      {"scheduler/46-proto-accept-launch-echo", &proto_session_1},
      {"scheduler/47-proto-acknowledge-echo-task-starting", &proto_session_1},
      {"scheduler/48-proto-acknowledge-echo-task-running", &proto_session_1},
      {"scheduler/49-proto-acknowledge-echo-task-finished", &proto_session_1},
      {"scheduler/50-proto-reconcile-implicit", &proto_session_1},
      {"scheduler/51-proto-accept-launch-sleep", &proto_session_1},
      {"scheduler/52-proto-acknowledge-sleep-task-starting", &proto_session_1},
      {"scheduler/53-proto-acknowledge-sleep-task-running", &proto_session_1},
      {"scheduler/54-proto-reconcile-explicit", &proto_session_1},
      {"scheduler/55-proto-reconcile-operations", &proto_session_1},
      {"scheduler/56-proto-kill", &proto_session_1},
      {"scheduler/57-proto-acknowledge-sleep-task-killed", &proto_session_1},
      {"scheduler/58-err-proto-malformed", &proto_session_1},
      {"scheduler/59-err-proto-json-body", &proto_session_1},
      {"scheduler/60-err-proto-missing-required", &proto_session_1},
      // README: 44 "closed by the client (curl killed)", 61 "while the
      // framework is disconnected (its event stream was closed, within
      // failover_timeout)"; 62 resubscribes from that state.
      {"scheduler/61-err-proto-framework-disconnected", &proto_disconnected},
      {"scheduler/62-proto-resubscribe", &proto_disconnected},
      // 62's response: new stream 950e3a1e-...; 63 still sends a19eb786-...
      {"scheduler/63-err-proto-old-stream-id", &proto_session_2},
      {"scheduler/64-proto-teardown", &proto_session_2},
      // ha/: 03-06 went to 127.0.0.1:5052 while 5050 led (zk-mesos-znodes.txt).
      {"ha/03-ha-subscribe-json-nonleader", &ha_standby},
      {"ha/04-ha-subscribe-proto-nonleader", &ha_standby},
      {"ha/05-ha-get-nonleader", &ha_standby},
      {"ha/06-ha-reconcile-nonleader", &ha_standby},
      {"ha/07-ha-subscribe-leader-then-leader-killed", &fresh_leader},
      // 08: 5052 elected after 5050 was killed; it learns of the framework
      // through this very SUBSCRIBE (stream fe7cb337-..., used by 09).
      {"ha/08-ha-resubscribe-new-leader", &ha_new_leader},
      {"ha/09-ha-teardown-new-leader", &ha_new_leader_subscribed},
      // 10: master 5053 whose ZooKeeper is unreachable: no leader known.
      {"ha/10-ha-subscribe-no-leader", &ha_no_leader},
      // 12: fresh standalone master, POST /master/api/v1/scheduler.
      {"ha/12-ha-subscribe-master-prefixed-path", &fresh_leader},
  };
  return rows;
}

// Recorded requests that did not go to the scheduler endpoint (the server
// routes them elsewhere; check_scheduler_request never sees them).
const std::set<std::string>& excluded_exchanges() {
  static const std::set<std::string> excluded = {
      "scheduler/37-err-wrong-path",           // /api/v1/schedulerz: operator API /api/v1
      "ha/01-ha-redirect-endpoint-nonleader",  // GET /redirect
      "ha/02-ha-redirect-endpoint-leader",     // GET /redirect
      "ha/11-ha-redirect-endpoint-no-leader",  // GET /redirect
  };
  return excluded;
}

// A master_view over a situation (which must outlive it).
sim::master_view master_for(const situation& s) {
  sim::master_view m;
  m.leading = s.leading;
  m.leader = s.leader;
  m.framework = [&s](const std::string& id) {
    for (const auto& f : s.frameworks) {
      if (f.id == id) return f.status;
    }
    return framework_status::unknown;
  };
  m.stream_id = [&s](const std::string& id) -> std::optional<std::string> {
    for (const auto& f : s.frameworks) {
      if (f.id == id && f.status == framework_status::subscribed) return f.stream;
    }
    return std::nullopt;
  };
  return m;
}

// The request as the server hands it over (views into `message`).
sim::http_request_view view_of(const http_message& message) {
  sim::http_request_view v;
  v.method = message.method();
  v.target = message.target();
  v.content_type = message.header("Content-Type");
  v.accept = message.header("Accept");
  v.stream_id = message.header("Mesos-Stream-Id");
  v.authorization = message.header("Authorization");
  v.body = message.body;
  return v;
}

std::optional<std::string> header_of(const sim::http_answer& a, std::string_view name) {
  for (const auto& [n, value] : a.headers) {
    if (mesos_http::test::iequals(n, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> to_string(std::optional<std::string_view> v) {
  if (!v) return std::nullopt;
  return std::string(*v);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

TEST_CASE("every recorded scheduler request is replayed or deliberately excluded",
          "[sim][endpoint][replay]") {
  require_traces();
  std::set<std::string> recorded;
  for (const char* dir : {"scheduler", "ha"}) {
    for (const auto& path : files_ending(traces_dir() / dir, ".request.http")) {
      recorded.insert(std::string(dir) + "/" +
                      strip_suffix(path.filename().string(), ".request.http"));
    }
  }
  std::set<std::string> covered = excluded_exchanges();
  for (const auto& row : replay_rows()) {
    INFO(row.exchange);
    CHECK(covered.insert(row.exchange).second);  // no row twice
  }
  CHECK(recorded == covered);
  CHECK(replay_rows().size() >= 70);
}

TEST_CASE("the endpoint answers every recorded request as the real master did",
          "[sim][endpoint][replay]") {
  require_traces();
  std::size_t exact = 0;
  std::size_t prefix = 0;
  std::size_t accepted = 0;
  for (const auto& row : replay_rows()) {
    INFO(row.exchange);
    const fs::path base = traces_dir() / row.exchange;
    const http_message request = load_single(base.string() + ".request.http");
    const http_message response = load_single(base.string() + ".response.http");
    const sim::master_view master = master_for(*row.at);

    const sim::scheduler_request out = sim::check_scheduler_request(view_of(request), master);
    const int recorded = response.status();

    if (recorded == 200 || recorded == 202) {
      // Accepted: no answer from the checks, the call decoded as the codec
      // decodes the recorded body.
      ++accepted;
      REQUIRE_FALSE(out.answer);
      const auto codec = codec_for(request);
      CHECK(out.request_type == codec.type());
      sched::Call expected;
      mesos_http::test::decode_ok(codec, request.body, expected);
      CHECK(google::protobuf::util::MessageDifferencer::Equals(out.call, expected));
      if (recorded == 200) {
        CHECK(out.call.type() == sched::Call::SUBSCRIBE);
        CHECK(to_string(response.header("Content-Type")) ==
              std::string(mesos_http::media_type(out.response_type)));
      } else {
        CHECK(out.call.type() != sched::Call::SUBSCRIBE);
      }
      continue;
    }

    REQUIRE(out.answer);
    const sim::http_answer& a = *out.answer;
    CHECK(a.status == static_cast<unsigned>(recorded));
    if (row.match == body_match::exact) {
      ++exact;
      CHECK(a.body == response.body);
    } else {
      ++prefix;
      REQUIRE(starts_with(response.body, row.prefix));  // the row is right
      CHECK(starts_with(a.body, row.prefix));
      CHECK(a.body.size() > std::string_view(row.prefix).size());
    }
    for (const char* name : {"Location", "Allow", "WWW-Authenticate"}) {
      INFO(name);
      CHECK(header_of(a, name) == to_string(response.header(name)));
    }
    // No Content-Type of ours: the server sends "text/plain; charset=utf-8"
    // for a non-empty body, as recorded.
    CHECK_FALSE(header_of(a, "Content-Type"));
    if (!response.body.empty()) {
      CHECK(to_string(response.header("Content-Type")) == std::string("text/plain; charset=utf-8"));
    }
  }
  CHECK(accepted + exact + prefix == replay_rows().size());
  CHECK(prefix == 3);
}

TEST_CASE("parser details of the recorded JSON errors: ours where they can match",
          "[sim][endpoint][replay]") {
  // Beyond the asserted prefixes: the end-of-input syntax errors (23, 24)
  // and the string-for-array mismatch (26) come out word for word.
  require_traces();
  for (const char* exchange : {"scheduler/23-err-malformed-json", "scheduler/24-err-empty-body",
                               "scheduler/26-err-json-wrong-field-type"}) {
    INFO(exchange);
    const fs::path base = traces_dir() / exchange;
    const http_message request = load_single(base.string() + ".request.http");
    const http_message response = load_single(base.string() + ".response.http");
    const sim::master_view master = master_for(json_session);
    const auto out = sim::check_scheduler_request(view_of(request), master);
    REQUIRE(out.answer);
    CHECK(out.answer->body == response.body);
  }
}
