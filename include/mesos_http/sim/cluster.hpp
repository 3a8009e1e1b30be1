// mesos-http simulator: the cluster behind the simulated master.
//
// `sim::cluster` is the master's bookkeeping with no I/O and no clock of its
// own: frameworks and their subscriptions, agents and their resources, offers,
// tasks and their status updates, maintenance windows and inverse offers.
// Every operation takes the current time as an argument, and `advance(now)`
// fires whatever became due (task progress, re-sent unacknowledged updates,
// expired offer filters, failover timeouts).
// The HTTP server (`sim::master`) validates requests, calls into the cluster
// and writes the resulting events to the right subscription streams; tests
// drive the cluster directly with time as data.
//
// Thread safety: none; the server calls it from one strand.
#ifndef MESOS_HTTP_SIM_CLUSTER_HPP
#define MESOS_HTTP_SIM_CLUSTER_HPP

#include <mesos/v1/mesos.pb.h>
#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::sim {

using sim_clock = std::chrono::steady_clock;
using time_point = sim_clock::time_point;
using duration = sim_clock::duration;

/// One simulated agent.
struct agent_config {
  /// Host name reported in offers; empty = "agent-<n>.sim".
  std::string hostname;
  /// Total resources in Mesos's text form, e.g.
  /// "cpus:4;mem:8192;disk:10000;ports:[31000-32000]".
  std::string resources = "cpus:4;mem:8192;disk:10000;ports:[31000-32000]";
  /// Text attributes, e.g. {"rack", "r1"}.
  std::map<std::string, std::string> attributes;
};

/// How the simulated cluster behaves.
///
/// Task scripts. A command task "runs" the text of its `command.value` (for
/// a task with a custom executor and no command of its own, the executor's
/// `command.value`). The text is split into steps at ';', '&&' and newlines:
///   - `sleep <seconds>` adds that much running time (fractions allowed);
///   - `exit <code>` ends the script with that exit code;
///   - `true` does nothing; `false` ends the script with exit code 1;
///   - any other step takes no time.
/// A script without any of these words runs for `task_run_time`. Exit code
/// 0 ends in TASK_FINISHED, anything else in TASK_FAILED; both carry the
/// message "Command exited with status <code>". So `sleep 2` runs 2 s and
/// finishes, `exit 3` (or `false`) fails right after TASK_RUNNING, `true`
/// finishes right after TASK_RUNNING, and `echo hi` runs `task_run_time`.
/// Every task first spends `task_step_delay` in TASK_STAGING (never sent)
/// and another `task_step_delay` in TASK_STARTING before TASK_RUNNING.
struct cluster_config {
  /// The master's id (a UUID string); framework, agent and offer ids are
  /// derived from it as Mesos does ("<id>-0000", "<id>-S0", "<id>-O0").
  std::string master_id = "5e1c7a62-3f0d-4b8e-a1c4-2d9f0e7b6a31";
  /// The agents; ids are assigned in order ("<master id>-S<n>").
  std::vector<agent_config> agents = {agent_config{}};
  /// A command task goes STAGING -> STARTING -> RUNNING after this delay
  /// each, then runs for `task_run_time` and finishes (TASK_FINISHED), unless
  /// its command says otherwise (see docs/simulator.md).
  duration task_step_delay = std::chrono::milliseconds(10);
  duration task_run_time = std::chrono::milliseconds(100);
  /// First re-send of an unacknowledged status update; doubles up to 10 min,
  /// as the agent does.
  duration update_retry_interval = std::chrono::seconds(10);
  /// Offers not answered within this time are rescinded (0 = never).
  duration offer_timeout = duration::zero();
  /// Offers are made in allocation rounds at most this often (Mesos's
  /// `--allocation_interval`, 1 s). A SUBSCRIBE, REVIVE or UPDATE_FRAMEWORK
  /// asks for a round right away; resources that come back (DECLINE, ACCEPT
  /// leftovers, finished tasks, expired filters) wait for the next round.
  duration allocation_interval = std::chrono::seconds(1);
  /// Unix time (seconds) that status updates report for the `now` given to
  /// the constructor; later timestamps add the time elapsed since then, so
  /// they are deterministic in tests.
  double start_timestamp = 1700000000.0;
  /// Seed of the generator behind status update uuids and container ids.
  std::uint64_t random_seed = 1;
  /// What SUBSCRIBED reports as `heartbeat_interval_seconds`; the HEARTBEAT
  /// events themselves are the server's job.
  duration heartbeat_interval = std::chrono::seconds(15);
  /// What SUBSCRIBED reports in `master_info` (see also
  /// `cluster::set_master_address`).
  std::string master_hostname = "127.0.0.1";
  std::string master_ip = "127.0.0.1";
  unsigned short master_port = 5050;
  std::string master_version = "1.11.1";
  /// Run command tasks for real instead of following their script: a task
  /// that uses the command executor and has a `command` gets TASK_STARTING,
  /// then the cluster asks for a process (`take_process_actions`) and
  /// reports what the caller tells it (`process_started`, `process_failed`,
  /// `process_exited`). Task groups and custom executors stay scripted.
  /// `sim::master` does the process work when `master_config::exec` is on.
  bool exec_tasks = false;
  /// Exec mode: the command that runs DEFAULT executors (LAUNCH_GROUP) as
  /// real processes speaking the executor API (e.g. the command_executor
  /// example). Unset: task groups follow their scripts.
  std::optional<mesos::v1::CommandInfo> default_executor;
  /// Exec mode: how long an executor may take to exit after SHUTDOWN (the
  /// agent's `--executor_shutdown_grace_period`) before it is killed.
  duration executor_shutdown_grace = std::chrono::seconds(5);
  /// Exec mode: how long a checkpointing executor keeps trying to reach its
  /// agent again before it gives up (`MESOS_RECOVERY_TIMEOUT`, the agent's
  /// `--recovery_timeout`).
  duration executor_recovery_timeout = std::chrono::minutes(15);
  /// Exec mode: how long a started executor has to subscribe (the agent's
  /// `--executor_registration_timeout`). After it the executor is killed and
  /// its tasks fail with REASON_EXECUTOR_REGISTRATION_TIMEOUT.
  duration executor_registration_timeout = std::chrono::minutes(1);
};

/// A request for a real process, made by a cluster with
/// `cluster_config::exec_tasks` (see `cluster::take_process_actions`).
struct process_action {
  enum class kind {
    /// Run `command` for the task. Answer with `cluster::process_started`
    /// or `cluster::process_failed`, and later `cluster::process_exited`.
    start,
    /// Kill the task: SIGTERM to its process group, SIGKILL once
    /// `grace_period` has passed. A second kill may only shorten a pending
    /// escalation, never extend it (as Mesos's command executor does).
    kill,
    /// The task is gone from the cluster (agent removed, framework removed):
    /// SIGKILL the process group now. Its exit is still worth reporting but
    /// changes nothing.
    destroy,
  };
  kind what = kind::start;
  /// Names this process in every report; never reused by a cluster.
  std::uint64_t process = 0;
  std::string framework_id;
  std::string agent_id;
  std::string executor_id;
  std::string task_id;
  /// The task's container id (a UUID), for the sandbox path.
  std::string container_id;
  /// The role the task's resources are allocated to.
  std::string role;
  /// `start`: the task's CommandInfo (shell or argv, environment).
  mesos::v1::CommandInfo command;
  /// `kill`: time between SIGTERM and SIGKILL (KillPolicy of the KILL call,
  /// else of the TaskInfo, else 3 s).
  duration grace_period{};
  /// The process is an executor (`task_id` is empty): start it with the
  /// executor environment (see `cluster::executor_subscribed`).
  bool executor = false;
};

/// An event for the stream of an executor run as a real process (exec
/// mode), from the agent named by `agent_id`.
struct executor_delivery {
  std::string agent_id;
  std::string framework_id;
  std::string executor_id;
  mesos::v1::executor::Event event;
};

/// An event for one framework's subscription stream, or the end of it.
struct delivery {
  std::string framework_id;
  /// The subscription (see `subscription::stream`) it is for.
  std::uint64_t stream = 0;
  /// The event to write; unset when `close` is true.
  std::optional<mesos::v1::scheduler::Event> event;
  /// End the stream after writing `event` (if any).
  bool close = false;
};

/// Result of a SUBSCRIBE.
struct subscription {
  /// The framework id (assigned now, or the one resubscribed with).
  std::string framework_id;
  /// A number naming this subscription; a later SUBSCRIBE of the same
  /// framework gets another one.
  std::uint64_t stream = 0;
  /// Set when the subscription is refused in-stream (HTTP 200 with an ERROR
  /// event then end of stream), e.g. "Framework has been removed".
  std::optional<std::string> error;
};

/// A maintenance window for one agent: Mesos's `Unavailability`, with the
/// start given relative to the moment the window is scheduled.
struct maintenance_window {
  /// When the agent becomes unavailable, counted from the `now` passed to
  /// `cluster::schedule_maintenance`; negative = the window already began.
  duration starts_in{};
  /// How long the agent stays unavailable; unset = indefinitely.
  std::optional<duration> length;
};

/// A framework's answer to an inverse offer.
struct inverse_offer_answer {
  std::string inverse_offer_id;
  std::string framework_id;
  /// True for ACCEPT_INVERSE_OFFERS, false for DECLINE_INVERSE_OFFERS.
  bool accepted = false;
  /// Unix time of the answer in seconds, on the clock status updates use
  /// (`cluster_config::start_timestamp` plus simulated time).
  double timestamp = 0;
};

/// An agent's scheduled maintenance as the master sees it.
struct maintenance_status {
  std::string agent_id;
  /// What the agent's inverse offers and regular offers carry: `start` in
  /// Unix nanoseconds, `duration` when the window has a length.
  mesos::v1::Unavailability unavailability;
  /// Inverse offers sent for the agent and not yet answered, rescinded or
  /// dropped, in id order.
  std::vector<mesos::v1::InverseOffer> outstanding;
  /// Every answer given since the window was scheduled, oldest first.
  std::vector<inverse_offer_answer> answers;
};

/// What the master knows of a framework id (drives 400/403 answers).
enum class framework_status {
  unknown,       ///< never seen (or forgotten): 400 "Framework cannot be found"
  removed,       ///< torn down / failed over for good: 400 as well
  disconnected,  ///< known, no open stream: 403 "Framework is not subscribed"
  subscribed,    ///< has an open stream
};

/// The simulated cluster. See the file comment.
class cluster {
 public:
  /// Builds the agents of `config`; `now` is the simulated start (see
  /// `cluster_config::start_timestamp`). Throws std::invalid_argument if an
  /// agent's `resources` text does not parse.
  cluster(cluster_config config, time_point now);
  ~cluster();
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  /// Handles a validated SUBSCRIBE. The SUBSCRIBED event and, if another
  /// stream of the framework was open, an ERROR "Framework failed over" plus
  /// close for that stream are queued as deliveries. A refused subscription
  /// queues nothing: `error` holds the text and the caller writes the ERROR
  /// and ends the new stream itself.
  subscription subscribe(const mesos::v1::scheduler::Call& call, time_point now);

  /// The stream `stream` of `framework_id` was closed by the client or the
  /// network: the framework becomes disconnected, its offers are withdrawn
  /// and its failover timer starts (FrameworkInfo.failover_timeout).
  void disconnected(const std::string& framework_id, std::uint64_t stream, time_point now);

  /// Status of a framework id, and its current stream if subscribed.
  framework_status status(const std::string& framework_id) const;
  std::optional<std::uint64_t> current_stream(const std::string& framework_id) const;

  /// Handles a validated non-SUBSCRIBE call of a subscribed framework
  /// (TEARDOWN, ACCEPT, DECLINE, ACCEPT/DECLINE_INVERSE_OFFERS, REVIVE,
  /// SUPPRESS, KILL, SHUTDOWN, ACKNOWLEDGE, ACKNOWLEDGE_OPERATION_STATUS,
  /// RECONCILE, RECONCILE_OPERATIONS, MESSAGE, REQUEST, UPDATE_FRAMEWORK).
  /// Returns an error text for the few calls Mesos answers synchronously
  /// with 400 (UPDATE_FRAMEWORK); everything else is asynchronous and its
  /// effects show up as deliveries.
  std::optional<std::string> handle(const mesos::v1::scheduler::Call& call, time_point now);

  /// Fires everything due at `now`: offers to frameworks that can take
  /// them, task state changes, update re-sends, filter and failover expiry.
  void advance(time_point now);

  /// The earliest time at which `advance` has something to do, if any.
  std::optional<time_point> next_deadline() const;

  /// Removes and returns the queued deliveries, in order.
  std::vector<delivery> take_deliveries();

  /// Fault injection: the agent is lost (its tasks become TASK_LOST /
  /// TASK_GONE for PARTITION_AWARE frameworks, its offers and inverse offers
  /// are rescinded, its maintenance window is forgotten, a FAILURE event
  /// names it).
  bool remove_agent(const std::string& agent_id, time_point now);

  /// Maintenance (Mesos's maintenance primitives, without the operator
  /// API): schedules `window` for the agent, or replaces its window. As in
  /// Mesos, every change of an agent's window rescinds its outstanding
  /// offers (RESCIND) and inverse offers (RESCIND_INVERSE_OFFER), forgets
  /// the frameworks' inverse offer filters for it, and asks for an
  /// allocation round right away. From then on:
  ///   - offers for the agent carry `unavailability`;
  ///   - each allocation round sends, after the round's OFFERS, one
  ///     INVERSE_OFFERS event per framework that is subscribed, has
  ///     resources offered or allocated on the agent (an outstanding offer,
  ///     a live task or an executor), has no inverse offer outstanding for
  ///     the agent and does not filter it. Each InverseOffer holds a fresh
  ///     id from the offer id sequence ("<master id>-O<n>"), the agent's
  ///     `url`, `framework_id`, `agent_id` and `unavailability`, and no
  ///     resources (the whole agent). Frameworks with nothing on the agent
  ///     get none, as Mesos's allocator decides;
  ///   - ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS answer the
  ///     framework's own outstanding inverse offers: each is recorded (see
  ///     `maintenance`) and gone, and the framework gets no new inverse
  ///     offer for that agent for the call's `refuse_seconds` (default 5,
  ///     negative = 5, at most 365 days, 0 = no filter); after that one
  ///     comes again if it still uses the agent, whatever it answered.
  ///     Unknown, already answered or rescinded ids and ids of another
  ///     framework's inverse offers are ignored, as Mesos ignores (logs)
  ///     ids that are no longer valid. REVIVE clears the filters;
  ///   - an inverse offer not answered within `cluster_config::offer_timeout`
  ///     (when set) is rescinded and offered again in a later round;
  ///   - a framework that disconnects, fails over or is removed loses its
  ///     inverse offers without RESCIND_INVERSE_OFFER (it gets new ones
  ///     once subscribed again); removing the agent rescinds them.
  /// The window never actually begins: the agent and its tasks keep
  /// running past `start` (Mesos needs an operator's `/machine/down` for
  /// that). Returns false for an unknown or removed agent.
  bool schedule_maintenance(const std::string& agent_id, const maintenance_window& window,
                            time_point now);

  /// Cancels the agent's maintenance window: outstanding offers and inverse
  /// offers for it are rescinded (RESCIND, RESCIND_INVERSE_OFFER) and its
  /// offers carry no `unavailability` any more. Returns the window's last
  /// status (with every answer it got), or nothing if the agent had none.
  std::optional<maintenance_status> cancel_maintenance(const std::string& agent_id, time_point now);

  /// The agent's maintenance window and what frameworks did with its
  /// inverse offers; nothing when none is scheduled (or no such agent).
  std::optional<maintenance_status> maintenance(const std::string& agent_id) const;

  /// Exec mode (`cluster_config::exec_tasks`): removes and returns the
  /// queued process actions, in order. Apply them in that order.
  std::vector<process_action> take_process_actions();
  /// Exec mode, real executors. A LAUNCH with a CUSTOM `ExecutorInfo` that
  /// has a command (or a LAUNCH_GROUP when `default_executor` is set) starts
  /// the executor as a process (`process_action::executor`); its tasks stay
  /// TASK_STAGING and are delivered (LAUNCH / LAUNCH_GROUP) once it
  /// subscribes. From then on the executor decides the tasks' states: its
  /// updates go to the scheduler with their own uuids, KILL, MESSAGE and
  /// SHUTDOWN calls of the scheduler become events for it, and when its
  /// process ends its live tasks fail (TASK_FAILED, or TASK_KILLED if a kill
  /// or shutdown was under way; REASON_EXECUTOR_TERMINATED) and FAILURE
  /// names it with the wait status. SHUTDOWN and framework removal give it
  /// `executor_shutdown_grace` to exit before it is killed.
  ///
  /// Removes and returns the queued executor events, in order.
  std::vector<executor_delivery> take_executor_deliveries();
  /// The executor's SUBSCRIBE was accepted and its stream opened: queues
  /// SUBSCRIBED, then the tasks not yet delivered. Updates listed in the
  /// call as unacknowledged are taken as if sent again (duplicates are only
  /// acknowledged). False when no such real executor runs.
  bool executor_subscribed(const std::string& agent_id, const std::string& framework_id,
                           const std::string& executor_id,
                           const mesos::v1::executor::Call& call, time_point now);
  /// An UPDATE of the executor was accepted: queues ACKNOWLEDGED for it at
  /// once (the agent has taken the update) and, unless the uuid was seen
  /// before, forwards the status to the scheduler.
  void executor_update(const std::string& agent_id, const std::string& framework_id,
                       const std::string& executor_id, const mesos::v1::TaskStatus& status,
                       time_point now);
  /// A MESSAGE of the executor: a MESSAGE event for the scheduler.
  void executor_message(const std::string& agent_id, const std::string& framework_id,
                        const std::string& executor_id, const std::string& data);

  /// Exec mode: the process of a `start` action runs as `pid`; the task
  /// becomes TASK_RUNNING (unless a kill is already under way).
  void process_started(std::uint64_t process, int pid, time_point now);

  /// Exec mode: the process of a `start` action could not be started
  /// (`error` says why); the task fails with REASON_CONTAINER_LAUNCH_FAILED.
  void process_failed(std::uint64_t process, const std::string& error, time_point now);

  /// Exec mode: the process ended with `wait_status` (as from waitpid).
  /// Exit code 0 gives TASK_FINISHED, anything else TASK_KILLED after a
  /// kill and TASK_FAILED otherwise, with the command executor's message
  /// ("Command exited with status 3", "Command terminated with signal
  /// Terminated"). Reports for unknown or finished processes are ignored.
  void process_exited(std::uint64_t process, int wait_status, time_point now);

  /// The `FrameworkInfo.principal` of a known framework ("" if none or
  /// unknown), for the master's principal check.
  std::string framework_principal(const std::string& framework_id) const;

  /// The state as JSON text for `GET /state`: frameworks, tasks and their
  /// states (`tasks`: known to the master; `completed_tasks`: the last 1000
  /// per framework whose terminal update was acknowledged, or that died with
  /// their framework or agent), agents with total/used/offered/available
  /// resources, outstanding offers.
  std::string state_json() const;

  /// Sets the address SUBSCRIBED reports in `master_info` (e.g. once the
  /// server knows the port it listens on). `host` is used as the host name
  /// and, when it is a dotted IPv4 address, as the IP.
  void set_master_address(const std::string& host, unsigned short port);

  /// The master's id and the agents' ids, in order.
  const std::string& master_id() const;
  std::vector<std::string> agent_ids() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_CLUSTER_HPP
