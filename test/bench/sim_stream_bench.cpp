// How many events per second the simulated master (sim::master) streams to
// its subscribers over loopback.
//
// Each row runs a fresh master on its own thread and K frameworks on the
// main thread (one stream connection and one calls connection each, driven
// by one io_context), for each content type:
//   - OFFERS: A agents with realistic resources and attributes, an
//     allocation interval of 0 (a round as soon as resources come back) and
//     frameworks that decline every offer at once (one DECLINE per OFFERS
//     event, refuse_seconds 0): a closed loop offer -> decline -> next round,
//     so the figure includes the master's allocation and DECLINE handling.
//   - HEARTBEAT: no agents, a heartbeat interval of 1 ms: small events, the
//     per-event cost of timers, encoding and one write per chunk.
// Figures: events/s and offers/s received by the clients, MB/s on the wire
// (the HTTP chunked body: framing + RecordIO + event), CPU of the master's
// thread and of the client thread (% of one core, thread CPU clocks, user +
// system) and of the whole process (getrusage; the client shares it).
//
// Usage: sim_stream_bench [SECONDS_PER_ROW]   (default 2)
// Prints figures only; it asserts nothing about speed.
#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>
#include <mesos_http/sim/master.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <pthread.h>
#include <sys/resource.h>
#include <time.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using mesos_http::content_type;
using tcp = boost::asio::ip::tcp;
namespace sched = mesos::v1::scheduler;
namespace sim = mesos_http::sim;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "sim_stream_bench: %s\n", what.c_str());
  std::exit(1);
}

double thread_cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// A master on a free port, served by its own thread.
class master_thread {
 public:
  explicit master_thread(const sim::master_config& config)
      : work_(io_.get_executor()), master_(io_.get_executor(), config) {
    if (auto ec = master_.start()) die("master start: " + ec.message());
    thread_ = std::thread([this] { io_.run(); });
    if (pthread_getcpuclockid(thread_.native_handle(), &clock_) != 0) die("no thread CPU clock");
  }
  ~master_thread() {
    master_.stop();
    work_.reset();
    thread_.join();
  }
  unsigned short port() const { return master_.port(); }
  double cpu_seconds() const { return thread_cpu_seconds(clock_); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  sim::master master_;
  std::thread thread_;
  clockid_t clock_{};
};

struct counters {
  std::uint64_t events = 0;
  std::uint64_t offer_events = 0;
  std::uint64_t offers = 0;
  std::uint64_t wire_bytes = 0;  // chunked body bytes read from the streams
  std::uint64_t declines = 0;
};

// One framework: a stream connection and a calls connection.
struct framework {
  framework(boost::asio::io_context& io, content_type type) : type(type), stream(io), calls(io) {}
  content_type type;
  tcp::socket stream;
  tcp::socket calls;
  std::array<char, 64 * 1024> stream_buffer{};
  std::array<char, 4 * 1024> calls_buffer{};
  std::string in;
  bool header_done = false;
  mesos_http::recordio_decoder decoder;
  std::string framework_id;
  std::string stream_id;
  bool calls_connected = false;
  bool writing = false;
  std::string pending_out;
  std::string writing_out;
  std::string answers_in;
  bool got_event_after_subscribed = false;
};

std::string post(const std::string& body, content_type type, const std::string& stream_id) {
  std::string media(mesos_http::media_type(type));
  std::string out = "POST /api/v1/scheduler HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + media +
                    "\r\nAccept: " + media + "\r\n";
  if (!stream_id.empty()) out += "Mesos-Stream-Id: " + stream_id + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

std::string encode(const sched::Call& call, content_type type) {
  std::string body;
  mesos_http::diagnostics diag;
  if (mesos_http::codec(type).encode(call, body, diag)) die("encode: " + diag.to_string());
  return body;
}

class client {
 public:
  client(unsigned short port, content_type type, int frameworks)
      : endpoint_(boost::asio::ip::make_address("127.0.0.1"), port) {
    for (int i = 0; i < frameworks; ++i) {
      frameworks_.push_back(std::make_unique<framework>(io_, type));
    }
    for (auto& f : frameworks_) subscribe(*f);
  }

  // Runs the client for `seconds`.
  void run_for(double seconds) {
    io_.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(seconds)));
  }

  bool warmed_up() const {
    for (const auto& f : frameworks_) {
      if (!f->got_event_after_subscribed) return false;
    }
    return true;
  }

  counters total;

 private:
  void subscribe(framework& f) {
    f.stream.async_connect(endpoint_, [this, &f](boost::system::error_code ec) {
      if (ec) die("connect: " + ec.message());
      sched::Call call;
      call.set_type(sched::Call::SUBSCRIBE);
      auto* info = call.mutable_subscribe()->mutable_framework_info();
      info->set_user("bench");
      info->set_name("sim-stream-bench");
      auto request = std::make_shared<std::string>(post(encode(call, f.type), f.type, ""));
      boost::asio::async_write(f.stream, boost::asio::buffer(*request),
                               [this, &f, request](boost::system::error_code ec, std::size_t) {
                                 if (ec) die("SUBSCRIBE: " + ec.message());
                                 read_stream(f);
                               });
    });
  }

  void read_stream(framework& f) {
    f.stream.async_read_some(boost::asio::buffer(f.stream_buffer),
                             [this, &f](boost::system::error_code ec, std::size_t n) {
                               if (ec) die("stream: " + ec.message());
                               f.in.append(f.stream_buffer.data(), n);
                               parse(f);
                               read_stream(f);
                             });
  }

  void parse(framework& f) {
    std::size_t pos = 0;
    if (!f.header_done) {
      auto end = f.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (f.in.rfind("HTTP/1.1 200", 0) != 0) die("SUBSCRIBE refused: " + f.in.substr(0, end));
      auto at = f.in.find("Mesos-Stream-Id: ");
      if (at == std::string::npos || at > end) die("no Mesos-Stream-Id");
      f.stream_id = f.in.substr(at + 17, f.in.find("\r\n", at) - at - 17);
      f.header_done = true;
      pos = end + 4;
    }
    std::size_t body_start = pos;
    for (;;) {
      auto line_end = f.in.find("\r\n", pos);
      if (line_end == std::string::npos) break;
      std::size_t size = std::strtoul(f.in.c_str() + pos, nullptr, 16);
      if (f.in.size() < line_end + 2 + size + 2) break;
      if (size == 0) die("stream ended");
      std::string_view data(f.in.data() + line_end + 2, size);
      pos = line_end + 2 + size + 2;
      auto ec = f.decoder.feed(data, [&](std::string_view record) { on_record(f, record); });
      if (ec) die("RecordIO: " + ec.message());
    }
    total.wire_bytes += pos - body_start;
    f.in.erase(0, pos);
  }

  void on_record(framework& f, std::string_view record) {
    mesos_http::diagnostics diag;
    if (mesos_http::codec(f.type).decode(record, event_, diag)) die("event: " + diag.to_string());
    ++total.events;
    if (event_.type() == sched::Event::SUBSCRIBED) {
      f.framework_id = event_.subscribed().framework_id().value();
      connect_calls(f);
      return;
    }
    f.got_event_after_subscribed = true;
    if (event_.type() != sched::Event::OFFERS) return;
    ++total.offer_events;
    total.offers += static_cast<std::uint64_t>(event_.offers().offers_size());
    sched::Call decline;
    decline.set_type(sched::Call::DECLINE);
    decline.mutable_framework_id()->set_value(f.framework_id);
    for (const auto& offer : event_.offers().offers()) {
      *decline.mutable_decline()->add_offer_ids() = offer.id();
    }
    decline.mutable_decline()->mutable_filters()->set_refuse_seconds(0);
    f.pending_out += post(encode(decline, f.type), f.type, f.stream_id);
    ++total.declines;
    flush(f);
  }

  void connect_calls(framework& f) {
    f.calls.async_connect(endpoint_, [this, &f](boost::system::error_code ec) {
      if (ec) die("connect: " + ec.message());
      f.calls_connected = true;
      read_answers(f);
      flush(f);
    });
  }

  void flush(framework& f) {
    if (!f.calls_connected || f.writing || f.pending_out.empty()) return;
    f.writing = true;
    f.writing_out.swap(f.pending_out);
    f.pending_out.clear();
    boost::asio::async_write(f.calls, boost::asio::buffer(f.writing_out),
                             [this, &f](boost::system::error_code ec, std::size_t) {
                               if (ec) die("call: " + ec.message());
                               f.writing = false;
                               flush(f);
                             });
  }

  // Answers are "HTTP/1.1 202 Accepted" with no body; anything else stops
  // the benchmark.
  void read_answers(framework& f) {
    f.calls.async_read_some(
        boost::asio::buffer(f.calls_buffer),
        [this, &f](boost::system::error_code ec, std::size_t n) {
          if (ec) die("calls connection: " + ec.message());
          f.answers_in.append(f.calls_buffer.data(), n);
          std::size_t pos = 0, end;
          while ((end = f.answers_in.find("\r\n\r\n", pos)) != std::string::npos) {
            if (f.answers_in.compare(pos, 13, "HTTP/1.1 202 ") != 0) {
              die("call answered " + f.answers_in.substr(pos, end - pos));
            }
            pos = end + 4;
          }
          f.answers_in.erase(0, pos);
          read_answers(f);
        });
  }

  boost::asio::io_context io_;
  tcp::endpoint endpoint_;
  std::vector<std::unique_ptr<framework>> frameworks_;
  sched::Event event_;
};

struct scenario {
  const char* events;  // "OFFERS" or "HEARTBEAT"
  content_type type;
  int frameworks;
  int agents;
};

sim::master_config config_for(const scenario& s) {
  sim::master_config config;
  config.port = 0;
  config.cluster.allocation_interval = std::chrono::milliseconds(0);
  config.cluster.agents.clear();
  if (std::string(s.events) == "HEARTBEAT") {
    config.heartbeat_interval = std::chrono::milliseconds(1);
    return config;
  }
  for (int i = 0; i < s.agents; ++i) {
    sim::agent_config agent;
    agent.resources = "cpus:32;mem:131072;disk:1000000;ports:[31000-32000]";
    agent.attributes = {{"rack", "r" + std::to_string(i % 8)},
                        {"zone", "z" + std::to_string(i % 3)},
                        {"os", "linux"}};
    config.cluster.agents.push_back(agent);
  }
  return config;
}

void run(const scenario& s, double seconds) {
  master_thread master(config_for(s));
  client c(master.port(), s.type, s.frameworks);
  clockid_t client_clock{};
  pthread_getcpuclockid(pthread_self(), &client_clock);

  for (int i = 0; i < 100 && !c.warmed_up(); ++i) c.run_for(0.05);
  if (!c.warmed_up()) die("frameworks did not get events");
  c.run_for(0.2);

  counters before = c.total;
  double master0 = master.cpu_seconds(), client0 = thread_cpu_seconds(client_clock),
         process0 = process_cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  c.run_for(seconds);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double master_cpu = master.cpu_seconds() - master0;
  double client_cpu = thread_cpu_seconds(client_clock) - client0;
  double process_cpu = process_cpu_seconds() - process0;

  auto rate = [&](std::uint64_t a, std::uint64_t b) {
    return static_cast<double>(b - a) / elapsed;
  };
  double events = rate(before.events, c.total.events);
  double offers = rate(before.offers, c.total.offers);
  double offers_per_event =
      c.total.offer_events == before.offer_events
          ? 0.0
          : static_cast<double>(c.total.offers - before.offers) /
                static_cast<double>(c.total.offer_events - before.offer_events);
  std::printf("%-9s %-8s %4d %5d %11.0f %10.0f %7.1f %7.1f %6.0f%% %6.0f%% %6.0f%%\n", s.events,
              s.type == content_type::json ? "JSON" : "protobuf", s.frameworks, s.agents, events,
              offers, offers_per_event, rate(before.wire_bytes, c.total.wire_bytes) / 1e6,
              100 * master_cpu / elapsed, 100 * client_cpu / elapsed, 100 * process_cpu / elapsed);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  if (seconds <= 0) seconds = 2.0;
  const scenario scenarios[] = {
      {"OFFERS", content_type::protobuf, 1, 100},    {"OFFERS", content_type::json, 1, 100},
      {"OFFERS", content_type::protobuf, 10, 100},   {"OFFERS", content_type::json, 10, 100},
      {"OFFERS", content_type::protobuf, 100, 100},  {"OFFERS", content_type::json, 100, 100},
      {"HEARTBEAT", content_type::protobuf, 100, 0}, {"HEARTBEAT", content_type::json, 100, 0},
  };
  std::printf("sim::master streaming over loopback, %.1f s per row\n", seconds);
  std::printf(
      "(CPU: %% of one core; master = its thread, client = the main thread, process = "
      "both)\n\n");
  std::printf("%-9s %-8s %4s %5s %11s %10s %7s %7s %7s %7s %7s\n", "events", "type", "K", "A",
              "events/s", "offers/s", "off/ev", "MB/s", "master", "client", "process");
  for (const auto& s : scenarios) run(s, seconds);
  return 0;
}
