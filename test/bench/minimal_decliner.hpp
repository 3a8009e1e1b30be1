// Benchmark support: the reference the issue compares mesos-http against, a
// minimal hand-written Beast + libprotobuf scheduler that declines every
// offer. No library of ours beyond the fake master's protocol: one Asio
// thread, a Beast response parser whose chunk callback splits RecordIO by
// hand, `ParseFromArray` into one reused Event, one DECLINE per OFFERS event
// serialized with `SerializeToString` and pipelined on a second connection,
// answers counted, not parsed. No redirects, reconnects, heartbeat watchdog,
// record size limit, TLS, JSON or error handling worth the name: it is what
// the client would cost with nothing but the work itself.
//
// Thread safety: construct and destroy on one thread; counters from any.
#ifndef MESOS_HTTP_BENCH_MINIMAL_DECLINER_HPP
#define MESOS_HTTP_BENCH_MINIMAL_DECLINER_HPP

#include <atomic>
#include <cstdint>
#include <memory>

#include <time.h>

namespace mesos_http::bench {

struct minimal_decliner_stats {
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> offers{0};
  std::atomic<std::uint64_t> declines_sent{0};
  std::atomic<std::uint64_t> answers{0};  // 202s counted on the calls connection
  std::atomic<bool> failed{false};
};

class minimal_decliner {
 public:
  /// Connects to a fake master on 127.0.0.1:`port` and starts its thread.
  explicit minimal_decliner(unsigned short port);
  ~minimal_decliner();
  minimal_decliner(const minimal_decliner&) = delete;
  minimal_decliner& operator=(const minimal_decliner&) = delete;

  const minimal_decliner_stats& stats() const;
  /// CPU clock of its thread.
  clockid_t cpu_clock() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mesos_http::bench

#endif  // MESOS_HTTP_BENCH_MINIMAL_DECLINER_HPP
