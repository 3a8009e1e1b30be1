#include "sim/shared_cluster.hpp"

namespace mesos_http::sim {

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
  return created->open();
}

// Runs on an executor thread without the runner's lock, so taking ours is
// safe; the masters pump on their own strands.
void shared_cluster::exited(const detail::process_report& report) {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard<std::mutex> lock(mutex);
    state.process_exited(report.process, report.wait_status, sim_clock::now());
    wake = wakers;
  }
  for (const auto& w : wake) w();
}

}  // namespace mesos_http::sim
