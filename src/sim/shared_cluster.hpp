// mesos-http simulator (private): the cluster that one or several masters
// serve, with what they share besides it — the lock, and in exec mode the
// agents' process runner, their executor API listeners (real executors) and
// a way for both to wake the masters.
#ifndef MESOS_HTTP_SIM_SHARED_CLUSTER_HPP
#define MESOS_HTTP_SIM_SHARED_CLUSTER_HPP

#include <mesos_http/sim/agent_server.hpp>
#include <mesos_http/sim/master.hpp>

#include "sim/process_runner.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::sim {

class shared_cluster : public std::enable_shared_from_this<shared_cluster> {
 public:
  explicit shared_cluster(const cluster_config& config);

  /// Guards everything below (and each master's call log).
  std::mutex mutex;
  cluster state;
  /// Exec mode: the agents' processes, made by the first master to start.
  std::shared_ptr<detail::process_runner> runner;
  /// One per started master: asks it to pump the cluster's output.
  std::vector<std::function<void()>> wakers;
  /// Masters started and not yet stopped; the last to stop ends the processes.
  std::size_t running_masters = 0;

  /// Creates the runner and the agents' executor API listeners once (takes
  /// `mutex`); an error text if the work directory cannot be made or a
  /// listener cannot start.
  std::optional<std::string> ensure_runner(const boost::asio::any_io_executor& executor,
                                           const exec_settings& settings);

  /// Before a real executor's start action is applied: adds what the agent
  /// gives it (MESOS_AGENT_ENDPOINT, the authentication token) and tells
  /// its agent's listener to expect it. Call without `mutex`.
  void prepare_executor(process_action& action);

  /// Sends the cluster's queued executor events to the agents' listeners,
  /// in the order the cluster queued them. Call without `mutex`.
  void flush_executor_events();

  /// Asks every started master to pump the cluster. Call without `mutex`.
  void wake_masters();

  /// Fault injection: the agent restarts. Its executors' streams end and
  /// for `downtime` every executor call gets 503; then it answers again and
  /// the executors subscribe anew. False for an unknown agent (or no exec
  /// mode).
  bool restart_agent(const std::string& agent_id, std::chrono::milliseconds downtime);

  /// Closes the agents' listeners (with the runner, by the last master).
  void stop_agents();

 private:
  // A process ended: tell the cluster, then wake the masters.
  void exited(const detail::process_report& report);
  std::optional<std::string> start_agents(const boost::asio::any_io_executor& executor);
  agent_server_config agent_config(const std::string& agent_id);

  // Set once by ensure_runner, read-only afterwards.
  boost::asio::any_io_executor executor_;
  std::map<std::string, std::unique_ptr<agent_server>> agents_;
  std::atomic<bool> agents_started_{false};  // agents_ published (exec mode)
  std::string executor_secret_;
  // Pending agent restarts (guarded by `mutex`), cancelled by stop_agents.
  std::vector<std::weak_ptr<boost::asio::steady_timer>> restarts_;
  // Held while taking and sending executor events, so that batches taken
  // by different threads go out in the order they were taken.
  std::mutex flush_mutex_;
};

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_SHARED_CLUSTER_HPP
