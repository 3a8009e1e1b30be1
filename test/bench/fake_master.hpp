// Benchmark support: a minimal, fast fake Mesos master for the scheduler
// client's end-to-end benchmarks. NOT the simulator (sim::master allocates
// once per second and does the real bookkeeping); this is a load generator
// that must never be the bottleneck.
//
// One thread, one io_context, a listener on 127.0.0.1 (port 0 = any). Every
// request is parsed by a minimal incremental parser (headers, Content-Length,
// Content-Type). SUBSCRIBE is answered 200 with a Mesos-Stream-Id and a
// chunked RecordIO stream, one chunk per event as Mesos writes it: SUBSCRIBED,
// then OFFERS events of one offer each. The offer is the first OFFERS event a
// real Mesos 1.11.1 master sent (../shared/traces; cpus, mem, disk, ports and
// the agent URL) in the subscriber's content type, encoded once; each event's
// offer id is a fixed-width decimal number patched into the bytes:
// "<master id>-O000000000042". Events are written `batch` per write, as fast
// as the socket takes them, or paced at `rate` events/s. Every other request
// is answered `202 Accepted`; DECLINEs are decoded (protobuf: ParseFromArray;
// JSON: the offer ids are read from the text) and matched against the offers
// sent, in order. After the last offer the stream carries a HEARTBEAT every
// 15 s, or, with `error_when_done`, an ERROR event once everything has been
// declined (so `mesos-http decline-all` exits by itself).
//
// Thread safety: start/stop from one thread; `stats()` from any thread;
// `latencies_us()` after `stop()`.
#ifndef MESOS_HTTP_BENCH_FAKE_MASTER_HPP
#define MESOS_HTTP_BENCH_FAKE_MASTER_HPP

#include <mesos_http/content_type.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <time.h>

namespace mesos_http::bench {

struct fake_master_config {
  unsigned short port = 0;
  /// OFFERS events per subscription (0 = no limit).
  std::uint64_t offers = 0;
  /// Events per second; 0 = as fast as the socket takes them.
  double rate = 0;
  /// Largest number of events per write.
  std::size_t batch = 256;
  /// Keep the time from writing each OFFERS event to its DECLINE arriving.
  bool record_latency = false;
  /// Send an ERROR event once all `offers` were declined.
  bool error_when_done = false;
};

/// Counters, updated by the master's thread (relaxed atomics).
struct fake_master_stats {
  std::atomic<std::uint64_t> subscriptions{0};
  std::atomic<std::uint64_t> events_written{0};  // SUBSCRIBED, OFFERS, HEARTBEAT, ERROR
  std::atomic<std::uint64_t> offers_written{0};
  std::atomic<std::uint64_t> stream_writes{0};
  std::atomic<std::uint64_t> stream_bytes{0};
  std::atomic<std::uint64_t> requests{0};  // every request but SUBSCRIBE
  std::atomic<std::uint64_t> declines{0};  // DECLINE calls
  std::atomic<std::uint64_t> declined_offers{0};
  std::atomic<std::uint64_t> out_of_order{0};  // declined offer id not the next one sent
  std::atomic<std::uint64_t> other_calls{0};
  std::atomic<std::uint64_t> bad_requests{0};
  std::atomic<std::uint64_t> call_reads{0};  // reads (of a calls connection) holding >= 1 request
  std::atomic<std::uint64_t> max_requests_per_read{0};
  /// Reads holding 1, 2-3, 4-7, ..., >= 128 requests.
  std::atomic<std::uint64_t> requests_per_read_log2[8]{};
};

/// The OFFERS event the fake master sends in `type` (its recorded offer,
/// with the fake master's framework id), offer id number `id`.
mesos::v1::scheduler::Event fake_offers_event(content_type type, std::uint64_t id);

class fake_master {
 public:
  explicit fake_master(fake_master_config config);
  ~fake_master();
  fake_master(const fake_master&) = delete;
  fake_master& operator=(const fake_master&) = delete;

  /// Listens and starts the master's thread.
  void start();
  /// Stops writing new OFFERS events (answers still flow).
  void stop_offers();
  /// Closes everything and joins the thread.
  void stop();

  unsigned short port() const;
  const fake_master_stats& stats() const;
  /// CPU clock of the master's thread (valid after start()).
  clockid_t cpu_clock() const;
  /// Microseconds from writing an OFFERS event to its DECLINE arriving.
  std::vector<double> latencies_us() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mesos_http::bench

#endif  // MESOS_HTTP_BENCH_FAKE_MASTER_HPP
