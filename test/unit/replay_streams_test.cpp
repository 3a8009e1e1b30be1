// Replays the event streams recorded from a real Apache Mesos 1.11.1 master
// and agent (MESOS_HTTP_TRACES_DIR, see its README.md) through the RecordIO
// decoder and the codecs:
//  * every record of every recorded event stream decodes, and re-encodes to
//    the same protobuf bytes / the same JSON value;
//  * protobuf -> JSON -> protobuf loses exactly what the JSON mapping must
//    lose (unknown enum values) and nothing else;
//  * the event types and counts are those the recording shows;
//  * the decoder yields the same records for every split of a real stream.
// The recorded call bodies are in replay_calls_test.cpp. Without the
// recordings these tests FAIL (never skip).
#include "support/http_messages.hpp"
#include "support/traces.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/recordio.hpp>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/message.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace sched = mesos::v1::scheduler;

using google::protobuf::Message;
using mesos_http::codec;
using mesos_http::content_type;
using mesos_http::diagnostics;
using mesos_http::recordio_decoder;
using mesos_http::test::api;
using mesos_http::test::codec_for;
using mesos_http::test::decode_ok;
using mesos_http::test::discover_event_streams;
using mesos_http::test::encode_ok;
using mesos_http::test::fill_json_defaults;
using mesos_http::test::http_message;
using mesos_http::test::label;
using mesos_http::test::load_single;
using mesos_http::test::new_event;
using mesos_http::test::parse_json;
using mesos_http::test::recorded_record_count;
using mesos_http::test::require_traces;
using mesos_http::test::serialize;
using mesos_http::test::split_records;
using mesos_http::test::traces_dir;
using mesos_http::test::type_name;
using mesos_http::test::unknown_fields;
using json = nlohmann::json;

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
