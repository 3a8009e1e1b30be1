#include <mesos_http/sim/ensemble.hpp>

namespace mesos_http::sim {

ensemble::ensemble(boost::asio::any_io_executor executor, const master_config& base,
                   std::size_t count)
    : control_(std::make_shared<control>()) {
  cluster_config shared_config = base.cluster;
  shared_config.heartbeat_interval = base.heartbeat_interval;
  shared_config.exec_tasks = shared_config.exec_tasks || base.exec.enabled;
  auto cluster = make_shared_cluster(shared_config);
  control_->owner = this;
  for (std::size_t i = 0; i < count; ++i) {
    master_config config = base;
    if (base.port != 0) config.port = static_cast<unsigned short>(base.port + i);
    masters_.push_back(std::make_unique<master>(executor, config, cluster));
    // POST /sim/leader on any master moves the leadership of all of them.
    std::weak_ptr<control> weak = control_;
    std::size_t size = count;
    masters_.back()->set_election_handler(
        [weak, size](std::optional<std::size_t> leader) -> std::optional<std::string> {
          if (leader && *leader >= size) {
            return "No master " + std::to_string(*leader) + " (there are " + std::to_string(size) +
                   ")";
          }
          auto c = weak.lock();
          if (!c) return std::string("The ensemble is gone");
          std::lock_guard<std::mutex> lock(c->mutex);
          if (!c->owner) return std::string("The ensemble is gone");
          c->owner->elect_locked(leader);
          return std::nullopt;
        });
  }
}

ensemble::~ensemble() {
  {
    std::lock_guard<std::mutex> lock(control_->mutex);
    control_->owner = nullptr;
  }
  stop();
}

boost::system::error_code ensemble::start() {
  for (auto& m : masters_) {
    if (auto ec = m->start()) return ec;
  }
  elect(masters_.empty() ? std::nullopt : std::optional<std::size_t>(0));
  return {};
}

void ensemble::elect(std::optional<std::size_t> leader) {
  std::lock_guard<std::mutex> lock(control_->mutex);
  elect_locked(leader);
}

void ensemble::elect_locked(std::optional<std::size_t> leader) {
  if (leader && *leader >= masters_.size()) return;
  std::optional<std::string> endpoint;
  if (leader) endpoint = masters_[*leader]->endpoint();
  // Followers first, so that the old leader's streams are gone before the
  // new leader starts serving the shared cluster.
  for (std::size_t i = 0; i < masters_.size(); ++i) {
    if (!leader || i != *leader) masters_[i]->set_leader(false, endpoint);
  }
  if (leader) masters_[*leader]->set_leader(true);
  leader_ = leader;
}

std::optional<std::size_t> ensemble::leader() const {
  std::lock_guard<std::mutex> lock(control_->mutex);
  return leader_;
}

std::vector<std::string> ensemble::endpoints() const {
  std::vector<std::string> out;
  for (const auto& m : masters_) out.push_back(m->endpoint());
  return out;
}

void ensemble::stop() {
  for (auto& m : masters_) m->stop();
}

}  // namespace mesos_http::sim
