#include "sim/shared_cluster.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <random>

namespace mesos_http::sim {

std::string random_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    auto byte = static_cast<unsigned>(rng() & 0xff);
    if (i == 6) byte = (byte & 0x0f) | 0x40;  // version 4
    if (i == 8) byte = (byte & 0x3f) | 0x80;  // RFC 4122 variant
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[byte >> 4];
    out += hex[byte & 15];
  }
  return out;
}

shared_cluster::shared_cluster(const cluster_config& config) : state(config, sim_clock::now()) {}

std::optional<std::string> shared_cluster::ensure_runner(
    const boost::asio::any_io_executor& executor, const exec_settings& settings) {
  std::shared_ptr<detail::process_runner> created;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (runner) return std::nullopt;
    std::weak_ptr<shared_cluster> weak = weak_from_this();
    runner = created = std::make_shared<detail::process_runner>(
        executor, settings, [weak](const detail::process_report& report) {
          if (auto self = weak.lock()) self->exited(report);
        });
  }
  if (auto error = created->open()) return error;
  return start_agents(executor);
}

// Runs on an executor thread without the runner's lock, so taking ours is
// safe; the masters pump on their own strands.
void shared_cluster::exited(const detail::process_report& report) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    state.process_exited(report.process, report.wait_status, sim_clock::now());
  }
  flush_executor_events();
  wake_masters();
}

void shared_cluster::wake_masters() {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard<std::mutex> lock(mutex);
    wake = wakers;
  }
  for (const auto& w : wake) w();
}

// --- the agents' executor API (real executors) ---

agent_server_config shared_cluster::agent_config(const std::string& agent_id) {
  // The listeners' handlers run on their strands with no lock held: each
  // takes the cluster's lock for the call, then sends what it produced.
  std::weak_ptr<shared_cluster> weak = weak_from_this();
  auto with_cluster = [weak](auto&& action) {
    auto self = weak.lock();
    if (!self) return;
    {
      std::lock_guard<std::mutex> lock(self->mutex);
      action(self->state, sim_clock::now());
    }
    self->flush_executor_events();
    self->wake_masters();
  };
  agent_server_config config;
  config.jwt_secret = executor_secret_;
  config.on_subscribe = [with_cluster, agent_id](const std::string& framework_id,
                                                 const std::string& executor_id,
                                                 const mesos::v1::executor::Call& call) {
    with_cluster([&](cluster& c, time_point now) {
      c.executor_subscribed(agent_id, framework_id, executor_id, call, now);
    });
  };
  config.on_update = [with_cluster, agent_id](const std::string& framework_id,
                                              const std::string& executor_id,
                                              const mesos::v1::TaskStatus& status) {
    with_cluster([&](cluster& c, time_point now) {
      c.executor_update(agent_id, framework_id, executor_id, status, now);
    });
  };
  config.on_message = [with_cluster, agent_id](const std::string& framework_id,
                                               const std::string& executor_id,
                                               const std::string& data) {
    with_cluster([&](cluster& c, time_point) {
      c.executor_message(agent_id, framework_id, executor_id, data);
    });
  };
  return config;
}

std::optional<std::string> shared_cluster::start_agents(
    const boost::asio::any_io_executor& executor) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mutex);
    executor_ = executor;
    executor_secret_ = random_uuid();
    ids = state.agent_ids();
  }
  // Readers take `mutex` (directly or through the cluster) before they
  // look at the listeners, so publishing them under it is enough.
  std::map<std::string, std::unique_ptr<agent_server>> started;
  for (const auto& id : ids) {
    auto server = std::make_unique<agent_server>(executor, agent_config(id));
    if (auto ec = server->start()) {
      return "agent " + id + " cannot listen for executors: " + ec.message();
    }
    started.emplace(id, std::move(server));
  }
  std::lock_guard<std::mutex> lock(mutex);
  agents_ = std::move(started);
  agents_started_.store(true, std::memory_order_release);
  return std::nullopt;
}

void shared_cluster::prepare_executor(process_action& action) {
  auto it = agents_.find(action.agent_id);
  if (it == agents_.end()) return;  // the start fails for want of an agent to talk to
  it->second->expect_executor(action.framework_id, action.executor_id, action.container_id);
  auto set = [&](const std::string& name, const std::string& value) {
    auto* variable = action.command.mutable_environment()->add_variables();
    variable->set_name(name);
    variable->set_value(value);
  };
  set("MESOS_AGENT_ENDPOINT", "127.0.0.1:" + std::to_string(it->second->port()));
  set("MESOS_EXECUTOR_AUTHENTICATION_TOKEN",
      make_executor_token(executor_secret_, action.framework_id, action.executor_id,
                          action.container_id));
}

void shared_cluster::flush_executor_events() {
  // Called by every pass of every master's loop: without exec mode's agent
  // listeners there is never anything to flush, and no lock is taken.
  if (!agents_started_.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> order(flush_mutex_);
  std::vector<executor_delivery> out;
  {
    std::lock_guard<std::mutex> lock(mutex);
    out = state.take_executor_deliveries();
  }
  for (const auto& d : out) {
    auto it = agents_.find(d.agent_id);
    // An executor without a stream misses the event, as with a real agent.
    if (it != agents_.end()) it->second->send(d.framework_id, d.executor_id, d.event);
  }
}

bool shared_cluster::restart_agent(const std::string& agent_id,
                                   std::chrono::milliseconds downtime) {
  agent_server* server = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = agents_.find(agent_id);
    if (it == agents_.end()) return false;
    server = it->second.get();
  }
  server->set_recovery(false, false);
  server->close_streams();
  auto timer = std::make_shared<boost::asio::steady_timer>(executor_, downtime);
  {
    std::lock_guard<std::mutex> lock(mutex);
    restarts_.push_back(timer);
  }
  std::weak_ptr<shared_cluster> weak = weak_from_this();
  timer->async_wait([timer, weak, server](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!ec && self) server->set_recovery(true, false);
  });
  return true;
}

void shared_cluster::stop_agents() {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto& [id, server] : agents_) server->stop();
  for (const auto& restart : restarts_) {
    // On the executor: a timer is not to be touched by two threads at once.
    if (auto timer = restart.lock()) boost::asio::post(executor_, [timer] { timer->cancel(); });
  }
  restarts_.clear();
}

}  // namespace mesos_http::sim
