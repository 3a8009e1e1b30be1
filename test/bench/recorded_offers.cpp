#include "recorded_offers.hpp"

#include "support/http_messages.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace mesos_http::bench {

void die(const std::string& what) {
  std::fprintf(stderr, "benchmark: %s\n", what.c_str());
  std::exit(1);
}

recorded_offers load_recorded_offers(content_type type) {
  recorded_offers out;
  out.file = type == content_type::protobuf ? "scheduler/44-proto-subscribe.response.http"
                                            : "scheduler/01-json-subscribe.response.http";
  const std::string path = std::string(MESOS_HTTP_TRACES_DIR) + "/" + out.file;
  auto data = test::read_binary_file(path);
  if (!data) die("cannot read " + path + " (configure with -DMESOS_HTTP_TRACES_DIR=...)");
  auto split = test::split_http_messages(*data);
  if (!split.ok() || split.messages.empty()) die(path + ": " + split.error);
  const codec c(type);
  diagnostics diag;
  recordio_decoder decoder;
  decoder.feed(split.messages.front().body, [&](std::string_view record) {
    mesos::v1::scheduler::Event event;
    if (c.decode(record, event, diag)) die(path + ": " + diag.to_string());
    if (event.type() != mesos::v1::scheduler::Event::OFFERS) return;
    out.records.emplace_back(record);
    out.events.push_back(std::move(event));
  });
  if (out.records.empty()) die(path + ": no OFFERS event");
  return out;
}

double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

clockid_t this_thread_cpu_clock() {
  clockid_t clock{};
  if (pthread_getcpuclockid(pthread_self(), &clock) != 0) die("no thread CPU clock");
  return clock;
}

rss_kib read_rss() {
  rss_kib out;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) out.current = std::atol(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) out.peak = std::atol(line.c_str() + 6);
  }
  return out;
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace mesos_http::bench
