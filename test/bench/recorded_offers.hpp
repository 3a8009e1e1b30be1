// Benchmark support: the OFFERS events a real Mesos 1.11.1 master sent
// (../shared/traces, MESOS_HTTP_TRACES_DIR), and small measuring helpers
// (thread CPU clocks, resident memory, percentiles) shared by the client
// benchmarks. No Catch2: failures print a message and exit.
#ifndef MESOS_HTTP_BENCH_RECORDED_OFFERS_HPP
#define MESOS_HTTP_BENCH_RECORDED_OFFERS_HPP

#include <mesos_http/content_type.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <pthread.h>
#include <time.h>

#include <cstddef>
#include <string>
#include <vector>

namespace mesos_http::bench {

[[noreturn]] void die(const std::string& what);

/// The OFFERS events of one recorded SUBSCRIBE stream, in stream order.
struct recorded_offers {
  std::string file;                                 // "scheduler/44-proto-subscribe.response.http"
  std::vector<std::string> records;                 // the RecordIO records as sent
  std::vector<mesos::v1::scheduler::Event> events;  // the same, decoded
};

/// The recorded OFFERS events in `type`: the protobuf framework's stream
/// (44-proto-subscribe) or the JSON framework's (01-json-subscribe).
recorded_offers load_recorded_offers(content_type type);

/// CPU seconds (user + system) of a thread, by its CPU clock.
double cpu_seconds(clockid_t clock);
/// The calling thread's CPU clock.
clockid_t this_thread_cpu_clock();

/// Resident set size and its peak (VmRSS, VmHWM) in KiB, from /proc/self/status.
struct rss_kib {
  long current = 0;
  long peak = 0;
};
rss_kib read_rss();

/// The `p`-th percentile (0..100) of `values` (sorted in place).
double percentile(std::vector<double>& values, double p);

}  // namespace mesos_http::bench

#endif  // MESOS_HTTP_BENCH_RECORDED_OFFERS_HPP
