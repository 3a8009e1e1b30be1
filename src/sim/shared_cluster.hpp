// mesos-http simulator (private): the cluster that one or several masters
// serve, with what they share besides it — the lock, and in exec mode the
// agents' process runner and a way for it to wake the masters.
#ifndef MESOS_HTTP_SIM_SHARED_CLUSTER_HPP
#define MESOS_HTTP_SIM_SHARED_CLUSTER_HPP

#include <mesos_http/sim/master.hpp>

#include "sim/process_runner.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
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

  /// Creates the runner once (takes `mutex`); an error text if its work
  /// directory cannot be made.
  std::optional<std::string> ensure_runner(const boost::asio::any_io_executor& executor,
                                           const exec_settings& settings);

 private:
  // A process ended: tell the cluster, then wake the masters.
  void exited(const detail::process_report& report);
};

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_SHARED_CLUSTER_HPP
