// mesos_http::scheduler against a raw loopback server that answers SUBSCRIBE
// with the exact bytes a real Mesos 1.11.1 master sent
// (MESOS_HTTP_TRACES_DIR), re-chunked at random, cut anywhere, or broken in
// ways the simulator cannot be: oversized records, a wrong Content-Type, no
// Mesos-Stream-Id, a server that never answers.
#include "raw_master.hpp"
#include "scheduler_client_support.hpp"
#include "support/traces.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/error.hpp>

#include <random>
#include <set>

using namespace mesos_http;
using mesos_http::test::raw_master;
using mesos_http::test::recording_client;
namespace sched = mesos::v1::scheduler;

namespace {

// One recorded SUBSCRIBE response, split where the client will see it.
struct recording {
  std::string file;
  content_type content = content_type::protobuf;
  std::string raw;                       // the response bytes as recorded
  std::string head;                      // status line and headers, through the blank line
  std::string body;                      // de-chunked RecordIO
  std::vector<std::size_t> record_ends;  // offset in `raw` where each record's bytes end
  bool terminated = false;               // ends with the zero-size chunk
  std::vector<sched::Event> events;
  std::string framework_id;
};

recording load_recording(const std::string& file) {
  test::require_traces();
  recording r;
  r.file = file;
  r.raw = test::load(test::traces_dir() / file);
  auto msg = test::load_single(test::traces_dir() / file);
  REQUIRE(msg.status() == 200);
  const codec c = test::codec_for(msg);
  r.content = c.type();
  r.head = r.raw.substr(0, r.raw.find("\r\n\r\n") + 4);
  r.body = msg.body;
  r.terminated = msg.chunked_terminated;
  // Real Mesos writes one record per chunk: a record ends with its chunk's data.
  std::size_t at = r.head.size();
  for (std::size_t size : msg.chunk_sizes) {
    at = r.raw.find("\r\n", at) + 2;
    r.record_ends.push_back(at + size);
    at += size + 2;
  }
  bool finished = false;
  for (const auto& rec : test::split_records(r.body, finished)) {
    sched::Event e;
    test::decode_ok(c, rec, e);
    r.events.push_back(std::move(e));
  }
  REQUIRE(r.events.size() == r.record_ends.size());
  REQUIRE(r.events.front().type() == sched::Event::SUBSCRIBED);
  r.framework_id = r.events.front().subscribed().framework_id().value();
  return r;
}

// `bytes` cut into random pieces (one write each), fixed seed.
std::vector<std::string> random_writes(const std::string& bytes, std::uint32_t seed,
                                       std::size_t max_piece) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> size(1, max_piece);
  std::vector<std::string> out;
  for (std::size_t at = 0; at < bytes.size();) {
    auto n = std::min(size(rng), bytes.size() - at);
    out.push_back(bytes.substr(at, n));
    at += n;
  }
  return out;
}

// The recorded head with the body re-encoded in HTTP chunks of random sizes
// (what a re-chunking proxy does).
std::string rechunked(const recording& r, std::uint32_t seed) {
  std::string out = r.head;
  for (const auto& piece : random_writes(r.body, seed, 64)) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    out += size + piece + "\r\n";
  }
  if (r.terminated) out += "0\r\n\r\n";
  return out;
}

// The head with header `name` removed or its value replaced.
std::string edit_header(const std::string& head, const std::string& name,
                        const std::string* value) {
  auto at = head.find("\r\n" + name + ":");
  REQUIRE(at != std::string::npos);
  auto end = head.find("\r\n", at + 2);
  return head.substr(0, at) + (value ? "\r\n" + name + ": " + *value : "") + head.substr(end);
}

sched::Call decode_call(const std::string& request, content_type content) {
  auto body = request.substr(request.find("\r\n\r\n") + 4);
  sched::Call call;
  test::decode_ok(codec(content), body, call);
  REQUIRE(call.type() == sched::Call::SUBSCRIBE);
  return call;
}

std::vector<std::string> serialized(const std::vector<sched::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.SerializeAsString());
  return out;
}

// The client config for a recording, without the expected warnings on stderr.
scheduler_config quiet_config(const std::string& url, content_type content) {
  auto config = test::client_config({url}, content);
  config.log = std::make_shared<logger>(log_level::off, log_sink{});
  return config;
}

// What the client reported so far, copied under its lock.
struct snapshot {
  std::vector<sched::Event> events;
  std::vector<std::string> notes;
  std::vector<boost::system::error_code> reasons;
};
snapshot take(recording_client& client) {
  snapshot s;
  client.wait([&] {
    s.events = client.events_;
    s.notes = client.notes_;
    s.reasons = client.disconnect_reasons_;
    return true;
  });
  return s;
}

raw_master::reply silent() { return {}; }
raw_master::reply send(std::vector<std::string> writes, bool close_after) {
  return {std::move(writes), close_after};
}

// Counts of the typed callbacks, to show they all fire (not only `event`).
struct typed_counts {
  std::mutex mutex;
  std::map<std::string, int> n;
  void add(const std::string& k) {
    std::lock_guard<std::mutex> lock(mutex);
    ++n[k];
  }
  int get(const std::string& k) {
    std::lock_guard<std::mutex> lock(mutex);
    return n[k];
  }
};

}  // namespace

TEST_CASE("replay: recorded SUBSCRIBE streams dispatch every event through the client",
          "[client][replay]") {
  auto file = GENERATE(as<std::string>{}, "scheduler/01-json-subscribe.response.http",
                       "scheduler/44-proto-subscribe.response.http",
                       "scheduler/62-proto-resubscribe.response.http",
                       "ha/07-ha-subscribe-leader-then-leader-killed.response.http",
                       "ha/08-ha-resubscribe-new-leader.response.http",
                       "ha/12-ha-subscribe-master-prefixed-path.response.http");
  auto seed = GENERATE(1u, 2u, 3u);
  auto mode =
      GENERATE(as<std::string>{}, "recorded chunks, random writes", "re-chunked", "one write");
  const recording r = load_recording(file);
  INFO(file << ", " << mode << ", seed " << seed);
  std::vector<std::string> writes;
  if (mode == "re-chunked")
    writes = random_writes(rechunked(r, seed), seed + 100, 512);
  else if (mode == "one write")
    writes = {r.raw};
  else
    writes = random_writes(r.raw, seed, seed == 1 ? 7 : 300);

  raw_master server([&](std::size_t i, const std::string&) {
    // A recorded stream that was cut ends with the server closing.
    return i == 0 ? send(writes, !r.terminated) : silent();
  });
  typed_counts typed;
  recording_client client(quiet_config(server.url(), r.content),
                          [&](scheduler_handlers& on, recording_client&) {
                            on.subscribed = [&](const auto&) { typed.add("SUBSCRIBED"); };
                            on.offers = [&](const auto&) { typed.add("OFFERS"); };
                            on.update = [&](const auto&) { typed.add("UPDATE"); };
                            on.failure = [&](const auto&) { typed.add("FAILURE"); };
                            on.heartbeat = [&] { typed.add("HEARTBEAT"); };
                          });
  // The stream ends (terminating chunk or cut), so the client resubscribes:
  // by the time that request arrives every callback of the first stream ran.
  REQUIRE(server.wait_requests(2));
  auto [events, notes, reasons] = take(client);
  CHECK(serialized(events) == serialized(r.events));
  CHECK(notes ==
        std::vector<std::string>{"connected",
                                 "disconnected:" + make_error_code(error::stream_ended).message()});
  std::map<std::string, int> want;
  for (const auto& e : r.events) ++want[sched::Event::Type_Name(e.type())];
  for (const auto& [type, n] : want) {
    INFO(type);
    CHECK(typed.get(type) == n);
  }
  // Resubscribed with the framework id the recorded SUBSCRIBED gave.
  const auto log = server.log();
  auto first = decode_call(log.at(0).request, r.content);
  auto again = decode_call(log.at(1).request, r.content);
  CHECK_FALSE(first.has_framework_id());
  CHECK(again.framework_id().value() == r.framework_id);
  CHECK(again.subscribe().framework_info().id().value() == r.framework_id);
  CHECK(client->metrics().events_by_type["SUBSCRIBED"] == 1);
}

TEST_CASE("replay: an oversized record or a broken stream disconnects and resubscribes",
          "[client][replay]") {
  const recording r = load_recording("scheduler/44-proto-subscribe.response.http");
  const recording good = load_recording("scheduler/62-proto-resubscribe.response.http");
  // SUBSCRIBED and HEARTBEAT as recorded, then a bad chunk. The oversized
  // one announces a 100 kB record but only its length line is ever sent, so
  // the client must refuse it from the length alone (no waiting for, or
  // buffering of, its bytes).
  std::string tail;
  error expected{};
  SECTION("a record longer than max_record_size") {
    tail = "7\r\n100000\n\r\n";
    expected = error::recordio_record_too_large;
  }
  SECTION("an absurd record length") {
    tail = "c\r\n99999999999\n\r\n";
    expected = error::recordio_record_too_large;
  }
  SECTION("RecordIO garbage") {
    tail = "4\r\nabc\n\r\n";
    expected = error::recordio_invalid_length;
  }
  SECTION("broken HTTP chunk framing") {
    tail = "zz\r\n2\n\x08\x08\r\n";
    expected = error::protocol_violation;
  }
  const std::string first = r.raw.substr(0, r.record_ends.at(1) + 2) + tail;
  const std::string good_held = good.raw.substr(0, good.record_ends.back() + 2);  // no end
  raw_master server([&](std::size_t i, const std::string&) {
    if (i == 0) return send({first}, false);
    if (i == 1) return send({good_held}, false);
    return silent();
  });
  auto config = quiet_config(server.url(), content_type::protobuf);
  config.max_record_size = 8192;
  recording_client client(config);
  REQUIRE(client.wait([&] { return client.events_.size() == 5; }));
  REQUIRE(server.wait([](const auto& log) { return log.at(0).client_closed; }));
  auto [events, notes, reasons] = take(client);
  std::vector<std::string> want = {"SUBSCRIBED", "HEARTBEAT", "SUBSCRIBED", "HEARTBEAT", "OFFERS"};
  std::vector<std::string> got;
  for (const auto& e : events) got.push_back(sched::Event::Type_Name(e.type()));
  CHECK(got == want);
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0] == expected);
  CHECK(notes ==
        std::vector<std::string>{"connected", "disconnected:" + reasons[0].message(), "connected"});
  CHECK(server.log().size() == 2);
  auto again = decode_call(server.log().at(1).request, content_type::protobuf);
  CHECK(again.framework_id().value() == r.framework_id);
}

TEST_CASE("replay: a 200 that is not a usable event stream is retried", "[client][replay]") {
  auto file = GENERATE(as<std::string>{}, "scheduler/62-proto-resubscribe.response.http",
                       "ha/08-ha-resubscribe-new-leader.response.http");
  const recording r = load_recording(file);
  std::string bad_head;
  std::string why;
  SECTION("wrong Content-Type") {
    const std::string other =
        r.content == content_type::json ? "application/x-protobuf" : "application/json";
    bad_head = edit_header(r.head, "Content-Type", &other);
    why = "SUBSCRIBE answered with Content-Type '" + other + "'";
  }
  SECTION("text/html") {
    const std::string html = "text/html; charset=utf-8";
    bad_head = edit_header(r.head, "Content-Type", &html);
    why = "SUBSCRIBE answered with Content-Type 'text/html; charset=utf-8'";
  }
  SECTION("no Mesos-Stream-Id") {
    bad_head = edit_header(r.head, "Mesos-Stream-Id", nullptr);
    why = "has no Mesos-Stream-Id";
  }
  INFO(file << ": " << why);
  // The refused answer carries a valid stream: none of it may be delivered.
  // The good one is held open (no terminating chunk) so nothing else happens.
  const std::string good = r.raw.substr(0, r.record_ends.back() + 2);
  raw_master server([&](std::size_t i, const std::string&) {
    if (i == 0) return send({bad_head + r.raw.substr(r.head.size())}, false);
    if (i == 1) return send({good}, false);
    return silent();
  });
  recording_client client(quiet_config(server.url(), r.content));
  REQUIRE(client.wait([&] { return client.events_.size() == r.events.size(); }));
  REQUIRE(server.wait([](const auto& log) { return log.at(0).client_closed; }));
  auto [events, notes, reasons] = take(client);
  CHECK(serialized(events) == serialized(r.events));
  CHECK(notes == std::vector<std::string>{"connected"});  // only the good stream
  CHECK(server.log().size() == 2);
  CHECK_FALSE(decode_call(server.log().at(1).request, r.content).has_framework_id());
  CHECK(client->last_error().message().find(why) != std::string::npos);
}

TEST_CASE("replay: a server that accepts and never answers hits subscribe_timeout",
          "[client][replay]") {
  const recording r = load_recording("scheduler/62-proto-resubscribe.response.http");
  const std::string good = r.raw.substr(0, r.record_ends.back() + 2);
  raw_master server(
      [&](std::size_t i, const std::string&) { return i == 1 ? send({good}, false) : silent(); });
  auto config = quiet_config(server.url(), content_type::protobuf);
  config.subscribe_timeout = std::chrono::milliseconds(200);
  recording_client client(config);
  REQUIRE(client.wait([&] { return client.events_.size() == r.events.size(); }));
  REQUIRE(server.wait([](const auto& log) { return log.at(0).client_closed; }));
  auto [events, notes, reasons] = take(client);
  CHECK(serialized(events) == serialized(r.events));
  CHECK(notes == std::vector<std::string>{"connected"});
  CHECK(client->last_error().message() ==
        "no SUBSCRIBED from " + server.url() + "/api/v1/scheduler within 200 ms");
}

TEST_CASE("replay: a recorded stream cut at many offsets resubscribes cleanly",
          "[client][replay]") {
  auto file = GENERATE(as<std::string>{}, "scheduler/44-proto-subscribe.response.http",
                       "scheduler/01-json-subscribe.response.http");
  const recording r = load_recording(file);
  // Around the end of the head and of the first records (inside chunk size
  // lines, RecordIO length lines, payloads, CRLFs), plus random offsets.
  std::set<std::size_t> offsets = {
      0, 1, r.head.size() - 1, r.head.size(), r.head.size() + 1, r.raw.size() - 1};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::size_t end = r.record_ends[i];
    const std::size_t start = i == 0 ? r.head.size() : r.record_ends[i - 1] + 2;
    for (std::size_t at :
         {start + 1, start + 3, start + 5, start + 7, (start + end) / 2, end - 1, end, end + 1})
      offsets.insert(at);
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> any(0, r.raw.size() - 1);
  for (int i = 0; i < 12; ++i) offsets.insert(any(rng));

  for (std::size_t cut : offsets) {
    INFO(file << " cut at byte " << cut << " of " << r.raw.size());
    std::size_t before = 0;  // records complete before the cut
    while (before < r.record_ends.size() && r.record_ends[before] <= cut) ++before;
    const bool opened = cut >= r.head.size();
    raw_master server([&](std::size_t i, const std::string&) {
      if (i == 0) return send({r.raw.substr(0, cut)}, true);
      if (i == 1) return send({r.raw}, !r.terminated);
      return silent();
    });
    recording_client client(quiet_config(server.url(), r.content));
    // The second stream ends too; the third request proves every callback of
    // the first two ran.
    REQUIRE(server.wait_requests(3));
    auto [events, notes, reasons] = take(client);
    std::vector<sched::Event> want(r.events.begin(), r.events.begin() + before);
    want.insert(want.end(), r.events.begin(), r.events.end());
    CHECK(serialized(events) == serialized(want));  // no duplicate, none lost
    const auto log = server.log();
    auto second = decode_call(log.at(1).request, r.content);
    if (before > 0) {
      CHECK(second.framework_id().value() == r.framework_id);
      CHECK(second.subscribe().framework_info().id().value() == r.framework_id);
    } else {
      CHECK_FALSE(second.has_framework_id());
    }
    CHECK(decode_call(log.at(2).request, r.content).framework_id().value() == r.framework_id);
    const std::string ended = "disconnected:" + make_error_code(error::stream_ended).message();
    std::vector<std::string> want_notes;
    if (opened) want_notes = {"connected", ended};
    want_notes.insert(want_notes.end(), {"connected", ended});
    CHECK(notes == want_notes);
  }
}
