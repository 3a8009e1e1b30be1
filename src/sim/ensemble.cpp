#include <mesos_http/sim/ensemble.hpp>

namespace mesos_http::sim {

ensemble::ensemble(boost::asio::any_io_executor executor, const master_config& base,
                   std::size_t count) {
  cluster_config shared_config = base.cluster;
  shared_config.heartbeat_interval = base.heartbeat_interval;
  auto cluster = make_shared_cluster(shared_config);
  for (std::size_t i = 0; i < count; ++i) {
    master_config config = base;
    if (base.port != 0) config.port = static_cast<unsigned short>(base.port + i);
    masters_.push_back(std::make_unique<master>(executor, config, cluster));
  }
}

boost::system::error_code ensemble::start() {
  for (auto& m : masters_) {
    if (auto ec = m->start()) return ec;
  }
  elect(masters_.empty() ? std::nullopt : std::optional<std::size_t>(0));
  return {};
}

void ensemble::elect(std::optional<std::size_t> leader) {
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

std::vector<std::string> ensemble::endpoints() const {
  std::vector<std::string> out;
  for (const auto& m : masters_) out.push_back(m->endpoint());
  return out;
}

void ensemble::stop() {
  for (auto& m : masters_) m->stop();
}

}  // namespace mesos_http::sim
