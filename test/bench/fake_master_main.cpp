// The benchmarks' fake master (fake_master.hpp) as a program, to point any
// scheduler at it, e.g. `mesos-http decline-all --master http://127.0.0.1:PORT`.
//
// Usage: fake_master [--port P] [--offers N] [--rate R] [--batch B] [--error-when-done]
//   --offers N          OFFERS events per subscription (default 0: no limit)
//   --rate R            events/s (default 0: as fast as the socket takes them)
//   --error-when-done   send an ERROR event once all N offers were declined
// Prints the port, then its counters every second and on SIGINT/SIGTERM.
#include "fake_master.hpp"
#include "recorded_offers.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

namespace {

std::atomic<bool> interrupted{false};

void print(const mesos_http::bench::fake_master& m, double cpu, double seconds) {
  const auto& s = m.stats();
  auto reads = s.call_reads.load();
  std::printf(
      "subscriptions %llu, events written %llu, offers written %llu, DECLINE calls %llu, "
      "offers declined %llu, out of order %llu, other calls %llu, bad requests %llu, "
      "requests per read %.1f (max %llu), CPU %.0f%% over %.1f s\n",
      (unsigned long long)s.subscriptions.load(), (unsigned long long)s.events_written.load(),
      (unsigned long long)s.offers_written.load(), (unsigned long long)s.declines.load(),
      (unsigned long long)s.declined_offers.load(), (unsigned long long)s.out_of_order.load(),
      (unsigned long long)s.other_calls.load(), (unsigned long long)s.bad_requests.load(),
      reads ? static_cast<double>(s.requests.load()) / static_cast<double>(reads) : 0.0,
      (unsigned long long)s.max_requests_per_read.load(), seconds > 0 ? 100 * cpu / seconds : 0,
      seconds);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  mesos_http::bench::fake_master_config config;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) mesos_http::bench::die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--port")
      config.port = static_cast<unsigned short>(std::stoul(next()));
    else if (a == "--offers")
      config.offers = std::stoull(next());
    else if (a == "--rate")
      config.rate = std::stod(next());
    else if (a == "--batch")
      config.batch = std::stoul(next());
    else if (a == "--error-when-done")
      config.error_when_done = true;
    else
      mesos_http::bench::die(
          "usage: fake_master [--port P] [--offers N] [--rate R] [--batch B] "
          "[--error-when-done]");
  }
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::signal(SIGTERM, [](int) { interrupted = true; });
  mesos_http::bench::fake_master m(config);
  m.start();
  std::printf("fake master listening on http://127.0.0.1:%u\n", m.port());
  std::fflush(stdout);
  auto start = std::chrono::steady_clock::now();
  int ticks = 0;
  while (!interrupted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (++ticks % 20 == 0 || interrupted) {
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      print(m, mesos_http::bench::cpu_seconds(m.cpu_clock()), seconds);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = mesos_http::bench::cpu_seconds(m.cpu_clock());
  m.stop();
  print(m, cpu, seconds);
  return 0;
}
