// Issue 4, item 10 (b) and (c): the scheduler client end to end, declining
// every offer, against a fast fake master (fake_master.hpp) in the same
// process, over loopback.
//
//   (b) throughput: the fake master writes OFFERS events (one offer each) as
//       fast as the socket takes them, `--batch` per write; the client
//       (mesos_http::scheduler on its own thread and io_context) sends one
//       DECLINE per OFFERS event, built in one reused Call
//       (calls::decline_into) and sent by reference from the callback, as a
//       busy framework would; `--fresh-call` sends a new
//       calls::decline(event.offers()) each time instead. Figures
//       over a window that starts after `--warmup` declined offers:
//       offers/s declined (counted by the master), events/s received by the
//       client, client CPU per declined offer (the client thread's CPU clock,
//       so the master's CPU is apart), the master's CPU (to show it is not
//       the bottleneck), DECLINEs per read on the master's side (pipelining),
//       resident memory at every tenth of the run and its peak, and the
//       ratio to a raw ParseFromArray of the same OFFERS event measured in
//       the same run (the target: <= 1.3x).
//   (c) latency: OFFERS events paced at `--rate` events/s; the time from
//       writing an event to its DECLINE arriving at the master, p50/p99/max.
// Both content types. After each row the master stops offering and the run
// checks that every DECLINE was answered (a lost completion is reported).
//
// Usage: client_e2e_bench [--content-type protobuf|json|both] [--mode throughput|latency|both]
//          [--seconds S] [--offers N] [--latency-seconds L] [--rate R]
//          [--batch B] [--warmup W] [--no-minimal] [--fresh-call]
// Throughput rows end after S seconds (default 4) or N declined offers,
// whichever is first (with --offers alone: when N are declined). The default
// run takes about 18 s. Prints figures only; it asserts nothing about speed.
#include "fake_master.hpp"
#include "minimal_decliner.hpp"
#include "recorded_offers.hpp"

#include <mesos_http/scheduler.hpp>
#include <mesos_http/scheduler_calls.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using mesos_http::content_type;
using mesos_http::bench::cpu_seconds;
using mesos_http::bench::die;
using clock_type = std::chrono::steady_clock;
namespace sched = mesos::v1::scheduler;

struct options {
  std::vector<content_type> types{content_type::protobuf, content_type::json};
  bool throughput = true, latency = true;
  bool minimal = true;  // also measure the hand-written reference loop (protobuf)
  bool fresh_call = false;  // a new Call per DECLINE instead of one reused
  double seconds = 4;
  bool seconds_given = false;
  std::uint64_t offers = 0;
  double latency_seconds = 4;
  double rate = 1000;
  std::size_t batch = 256;
  std::uint64_t warmup = 2000;
};

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

// CPU microseconds of one ParseFromArray of the fake master's OFFERS event:
// into a reused Event (`reused`, the cheapest possible) and into a fresh
// Event per message (`fresh`, what a minimal loop that does
// `Event e; e.ParseFromArray(...)` pays). Best of 9 rounds of 20,000,
// measured before and after each throughput row; the lower figure is used.
struct parse_cost {
  double reused_us = 1e300, fresh_us = 1e300;
  void keep_best(const parse_cost& o) {
    reused_us = std::min(reused_us, o.reused_us);
    fresh_us = std::min(fresh_us, o.fresh_us);
  }
};

parse_cost raw_parse_us(content_type type) {
  const std::string bytes = mesos_http::bench::fake_offers_event(type, 42).SerializeAsString();
  const int size = static_cast<int>(bytes.size());
  sched::Event event;
  auto clock = mesos_http::bench::this_thread_cpu_clock();
  parse_cost best;
  constexpr int n = 20000;
  for (int round = 0; round < 9; ++round) {
    double start = cpu_seconds(clock);
    for (int i = 0; i < n; ++i) {
      if (!event.ParseFromArray(bytes.data(), size)) die("parse");
    }
    double middle = cpu_seconds(clock);
    for (int i = 0; i < n; ++i) {
      sched::Event fresh;
      if (!fresh.ParseFromArray(bytes.data(), size)) die("parse");
    }
    best.keep_best({(middle - start) / n * 1e6, (cpu_seconds(clock) - middle) / n * 1e6});
  }
  return best;
}

// The client: a scheduler on its own io_context and thread.
struct client {
  client(content_type type, unsigned short port, bool fresh_call) {
    mesos_http::scheduler_config config;
    config.masters = {"http://127.0.0.1:" + std::to_string(port)};
    config.framework.set_user("nobody");
    config.framework.set_name("client_e2e_bench");
    config.content = type;
    mesos_http::scheduler_handlers on;
    on.event = [this](const sched::Event&) { events.fetch_add(1, std::memory_order_relaxed); };
    on.offers = [this, fresh_call](const sched::Event::Offers& event) {
      offers.fetch_add(static_cast<std::uint64_t>(event.offers_size()), std::memory_order_relaxed);
      declines_sent.fetch_add(1, std::memory_order_relaxed);
      auto done = [this](boost::system::error_code ec, mesos_http::diagnostics diag) {
        if (!ec) return (void)completed_ok.fetch_add(1, std::memory_order_relaxed);
        if (completed_failed.fetch_add(1) == 0)
          std::fprintf(stderr, "DECLINE failed: %s %s\n", ec.message().c_str(),
                       diag.to_string().c_str());
      };
      if (fresh_call) return s->async_send(mesos_http::calls::decline(event.offers()), done);
      mesos_http::calls::decline_into(decline, event.offers());
      s->async_send(decline, done);  // encoded before it returns: `decline` is free again
    };
    s.emplace(io.get_executor(), std::move(config), std::move(on));
    s->async_run([this](boost::system::error_code ec) {
      run_result = ec;
      run_done = true;
    });
    thread = std::thread([this] { io.run(); });
    pthread_setname_np(thread.native_handle(), "client");  // for profilers
    if (pthread_getcpuclockid(thread.native_handle(), &cpu_clock) != 0) die("no thread CPU clock");
  }
  ~client() {
    s->stop();
    for (int i = 0; i < 500 && !run_done; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!run_done) std::fprintf(stderr, "BUG? async_run did not complete within 5 s of stop()\n");
    work.reset();
    io.stop();
    thread.join();
  }
  std::uint64_t completions() const { return completed_ok + completed_failed; }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::optional<mesos_http::scheduler> s;
  sched::Call decline;  // reused for every DECLINE; only touched by callbacks
  std::thread thread;
  clockid_t cpu_clock{};
  std::atomic<std::uint64_t> events{0}, offers{0}, declines_sent{0}, completed_ok{0},
      completed_failed{0};
  std::atomic<bool> run_done{false};
  boost::system::error_code run_result;
};

struct snapshot {
  clock_type::time_point at;
  double client_cpu = 0, master_cpu = 0;
  std::uint64_t declined = 0, events = 0;
};

snapshot take(const client& c, const mesos_http::bench::fake_master& m) {
  return {clock_type::now(), cpu_seconds(c.cpu_clock), cpu_seconds(m.cpu_clock()),
          m.stats().declined_offers.load(), c.events.load()};
}

// Client CPU per declined offer in consecutive slices of a window. The
// window's mean carries whatever else the shared machine did meanwhile (its
// speed drifts by tens of percent for seconds at a time); the ParseFromArray
// baseline is the best of many short rounds. The slices show that spread, and
// their best is a figure taken the way the baseline is.
class slices {
 public:
  explicit slices(const snapshot& start) : last_(start) {}

  bool due() const {
    return std::chrono::duration<double>(clock_type::now() - last_.at).count() >= slice_seconds;
  }

  void sample(const snapshot& now) {
    if (now.declined > last_.declined) {
      us_.push_back((now.client_cpu - last_.client_cpu) /
                    static_cast<double>(now.declined - last_.declined) * 1e6);
    }
    last_ = now;
  }

  double best() const { return us_.empty() ? 0 : *std::min_element(us_.begin(), us_.end()); }

  void print() const {
    if (us_.empty()) return;
    std::vector<double> v = us_;
    std::sort(v.begin(), v.end());
    std::printf(
        "  client CPU per offer in %zu slices of %.2f s: best %.2f us, median %.2f us, "
        "worst %.2f us\n",
        v.size(), slice_seconds, v.front(), v[v.size() / 2], v.back());
  }

 private:
  static constexpr double slice_seconds = 0.25;
  snapshot last_;
  std::vector<double> us_;
};

// Waits until `done()` or `limit` elapsed; false on timeout.
template <class Done>
bool wait_for(Done&& done, double limit_seconds) {
  auto until = clock_type::now() + std::chrono::duration<double>(limit_seconds);
  while (!done()) {
    if (clock_type::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// After a row: stop offering, let every DECLINE be answered, report losses.
void drain_and_check(client& c, mesos_http::bench::fake_master& m) {
  m.stop_offers();
  const auto& st = m.stats();
  bool drained = wait_for(
      [&] {
        return st.declined_offers.load() == st.offers_written.load() &&
               c.declines_sent.load() == c.completions();
      },
      10);
  std::printf(
      "  check: offers written %llu, received %llu, declined at master %llu; DECLINEs "
      "sent %llu, completed %llu (failed %llu); out of order %llu; bad requests %llu%s\n",
      (unsigned long long)st.offers_written.load(), (unsigned long long)c.offers.load(),
      (unsigned long long)st.declined_offers.load(), (unsigned long long)c.declines_sent.load(),
      (unsigned long long)c.completions(), (unsigned long long)c.completed_failed.load(),
      (unsigned long long)st.out_of_order.load(), (unsigned long long)st.bad_requests.load(),
      drained ? "" : "  <-- NOT DRAINED within 10 s (lost offers or completions)");
  if (st.subscriptions.load() != 1)
    std::printf("  note: %llu subscriptions (the client resubscribed)\n",
                (unsigned long long)st.subscriptions.load());
}

void print_pipelining(const mesos_http::bench::fake_master_stats& st) {
  auto reads = st.call_reads.load();
  std::printf(
      "  pipelining: %.1f requests per master read on average (max %llu; reads holding "
      "1 / 2-3 / 4-7 / 8-15 / 16-31 / 32-63 / 64-127 / 128+:",
      reads ? static_cast<double>(st.requests.load()) / static_cast<double>(reads) : 0.0,
      (unsigned long long)st.max_requests_per_read.load());
  for (const auto& bucket : st.requests_per_read_log2)
    std::printf(" %llu", (unsigned long long)bucket.load());
  std::printf(")\n");
}

// The hand-written Beast + libprotobuf loop (minimal_decliner.hpp) against
// the same fake master: the reference figure. Returns its CPU per offer.
double minimal_row(const options& o) {
  parse_cost parse = raw_parse_us(content_type::protobuf);
  mesos_http::bench::fake_master_config mc;
  mc.batch = o.batch;
  mesos_http::bench::fake_master m(mc);
  m.start();
  mesos_http::bench::minimal_decliner c(m.port());
  const auto& st = m.stats();
  if (!wait_for([&] { return st.declined_offers.load() >= o.warmup; }, 30))
    die("minimal loop: no DECLINE within 30 s");
  auto cpu = [&] { return cpu_seconds(c.cpu_clock()); };
  const auto start_at = clock_type::now();
  const double cpu0 = cpu(), master0 = cpu_seconds(m.cpu_clock());
  const auto declined0 = st.declined_offers.load();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  const double seconds = std::chrono::duration<double>(clock_type::now() - start_at).count();
  const double used = cpu() - cpu0, master_used = cpu_seconds(m.cpu_clock()) - master0;
  const auto declined = static_cast<double>(st.declined_offers.load() - declined0);
  m.stop_offers();
  wait_for([&] { return c.stats().answers.load() == c.stats().declines_sent.load(); }, 10);
  parse.keep_best(raw_parse_us(content_type::protobuf));
  const double us = used / declined * 1e6;
  std::printf(
      "\n(b) reference: a minimal hand-written Beast + libprotobuf loop (minimal_decliner.cpp), "
      "protobuf, %.2f s window\n",
      seconds);
  std::printf("  offers/s declined           %12.0f\n", declined / seconds);
  std::printf("  its CPU per declined offer    %8.2f us   (its thread at %.0f%% of a core)\n", us,
              100 * used / seconds);
  std::printf("  fake master CPU per offer     %8.2f us   (its thread at %.0f%% of a core)\n",
              master_used / declined * 1e6, 100 * master_used / seconds);
  print_pipelining(st);
  std::printf("  stream: %.1f events per master write\n",
              static_cast<double>(st.events_written.load()) /
                  static_cast<double>(std::max<std::uint64_t>(1, st.stream_writes.load())));
  std::printf(
      "  ratio to ParseFromArray: %.2fx (fresh Event, %.2f us), %.2fx (reused Event, %.2f us)\n",
      us / parse.fresh_us, parse.fresh_us, us / parse.reused_us, parse.reused_us);
  std::printf("  check: DECLINEs sent %llu, answered %llu%s\n",
              (unsigned long long)c.stats().declines_sent.load(),
              (unsigned long long)c.stats().answers.load(),
              c.stats().failed.load() ? "  <-- the loop hit an error" : "");
  return us;
}

void throughput_row(content_type type, const options& o, double minimal_us) {
  const char* name = type == content_type::protobuf ? "protobuf" : "JSON";
  parse_cost parse = raw_parse_us(type);
  auto rss_before = mesos_http::bench::read_rss();
  double client_us = 0, best_slice_us = 0;
  {
    mesos_http::bench::fake_master_config mc;
    mc.offers = o.offers ? o.offers + o.warmup : 0;
    mc.batch = o.batch;
    mesos_http::bench::fake_master m(mc);
    m.start();
    client c(type, m.port(), o.fresh_call);
    const auto& st = m.stats();
    if (!wait_for([&] { return st.declined_offers.load() >= o.warmup; }, 30))
      die(std::string(name) + ": no DECLINE within 30 s (declined " +
          std::to_string(st.declined_offers.load()) + ")");
    const snapshot start = take(c, m);
    const double limit = o.offers && !o.seconds_given ? 1e9 : o.seconds;
    std::vector<long> rss{mesos_http::bench::read_rss().current};
    int next_sample = 1;
    slices cpu_slices(start);
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (cpu_slices.due()) cpu_slices.sample(take(c, m));
      double elapsed = std::chrono::duration<double>(clock_type::now() - start.at).count();
      // With --offers the row ends when all warmup + N offers are declined.
      std::uint64_t declined = st.declined_offers.load();
      double progress = elapsed / limit;
      if (o.offers) {
        progress = std::max(progress, static_cast<double>(declined - start.declined) /
                                          static_cast<double>(mc.offers - start.declined));
      }
      while (next_sample <= 10 && progress >= next_sample / 10.0) {
        rss.push_back(mesos_http::bench::read_rss().current);
        ++next_sample;
      }
      if ((o.offers && declined >= mc.offers) || elapsed >= limit) break;
      if (c.run_done) die("the client stopped: " + c.run_result.message());
    }
    const snapshot end = take(c, m);
    const double seconds = std::chrono::duration<double>(end.at - start.at).count();
    const auto declined = static_cast<double>(end.declined - start.declined);
    client_us = (end.client_cpu - start.client_cpu) / declined * 1e6;
    const double master_us = (end.master_cpu - start.master_cpu) / declined * 1e6;
    std::printf(
        "\n(b) throughput, %s, %s: %.2f s window after %llu warm-up offers, %.0f offers "
        "declined\n",
        name, o.fresh_call ? "a new Call per DECLINE" : "one reused Call", seconds,
        (unsigned long long)o.warmup, declined);
    std::printf("  offers/s declined           %12.0f   (one offer per OFFERS event)\n",
                declined / seconds);
    std::printf("  events/s received by client %12.0f\n",
                static_cast<double>(end.events - start.events) / seconds);
    std::printf("  client CPU per declined offer %8.2f us   (client thread at %.0f%% of a core)\n",
                client_us, 100 * (end.client_cpu - start.client_cpu) / seconds);
    std::printf("  fake master CPU per offer     %8.2f us   (its thread at %.0f%% of a core)\n",
                master_us, 100 * (end.master_cpu - start.master_cpu) / seconds);
    print_pipelining(st);
    std::printf("  RSS MiB (process) before start %.1f; at 0%%..100%% of the window:",
                mib(rss_before.current));
    for (long kib : rss) std::printf(" %.1f", mib(kib));
    std::printf("; peak %.1f\n", mib(mesos_http::bench::read_rss().peak));
    cpu_slices.print();
    drain_and_check(c, m);
    best_slice_us = cpu_slices.best();
  }
  // The baseline again, with the client and the master gone; the lower is used.
  parse.keep_best(raw_parse_us(type));
  std::printf(
      "  raw ParseFromArray per offer  %8.2f us into a fresh Event, %.2f us into a reused one\n"
      "                                (same OFFERS event, %zu bytes protobuf; best before/after "
      "the row)\n",
      parse.fresh_us, parse.reused_us,
      mesos_http::bench::fake_offers_event(type, 42).ByteSizeLong());
  std::printf(
      "  ratio client CPU per declined offer / ParseFromArray: %.2fx (fresh Event%s), %.2fx "
      "(reused Event)\n",
      client_us / parse.fresh_us, type == content_type::protobuf ? "; target <= 1.3x" : "",
      client_us / parse.reused_us);
  if (best_slice_us > 0) {
    std::printf("  ratio best slice / ParseFromArray (both best-of): %.2fx (fresh Event)\n",
                best_slice_us / parse.fresh_us);
  }
  if (minimal_us > 0) {
    std::printf("  ratio to the minimal hand-written loop's CPU per offer: %.2fx\n",
                client_us / minimal_us);
  }
}

void latency_row(content_type type, const options& o) {
  const char* name = type == content_type::protobuf ? "protobuf" : "JSON";
  mesos_http::bench::fake_master_config mc;
  mc.rate = o.rate;
  mc.offers = static_cast<std::uint64_t>(o.rate * o.latency_seconds);
  mc.record_latency = true;
  mesos_http::bench::fake_master m(mc);
  m.start();
  client c(type, m.port(), o.fresh_call);
  const auto& st = m.stats();
  if (!wait_for([&] { return st.declined_offers.load() >= 1; }, 30)) die("no DECLINE within 30 s");
  const snapshot start = take(c, m);
  wait_for([&] { return st.declined_offers.load() >= mc.offers; }, o.latency_seconds * 2 + 10);
  const snapshot end = take(c, m);
  drain_and_check(c, m);
  auto lat = m.latencies_us();
  // The first tenth of a second is connection warm-up.
  std::size_t skip = std::min<std::size_t>(lat.size() / 10, static_cast<std::size_t>(o.rate / 10));
  lat.erase(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(skip));
  const double seconds = std::chrono::duration<double>(end.at - start.at).count();
  const auto declined = static_cast<double>(end.declined - start.declined);
  std::printf(
      "\n(c) latency, %s, %.0f OFFERS events/s for %.1f s: %zu samples (first %zu skipped)\n", name,
      o.rate, seconds, lat.size(), skip);
  std::vector<double> v = lat;
  double p50 = mesos_http::bench::percentile(v, 50), p90 = mesos_http::bench::percentile(v, 90);
  double p99 = mesos_http::bench::percentile(v, 99), p999 = mesos_http::bench::percentile(v, 99.9);
  std::printf(
      "  OFFERS written -> DECLINE arrived: p50 %.0f us, p90 %.0f us, p99 %.0f us, "
      "p99.9 %.0f us, max %.0f us   (target p99 < 1000 us)\n",
      p50, p90, p99, p999, v.empty() ? 0.0 : v.back());
  std::printf("  client CPU per offer %.1f us (%.1f%% of a core); fake master %.1f us (%.1f%%)\n",
              (end.client_cpu - start.client_cpu) / declined * 1e6,
              100 * (end.client_cpu - start.client_cpu) / seconds,
              (end.master_cpu - start.master_cpu) / declined * 1e6,
              100 * (end.master_cpu - start.master_cpu) / seconds);
  print_pipelining(st);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--content-type") {
      auto t = next();
      if (t == "protobuf")
        o.types = {content_type::protobuf};
      else if (t == "json")
        o.types = {content_type::json};
      else if (t != "both")
        die("--content-type protobuf|json|both");
    } else if (a == "--mode") {
      auto t = next();
      o.throughput = t == "throughput" || t == "both";
      o.latency = t == "latency" || t == "both";
      if (!o.throughput && !o.latency) die("--mode throughput|latency|both");
    } else if (a == "--seconds") {
      o.seconds = std::stod(next());
      o.seconds_given = true;
    } else if (a == "--offers") {
      o.offers = std::stoull(next());
    } else if (a == "--latency-seconds") {
      o.latency_seconds = std::stod(next());
    } else if (a == "--rate") {
      o.rate = std::stod(next());
    } else if (a == "--batch") {
      o.batch = std::stoul(next());
    } else if (a == "--no-minimal") {
      o.minimal = false;
    } else if (a == "--fresh-call") {
      o.fresh_call = true;
    } else if (a == "--warmup") {
      o.warmup = std::stoull(next());
    } else {
      die("usage: client_e2e_bench [--content-type protobuf|json|both] "
          "[--mode throughput|latency|both] [--seconds S] [--offers N] [--latency-seconds L] "
          "[--rate R] [--batch B] [--warmup W] [--no-minimal] [--fresh-call]");
    }
  }
  if (o.seconds <= 0 || o.latency_seconds <= 0 || o.rate <= 0 || o.batch == 0)
    die("durations, --rate and --batch must be positive");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  std::printf(
      "mesos_http::scheduler declining every offer against a fake master over loopback\n"
      "(client and fake master on their own threads; CPU = thread CPU clocks, user + system)\n");
  double minimal_us = 0;
  const bool protobuf =
      std::find(o.types.begin(), o.types.end(), content_type::protobuf) != o.types.end();
  if (o.throughput && o.minimal && protobuf) minimal_us = minimal_row(o);
  for (auto type : o.types) {
    if (o.throughput) throughput_row(type, o, type == content_type::protobuf ? minimal_us : 0);
  }
  for (auto type : o.types) {
    if (o.latency) latency_row(type, o);
  }
  return 0;
}
