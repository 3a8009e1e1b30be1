// mesos-http simulator (private): the agent's process launcher for exec mode.
// It carries out the cluster's process actions (start, kill, destroy) with
// real child processes and reports their exits.
//
// Each task runs in its own process group (so kills reach everything it
// started) in a sandbox directory under the work directory. Spawning is
// fork + exec with the child's setup prepared beforehand; exits are watched
// without blocking: a pidfd (pidfd_open) waited on through the executor, or,
// where the kernel has none, a short polling timer. Only the pids started
// here are ever waited for, so several runners (and other code) can live in
// one process — as long as nothing else reaps them (SIGCHLD must not be
// ignored, and no one may call waitpid(-1)).
//
// Thread safety: every member function may be called from any thread; one
// mutex guards the state. Reports and `exec_settings::on_exit` are called
// without that mutex held. Lifetime: destruction (or `stop()`) kills and
// reaps every process; it must happen before the executor's context is
// destroyed.
#ifndef MESOS_HTTP_SIM_PROCESS_RUNNER_HPP
#define MESOS_HTTP_SIM_PROCESS_RUNNER_HPP

#include <mesos_http/sim/master.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::sim::detail {

/// What became of a process, for `cluster::process_*`.
struct process_report {
  enum class kind { started, failed, exited };
  kind what = kind::started;
  std::uint64_t process = 0;
  int pid = 0;          ///< started, exited
  int wait_status = 0;  ///< exited
  std::string error;    ///< failed
};

class process_runner : public std::enable_shared_from_this<process_runner> {
 public:
  /// `on_report` receives the `exited` reports (started/failed ones are
  /// returned by `apply`).
  process_runner(boost::asio::any_io_executor executor, exec_settings settings,
                 std::function<void(const process_report&)> on_report);
  ~process_runner();
  process_runner(const process_runner&) = delete;
  process_runner& operator=(const process_runner&) = delete;

  /// Creates the work directory; the error text on failure.
  std::optional<std::string> open();

  /// Carries out one action. A `start` returns its `started` or `failed`
  /// report; kill and destroy return nothing.
  std::vector<process_report> apply(const process_action& action);

  /// Kills (SIGKILL) and reaps every process, and refuses later starts.
  void stop();

  /// The work directory (after `open`).
  std::string work_dir() const;

  /// Pids of the processes still running.
  std::vector<int> pids() const;

  /// Tests: watch exits by polling even where pidfds exist.
  void force_polling() { use_pidfd_ = false; }

 private:
  struct child;
  process_report start(const process_action& action);
  void kill(const process_action& action);
  void watch(const std::shared_ptr<child>& c);
  void poll(const std::shared_ptr<child>& c);
  void on_exit_signalled(std::uint64_t process);
  void escalate(const std::shared_ptr<child>& c);
  void finish(const std::shared_ptr<child>& c, int wait_status);

  boost::asio::any_io_executor executor_;
  exec_settings settings_;
  std::function<void(const process_report&)> on_report_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::shared_ptr<child>> children_;
  std::string work_dir_;
  bool own_work_dir_ = false;
  bool stopped_ = false;
  bool use_pidfd_ = true;
  std::uint64_t runner_id_;  // part of each process's container id
};

}  // namespace mesos_http::sim::detail

#endif  // MESOS_HTTP_SIM_PROCESS_RUNNER_HPP
