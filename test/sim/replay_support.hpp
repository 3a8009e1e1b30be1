// Test support for the over-the-wire replay of the real-Mesos recordings
// against the simulated master (replay_session_test.cpp). Header-only.
//
//  * `running<S>`: a sim::master or sim::ensemble on free ports, served by a
//    thread of its own (the `running_master` idea of master_test.cpp).
//  * timing: when each recorded request was sent and when each record of a
//    recorded event stream arrived (pcap, or curl --trace-time).
//  * request rewriting: the recorded request bytes with the ids that must
//    change replaced (exact-value header and id substitution), everything
//    else byte for byte.
//  * event summaries (for the exact sequence compare) and event shapes (the
//    set of key paths of an event, values ignored).
//
// Uses Catch2 assertions: call from inside a TEST_CASE only.
#ifndef MESOS_HTTP_TEST_SIM_REPLAY_SUPPORT_HPP
#define MESOS_HTTP_TEST_SIM_REPLAY_SUPPORT_HPP

#include "detail/base64.hpp"
#include "support/http_messages.hpp"
#include "support/raw_http.hpp"
#include "support/traces.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/sim/ensemble.hpp>
#include <mesos_http/sim/master.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mesos_http::test::replay {

namespace fs = std::filesystem;
namespace sched = mesos::v1::scheduler;
namespace sim = mesos_http::sim;
using json = nlohmann::json;
using mesos_http::content_type;

// ---------------------------------------------------------------------------
// A simulated master (or ensemble) on free ports, served by its own thread.

template <class Server>
class running {
 public:
  template <class... Args>
  explicit running(Args&&... args)
      : work_(io_.get_executor()), server_(io_.get_executor(), std::forward<Args>(args)...) {
    REQUIRE_FALSE(server_.start());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~running() {
    server_.stop();
    work_.reset();
    thread_.join();
  }
  running(const running&) = delete;
  running& operator=(const running&) = delete;
  Server& operator*() { return server_; }
  Server* operator->() { return &server_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  Server server_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------
// Timing of the recorded exchanges: when each request was sent and when the
// bytes of each response arrived.
//
// From curl --trace-time (every directory has curl-trace/): curl prints
// wall-clock times as (time(NULL) - monotonic seconds at its first line) +
// monotonic time, so every curl process has its own constant error in
// (-1 s, +1 s): two traces can only be ordered with a margin of 2 s.
// From a pcap (scheduler/ has one): one kernel clock, exact to the
// microsecond, margin 0.
struct exchange_timing {
  double first_send = -1;                                 // the request's first byte
  double last = -1;                                       // the last data received
  std::vector<std::pair<double, std::size_t>> recv_data;  // (when, bytes)
  std::size_t skip = 0;  // bytes in recv_data before the body (headers)
};

inline exchange_timing load_curl_timing(const fs::path& trace) {
  exchange_timing t;
  std::istringstream in(load(trace));
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 16 || line[2] != ':' || line[5] != ':' || line[8] != '.') continue;
    const double at = std::stod(line.substr(0, 2)) * 3600 + std::stod(line.substr(3, 2)) * 60 +
                      std::stod(line.substr(6, 9));
    const std::string what = line.substr(16);
    if (what.rfind("=> Send header", 0) == 0 && t.first_send < 0) t.first_send = at;
    if (what.rfind("<= Recv data, ", 0) == 0) {
      t.recv_data.emplace_back(at, std::stoul(what.substr(14)));
      t.last = at;
    }
  }
  INFO(trace);
  REQUIRE(t.first_send >= 0);
  return t;
}

// Every TCP connection to `server_port` in a pcap (Ethernet, IPv4), matched
// to `requests` (stem, exact bytes; in recording order) by the bytes the
// client sent; identical requests are matched in order. Fails the test
// unless every request is found.
inline std::map<std::string, exchange_timing> load_pcap_timing(
    const fs::path& pcap, unsigned short server_port,
    const std::vector<std::pair<std::string, std::string>>& requests) {
  const std::string d = load(pcap);
  auto u16 = [&](std::size_t at) { return unsigned(uint8_t(d[at])) << 8 | uint8_t(d[at + 1]); };
  auto le32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | uint8_t(d[at + i]);
    return v;
  };
  REQUIRE(d.size() >= 24);
  REQUIRE(le32(0) == 0xa1b2c3d4u);  // little-endian, microseconds
  REQUIRE(le32(20) == 1);           // Ethernet
  struct conn {
    double first = -1;
    std::string sent;
    exchange_timing timing;
  };
  std::map<unsigned, conn> conns;  // by client port
  for (std::size_t pos = 24; pos + 16 <= d.size();) {
    const double at = le32(pos) + le32(pos + 4) / 1e6;
    const std::size_t len = le32(pos + 8), p = pos + 16;
    pos = p + len;
    REQUIRE(pos <= d.size());
    if (len < 34 || u16(p + 12) != 0x0800 || uint8_t(d[p + 23]) != 6) continue;
    const std::size_t ip = p + 14, tcp = ip + (uint8_t(d[ip]) & 15) * 4;
    const std::size_t end = ip + u16(ip + 2), data = tcp + (uint8_t(d[tcp + 12]) >> 4) * 4;
    if (data >= end || end > pos) continue;
    const unsigned from = u16(tcp), to = u16(tcp + 2);
    if (to == server_port) {
      conn& c = conns[from];
      if (c.first < 0) c.first = at;
      c.sent.append(d, data, end - data);
    } else if (from == server_port) {
      conns[to].timing.recv_data.emplace_back(at, end - data);
      conns[to].timing.last = at;
    }
  }
  std::vector<conn*> by_time;
  for (auto& [port, c] : conns) by_time.push_back(&c);
  std::sort(by_time.begin(), by_time.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::map<std::string, exchange_timing> out;
  for (const auto& [stem, bytes] : requests) {
    auto it = std::find_if(by_time.begin(), by_time.end(),
                           [&](conn* c) { return c && c->sent == bytes; });
    INFO(stem << " is not in " << pcap);
    REQUIRE(it != by_time.end());
    (*it)->timing.first_send = (*it)->first;
    out[stem] = (*it)->timing;
    *it = nullptr;
  }
  return out;
}

// When each chunk (= record: Mesos writes one record per chunk) of a recorded
// chunked body was completely received.
inline std::vector<double> chunk_arrival(const http_message& m, const exchange_timing& t) {
  std::vector<double> out;
  std::size_t need = t.skip, got = 0, next = 0;
  for (std::size_t size : m.chunk_sizes) {
    std::ostringstream hex;
    hex << std::hex << size;
    need += hex.str().size() + 2 + size + 2;
    while (got < need && next < t.recv_data.size()) got += t.recv_data[next++].second;
    out.push_back(got >= need ? t.recv_data[next - 1].first : t.last);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Request rewriting. `ids` maps a recorded value to the value to send; a
// header value or a string field is replaced only when it equals a key.

using id_map = std::map<std::string, std::string>;

inline void replace_strings(google::protobuf::Message& m, const id_map& ids) {
  using google::protobuf::FieldDescriptor;
  const auto* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const bool repeated = f->is_repeated();
    const int n = repeated ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        replace_strings(repeated ? *r->MutableRepeatedMessage(&m, f, i) : *r->MutableMessage(&m, f),
                        ids);
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        const std::string v = repeated ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
        const auto it = ids.find(v);
        if (it == ids.end()) continue;
        if (repeated)
          r->SetRepeatedString(&m, f, i, it->second);
        else
          r->SetString(&m, f, it->second);
      }
    }
  }
}

// The body with the ids replaced: a protobuf Call that re-encodes to exactly
// the recorded bytes is decoded, changed and re-encoded; any other body
// (JSON, or bytes that are not such a Call) gets every `"<key>"` replaced
// by `"<value>"` as text, so broken bodies stay broken.
inline std::string rewrite_body(const http_message& m, const id_map& ids) {
  const auto ct = m.header("Content-Type");
  sched::Call call;
  if (ct && *ct == "application/x-protobuf" && call.ParsePartialFromString(m.body) &&
      call.SerializePartialAsString() == m.body) {
    replace_strings(call, ids);
    return call.SerializePartialAsString();
  }
  std::string body = m.body;
  for (const auto& [from, to] : ids) {
    const std::string quoted = "\"" + from + "\"", with = "\"" + to + "\"";
    for (std::size_t pos = 0; (pos = body.find(quoted, pos)) != std::string::npos;
         pos += with.size())
      body.replace(pos, quoted.size(), with);
  }
  return body;
}

// The request bytes: start line and headers as recorded (values equal to a
// key of `ids` replaced, Content-Length fixed to the new body), then the body.
inline std::string rebuild_request(const http_message& m, const id_map& ids) {
  const std::string body = rewrite_body(m, ids);
  std::string out = m.start_line + "\r\n";
  for (const auto& h : m.headers) {
    std::string value = h.value;
    if (iequals(h.name, "Content-Length"))
      value = std::to_string(body.size());
    else if (auto it = ids.find(value); it != ids.end())
      value = it->second;
    out += h.name + ": " + value + "\r\n";
  }
  return out + "\r\n" + body;
}

// Every occurrence of each key of `ids` in `text` replaced (for comparing
// recorded error texts and Location headers that embed ids).
inline std::string substitute(std::string text, const id_map& ids) {
  for (const auto& [from, to] : ids) {
    if (from.empty() || from == to) continue;
    for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size())
      text.replace(pos, from.size(), to);
  }
  return text;
}

// ---------------------------------------------------------------------------
// Events: summaries and shapes.

/// Key paths of a JSON value: "a.b", arrays as "a[]" (elements merged).
inline void json_shape(const json& j, const std::string& at, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      const std::string path = at.empty() ? key : at + "." + key;
      out.insert(path);
      json_shape(value, path, out);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) json_shape(e, at + "[]", out);
  }
}

/// The same key paths of a protobuf message (field names are the JSON keys).
inline void proto_shape(const google::protobuf::Message& m, const std::string& at,
                        std::set<std::string>& out) {
  using google::protobuf::FieldDescriptor;
  const auto* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string path = at.empty() ? f->name() : at + "." + f->name();
    out.insert(path);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i)
        proto_shape(r->GetRepeatedMessage(m, f, i), path + "[]", out);
    } else {
      proto_shape(r->GetMessage(m, f), path, out);
    }
  }
}

struct event_record {
  sched::Event event;
  std::set<std::string> shape;
};

inline event_record make_event(const std::string& record, content_type type) {
  event_record e;
  e.event = decode_event(record, type);
  if (type == content_type::json)
    json_shape(parse_json(record), "", e.shape);
  else
    proto_shape(e.event, "", e.shape);
  return e;
}

/// HEARTBEAT and OFFERS depend on wall-clock timing; every other event is
/// "significant" and compared in order.
inline bool significant(const sched::Event& e) {
  return e.type() != sched::Event::HEARTBEAT && e.type() != sched::Event::OFFERS;
}

/// What is compared of a significant event (no ids, times, hosts, uuids).
inline std::string summary(const sched::Event& e) {
  std::string s = sched::Event::Type_Name(e.type());
  if (e.type() == sched::Event::UPDATE) {
    const auto& st = e.update().status();
    s += " " + st.task_id().value() + " " + mesos::v1::TaskState_Name(st.state()) +
         " reason=" + (st.has_reason() ? mesos::v1::TaskStatus::Reason_Name(st.reason()) : "-") +
         " source=" + (st.has_source() ? mesos::v1::TaskStatus::Source_Name(st.source()) : "-") +
         " uuid=" + (st.has_uuid() ? "yes" : "no") + " message=\"" + st.message() + "\"";
  } else if (e.type() == sched::Event::FAILURE) {
    const auto& f = e.failure();
    s += " executor=" + (f.has_executor_id() ? f.executor_id().value() : "-") +
         " agent=" + (f.has_agent_id() ? "yes" : "no") +
         " status=" + (f.has_status() ? std::to_string(f.status()) : "-");
  } else if (e.type() == sched::Event::ERROR) {
    s += " \"" + e.error().message() + "\"";
  }
  return s;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

/// Paths in `a` but not in `b`.
inline std::set<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  for (const auto& p : a)
    if (!b.count(p)) out.insert(p);
  return out;
}

// ---------------------------------------------------------------------------
// A live subscription stream on the simulator.

struct live_stream {
  std::string stem;  // the recorded exchange it replays, e.g. "01-json-subscribe"
  content_type type = content_type::json;
  unsigned short port = 0;
  std::unique_ptr<raw_connection> conn;
  std::string stream_id, framework_id;
  std::vector<event_record> events;
  std::vector<mesos::v1::Offer> outstanding;  // offered, not yet used by the replay
  bool ended = false;                         // no more events (end, cut or closed by us)

  // Reads one more event; false when the stream has ended.
  bool read_one() {
    if (ended || !conn) return false;
    auto record = conn->next_record();
    if (!record) {
      ended = true;
      return false;
    }
    events.push_back(make_event(*record, type));
    const auto& e = events.back().event;
    if (e.type() == sched::Event::OFFERS)
      for (const auto& o : e.offers().offers()) outstanding.push_back(o);
    if (e.type() == sched::Event::RESCIND)
      for (auto it = outstanding.begin(); it != outstanding.end();)
        it = it->id().value() == e.rescind().offer_id().value() ? outstanding.erase(it) : it + 1;
    return true;
  }

  std::size_t count_significant() const {
    std::size_t n = 0;
    for (const auto& e : events) n += significant(e.event);
    return n;
  }

  // Reads until `done()` holds, at most `max_events` more events and at most
  // `limit` of time (the master heartbeats often, so reads never block long).
  template <class Pred>
  bool wait_until(Pred done, std::size_t max_events = 400,
                  std::chrono::milliseconds limit = std::chrono::seconds(4)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (std::size_t i = 0; !done() && i < max_events; ++i) {
      if (std::chrono::steady_clock::now() > deadline || !read_one()) break;
    }
    return done();
  }

  // The client goes away (as curl did when it was stopped).
  void close() {
    conn.reset();
    ended = true;
  }
};

// ---------------------------------------------------------------------------
// Small helpers of the replay.

/// One difference between the recording and the simulation.
struct finding {
  std::string where, what, expected, got;
  std::string text() const {
    return where + ": " + what + "\n  expected: " + expected + "\n  got:      " + got;
  }
};

inline std::string base64(const std::string& raw) {
  std::string out;
  mesos_http::detail::base64_append(out, raw);
  return out;
}

inline std::set<std::string> header_names(const http_message& m) {
  std::set<std::string> out;
  for (const auto& h : m.headers) {
    std::string n = h.name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    out.insert(n);
  }
  return out;
}

inline std::string names(const std::set<std::string>& s) {
  std::string out;
  for (const auto& n : s) out += (out.empty() ? "" : " ") + n;
  return out.empty() ? "(none)" : out;
}

}  // namespace mesos_http::test::replay

#endif  // MESOS_HTTP_TEST_SIM_REPLAY_SUPPORT_HPP
