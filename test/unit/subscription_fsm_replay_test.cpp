// The SUBSCRIBE responses recorded from a real Mesos 1.11.1 master
// (MESOS_HTTP_TRACES_DIR) fed into detail::subscription_fsm split at random
// and at every offset: the events it hands out are exactly those of a
// whole-buffer decode, in order, unknown values included. Without the
// recordings these tests FAIL (never skip).
#include "subscription_fsm_support.hpp"

#include "support/http_messages.hpp"
#include "support/traces.hpp"

#include <mesos_http/error.hpp>

#include <random>

using namespace mesos_http;
using namespace mesos_http::test::fsm;
using mesos_http::test::api;
using mesos_http::test::recorded_stream;

namespace {

struct replay_case {
  std::string file;
  content_type content;
  http_response_head head;
  std::string body;             // de-chunked
  bool terminated;              // the terminating chunk was recorded
  std::vector<event> expected;  // whole-buffer decode of every record
};

std::vector<replay_case> scheduler_streams() {
  test::require_traces();
  std::vector<replay_case> out;
  for (auto& s : test::discover_event_streams()) {
    if (s.which != api::scheduler) continue;
    replay_case c;
    c.file = s.file;
    const codec cd = test::codec_for(s.response);
    c.content = cd.type();
    c.head.status = 200;
    c.head.content_type = std::string(*s.response.header("Content-Type"));
    auto sid = s.response.header("Mesos-Stream-Id");
    REQUIRE(sid);
    c.head.stream_id = std::string(*sid);
    c.body = s.response.body;
    c.terminated = s.response.chunked_terminated;
    bool finished = false;
    for (const auto& r : test::split_records(c.body, finished)) {
      event e;
      test::decode_ok(cd, r, e);
      c.expected.push_back(std::move(e));
    }
    REQUIRE(finished);
    out.push_back(std::move(c));
  }
  // 01, 44, 62 and the HA streams 07, 08, 12 (replay_streams_test checks the list).
  REQUIRE(out.size() == 6);
  return out;
}

// Runs one stream through a fresh machine, `pieces` at a time; returns the
// events handed out (failing the test on anything but streaming).
std::vector<event> run(const replay_case& c, const std::vector<std::string_view>& pieces,
                       std::vector<std::string>* kinds = nullptr) {
  subscription_fsm fsm(settings(c.content));
  fsm.start(t0);
  auto d = fsm.on_response(c.head, t0);
  REQUIRE(d.next == step::stream);
  REQUIRE(fsm.stream_id() == c.head.stream_id);
  std::vector<event> events;
  auto collect = [&] {
    for (auto& n : fsm.take_notices()) {
      if (kinds) kinds->push_back(describe({n}).front());
      if (n.what == notice_kind::event) events.push_back(std::move(n.event));
    }
  };
  collect();
  auto now = t0;
  for (auto piece : pieces) {
    now += ms(1);
    d = fsm.on_body(piece, now);
    if (d.next != step::stream) {
      INFO("stopped streaming after " << events.size()
                                      << " events: " << fsm.final_diagnostics().to_string());
      REQUIRE(d.next == step::stream);
    }
    collect();
  }
  CHECK(fsm.subscribed());
  if (c.terminated) {
    CHECK(fsm.on_stream_end({}, now).next == step::wait);
    collect();
  }
  return events;
}

bool same_events(const std::vector<event>& got, const std::vector<event>& want,
                 std::string& first_difference) {
  for (std::size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    if (i >= got.size() || i >= want.size() ||
        got[i].SerializeAsString() != want[i].SerializeAsString()) {
      first_difference = "event " + std::to_string(i) + " of " + std::to_string(want.size()) +
                         " (got " + std::to_string(got.size()) + ")";
      return false;
    }
  }
  return true;
}

std::vector<std::string_view> random_pieces(std::string_view body, std::mt19937& rng,
                                            std::size_t max_piece) {
  std::uniform_int_distribution<std::size_t> size(1, max_piece);
  std::vector<std::string_view> out;
  while (!body.empty()) {
    auto n = std::min(size(rng), body.size());
    out.push_back(body.substr(0, n));
    body.remove_prefix(n);
  }
  return out;
}

}  // namespace

TEST_CASE("fsm replay: recorded streams give the same events at any split", "[fsm][replay]") {
  for (const auto& c : scheduler_streams()) {
    INFO(c.file);
    std::string diff;
    // Whole buffer, with the notice sequence.
    std::vector<std::string> kinds;
    auto whole = run(c, {c.body}, &kinds);
    if (!same_events(whole, c.expected, diff)) FAIL_CHECK("whole buffer: " << diff);
    std::vector<std::string> want_kinds{"connected"};
    for (const auto& e : c.expected) want_kinds.push_back("event:" + event::Type_Name(e.type()));
    if (c.terminated) want_kinds.push_back(disconnected(error::stream_ended));
    CHECK(kinds == want_kinds);
    REQUIRE(c.expected.front().type() == event::SUBSCRIBED);

    // One byte at a time.
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < c.body.size(); ++i)
      bytes.push_back(std::string_view(c.body).substr(i, 1));
    if (!same_events(run(c, bytes), c.expected, diff)) FAIL_CHECK("byte by byte: " << diff);

    // Random piece sizes, fixed seeds: small pieces (inside length lines and
    // payloads) and large ones (several records per read).
    for (std::uint32_t seed = 1; seed <= 40; ++seed) {
      std::mt19937 rng(seed);
      const std::size_t max_piece = seed % 2 ? 17 : c.body.size();
      auto pieces = random_pieces(c.body, rng, max_piece);
      if (!same_events(run(c, pieces), c.expected, diff)) {
        FAIL_CHECK("seed " << seed << ", max piece " << max_piece << ": " << diff);
      }
    }
  }
}

TEST_CASE("fsm replay: every two-piece split of the protobuf and small streams", "[fsm][replay]") {
  for (const auto& c : scheduler_streams()) {
    if (c.content != content_type::protobuf && c.body.size() > 1000)
      continue;  // 01: random splits above
    INFO(c.file);
    std::size_t first_bad = std::string::npos;
    std::string diff;
    const std::string_view all(c.body);
    for (std::size_t at = 0; at <= all.size() && first_bad == std::string::npos; ++at) {
      if (!same_events(run(c, {all.substr(0, at), all.substr(at)}), c.expected, diff))
        first_bad = at;
    }
    INFO("first split offset giving different events: " << first_bad << " (" << diff << ")");
    CHECK(first_bad == std::string::npos);
  }
}

TEST_CASE("fsm replay: values the schema does not know still dispatch", "[fsm][replay]") {
  for (const auto& c : scheduler_streams()) {
    if (c.file != "scheduler/01-json-subscribe.response.http" &&
        c.file != "scheduler/44-proto-subscribe.response.http") {
      continue;
    }
    INFO(c.file);
    // A future event type (and field) spliced in after the first two
    // recorded records (SUBSCRIBED, HEARTBEAT).
    std::string future;
    if (c.content == content_type::protobuf) {
      // type = 99 (not in the enum), field 1000 = "A" (not in the schema).
      const std::string payload("\x08\x63\xc2\x3e\x01\x41", 6);
      future = std::to_string(payload.size()) + "\n" + payload;
    } else {
      const std::string payload =
          R"({"type":"SOMETHING_NEW","something_new":{"x":1},"heartbeat":{}})";
      future = std::to_string(payload.size()) + "\n" + payload;
    }
    bool finished = false;
    auto records = test::split_records(c.body, finished);
    std::size_t cut = 0;  // the body is "length\nrecord" back to back
    for (int i = 0; i < 2; ++i)
      cut += std::to_string(records[i].size()).size() + 1 + records[i].size();
    REQUIRE(finished);
    std::string spliced = c.body.substr(0, cut) + future + c.body.substr(cut);
    replay_case patched = c;
    patched.body = spliced;
    std::vector<std::string> kinds;
    auto got = run(patched, {spliced}, &kinds);
    REQUIRE(got.size() == c.expected.size() + 1);
    CHECK(got[0].type() == event::SUBSCRIBED);
    CHECK(got[1].type() == event::HEARTBEAT);
    CHECK(got[2].type() == event::UNKNOWN);
    if (c.content == content_type::protobuf) {
      // The unknown values are kept, not lost, for the generic `event` hook.
      CHECK(got[2].GetReflection()->GetUnknownFields(got[2]).field_count() == 2);
      CHECK(got[2].SerializeAsString() == std::string("\x08\x63\xc2\x3e\x01\x41", 6));
    }
    for (std::size_t i = 3; i < got.size(); ++i)
      CHECK(got[i].SerializeAsString() == c.expected[i - 1].SerializeAsString());
    // Byte by byte too.
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < spliced.size(); ++i)
      bytes.push_back(std::string_view(spliced).substr(i, 1));
    auto slow = run(patched, bytes);
    REQUIRE(slow.size() == got.size());
    CHECK(slow[2].type() == event::UNKNOWN);
  }
}
