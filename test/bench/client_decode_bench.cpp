// Issue 4, item 10 (a): decode throughput of a recorded OFFERS stream, as the
// scheduler client decodes it, next to libprotobuf's raw parse of the same
// messages, measured in the same run.
//
// The stream: the OFFERS events a real Mesos 1.11.1 master sent
// (../shared/traces/real-mesos-1.11.1, 44-proto-subscribe and
// 01-json-subscribe: one offer each, cpus/mem/disk/ports and the agent URL),
// replicated to EVENTS records and encoded as one RecordIO stream, fed in
// 64 KiB slices (the client's read size). Rows:
//   raw ParseFromArray, reused Event   protobuf bytes of the same messages,
//                                      already split (the baseline)
//   raw ParseFromArray, new Event      the same into a fresh Event per record
//   mesos-http recordio + codec        recordio_decoder + codec::decode into
//                                      a fresh Event per record, as
//                                      subscription_fsm::on_record does
//   mesos-http, reused Event           the same into one reused Event
//   libprotobuf JsonStringToMessage    (JSON only) libprotobuf's JSON parser
// Times are CPU time of this thread (the machine is shared); each figure is
// the best of ROUNDS rounds, the rows of a round running back to back.
//
// Usage: client_decode_bench [--events N] [--rounds R] [--content-type protobuf|json|both]
// Prints figures only; it asserts nothing about speed.
#include "recorded_offers.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

using mesos_http::content_type;
using mesos_http::bench::die;
namespace sched = mesos::v1::scheduler;

struct stream {
  std::string bytes;                    // RecordIO stream of `type`
  std::vector<std::string> records;     // the records of `type`, split
  std::vector<std::string> pb_records;  // protobuf bytes of the same messages
  std::size_t events = 0;
  std::size_t pb_bytes = 0;
};

stream make_stream(content_type type, std::size_t events) {
  auto recorded = mesos_http::bench::load_recorded_offers(type);
  stream s;
  s.events = events;
  for (std::size_t i = 0; i < events; ++i) {
    std::size_t k = i % recorded.records.size();
    mesos_http::recordio_append(s.bytes, recorded.records[k]);
    s.records.push_back(recorded.records[k]);
    s.pb_records.push_back(recorded.events[k].SerializeAsString());
    s.pb_bytes += s.pb_records.back().size();
  }
  std::printf(
      "%s: %zu recorded OFFERS events (1 offer each, %zu..%zu bytes), "
      "replicated to %zu: %zu bytes RecordIO, %zu bytes as protobuf\n",
      recorded.file.c_str(), recorded.records.size(),
      std::min_element(recorded.records.begin(), recorded.records.end(),
                       [](auto& a, auto& b) { return a.size() < b.size(); })
          ->size(),
      std::max_element(recorded.records.begin(), recorded.records.end(),
                       [](auto& a, auto& b) { return a.size() < b.size(); })
          ->size(),
      events, s.bytes.size(), s.pb_bytes);
  return s;
}

// Decodes `s.bytes` as the client does: 64 KiB slices into the RecordIO
// decoder, each record through the codec.
template <class OnRecord>
void feed_sliced(const std::string& bytes, OnRecord&& on_record) {
  mesos_http::recordio_decoder decoder;
  constexpr std::size_t slice = 64 * 1024;
  for (std::size_t at = 0; at < bytes.size(); at += slice) {
    std::string_view part(bytes.data() + at, std::min(slice, bytes.size() - at));
    if (decoder.feed(part, on_record)) die("RecordIO framing error");
  }
}

struct row {
  const char* name;
  std::function<void()> pass;
  double best = 1e300;  // CPU seconds per pass
};

void measure(std::vector<row>& rows, int rounds) {
  auto clock = mesos_http::bench::this_thread_cpu_clock();
  for (int r = 0; r < rounds; ++r) {
    for (auto& row : rows) {
      double start = mesos_http::bench::cpu_seconds(clock);
      row.pass();
      row.best = std::min(row.best, mesos_http::bench::cpu_seconds(clock) - start);
    }
  }
}

void run(content_type type, std::size_t events, int rounds) {
  const char* name = type == content_type::protobuf ? "protobuf" : "JSON";
  std::printf("\n== %s (%s)\n", name, std::string(mesos_http::media_type(type)).c_str());
  const stream s = make_stream(type, events);
  const mesos_http::codec codec(type);
  mesos_http::diagnostics diag;
  sched::Event reused;
  std::size_t offers = 0;
  auto check = [&](const sched::Event& e) {
    offers += static_cast<std::size_t>(e.offers().offers_size());
  };

  std::vector<row> rows;
  rows.push_back({"raw ParseFromArray, reused Event (baseline)", [&] {
                    for (const auto& r : s.pb_records) {
                      if (!reused.ParseFromArray(r.data(), static_cast<int>(r.size())))
                        die("parse");
                      check(reused);
                    }
                  }});
  rows.push_back({"raw ParseFromArray, new Event per record", [&] {
                    for (const auto& r : s.pb_records) {
                      sched::Event e;
                      if (!e.ParseFromArray(r.data(), static_cast<int>(r.size()))) die("parse");
                      check(e);
                    }
                  }});
  rows.push_back({"mesos-http recordio + codec, new Event (client)", [&] {
                    feed_sliced(s.bytes, [&](std::string_view r) {
                      sched::Event e;
                      if (codec.decode(r, e, diag)) die(diag.to_string());
                      check(e);
                    });
                  }});
  rows.push_back({"mesos-http recordio + codec, reused Event", [&] {
                    feed_sliced(s.bytes, [&](std::string_view r) {
                      if (codec.decode(r, reused, diag)) die(diag.to_string());
                      check(reused);
                    });
                  }});
  if (type == content_type::json) {
    rows.push_back({"libprotobuf JsonStringToMessage, reused Event", [&] {
                      google::protobuf::util::JsonParseOptions options;
                      options.ignore_unknown_fields = true;
                      for (const auto& r : s.records) {
                        reused.Clear();
                        auto status =
                            google::protobuf::util::JsonStringToMessage(r, &reused, options);
                        if (!status.ok()) die("JsonStringToMessage");
                        check(reused);
                      }
                    }});
  }
  measure(rows, rounds);
  if (offers % s.events != 0) die("lost offers");

  std::printf("  %-50s %11s %8s %9s %8s\n", "", "events/s", "MB/s", "us/event", "vs base");
  const double base = rows.front().best;
  for (const auto& r : rows) {
    // MB/s of the bytes each row reads: protobuf for the raw rows, the stream otherwise.
    bool raw_pb = std::strncmp(r.name, "raw", 3) == 0;
    double bytes = raw_pb ? static_cast<double>(s.pb_bytes) : static_cast<double>(s.bytes.size());
    std::printf("  %-50s %11.0f %8.1f %9.3f %7.2fx\n", r.name,
                static_cast<double>(s.events) / r.best, bytes / r.best / 1e6,
                r.best / static_cast<double>(s.events) * 1e6, r.best / base);
  }
  std::printf(
      "  ratio client decode / raw ParseFromArray (CPU per event): %.2fx; "
      "throughput mesos-http / raw: %.1f%%\n",
      rows[2].best / base, 100 * base / rows[2].best);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t events = 20000;
  int rounds = 7;
  std::string which = "both";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--events")
      events = std::stoul(next());
    else if (a == "--rounds")
      rounds = std::stoi(next());
    else if (a == "--content-type")
      which = next();
    else
      die("usage: client_decode_bench [--events N] [--rounds R] [--content-type "
          "protobuf|json|both]");
  }
  if (events == 0 || rounds <= 0) die("--events and --rounds must be positive");
  std::printf("decode of recorded OFFERS streams; best of %d rounds, CPU time of this thread\n",
              rounds);
  if (which == "protobuf" || which == "both") run(content_type::protobuf, events, rounds);
  if (which == "json" || which == "both") run(content_type::json, events, rounds);
  return 0;
}
