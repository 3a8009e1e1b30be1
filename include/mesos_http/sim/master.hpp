// mesos-http simulator: a simulated Mesos master speaking the real v1
// Scheduler API over HTTP.
//
// `sim::master` listens on a TCP port and serves, like a Mesos master:
//   POST /api/v1/scheduler and /master/api/v1/scheduler   the Scheduler API
//   GET  /state                                           the cluster as JSON
//   GET  /redirect and /master/redirect                   307 to the leader
//   /sim/faults, /sim/leader, /sim/agents/<id>/remove, /sim/calls
//                                 control endpoints (docs/simulator.md)
// Requests are checked exactly as Mesos checks them (see
// <mesos_http/sim/scheduler_endpoint.hpp>); SUBSCRIBE answers 200 with a
// chunked RecordIO event stream, one record per chunk, in the content type
// the Accept header asked for, with a HEARTBEAT right after SUBSCRIBED and
// then every `heartbeat_interval`. The cluster behind it is a
// `sim::cluster`.
//
// Faults can be injected at any time (`set_faults`, or `POST /sim/faults`)
// to test how a framework copes with a broken master: see `fault_settings`.
// With `master_config::exec` command tasks run as real processes.
//
// Threading: the master runs on the executor it is given, inside its own
// strand; every public member function may be called from any thread.
// Lifetime: `stop()` (or destruction) closes the listener and every
// connection; the executor's `run()` then returns once nothing else is
// pending. In exec mode, `stop()` of the last running master of a cluster
// kills and reaps every task process before it returns. Destroy masters
// before their executor's execution context.
#ifndef MESOS_HTTP_SIM_MASTER_HPP
#define MESOS_HTTP_SIM_MASTER_HPP

#include <mesos_http/sim/cluster.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::sim {

/// Faults the master injects, to test clients against a broken master.
/// Counters count down as they are used; zero means "off".
struct fault_settings {
  /// Answer the next N requests (any path) with `fail_status` and the body
  /// "Injected failure".
  unsigned fail_next_requests = 0;
  unsigned fail_status = 503;
  /// Wait this long before answering each request (and before a stream's
  /// response header).
  std::chrono::milliseconds response_delay{0};
  /// Send no HEARTBEAT events on any stream.
  bool stop_heartbeats = false;
  /// Close each new subscription stream abruptly (no terminating chunk) after
  /// this many events (0 = never).
  unsigned cut_stream_after_events = 0;
  /// Close each new subscription stream abruptly once this many body bytes
  /// (chunk framing included) have been written (0 = never).
  std::uint64_t cut_stream_at_byte = 0;
  /// Write this text into every stream (as the data of one chunk, not as a
  /// record) before the next event, once.
  std::string garbage;
  /// Re-chunk every stream's body into chunks of this many bytes, ignoring
  /// record boundaries (0 = one record per chunk, as Mesos does).
  std::size_t chunk_size = 0;
};

/// One request as the master saw it, for tests to assert on.
struct call_log_entry {
  std::string method;
  std::string target;
  /// The scheduler Call type name ("SUBSCRIBE", ...) when the body decoded.
  std::string call_type;
  std::string framework_id;
  unsigned status = 0;
};

/// What an exec-mode task's process left behind (see `exec_settings`).
struct task_process_exit {
  std::string framework_id;
  std::string task_id;
  /// The task's sandbox directory (it holds the `stdout` and `stderr` files).
  std::string sandbox;
  int pid = 0;
  /// The process's raw wait status and its text as Mesos's command executor
  /// words it after "Command " ("exited with status 3", "terminated with
  /// signal Killed").
  int wait_status = 0;
  std::string status;
  /// The first 64 KiB of what the process wrote to stdout.
  std::string stdout_text;
};

/// Running command tasks as real local processes (`mesos-http sim --exec`).
///
/// A task launched with the command executor and a `command` runs as a child
/// process of the simulator: `/bin/sh -c <value>` when `shell` is true (the
/// default), else `<value>` (looked up in PATH) with `arguments` as argv. It
/// runs in its own process group, in a sandbox directory
/// `<work_dir>/agents/<agent id>/frameworks/<framework id>/executors/<executor id>/runs/<container
/// id>` that is also its working directory, with stdout and stderr in the files `stdout` and
/// `stderr` there and stdin from /dev/null. Its environment is the simulator's plus
/// MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_SLAVE_ID, MESOS_AGENT_ID, MESOS_TASK_ID,
/// MESOS_DIRECTORY, MESOS_SANDBOX, MESOS_ALLOCATION_ROLE and then the CommandInfo's environment
/// variables. Updates follow the command executor: TASK_STARTING, TASK_RUNNING once spawned, then
/// TASK_FINISHED (exit 0), TASK_KILLED (after a KILL) or TASK_FAILED, with "Command exited with
/// status N" / "Command terminated with signal <name>". KILL sends SIGTERM to the process group and
/// SIGKILL after the kill policy's grace period (3 s by default). When the task's main process
/// ends, whatever is left of its process group is killed. Stopping the (last) master, removing an
/// agent or a framework kills and reaps the processes concerned; none outlives the simulator.
struct exec_settings {
  /// Run command tasks as processes (sets `cluster_config::exec_tasks`).
  bool enabled = false;
  /// Where the sandboxes go. Empty: a fresh directory
  /// `$TMPDIR/mesos-http-sim-XXXXXX`, removed when the cluster goes away;
  /// a given directory is created if needed and kept.
  std::string work_dir;
  /// Called once per process that ended (not for those killed by `stop()`),
  /// from a thread running the master's executor, outside every lock.
  std::function<void(const task_process_exit&)> on_exit;
};

/// Configuration of a simulated master.
struct master_config {
  /// Address and port to listen on; port 0 picks a free port.
  std::string address = "127.0.0.1";
  unsigned short port = 5050;
  /// The cluster behind the master.
  cluster_config cluster;
  /// HEARTBEAT interval announced in SUBSCRIBED and used on every stream.
  std::chrono::milliseconds heartbeat_interval{15000};
  /// HTTP framework authentication (principal -> secret); empty = off.
  std::map<std::string, std::string> credentials;
  /// Largest request body accepted; bigger requests get 413 and the
  /// connection is closed.
  std::size_t max_body_size = 16 * 1024 * 1024;
  /// If set, the raw RecordIO event stream (the bodies of all subscription
  /// streams, without HTTP chunk framing) is appended to this file.
  std::string record_file;
  /// Real processes for command tasks; off by default (tasks follow their
  /// scripts, see `cluster_config`).
  exec_settings exec;
};

/// A cluster shared by several masters (see `sim::ensemble`): only the
/// leading master serves it. Create with `make_shared_cluster`.
class shared_cluster;

/// A cluster that several masters can share; `now` starts its clock.
std::shared_ptr<shared_cluster> make_shared_cluster(const cluster_config& config);

/// A random version-4 UUID in canonical form, as Mesos uses for stream ids
/// and master ids. Thread-safe.
std::string random_uuid();

/// A simulated Mesos master. See the file comment.
class master {
 public:
  /// Creates the master with a cluster of its own (`config.cluster`); it
  /// does not listen until `start()`.
  master(boost::asio::any_io_executor executor, master_config config);

  /// Creates a master serving `cluster`, shared with other masters
  /// (`config.cluster` is then ignored). Starts as leader.
  master(boost::asio::any_io_executor executor, master_config config,
         std::shared_ptr<shared_cluster> cluster);
  ~master();
  master(const master&) = delete;
  master& operator=(const master&) = delete;

  /// Binds and listens. Returns the error (e.g. address in use) if that
  /// fails. Safe to call once.
  boost::system::error_code start();

  /// The port listened on (the chosen one when the config said 0).
  unsigned short port() const;

  /// "host:port" of this master, as a client would use it.
  std::string endpoint() const;

  /// Stops listening and closes every connection and stream.
  void stop();

  /// Replaces the fault settings.
  void set_faults(const fault_settings& faults);

  /// Leadership: when `leading` is false the master answers every
  /// scheduler request with 307 to `leader` ("host:port") or, without one,
  /// 503 "No leader elected". A master that stops leading drops its
  /// subscription streams abruptly, as a dying Mesos master does; their
  /// frameworks become disconnected in the cluster.
  void set_leader(bool leading, std::optional<std::string> leader = std::nullopt);

  /// Fault injection: an agent is lost (see `cluster::remove_agent`).
  void remove_agent(const std::string& agent_id);

  /// Fault injection, exec mode: the agent restarts (it keeps its state, as
  /// an agent recovering from its checkpoint does). The streams of its real
  /// executors end, every executor call is answered 503 for `downtime`, and
  /// then the executors may subscribe again, re-sending what was not
  /// acknowledged. False for an unknown agent or without exec mode.
  bool restart_agent(const std::string& agent_id, std::chrono::milliseconds downtime);

  /// What `POST /sim/leader` with `{"leader": K}` (or `null`) does: returns
  /// an error text for a 400 answer, or nothing once the leadership is
  /// changed. Called on the master's strand. Without a handler a lone master
  /// treats 0 as "lead" and null as "no leader elected"; `sim::ensemble`
  /// installs one that calls its `elect`. An empty function restores the
  /// default.
  using election_handler =
      std::function<std::optional<std::string>(std::optional<std::size_t> leader)>;
  void set_election_handler(election_handler handler);

  /// Exec mode: the pids of the task processes still running (each leads
  /// its own process group), and the directory holding the sandboxes. Empty
  /// when exec mode is off or before `start()`.
  std::vector<int> task_processes() const;
  std::string work_dir() const;

  /// Every request handled so far, in order.
  std::vector<call_log_entry> call_log() const;

  /// The cluster state as JSON text (what GET /state answers).
  std::string state_json() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_MASTER_HPP
