// mesos-http simulator (private): the state behind `sim::cluster`, shared by
// cluster.cpp (timers, framework removal, call dispatch),
// cluster_frameworks.cpp (subscriptions, UPDATE_FRAMEWORK, REVIVE, SUPPRESS),
// cluster_offers.cpp (allocation, ACCEPT/DECLINE, offer operations),
// cluster_launch.cpp (LAUNCH, LAUNCH_GROUP), cluster_tasks.cpp (task life,
// status updates, kills, reconciliation), cluster_maintenance.cpp
// (maintenance windows, inverse offers) and cluster_state.cpp (/state).
#ifndef MESOS_HTTP_SIM_CLUSTER_IMPL_HPP
#define MESOS_HTTP_SIM_CLUSTER_IMPL_HPP

#include <mesos_http/sim/cluster.hpp>

#include "sim/resources.hpp"

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mesos_http::sim {

namespace v1 = mesos::v1;
namespace sched = mesos::v1::scheduler;
using detail::resource_list;

namespace detail {

// --- timers: one queue; owners keep iterators to cancel ---
enum class timer_kind {
  task_step,
  update_retry,
  offer_timeout,
  filter_expiry,
  failover,
  inverse_offer_timeout,
  inverse_filter_expiry,
  executor_shutdown,      // key: the executor's process number
  executor_registration,  // key: the executor's process number
};
struct timer {
  timer_kind kind;
  std::string framework_id;
  std::string key;  // task id, offer id, inverse offer id or filter role
  std::size_t agent = 0;
};
using timer_queue = std::multimap<time_point, timer>;
using timer_ref = std::optional<timer_queue::iterator>;

// An agent's maintenance window and the allocator's view of its inverse
// offers (Mesos keeps the same in `Slave::Maintenance`).
struct maintenance_state {
  v1::Unavailability unavailability;
  std::map<std::string, std::string> outstanding;  // framework id -> inverse offer id
  std::vector<inverse_offer_answer> answers;
};

struct agent_state {
  std::string id;
  std::string hostname;
  std::vector<v1::Attribute> attributes;
  resource_list total;      // changes with RESERVE/UNRESERVE/CREATE/DESTROY
  resource_list available;  // total minus offered minus used
  bool removed = false;
  std::optional<maintenance_state> maintenance;
};

struct offer_state {
  std::string id;
  std::string framework_id;
  std::string role;
  std::size_t agent = 0;
  resource_list resources;
  timer_ref timeout;
};

struct inverse_offer_state {
  std::string id;
  std::string framework_id;
  std::size_t agent = 0;
  timer_ref timeout;
};

// A parsed task script (see cluster_config).
struct script {
  duration run{};
  int exit_code = 0;
};

struct task_state {
  std::string id;
  std::string name;
  std::string role;
  std::string executor_id;  // = task id for command tasks
  bool command_executor = true;
  std::size_t agent = 0;
  resource_list resources;
  script plan;
  v1::TaskState state = v1::TASK_STAGING;         // where the task really is
  v1::TaskState update_state = v1::TASK_STAGING;  // last update forwarded (reconciliation)
  bool killing = false;                           // next step ends in TASK_KILLED
  bool terminal = false;
  std::optional<v1::ContainerStatus> container;
  std::deque<v1::TaskStatus> updates;  // unacknowledged; the front one is in flight
  // Exec mode: the command to run for real, the TaskInfo's kill grace
  // period, and the process asked for (0 = none, or it has ended).
  std::optional<v1::CommandInfo> exec_command;
  std::optional<duration> kill_grace;
  std::uint64_t process = 0;
  // Run by a real executor: its updates, not timers, move the task on.
  bool real_executor = false;
  bool delivered = false;  // LAUNCH / LAUNCH_GROUP sent to the executor
  duration retry{};
  timer_ref step_timer;
  timer_ref retry_timer;
};

// A custom (LAUNCH) or default (LAUNCH_GROUP) executor.
struct executor_state {
  v1::ExecutorInfo info;
  std::size_t agent = 0;
  resource_list resources;
  std::size_t live_tasks = 0;
  std::string container_id;
  int pid = 0;
  // Exec mode: the executor is a real process (see cluster::take_executor_deliveries).
  bool real = false;
  std::uint64_t process = 0;  // 0: not started yet, or ended
  bool subscribed = false;
  bool shutting_down = false;
  bool registration_timed_out = false;  // killed for not subscribing in time
  // Launches waiting for the executor to subscribe; each is one LAUNCH
  // (one task) or one LAUNCH_GROUP (several).
  std::vector<std::pair<bool, std::vector<v1::TaskInfo>>> pending;
  std::set<std::string> seen_updates;  // uuids taken from the executor
};

// Exec mode: a real executor's process.
struct executor_process {
  std::string framework_id;
  std::size_t agent = 0;
  std::string executor_id;
};

// A task the master no longer tracks, kept for /state.
struct completed_task {
  std::string id;
  std::string name;
  std::string agent_id;
  v1::TaskState state;
};

struct filter_state {
  resource_list refused;
  timer_queue::iterator expiry;
};

struct constraint {
  v1::scheduler::AttributeConstraint proto;
  std::optional<std::regex> regex;
};
using constraint_group = std::vector<constraint>;

struct operation_state {
  std::string agent_id;
  v1::OperationStatus status;
};

struct framework_state {
  std::string id;
  v1::FrameworkInfo info;
  framework_status status = framework_status::subscribed;
  std::uint64_t stream = 0;
  std::set<std::string> roles;
  std::set<std::string> suppressed;
  bool multi_role = false;
  bool partition_aware = false;
  bool killing_state = false;
  bool refinement = false;
  std::map<std::string, std::vector<constraint_group>> constraints;     // by role
  std::map<std::pair<std::string, std::size_t>, filter_state> filters;  // (role, agent)
  std::unordered_map<std::string, task_state> tasks;
  std::deque<completed_task> completed;  // the last `max_completed_tasks`
  std::map<std::pair<std::size_t, std::string>, executor_state> executors;  // (agent, id)
  std::set<std::string> offers;
  std::set<std::string> inverse_offers;
  std::map<std::size_t, timer_queue::iterator> inverse_filters;  // by agent: expiry
  std::map<std::string, operation_state> operations;
  double cpus = 0;  // offered + used, for fair sharing
  double mem = 0;
  std::uint64_t last_offered = 0;
  std::map<std::string, std::uint64_t> role_offered;  // last offer per role
  timer_ref failover_timer;
};

}  // namespace detail

struct cluster::impl {
  using timer_kind = detail::timer_kind;
  using timer = detail::timer;
  using timer_queue = detail::timer_queue;
  using timer_ref = detail::timer_ref;
  using agent_state = detail::agent_state;
  using offer_state = detail::offer_state;
  using inverse_offer_state = detail::inverse_offer_state;
  using script = detail::script;
  using task_state = detail::task_state;
  using executor_state = detail::executor_state;
  using filter_state = detail::filter_state;
  using constraint = detail::constraint;
  using constraint_group = detail::constraint_group;
  using operation_state = detail::operation_state;
  using framework_state = detail::framework_state;
  using completed_task = detail::completed_task;

  impl(cluster_config config, time_point now);

  // --- common (cluster.cpp) ---
  cluster_config config;
  time_point epoch;
  std::mt19937_64 rng;
  timer_queue timers;
  std::vector<agent_state> agents;
  std::map<std::string, std::unique_ptr<framework_state>> frameworks;
  std::unordered_map<std::string, offer_state> offers;
  std::map<std::string, inverse_offer_state> inverse_offers;
  std::vector<delivery> out;
  std::uint64_t next_framework = 0;
  std::uint64_t next_offer = 0;
  std::uint64_t next_stream = 1;
  std::uint64_t offer_rounds = 0;
  int next_pid = 1000;
  // Exec mode: queued process actions, and live processes by number.
  std::vector<process_action> actions;
  std::uint64_t next_process = 1;
  std::unordered_map<std::uint64_t, std::pair<std::string, std::string>> processes;  // fw, task
  std::unordered_map<std::uint64_t, detail::executor_process> executor_processes;
  std::vector<executor_delivery> executor_out;
  bool allocation_wanted = false;
  time_point allocation_at;

  timer_queue::iterator schedule(time_point at, timer t);
  void cancel(timer_ref& t);
  framework_state* find(const std::string& framework_id);
  framework_state* subscribed(const std::string& framework_id);
  void send(framework_state& f, sched::Event event);
  double timestamp(time_point now) const;
  std::string new_uuid_bytes();
  std::string new_uuid_text();
  void request_allocation(time_point now, bool right_away);
  void remove_framework(framework_state& f, time_point now);
  // Remembers a task that leaves `tasks` (Mesos keeps 1000 per framework).
  static constexpr std::size_t max_completed_tasks = 1000;
  void complete(framework_state& f, const task_state& t);
  void fire(const timer& t, time_point now);

  subscription subscribe(const sched::Call& call, time_point now);
  std::optional<std::string> check_framework_info(
      const v1::FrameworkInfo& info,
      const google::protobuf::RepeatedPtrField<std::string>& suppressed,
      const sched::OfferConstraints* constraints,
      std::map<std::string, std::vector<constraint_group>>* compiled) const;
  void apply_framework_info(framework_state& f, const v1::FrameworkInfo& info,
                            const google::protobuf::RepeatedPtrField<std::string>& suppressed,
                            std::map<std::string, std::vector<constraint_group>> compiled,
                            time_point now);
  std::optional<std::string> update_framework(framework_state& f, const sched::Call& call,
                                              time_point now);
  void revive(framework_state& f, const sched::Call::Revive* revive, time_point now);
  void suppress(framework_state& f, const sched::Call::Suppress* suppress);

  // --- offers (cluster_offers.cpp) ---
  // An allocation round: offers (allocate_offers), then inverse offers.
  void allocate(time_point now);
  void allocate_offers(time_point now);
  bool filtered(const framework_state& f, const std::string& role, std::size_t agent,
                const resource_list& resources) const;
  bool constraints_allow(const framework_state& f, const std::string& role,
                         const agent_state& agent) const;
  v1::Offer render_offer(const framework_state& f, const offer_state& o) const;
  void charge(framework_state& f, const resource_list& resources, double sign);
  // Removes an outstanding offer; its resources go back to the agent unless
  // `keep` receives them. RESCIND is sent when `rescind`.
  void remove_offer(const std::string& offer_id, bool rescind, resource_list* keep, time_point now);
  void remove_offers_of(framework_state& f, bool rescind, time_point now);
  void add_filter(framework_state& f, const std::string& role, std::size_t agent,
                  const resource_list& refused, const v1::Filters* filters, time_point now);
  void decline(framework_state& f, const sched::Call::Decline& decline, time_point now);
  void accept(framework_state& f, const sched::Call::Accept& accept, time_point now);
  void operation_error(framework_state& f, const v1::Offer::Operation& op,
                       const std::string& agent_id, const std::string& message);
  void operation_finished(framework_state& f, const v1::Offer::Operation& op,
                          const std::string& agent_id, const resource_list& converted);
  bool apply_reservation_op(framework_state& f, const v1::Offer::Operation& op,
                            const std::string& role, agent_state& agent, resource_list& pool);
  void reconcile_operations(framework_state& f, const sched::Call::ReconcileOperations& call);
  void acknowledge_operation(framework_state& f,
                             const sched::Call::AcknowledgeOperationStatus& ack);

  // --- tasks (cluster_tasks.cpp) ---
  void launch(framework_state& f, const sched::Call::Accept& accept, const v1::Offer::Operation& op,
              const std::string& role, std::size_t agent, resource_list& pool, time_point now);
  void launch_group(framework_state& f, const v1::Offer::Operation& op, const std::string& role,
                    std::size_t agent, resource_list& pool, time_point now);
  std::optional<std::string> check_task(const framework_state& f, const v1::TaskInfo& task,
                                        std::size_t agent,
                                        const std::set<std::string>& launching) const;
  task_state& start_task(framework_state& f, const v1::TaskInfo& task, const std::string& role,
                         std::size_t agent, resource_list resources, const std::string& executor_id,
                         bool command_executor, const std::string& parent_container,
                         time_point now);
  void master_update(framework_state& f, const std::string& task_id,
                     const std::optional<std::string>& agent_id, v1::TaskState state,
                     v1::TaskStatus::Reason reason, const std::string& message, time_point now);
  v1::TaskStatus executor_status(const task_state& t, v1::TaskState state, time_point now);
  void enqueue(framework_state& f, task_state& t, v1::TaskStatus status, time_point now);
  void forward_head(framework_state& f, task_state& t, time_point now);
  void task_step(framework_state& f, task_state& t, time_point now);
  void retry_update(framework_state& f, task_state& t, time_point now);
  void reach_terminal(framework_state& f, task_state& t, v1::TaskState state,
                      const std::string& message, time_point now,
                      v1::TaskStatus::Source source = v1::TaskStatus::SOURCE_EXECUTOR,
                      std::optional<v1::TaskStatus::Reason> reason = std::nullopt);
  void free_task(framework_state& f, task_state& t, time_point now);
  void drop_task(framework_state& f, task_state& t, time_point now);
  void acknowledge(framework_state& f, const sched::Call::Acknowledge& ack, time_point now);
  void kill(framework_state& f, const sched::Call::Kill& kill, time_point now);
  void kill_task(framework_state& f, task_state& t, bool announce, time_point now,
                 std::optional<duration> grace = std::nullopt);
  void shutdown(framework_state& f, const sched::Call::Shutdown& shutdown, time_point now);
  void reconcile(framework_state& f, const sched::Call::Reconcile& reconcile, time_point now);
  void message(framework_state& f, const sched::Call::Message& message);
  void resend_pending(framework_state& f, time_point now);
  bool remove_agent(const std::string& agent_id, time_point now);

  // --- exec mode (cluster_exec.cpp) ---
  void exec_start(framework_state& f, task_state& t);
  void exec_kill(framework_state& f, task_state& t, std::optional<duration> grace);
  // The task leaves the cluster while its process may still run.
  void exec_destroy(framework_state& f, task_state& t);
  task_state* process_task(std::uint64_t process, framework_state** f);

  // --- real executors (cluster_executors.cpp) ---
  bool runs_for_real(const v1::ExecutorInfo& info) const;
  void start_executor(framework_state& f, executor_state& e, time_point now);
  void registration_timeout(std::uint64_t process);
  void deliver_tasks(framework_state& f, executor_state& e, bool group,
                     std::vector<v1::TaskInfo> tasks);
  void to_executor(const framework_state& f, const executor_state& e,
                   mesos::v1::executor::Event event);
  executor_state* real_executor(framework_state& f, const std::string& agent_id,
                                const std::string& executor_id);
  // Whether the task's kill was handled as a real executor's (KILL event).
  bool kill_on_executor(framework_state& f, task_state& t, std::optional<duration> grace,
                        time_point now);
  void shutdown_executor(framework_state& f, executor_state& e, time_point now);
  void kill_executor_process(std::uint64_t process);
  // The executor's process is gone: its live tasks fail, FAILURE names it.
  void executor_terminated(framework_state& f, executor_state& e, int wait_status,
                           const std::string& message, time_point now);
  bool executor_process_report(std::uint64_t process, std::optional<int> pid,
                               const std::optional<std::string>& error,
                               std::optional<int> wait_status, time_point now);

  // --- maintenance (cluster_maintenance.cpp) ---
  std::optional<std::size_t> live_agent(const std::string& agent_id) const;
  static v1::URL agent_url(const agent_state& a);
  std::int64_t unix_nanoseconds(time_point t) const;
  bool uses_agent(const framework_state& f, std::size_t agent) const;
  void make_inverse_offers(time_point now);
  v1::InverseOffer render_inverse_offer(const inverse_offer_state& io) const;
  // Removes an outstanding inverse offer; RESCIND_INVERSE_OFFER when `rescind`.
  void remove_inverse_offer(const std::string& id, bool rescind);
  void remove_inverse_offers_of(framework_state& f);
  void clear_inverse_filters(framework_state& f);
  void answer_inverse_offers(framework_state& f,
                             const google::protobuf::RepeatedPtrField<v1::OfferID>& ids,
                             const v1::Filters* filters, bool accepted, time_point now);
  // Sets or clears an agent's window the way Mesos's updateUnavailability does.
  void set_unavailability(std::size_t agent, std::optional<v1::Unavailability> unavailability,
                          time_point now);
  maintenance_status maintenance_of(std::size_t agent) const;

  // --- state (cluster_state.cpp) ---
  std::string state_json() const;
};

/// Parses a task script (see cluster_config).
detail::script parse_script(const std::string& command, duration default_run);

/// Mesos's ID rule (task, executor and framework ids).
std::optional<std::string> validate_id(const std::string& id);

/// Seconds as a duration, clamped to [0, ten years]; non-finite -> fallback.
duration seconds_to_duration(double seconds, duration fallback);

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_CLUSTER_IMPL_HPP
