// mesos-http simulator: several masters in front of one cluster, for testing
// leader redirects, "no leader" periods and master failover.
//
// Master i listens on `base.port + i` (or on a free port each when
// `base.port` is 0). One master leads at a time; the others answer every
// scheduler request with 307 and `Location: //<leader>/master/api/v1/scheduler`,
// or 503 "No leader elected" while there is no leader. `elect()` changes the
// leader at any time: the old leader drops its subscription streams abruptly
// (as a dying Mesos master does) and frameworks must subscribe again to the
// new one, which knows their tasks (the agents "re-registered").
// `POST /sim/leader` on any master calls `elect()` as well.
//
// Threading: as `sim::master`; `elect` and `leader` may be called from any
// thread. Destroy the ensemble before its executor's execution context.
#ifndef MESOS_HTTP_SIM_ENSEMBLE_HPP
#define MESOS_HTTP_SIM_ENSEMBLE_HPP

#include <mesos_http/sim/master.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::sim {

/// K simulated masters sharing one cluster. See the file comment.
class ensemble {
 public:
  /// `count` masters configured like `base` (ports as in the file comment).
  ensemble(boost::asio::any_io_executor executor, const master_config& base, std::size_t count);
  ~ensemble();
  ensemble(const ensemble&) = delete;
  ensemble& operator=(const ensemble&) = delete;

  /// Starts every master; master 0 leads. Returns the first failure.
  boost::system::error_code start();

  /// Makes master `leader` the leader, or leaves the ensemble without one.
  /// An index out of range changes nothing.
  void elect(std::optional<std::size_t> leader);

  /// The current leader's index, if any.
  std::optional<std::size_t> leader() const;

  /// Master `i`.
  master& at(std::size_t i) { return *masters_.at(i); }
  std::size_t size() const { return masters_.size(); }

  /// "host:port" of every master, in order.
  std::vector<std::string> endpoints() const;

  /// Stops every master.
  void stop();

 private:
  // What the masters' election handlers reach; cut when the ensemble goes.
  struct control {
    std::mutex mutex;
    ensemble* owner = nullptr;
  };
  void elect_locked(std::optional<std::size_t> leader);

  std::vector<std::unique_ptr<master>> masters_;
  std::optional<std::size_t> leader_;  // guarded by control_->mutex
  std::shared_ptr<control> control_;
};

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_ENSEMBLE_HPP
