// Decode throughput of a realistic OFFERS event stream through RecordIO and
// the codec, next to the raw libprotobuf figure measured in the same run:
//   protobuf: mesos-http vs Message::ParseFromArray into a reused message
//   JSON:     mesos-http vs google::protobuf::util::JsonStringToMessage
//
// Usage: decode_bench [SECONDS_PER_MEASUREMENT]   (default 1.0; each figure
// is the best of 7 rounds, raw and mesos-http rounds alternating)
// Prints figures only; it asserts nothing about speed.
#include "support/messages.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>
#include <algorithm>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
namespace sched = mesos::v1::scheduler;

constexpr int events_in_stream = 200;
constexpr int offers_per_event = 10;

struct stream {
  std::string bytes;                    // RecordIO stream
  std::vector<std::string_view> records;  // views into bytes
};

stream make_stream(mesos_http::content_type type) {
  stream s;
  mesos_http::codec codec(type);
  mesos_http::diagnostics diag;
  for (int i = 0; i < events_in_stream; ++i) {
    auto event = mesos_http::test::sample_offers_event(offers_per_event, i * offers_per_event);
    if (codec.encode_record(event, s.bytes, diag)) std::abort();
  }
  mesos_http::recordio_decoder decoder;
  decoder.feed(s.bytes, [&](std::string_view r) { s.records.push_back(r); });
  return s;
}

[[noreturn]] void die(boost::system::error_code ec, const mesos_http::diagnostics& diag) {
  std::fprintf(stderr, "decode failed: %s: %s\n", ec.message().c_str(), diag.to_string().c_str());
  std::exit(1);
}

// Passes per second of one run of `pass` repeated for `seconds`.
double rate(double seconds, const std::function<void()>& pass) {
  int passes = 0;
  auto start = clock_type::now();
  std::chrono::duration<double> elapsed{};
  do {
    pass();
    ++passes;
    elapsed = clock_type::now() - start;
  } while (elapsed.count() < seconds);
  return passes / elapsed.count();
}

// Best passes per second of `raw` and `ours`, measured in alternating rounds
// so that both see the same machine load.
std::pair<double, double> best_rates(double seconds, const std::function<void()>& raw,
                                     const std::function<void()>& ours) {
  constexpr int rounds = 7;
  double best_raw = 0, best_ours = 0;
  for (int round = 0; round < rounds; ++round) {
    best_raw = std::max(best_raw, rate(seconds / rounds, raw));
    best_ours = std::max(best_ours, rate(seconds / rounds, ours));
  }
  return {best_raw, best_ours};
}

void report(const char* name, double passes_per_second, const stream& s) {
  double offers = passes_per_second * events_in_stream * offers_per_event;
  double mb = passes_per_second * static_cast<double>(s.bytes.size()) / 1e6;
  std::printf("  %-46s %12.0f offers/s %9.1f MB/s\n", name, offers, mb);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (seconds <= 0) seconds = 1.0;
  sched::Event event;
  mesos_http::diagnostics diag;

  const auto pb = make_stream(mesos_http::content_type::protobuf);
  const auto js = make_stream(mesos_http::content_type::json);
  std::printf("OFFERS stream: %d events x %d offers; one offer = %zu bytes protobuf\n",
              events_in_stream, offers_per_event, mesos_http::test::sample_offer(1).ByteSizeLong());
  std::printf("stream size: protobuf %zu bytes, JSON %zu bytes\n\n", pb.bytes.size(),
              js.bytes.size());

  std::puts("protobuf (application/x-protobuf)");
  const mesos_http::codec pb_codec(mesos_http::content_type::protobuf);
  auto [raw_pb, ours_pb] = best_rates(
      seconds,
      [&] {
        for (auto r : pb.records) {
          if (!event.ParseFromArray(r.data(), static_cast<int>(r.size()))) std::abort();
        }
      },
      [&] {
        mesos_http::recordio_decoder decoder;
        decoder.feed(pb.bytes, [&](std::string_view r) {
          if (auto ec = pb_codec.decode(r, event, diag)) die(ec, diag);
        });
      });
  report("libprotobuf ParseFromArray (reused message)", raw_pb, pb);
  report("mesos-http recordio + codec", ours_pb, pb);
  std::printf("  ratio mesos-http / raw: %.1f%%   (target >= 90%%)\n\n", 100 * ours_pb / raw_pb);

  std::puts("JSON (application/json)");
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const mesos_http::codec js_codec(mesos_http::content_type::json);
  auto [raw_js, ours_js] = best_rates(
      seconds,
      [&] {
        for (auto r : js.records) {
          event.Clear();
          auto status = google::protobuf::util::JsonStringToMessage(
              google::protobuf::StringPiece(r.data(), r.size()), &event, options);
          if (!status.ok()) std::abort();
        }
      },
      [&] {
        mesos_http::recordio_decoder decoder;
        decoder.feed(js.bytes, [&](std::string_view r) {
          if (auto ec = js_codec.decode(r, event, diag)) die(ec, diag);
        });
      });
  report("libprotobuf JsonStringToMessage", raw_js, js);
  report("mesos-http recordio + codec", ours_js, js);
  std::printf("  speed-up mesos-http / libprotobuf: %.2fx   (target >= 3x)\n", ours_js / raw_js);
  return 0;
}
