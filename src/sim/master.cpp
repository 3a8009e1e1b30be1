// The simulated master: accepts connections, routes requests, and moves
// events from the cluster to the subscription streams. All state lives on
// one strand; `mutex_` only guards what public accessors read from other
// threads (cluster state, call log).
#include <mesos_http/sim/master.hpp>

#include "sim/master_control.hpp"
#include "sim/master_session.hpp"
#include "sim/process_runner.hpp"
#include "sim/shared_cluster.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <set>

namespace mesos_http::sim {

namespace {

using detail::request_type;
using detail::session;
using detail::tcp;
namespace sched = mesos::v1::scheduler;

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::optional<std::string_view> header(const request_type& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

std::shared_ptr<shared_cluster> make_shared_cluster(const cluster_config& config) {
  return std::make_shared<shared_cluster>(config);
}

struct master::impl : detail::session_owner,
                      detail::control_target,
                      std::enable_shared_from_this<master::impl> {
  // One open subscription stream.
  struct stream_entry {
    std::uint64_t number = 0;
    std::string id;  // Mesos-Stream-Id
    content_type type = content_type::json;
    std::weak_ptr<session> connection;
  };

  impl(boost::asio::any_io_executor executor, master_config config,
       std::shared_ptr<shared_cluster> shared)
      : strand(boost::asio::make_strand(executor)),
        acceptor(strand),
        cluster_timer(strand),
        config(std::move(config)),
        shared(shared ? std::move(shared) : make_shared_cluster(this->config.cluster)),
        mutex(this->shared->mutex),
        the_cluster(this->shared->state) {
    if (!this->config.record_file.empty()) {
      recording.open(this->config.record_file, std::ios::binary | std::ios::app);
    }
  }

  // --- accepting ---
  void accept() {
    acceptor.async_accept(strand, [self = shared_from_this()](boost::system::error_code ec,
                                                              tcp::socket socket) {
      if (!self->acceptor.is_open()) return;
      if (!ec) {
        auto s = std::make_shared<session>(std::move(socket), *self, self->config.max_body_size);
        // Sessions keep themselves alive through their pending operations;
        // the list only lets stop() reach them, so forget the finished ones.
        self->sessions.remove_if([](const std::weak_ptr<session>& w) { return w.expired(); });
        self->sessions.push_back(s);
        s->start();
      }
      self->accept();
    });
  }

  // --- requests ---
  void on_request(const std::shared_ptr<session>& s, request_type request) override {
    std::string_view path =
        path_of(std::string_view(request.target().data(), request.target().size()));
    if (detail::is_control_path(path)) {  // never delayed, failed or logged
      auto answer = detail::control_request(
          std::string_view(request.method_string().data(), request.method_string().size()), path,
          request.body(), *this);
      s->answer(detail::format_answer(answer), !request.keep_alive());
      return;
    }
    if (faults.response_delay.count() > 0) {
      auto timer = std::make_shared<boost::asio::steady_timer>(strand, faults.response_delay);
      timer->async_wait([self = shared_from_this(), s, timer,
                         request = std::move(request)](boost::system::error_code) mutable {
        self->route(s, std::move(request));
      });
      return;
    }
    route(s, std::move(request));
  }

  void route(const std::shared_ptr<session>& s, request_type request) {
    if (s->closed()) return;
    call_log_entry entry{
        std::string(request.method_string()), std::string(request.target()), {}, {}, 0};
    if (faults.fail_next_requests > 0) {
      --faults.fail_next_requests;
      reply(s, entry, http_answer{faults.fail_status, {}, "Injected failure"}, request);
      return;
    }
    std::string_view path =
        path_of(std::string_view(request.target().data(), request.target().size()));
    if (path == "/api/v1/scheduler" || path == "/master/api/v1/scheduler") {
      scheduler(s, entry, request);
    } else if (path == "/state" || path == "/master/state") {
      http_answer answer{200, {{"Content-Type", "application/json"}}, state_json()};
      reply(s, entry, answer, request);
    } else if (path == "/redirect" || path == "/master/redirect") {
      reply(s, entry, redirect_answer(), request);
    } else {
      reply(s, entry, http_answer{404, {}, ""}, request);
    }
  }

  http_answer redirect_answer() const {
    if (leading) return {307, {{"Location", "//" + endpoint()}}, ""};
    if (leader) return {307, {{"Location", "//" + *leader}}, ""};
    return {503, {}, "No leader elected"};
  }

  void reply(const std::shared_ptr<session>& s, call_log_entry& entry, const http_answer& answer,
             const request_type& request) {
    entry.status = answer.status;
    log(entry);
    bool close = !request.keep_alive() || answer.status == 413;
    s->answer(detail::format_answer(answer), close);
  }

  void scheduler(const std::shared_ptr<session>& s, call_log_entry& entry,
                 const request_type& request) {
    http_request_view view;
    view.method = std::string_view(request.method_string().data(), request.method_string().size());
    view.target = std::string_view(request.target().data(), request.target().size());
    view.content_type = header(request, "Content-Type");
    view.accept = header(request, "Accept");
    view.stream_id = header(request, "Mesos-Stream-Id");
    view.authorization = header(request, "Authorization");
    view.body = request.body();

    scheduler_request checked;
    {
      std::lock_guard<std::mutex> lock(mutex);
      checked = check_scheduler_request(view, master_view_locked());
    }
    const sched::Call& call = checked.call;
    if (call.has_type()) entry.call_type = sched::Call::Type_Name(call.type());
    if (call.has_framework_id()) entry.framework_id = call.framework_id().value();
    if (checked.answer) {
      reply(s, entry, *checked.answer, request);
      return;
    }
    if (call.type() == sched::Call::SUBSCRIBE) {
      subscribe(s, entry, checked);
      return;
    }
    std::optional<std::string> refusal;
    {
      std::lock_guard<std::mutex> lock(mutex);
      refusal = the_cluster.handle(call, sim_clock::now());
    }
    if (call.type() == sched::Call::UPDATE_FRAMEWORK) {
      reply(s, entry, refusal ? http_answer{400, {}, *refusal} : http_answer{200, {}, ""}, request);
    } else {
      reply(s, entry, http_answer{202, {}, ""}, request);
    }
    pump();
  }

  master_view master_view_locked() {
    master_view view;
    view.leading = leading;
    view.leader = leader;
    view.credentials = config.credentials;
    view.framework = [this](const std::string& id) { return the_cluster.status(id); };
    view.framework_principal = [this](const std::string& id) {
      return the_cluster.framework_principal(id);
    };
    view.stream_id = [this](const std::string& id) -> std::optional<std::string> {
      auto number = the_cluster.current_stream(id);
      if (!number) return std::nullopt;
      auto it = streams.find({id, *number});
      if (it == streams.end()) return std::nullopt;
      return it->second.id;
    };
    return view;
  }

  // --- subscriptions ---
  void subscribe(const std::shared_ptr<session>& s, call_log_entry& entry,
                 const scheduler_request& checked) {
    subscription sub;
    {
      std::lock_guard<std::mutex> lock(mutex);
      sub = the_cluster.subscribe(checked.call, sim_clock::now());
    }
    entry.status = 200;
    entry.framework_id = sub.framework_id;
    log(entry);
    std::string stream_id = random_uuid();
    s->start_stream(stream_id, media_type(checked.response_type), faults);
    faults.garbage.clear();  // garbage is written once, into one stream
    if (sub.error) {
      sched::Event error;
      error.set_type(sched::Event::ERROR);
      error.mutable_error()->set_message(*sub.error);
      send(*s, checked.response_type, error);
      s->end_stream();
      pump();
      return;
    }
    s->framework_id = sub.framework_id;
    s->stream_number = sub.stream;
    streams[{sub.framework_id, sub.stream}] =
        stream_entry{sub.stream, stream_id, checked.response_type, s};
    pump();  // SUBSCRIBED (and a failed-over stream's ERROR) go out now
    start_heartbeats(s, checked.response_type);
  }

  void start_heartbeats(const std::shared_ptr<session>& s, content_type type) {
    if (s->closed()) return;
    if (!faults.stop_heartbeats) {
      sched::Event heartbeat;
      heartbeat.set_type(sched::Event::HEARTBEAT);
      send(*s, type, heartbeat);
    }
    s->heartbeat.emplace(strand, config.heartbeat_interval);
    s->heartbeat->async_wait([self = shared_from_this(), s, type](boost::system::error_code ec) {
      if (!ec) self->start_heartbeats(s, type);
    });
  }

  void send(session& s, content_type type, const sched::Event& event) {
    std::string record;
    diagnostics diag;
    if (codec(type).encode_record(event, record, diag)) return;  // cluster events are complete
    if (recording.is_open()) {
      recording.write(record.data(), static_cast<std::streamsize>(record.size()));
      recording.flush();
    }
    s.send_record(record);
  }

  void on_stream_end(const std::shared_ptr<session>& s) override {
    auto it = streams.find({s->framework_id, s->stream_number});
    if (it == streams.end()) return;
    streams.erase(it);
    {
      std::lock_guard<std::mutex> lock(mutex);
      the_cluster.disconnected(s->framework_id, s->stream_number, sim_clock::now());
    }
    pump();
  }

  // --- cluster -> streams ---
  void pump() {
    if (!leading) return;  // a shared cluster is served by its leader only
    for (;;) {
      std::vector<delivery> deliveries;
      std::vector<process_action> actions;
      {
        std::lock_guard<std::mutex> lock(mutex);
        deliveries = the_cluster.take_deliveries();
        actions = the_cluster.take_process_actions();
      }
      for (auto& d : deliveries) deliver(d);
      shared->flush_executor_events();
      if (actions.empty()) break;
      run_processes(actions);  // their reports queue more deliveries
    }
    std::optional<time_point> deadline;
    {
      std::lock_guard<std::mutex> lock(mutex);
      deadline = the_cluster.next_deadline();
    }
    arm(deadline);
  }

  // Exec mode: carries out process actions and tells the cluster how the
  // starts went (exits come later, through shared_cluster::exited).
  void run_processes(const std::vector<process_action>& actions) {
    std::shared_ptr<detail::process_runner> runner;
    {
      std::lock_guard<std::mutex> lock(mutex);
      runner = shared->runner;
    }
    std::vector<detail::process_report> reports;
    for (const auto& a : actions) {
      if (runner && a.executor && a.what == process_action::kind::start) {
        process_action start = a;
        shared->prepare_executor(start);
        auto done = runner->apply(start);
        reports.insert(reports.end(), done.begin(), done.end());
      } else if (runner) {
        auto done = runner->apply(a);
        reports.insert(reports.end(), done.begin(), done.end());
      } else if (a.what == process_action::kind::start) {
        reports.push_back({detail::process_report::kind::failed, a.process, 0, 0,
                           "this master does not run processes (exec mode is off)"});
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& r : reports) {
      if (r.what == detail::process_report::kind::started) {
        the_cluster.process_started(r.process, r.pid, sim_clock::now());
      } else {
        the_cluster.process_failed(r.process, r.error, sim_clock::now());
      }
    }
  }

  void deliver(const delivery& d) {
    auto it = streams.find({d.framework_id, d.stream});
    if (it == streams.end()) return;
    auto s = it->second.connection.lock();
    if (!s) return;
    if (d.event) send(*s, it->second.type, *d.event);
    if (d.close) {
      streams.erase(it);
      s->end_stream();
    }
  }

  void arm(std::optional<time_point> deadline) {
    // After stop() a timer that had already fired may still pump: arming
    // again would keep the executor busy until that deadline.
    if (!deadline || stopped) return;
    if (armed && *armed <= *deadline) return;
    armed = deadline;
    cluster_timer.expires_at(*deadline);
    cluster_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->armed.reset();
      {
        std::lock_guard<std::mutex> lock(self->mutex);
        self->the_cluster.advance(sim_clock::now());
      }
      self->pump();
    });
  }

  void log(const call_log_entry& entry) {
    std::lock_guard<std::mutex> lock(mutex);
    calls.push_back(entry);
  }

  std::string endpoint() const { return config.address + ":" + std::to_string(bound_port); }

  std::string state_json() {
    std::lock_guard<std::mutex> lock(mutex);
    return the_cluster.state_json();
  }

  // SUBSCRIBED's master_info names the leader.
  void advertise() {
    std::lock_guard<std::mutex> lock(mutex);
    the_cluster.set_master_address(config.address, bound_port);
  }

  // Cuts every subscription stream (no terminating chunk).
  void drop_streams() {
    std::vector<std::shared_ptr<session>> open;
    for (auto& [id, entry] : streams) {
      if (auto s = entry.connection.lock()) open.push_back(s);
    }
    for (const auto& s : open) s->close();  // on_stream_end disconnects each
    cluster_timer.cancel();
    armed.reset();
  }

  void stop() {
    stopped = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    cluster_timer.cancel();
    auto all = std::move(sessions);
    sessions.clear();
    streams.clear();
    for (const auto& w : all) {
      if (auto s = w.lock()) s->close();
    }
  }

  // Exec mode: the runner (shared by the masters of a cluster) and a way for
  // it to wake this master when a process ends.
  boost::system::error_code start_processes() {
    auto& owner = *shared;
    if (config.exec.enabled || config.cluster.exec_tasks) {
      if (owner.ensure_runner(strand.get_inner_executor(), config.exec)) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        return make_error_code(boost::system::errc::io_error);
      }
    }
    std::weak_ptr<impl> weak = shared_from_this();
    std::lock_guard<std::mutex> lock(owner.mutex);
    owner.wakers.push_back([weak] {
      if (auto self = weak.lock()) {
        boost::asio::post(self->strand, [self] { self->pump(); });
      }
    });
    ++owner.running_masters;
    running = true;
    return {};
  }

  // --- /sim/ control endpoints (detail::control_target) ---
  fault_settings& control_faults() override { return faults; }

  std::optional<std::string> control_elect(std::optional<std::size_t> index) override {
    if (election) return election(index);
    if (index && *index != 0) return "No master " + std::to_string(*index) + " (there is 1)";
    set_leading(index.has_value(), std::nullopt);
    return std::nullopt;
  }

  // Every master of the cluster is woken: on an ensemble only the leader
  // delivers, and this one may not be it.
  void control_cluster(const std::function<void(cluster&, time_point)>& action) override {
    std::vector<std::function<void()>> wake;
    {
      std::lock_guard<std::mutex> lock(mutex);
      action(the_cluster, sim_clock::now());
      wake = shared->wakers;
    }
    pump();
    for (const auto& w : wake) w();
  }

  std::vector<call_log_entry> control_calls() override {
    std::lock_guard<std::mutex> lock(mutex);
    return calls;
  }

  void set_leading(bool now_leading, std::optional<std::string> new_leader) {
    bool was_leading = leading;
    leading = now_leading;
    leader = std::move(new_leader);
    if (was_leading && !leading) drop_streams();
    if (leading) {
      advertise();
      pump();
    }
  }

  boost::asio::strand<boost::asio::any_io_executor> strand;
  tcp::acceptor acceptor;
  boost::asio::steady_timer cluster_timer;
  std::optional<time_point> armed;
  bool stopped = false;
  master_config config;
  fault_settings faults;
  bool leading = true;
  std::optional<std::string> leader;
  unsigned short bound_port = 0;
  std::list<std::weak_ptr<session>> sessions;
  // Open subscription streams by (framework id, stream number). A framework
  // briefly has two while a new subscription replaces an old one.
  std::map<std::pair<std::string, std::uint64_t>, stream_entry> streams;
  std::ofstream recording;  // --record: the raw event streams

  std::shared_ptr<shared_cluster> shared;
  std::mutex& mutex;  // the cluster's: guards the_cluster (and calls)
  cluster& the_cluster;
  std::vector<call_log_entry> calls;
  master::election_handler election;
  std::atomic<bool> running{false};  // started and not yet stopped
};

namespace {
// SUBSCRIBED announces the interval the master actually beats at; exec mode
// is the cluster's business too.
master_config with_heartbeat(master_config config) {
  config.cluster.heartbeat_interval = config.heartbeat_interval;
  config.cluster.exec_tasks = config.cluster.exec_tasks || config.exec.enabled;
  return config;
}
}  // namespace

master::master(boost::asio::any_io_executor executor, master_config config)
    : impl_(std::make_shared<impl>(std::move(executor), with_heartbeat(std::move(config)),
                                   nullptr)) {}

master::master(boost::asio::any_io_executor executor, master_config config,
               std::shared_ptr<shared_cluster> cluster)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(config), std::move(cluster))) {}

master::~master() { stop(); }

boost::system::error_code master::start() {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(impl_->config.address, ec);
  if (ec) return ec;
  tcp::endpoint endpoint(address, impl_->config.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  impl_->bound_port = acceptor.local_endpoint().port();
  if (auto error = impl_->start_processes()) return error;

  boost::asio::dispatch(impl_->strand, [self = impl_] {
    self->accept();
    if (self->leading) self->advertise();
    self->pump();
  });
  return {};
}

unsigned short master::port() const { return impl_->bound_port; }

std::string master::endpoint() const { return impl_->endpoint(); }

void master::stop() {
  boost::asio::dispatch(impl_->strand, [self = impl_] { self->stop(); });
  if (!impl_->running.exchange(false)) return;
  // The last master of a cluster takes the agents' processes with it, now
  // rather than on the strand, so that none outlives this call.
  std::shared_ptr<detail::process_runner> runner;
  {
    std::lock_guard<std::mutex> lock(impl_->shared->mutex);
    if (--impl_->shared->running_masters == 0) runner = impl_->shared->runner;
  }
  if (runner) runner->stop();
  if (runner) impl_->shared->stop_agents();
}

void master::set_faults(const fault_settings& faults) {
  boost::asio::dispatch(impl_->strand, [self = impl_, faults] { self->faults = faults; });
}

void master::set_leader(bool leading, std::optional<std::string> leader) {
  boost::asio::dispatch(impl_->strand,
                        [self = impl_, leading, leader] { self->set_leading(leading, leader); });
}

void master::set_election_handler(election_handler handler) {
  boost::asio::dispatch(impl_->strand,
                        [self = impl_, handler = std::move(handler)] { self->election = handler; });
}

std::vector<int> master::task_processes() const {
  std::shared_ptr<detail::process_runner> runner;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    runner = impl_->shared->runner;
  }
  return runner ? runner->pids() : std::vector<int>{};
}

std::string master::work_dir() const {
  std::shared_ptr<detail::process_runner> runner;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    runner = impl_->shared->runner;
  }
  return runner ? runner->work_dir() : std::string();
}

bool master::restart_agent(const std::string& agent_id, std::chrono::milliseconds downtime) {
  return impl_->shared->restart_agent(agent_id, downtime);
}

void master::remove_agent(const std::string& agent_id) {
  boost::asio::dispatch(impl_->strand, [self = impl_, agent_id] {
    self->control_cluster([&](cluster& c, time_point now) { c.remove_agent(agent_id, now); });
  });
}

std::vector<call_log_entry> master::call_log() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->calls;
}

std::string master::state_json() const { return impl_->state_json(); }

}  // namespace mesos_http::sim
