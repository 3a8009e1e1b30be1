// The simulated master at the scale, over real loopback sockets:
// 100 frameworks (half JSON, half protobuf) each subscribe on a stream
// connection of their own, launch 100 `sleep` tasks through a calls
// connection of their own and acknowledge every update, until all 10,000
// tasks have finished. One client thread drives the 200 sockets with Asio;
// the master runs on another thread. The 10,000 tasks are all RUNNING at once
// at some point (checked in GET /state), every call is answered 202, no
// ERROR event arrives, and every update arrives exactly once.
#include "support/raw_http.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>
#include <mesos_http/sim/master.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

using mesos_http::content_type;
namespace sched = mesos::v1::scheduler;
namespace sim = mesos_http::sim;
namespace v1 = mesos::v1;
using tcp = boost::asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr int framework_count = 100;
constexpr int tasks_per_framework = 100;
constexpr int total_tasks = framework_count * tasks_per_framework;
constexpr int agent_count = 50;
// Long enough for the master to launch the last task and answer GET /state
// before the first task finishes, with room for a loaded CI machine: with
// acknowledgements flowing, the master has launched all 10,000 after about
// 2 s in a Debug build and 7 s in a Debug ASan build, and /state then takes
// up to 2 s to come back.
constexpr const char* task_script = "sleep 15";
// STAGING -> STARTING -> RUNNING: a slow agent spreads the first updates
// (and their acknowledgements) out, which leaves the master free to launch
// every task first.
constexpr auto step_delay = std::chrono::seconds(1);
constexpr double task_cpus = 0.1;
constexpr double task_mem = 32;
// The test fails (instead of hanging) if the run takes longer than this.
constexpr auto run_limit = std::chrono::seconds(150);

// A master on a free port, served by its own thread.
class master_thread {
 public:
  explicit master_thread(const sim::master_config& config)
      : work_(io_.get_executor()), master_(io_.get_executor(), config) {
    auto ec = master_.start();
    REQUIRE_FALSE(ec);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~master_thread() {
    master_.stop();
    work_.reset();
    thread_.join();
  }
  sim::master* operator->() { return &master_; }
  unsigned short port() const { return master_.port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  sim::master master_;
  std::thread thread_;
};

sim::master_config scale_config() {
  sim::master_config config;
  config.port = 0;
  config.heartbeat_interval = std::chrono::seconds(1);
  config.cluster.allocation_interval = std::chrono::milliseconds(100);
  config.cluster.task_step_delay = step_delay;
  // Every update is acknowledged long before this: a re-send would mean a
  // lost acknowledgement, and the test counts each update exactly once.
  config.cluster.update_retry_interval = std::chrono::minutes(5);
  config.cluster.agents.assign(agent_count, sim::agent_config{});
  for (auto& agent : config.cluster.agents) {
    agent.resources = "cpus:64;mem:65536;disk:100000;ports:[31000-32000]";
  }
  return config;
}

// 200 client sockets plus the master's 200, /state connections and the
// usual descriptors.
void ensure_open_file_limit(rlim_t wanted) {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlim_t target = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    limit.rlim_cur = target;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
  }
  INFO("open-file limit " << limit.rlim_cur << " (hard " << limit.rlim_max << "), need " << wanted);
  REQUIRE((limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The value of header `name` (lower case) in a raw header block, or "".
std::string header_value(const std::string& head, const std::string& name) {
  std::string lowered = lower(head);
  auto at = lowered.find("\r\n" + name + ":");
  if (at == std::string::npos) return {};
  auto start = at + 2 + name.size() + 1;
  auto end = head.find("\r\n", start);
  std::string value = head.substr(start, end == std::string::npos ? end : end - start);
  value.erase(0, value.find_first_not_of(' '));
  return value;
}

double scalar(const v1::Offer& offer, const std::string& name) {
  double sum = 0;
  for (const auto& r : offer.resources()) {
    if (r.name() == name && r.type() == v1::Value::SCALAR) sum += r.scalar().value();
  }
  return sum;
}

v1::Resource scalar_resource(const std::string& name, double value) {
  v1::Resource r;
  r.set_name(name);
  r.set_type(v1::Value::SCALAR);
  r.mutable_scalar()->set_value(value);
  return r;
}

double seconds_since(steady::time_point start, steady::time_point t) {
  return std::chrono::duration<double>(t - start).count();
}

// One framework: its stream connection, its calls connection, its tasks.
struct framework_client {
  framework_client(boost::asio::io_context& io, int index)
      : index(index),
        type(index % 2 == 0 ? content_type::json : content_type::protobuf),
        stream_socket(io),
        calls_socket(io) {}

  int index;
  content_type type;
  tcp::socket stream_socket;
  tcp::socket calls_socket;
  std::array<char, 16 * 1024> stream_buffer{};
  std::array<char, 4 * 1024> calls_buffer{};

  // The event stream.
  std::string stream_in;
  bool header_done = false;
  bool stream_ended = false;  // terminating chunk seen
  mesos_http::recordio_decoder decoder;
  std::string framework_id;
  std::string stream_id;

  // The calls connection: requests are pipelined, answers counted.
  bool calls_connected = false;
  bool writing = false;
  std::string pending_out;
  std::string writing_out;
  std::string calls_in;
  int requests_sent = 0;
  int answers = 0;

  // Tasks.
  int launched = 0;
  int last_accept = -1;  // number of the request that launched the last task
  bool suppressed = false;
  bool tearing_down = false;
  std::unordered_set<std::string> seen_updates;  // "<task>/<state>"
};

// The client side: all frameworks on one io_context, run by the test thread.
class scale_client {
 public:
  explicit scale_client(unsigned short port)
      : port_(port), start_(steady::now()), poll_timer_(io_) {
    for (int i = 0; i < framework_count; ++i) {
      frameworks_.push_back(std::make_unique<framework_client>(io_, i));
    }
  }

  // Subscribes every framework, runs until every task finished and every
  // call was answered (or `run_limit` passed).
  void run() {
    const tcp::endpoint master(boost::asio::ip::make_address("127.0.0.1"), port_);
    for (auto& f : frameworks_) subscribe(*f, master);
    drive([this] { return all_finished(); });
  }

  // TEARDOWN for every framework; runs until every stream has ended.
  void teardown() {
    for (auto& f : frameworks_) {
      f->tearing_down = true;
      send(*f, call(*f, sched::Call::TEARDOWN));
    }
    drive([this] {
      for (const auto& f : frameworks_) {
        if (!f->stream_ended || f->answers != f->requests_sent) return false;
      }
      return true;
    });
  }

  bool all_finished() const {
    if (updates_.count(v1::TASK_FINISHED) == 0 || updates_.at(v1::TASK_FINISHED) < total_tasks) {
      return false;
    }
    for (const auto& f : frameworks_) {
      if (f->answers != f->requests_sent) return false;
    }
    return true;
  }

  // What happened, for assertions.
  std::map<int, int> updates_;             // per TaskState
  std::map<int, int> events_;              // per Event::Type
  std::map<int, int> calls_;               // per Call::Type, sent
  std::map<unsigned, int> answer_status_;  // per HTTP status
  std::vector<std::string> errors_;        // ERROR events
  std::vector<std::string> failures_;      // broken streams, bad answers, ...
  int duplicate_updates_ = 0;
  int updates_without_uuid_ = 0;
  bool timed_out_ = false;
  // GET /state, polled once every task was launched: the most tasks it
  // showed RUNNING at once.
  int max_running_in_state_ = 0;
  int state_polls_ = 0;
  // Update timestamps (the master's clock): the last task to start running
  // and the first to finish.
  double last_running_at_ = 0;
  double first_finished_at_ = 1e300;
  // Timeline, seconds since start.
  double t_subscribed_ = -1, t_launched_ = -1, t_all_running_ = -1, t_first_finished_ = -1,
         t_done_ = -1;

  std::string timeline() const {
    std::ostringstream out;
    out << "subscribed " << t_subscribed_ << " s, launched " << t_launched_ << " s, all RUNNING "
        << t_all_running_ << " s, first FINISHED " << t_first_finished_ << " s, done " << t_done_
        << " s";
    return out.str();
  }

 private:
  template <class Done>
  void drive(Done done) {
    const auto limit = start_ + run_limit;
    while (!done() && failures_.empty()) {
      if (steady::now() > limit) {
        timed_out_ = true;
        return;
      }
      io_.run_one_for(std::chrono::milliseconds(100));
      if (io_.stopped()) io_.restart();  // ran out of work: nothing to wait for
    }
  }

  void fail(const framework_client& f, const std::string& what) {
    failures_.push_back("framework " + std::to_string(f.index) + ": " + what);
  }

  // --- the stream ---
  void subscribe(framework_client& f, const tcp::endpoint& master) {
    f.stream_socket.async_connect(master, [this, &f](boost::system::error_code ec) {
      if (ec) return fail(f, "stream connect: " + ec.message());
      f.stream_socket.set_option(tcp::no_delay(true));
      sched::Call subscribe;
      subscribe.set_type(sched::Call::SUBSCRIBE);
      auto* info = subscribe.mutable_subscribe()->mutable_framework_info();
      info->set_user("nobody");
      info->set_name("scale-" + std::to_string(f.index));
      info->set_failover_timeout(60);
      ++calls_[sched::Call::SUBSCRIBE];
      auto request =
          std::make_shared<std::string>(mesos_http::test::scheduler_call(subscribe, f.type));
      boost::asio::async_write(f.stream_socket, boost::asio::buffer(*request),
                               [this, &f, request](boost::system::error_code ec, std::size_t) {
                                 if (ec) return fail(f, "SUBSCRIBE write: " + ec.message());
                                 read_stream(f);
                               });
    });
  }

  void read_stream(framework_client& f) {
    f.stream_socket.async_read_some(boost::asio::buffer(f.stream_buffer),
                                    [this, &f](boost::system::error_code ec, std::size_t n) {
                                      if (ec) {
                                        if (!f.stream_ended)
                                          fail(f, "stream broken: " + ec.message());
                                        return;
                                      }
                                      f.stream_in.append(f.stream_buffer.data(), n);
                                      parse_stream(f);
                                      if (!f.stream_ended) read_stream(f);
                                    });
  }

  void parse_stream(framework_client& f) {
    std::size_t pos = 0;
    if (!f.header_done) {
      auto end = f.stream_in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      std::string head = f.stream_in.substr(0, end + 2);
      if (head.rfind("HTTP/1.1 200 ", 0) != 0) {
        return fail(f, "SUBSCRIBE answered " + head.substr(0, head.find("\r\n")));
      }
      f.stream_id = header_value(head, "mesos-stream-id");
      f.header_done = true;
      pos = end + 4;
    }
    while (!f.stream_ended) {
      auto line_end = f.stream_in.find("\r\n", pos);
      if (line_end == std::string::npos) break;
      std::size_t size = std::strtoul(f.stream_in.c_str() + pos, nullptr, 16);
      if (f.stream_in.size() < line_end + 2 + size + 2) break;
      std::string_view data(f.stream_in.data() + line_end + 2, size);
      pos = line_end + 2 + size + 2;
      if (size == 0) {
        f.stream_ended = true;
        if (!f.tearing_down) fail(f, "stream ended");
        break;
      }
      auto ec = f.decoder.feed(data, [&](std::string_view record) { on_record(f, record); });
      if (ec) return fail(f, "RecordIO: " + ec.message());
    }
    f.stream_in.erase(0, pos);
  }

  void on_record(framework_client& f, std::string_view record) {
    sched::Event event;
    mesos_http::diagnostics diag;
    if (auto ec = mesos_http::codec(f.type).decode(record, event, diag)) {
      return fail(f, "undecodable event: " + diag.to_string());
    }
    ++events_[event.type()];
    switch (event.type()) {
      case sched::Event::SUBSCRIBED:
        f.framework_id = event.subscribed().framework_id().value();
        connect_calls(f);
        if (++subscribed_ == framework_count) t_subscribed_ = now();
        break;
      case sched::Event::OFFERS:
        for (const auto& offer : event.offers().offers()) on_offer(f, offer);
        break;
      case sched::Event::UPDATE:
        on_update(f, event.update().status());
        break;
      case sched::Event::ERROR:
        errors_.push_back(event.error().message());
        break;
      default:
        break;
    }
  }

  void on_offer(framework_client& f, const v1::Offer& offer) {
    int remaining = tasks_per_framework - f.launched;
    int fit = static_cast<int>(std::min(std::floor(scalar(offer, "cpus") / task_cpus + 1e-6),
                                        std::floor(scalar(offer, "mem") / task_mem + 1e-6)));
    int count = std::min(remaining, fit);
    if (count <= 0) {
      sched::Call decline = call(f, sched::Call::DECLINE);
      *decline.mutable_decline()->add_offer_ids() = offer.id();
      decline.mutable_decline()->mutable_filters()->set_refuse_seconds(3600);
      send(f, decline);
      return;
    }
    sched::Call accept = call(f, sched::Call::ACCEPT);
    *accept.mutable_accept()->add_offer_ids() = offer.id();
    auto* op = accept.mutable_accept()->add_operations();
    op->set_type(v1::Offer::Operation::LAUNCH);
    for (int n = 0; n < count; ++n, ++f.launched) {
      auto* task = op->mutable_launch()->add_task_infos();
      std::string id = "fw" + std::to_string(f.index) + "-task-" + std::to_string(f.launched);
      task->set_name(id);
      task->mutable_task_id()->set_value(id);
      *task->mutable_agent_id() = offer.agent_id();
      task->mutable_command()->set_value(task_script);
      *task->add_resources() = scalar_resource("cpus", task_cpus);
      *task->add_resources() = scalar_resource("mem", task_mem);
    }
    bool done = f.launched == tasks_per_framework;
    accept.mutable_accept()->mutable_filters()->set_refuse_seconds(done ? 3600 : 0);
    send(f, accept);
    if (done) f.last_accept = f.requests_sent;
    if (done && !f.suppressed) {
      f.suppressed = true;
      send(f, call(f, sched::Call::SUPPRESS));
      if (++launched_frameworks_ == framework_count) t_launched_ = now();
    }
  }

  void on_update(framework_client& f, const v1::TaskStatus& status) {
    if (!f.seen_updates.insert(status.task_id().value() + "/" + std::to_string(status.state()))
             .second) {
      ++duplicate_updates_;
    }
    int count = ++updates_[status.state()];
    if (status.state() == v1::TASK_FINISHED && count == 1) t_first_finished_ = now();
    if (status.state() == v1::TASK_RUNNING) {
      last_running_at_ = std::max(last_running_at_, status.timestamp());
    } else if (status.state() == v1::TASK_FINISHED) {
      first_finished_at_ = std::min(first_finished_at_, status.timestamp());
    }
    if (status.state() == v1::TASK_FINISHED && count == total_tasks) t_done_ = now();
    if (status.state() == v1::TASK_RUNNING && count == total_tasks) t_all_running_ = now();
    if (!status.has_uuid()) {
      ++updates_without_uuid_;
      return;
    }
    sched::Call ack = call(f, sched::Call::ACKNOWLEDGE);
    *ack.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
    *ack.mutable_acknowledge()->mutable_task_id() = status.task_id();
    ack.mutable_acknowledge()->set_uuid(status.uuid());
    send(f, ack);
  }

  // GET /state (blocking this thread for a moment) until it shows all tasks
  // RUNNING at once, or some task has finished. A call holds the master for
  // up to 2 s in a Debug ASan build, so polling starts once every task is
  // due to be running.
  void poll_state() {
    mesos_http::test::raw_connection c(port_, std::chrono::seconds(60));
    c.send("GET /state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    auto response = c.read_response();
    ++state_polls_;
    if (response.status != 200) {
      failures_.push_back("GET /state answered " + std::to_string(response.status));
      return;
    }
    auto state = nlohmann::json::parse(response.body);
    int running = 0;
    bool finished = !state["completed_tasks"].empty();
    for (const auto& task : state["tasks"]) {
      running += task["state"] == "TASK_RUNNING";
      finished = finished || task["state"] == "TASK_FINISHED";
    }
    max_running_in_state_ = std::max(max_running_in_state_, running);
    if (running == total_tasks || finished) return;
    poll_timer_.expires_after(std::chrono::milliseconds(100));
    poll_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) poll_state();
    });
  }

  // --- the calls connection ---
  sched::Call call(const framework_client& f, sched::Call::Type type) {
    sched::Call c;
    c.set_type(type);
    c.mutable_framework_id()->set_value(f.framework_id);
    return c;
  }

  void send(framework_client& f, const sched::Call& c) {
    ++calls_[c.type()];
    ++f.requests_sent;
    f.pending_out += mesos_http::test::scheduler_call(c, f.type, f.stream_id);
    flush(f);
  }

  void connect_calls(framework_client& f) {
    f.calls_socket.async_connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_),
                                 [this, &f](boost::system::error_code ec) {
                                   if (ec) return fail(f, "calls connect: " + ec.message());
                                   f.calls_socket.set_option(tcp::no_delay(true));
                                   f.calls_connected = true;
                                   read_answers(f);
                                   flush(f);
                                 });
  }

  void flush(framework_client& f) {
    if (!f.calls_connected || f.writing || f.pending_out.empty()) return;
    f.writing = true;
    f.writing_out.swap(f.pending_out);
    f.pending_out.clear();
    boost::asio::async_write(f.calls_socket, boost::asio::buffer(f.writing_out),
                             [this, &f](boost::system::error_code ec, std::size_t) {
                               f.writing = false;
                               f.writing_out.clear();
                               if (ec) return fail(f, "calls write: " + ec.message());
                               flush(f);
                             });
  }

  void read_answers(framework_client& f) {
    f.calls_socket.async_read_some(boost::asio::buffer(f.calls_buffer),
                                   [this, &f](boost::system::error_code ec, std::size_t n) {
                                     if (ec) {
                                       if (f.answers != f.requests_sent)
                                         fail(f, "calls connection broken: " + ec.message());
                                       return;
                                     }
                                     f.calls_in.append(f.calls_buffer.data(), n);
                                     parse_answers(f);
                                     read_answers(f);
                                   });
  }

  void parse_answers(framework_client& f) {
    std::size_t pos = 0;
    for (;;) {
      auto end = f.calls_in.find("\r\n\r\n", pos);
      if (end == std::string::npos) break;
      std::string head = f.calls_in.substr(pos, end + 2 - pos);
      std::string length = header_value(head, "content-length");
      std::size_t body = length.empty() ? 0 : std::stoul(length);
      if (f.calls_in.size() < end + 4 + body) break;
      unsigned status = head.rfind("HTTP/1.1 ", 0) == 0 ? std::stoul(head.substr(9, 3)) : 0;
      ++answer_status_[status];
      if (++f.answers == f.last_accept && ++accepted_frameworks_ == framework_count) {
        // The master has launched every task (the cluster handles a call
        // before it is answered); each is RUNNING two steps later.
        poll_timer_.expires_after(2 * step_delay + std::chrono::milliseconds(200));
        poll_timer_.async_wait([this](boost::system::error_code ec) {
          if (!ec) poll_state();
        });
      }
      if (status != 202) {
        fail(f, "call answered " + head.substr(0, head.find("\r\n")) + ": " +
                    f.calls_in.substr(end + 4, body));
      }
      pos = end + 4 + body;
    }
    f.calls_in.erase(0, pos);
  }

  double now() const { return seconds_since(start_, steady::now()); }

  boost::asio::io_context io_;
  unsigned short port_;
  steady::time_point start_;
  std::vector<std::unique_ptr<framework_client>> frameworks_;
  boost::asio::steady_timer poll_timer_;
  int subscribed_ = 0;
  int launched_frameworks_ = 0;
  int accepted_frameworks_ = 0;  // whose last ACCEPT was answered
};

nlohmann::json get_state(unsigned short port) {
  mesos_http::test::raw_connection c(port, std::chrono::seconds(60));
  c.send("GET /state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  auto response = c.read_response();
  REQUIRE(response.status == 200);
  return nlohmann::json::parse(response.body);
}

}  // namespace

TEST_CASE("sim master scale: 100 frameworks run 10,000 tasks over loopback", "[sim][scale]") {
  ensure_open_file_limit(4 * framework_count + 256);
  master_thread master(scale_config());
  scale_client client(master.port());
  client.run();

  INFO(client.timeline());
  for (const auto& failure : client.failures_) UNSCOPED_INFO(failure);
  REQUIRE(client.failures_.empty());
  REQUIRE_FALSE(client.timed_out_);

  // Every framework subscribed, heartbeats flowed, nothing went wrong.
  CHECK(client.events_[sched::Event::SUBSCRIBED] == framework_count);
  CHECK(client.events_[sched::Event::HEARTBEAT] >= framework_count);
  CHECK(client.events_[sched::Event::ERROR] == 0);
  CHECK(client.events_[sched::Event::FAILURE] == 0);
  CHECK(client.events_[sched::Event::RESCIND] == 0);
  CHECK(client.errors_.empty());

  // Each task went STARTING -> RUNNING -> FINISHED, each update exactly once.
  CHECK(client.updates_[v1::TASK_STARTING] == total_tasks);
  CHECK(client.updates_[v1::TASK_RUNNING] == total_tasks);
  CHECK(client.updates_[v1::TASK_FINISHED] == total_tasks);
  CHECK(client.updates_.size() == 3);
  CHECK(client.duplicate_updates_ == 0);
  CHECK(client.updates_without_uuid_ == 0);

  // All 10,000 were RUNNING at the same time: GET /state showed it, and by
  // the updates' timestamps the last task started before the first finished.
  INFO("GET /state polls: " << client.state_polls_);
  CHECK(client.max_running_in_state_ == total_tasks);
  CHECK(client.last_running_at_ < client.first_finished_at_);

  // Every call was answered 202: 3 acknowledgements per task, a SUPPRESS per
  // framework, and the offers' ACCEPTs and DECLINEs.
  CHECK(client.calls_[sched::Call::ACKNOWLEDGE] == 3 * total_tasks);
  CHECK(client.calls_[sched::Call::SUPPRESS] == framework_count);
  CHECK(client.calls_[sched::Call::ACCEPT] >= framework_count);
  int calls = 0;
  for (const auto& [type, n] : client.calls_) {
    if (type != sched::Call::SUBSCRIBE) calls += n;
  }
  CHECK(client.answer_status_.size() == 1);
  CHECK(client.answer_status_[202] == calls);

  // The master still answers /state: no task left, 10,000 finished.
  auto state = get_state(master.port());
  CHECK(state["frameworks"].size() == framework_count);
  CHECK(state["tasks"].empty());
  REQUIRE(state["completed_tasks"].size() == total_tasks);
  int finished = 0;
  for (const auto& task : state["completed_tasks"]) finished += task["state"] == "TASK_FINISHED";
  CHECK(finished == total_tasks);

  // The master logged every scheduler call with the status it answered.
  int subscribes = 0, accepted = 0, other = 0;
  for (const auto& entry : master->call_log()) {
    if (entry.call_type == "SUBSCRIBE" && entry.status == 200) {
      ++subscribes;
    } else if (!entry.call_type.empty() && entry.status == 202) {
      ++accepted;
    } else if (!entry.call_type.empty()) {
      ++other;
    }
  }
  CHECK(subscribes == framework_count);
  CHECK(accepted == calls);
  CHECK(other == 0);

  // TEARDOWN ends each of the 100 streams with its terminating chunk.
  client.teardown();
  for (const auto& failure : client.failures_) UNSCOPED_INFO(failure);
  CHECK(client.failures_.empty());
  CHECK_FALSE(client.timed_out_);
  auto after = get_state(master.port());
  int removed = 0;
  for (const auto& f : after["frameworks"]) removed += f["status"] == "removed";
  CHECK(removed == framework_count);
}
