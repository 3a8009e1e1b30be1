// The executor's subscription to its agent as a state machine without I/O.
//
// The I/O driver (to come) opens the two connections to the agent, writes
// calls, reads the event stream, decodes its records and arms one timer;
// this machine decides the rest: when to (re)connect, what SUBSCRIBE to
// send, what an HTTP answer means, when a lost agent is given up on (and
// why), when a HEARTBEAT call is due, and which status updates and tasks
// are still unacknowledged. Time is an input, so the recovery window, the
// backoff and the grace period are unit-tested without sockets or sleeps
// (test/unit/executor_fsm_test.cpp).
//
// States: disconnected -> connecting -> subscribed, and shut_down at the
// end. Every method returns an `executor_decision`: what the driver does
// next and the deadline by which it must call `on_timer` if nothing else
// happens first.
//
// Losing the agent (protocol.md e.4):
//  * checkpointing on: retry with a jittered backoff (every delay at most
//    `backoff_max`) until `recovery_timeout` has passed since the
//    connection was lost, then shut down with `error::recovery_timeout`;
//  * checkpointing off: shut down at once with `error::agent_disconnected`;
//  * before the first SUBSCRIBED, failures are retried either way, for
//    `registration_timeout` since `start` (checkpointing: or the recovery
//    timeout, if longer), then `error::recovery_timeout`.
// libmesos differs in two details: it shuts down when the very first TCP
// connection fails, and it stops its recovery timer as soon as a TCP
// connection is up; here the window ends only with a SUBSCRIBED event, so an
// agent that accepts connections but never subscribes cannot hold the
// executor forever. An HTTP error other than 404, 503 and 5xx to SUBSCRIBE
// (400 "Executor cannot be found", 401, 403, ...) shuts down at once.
//
// After a SHUTDOWN event the machine keeps the connection (terminal updates
// and their acknowledgements still need it) until `stop`, the end of the
// connection, or the grace period, whichever comes first; all three end
// with `error::executor_shutdown` except `stop` (`error::stopped`).
#ifndef MESOS_HTTP_DETAIL_EXECUTOR_FSM_HPP
#define MESOS_HTTP_DETAIL_EXECUTOR_FSM_HPP

#include <mesos_http/backoff.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>
#include <mesos_http/executor_calls.hpp>
#include <mesos_http/executor_config.hpp>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/mesos.pb.h>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mesos_http::detail {

using steady_clock = std::chrono::steady_clock;

/// What the machine needs to know, fixed for its lifetime.
struct executor_fsm_settings {
  executor_calls::ids who;
  bool checkpoint = false;
  std::chrono::milliseconds recovery_timeout{std::chrono::minutes(15)};
  /// Longest delay between attempts (a value below 10 ms counts as 10 ms:
  /// never a busy loop).
  std::chrono::milliseconds backoff_max{std::chrono::seconds(2)};
  /// Cap of the first delay; caps double up to `backoff_max`.
  std::chrono::milliseconds backoff_initial{250};
  std::uint64_t backoff_seed = 0;
  std::chrono::milliseconds shutdown_grace_period{std::chrono::seconds(5)};
  std::chrono::milliseconds registration_timeout{std::chrono::minutes(1)};
  /// From starting a connection until SUBSCRIBED arrives.
  std::chrono::milliseconds subscribe_timeout{std::chrono::seconds(30)};
  /// HEARTBEAT calls while subscribed; zero for none.
  std::chrono::milliseconds heartbeat_interval{std::chrono::minutes(30)};
  /// Makes the 16-byte uuid of each status update.
  std::function<std::string()> uuid = &executor_calls::random_uuid;
};

/// The settings for `cfg`, with backoff jitter seeded by `seed`.
executor_fsm_settings make_executor_fsm_settings(const executor_config& cfg, std::uint64_t seed);

enum class executor_state { disconnected, connecting, subscribed, shut_down };

/// The driver's next step.
enum class executor_step {
  connect,   ///< close any connection, connect, send `subscribe_call()`
  stream,    ///< keep the connections; keep reading events
  wait,      ///< close any connection; call `on_timer` at the deadline
  shutdown,  ///< finished: `shutdown_reason()` says why
};

struct executor_decision {
  executor_step next = executor_step::wait;
  /// When to call `on_timer` unless something else happens first;
  /// `time_point::max()` for never.
  steady_clock::time_point deadline = steady_clock::time_point::max();
  /// Send `heartbeat_call()` on the call connection now.
  bool send_heartbeat = false;
};

/// What a metrics object needs. Totals since construction unless noted.
struct executor_counters {
  std::uint64_t connect_attempts = 0;  ///< connections started
  std::uint64_t failed_attempts = 0;   ///< attempts that ended before SUBSCRIBED
  std::uint64_t subscriptions = 0;     ///< SUBSCRIBED events
  std::uint64_t resubscriptions = 0;   ///< SUBSCRIBED events after the first
  std::uint64_t disconnections = 0;    ///< subscriptions that ended
  std::uint64_t updates_sent = 0;      ///< UPDATE calls built by `update`
  std::uint64_t updates_acknowledged = 0;
  std::uint64_t unknown_acknowledgements = 0;  ///< ACKNOWLEDGED matching nothing
  std::uint64_t heartbeats = 0;                ///< HEARTBEAT calls asked for
  std::uint64_t pending_updates = 0;           ///< now: not yet acknowledged
  std::uint64_t unacknowledged_tasks = 0;      ///< now
};

class executor_fsm {
 public:
  explicit executor_fsm(executor_fsm_settings settings);

  /// Starts the first connection attempt.
  executor_decision start(steady_clock::time_point now);
  /// The answer to SUBSCRIBE: 200 opens the stream (events follow);
  /// anything else ends the attempt. `body` is the start of an error body.
  executor_decision on_response(unsigned status, std::string_view body,
                                steady_clock::time_point now);
  /// A decoded event of the current stream.
  executor_decision on_event(const mesos::v1::executor::Event& event, steady_clock::time_point now);
  /// Either connection failed or closed, the stream ended, or a record could
  /// not be decoded: the current attempt or subscription is over.
  executor_decision on_connection_lost(const boost::system::error_code& ec,
                                       const std::string& detail, steady_clock::time_point now);
  executor_decision on_timer(steady_clock::time_point now);
  /// The application is done (e.g. after SHUTDOWN, once its tasks ended).
  executor_decision stop(steady_clock::time_point now);

  /// SUBSCRIBE with every unacknowledged task (in launch order) and update
  /// (in the order they were built).
  executor_calls::call subscribe_call() const;
  executor_calls::call heartbeat_call() const;
  executor_calls::call message_call(std::string data) const;

  /// Builds the UPDATE for `status` (a fresh uuid, SOURCE_EXECUTOR, the
  /// executor id, `wall` as timestamp unless set) into `out` and keeps it
  /// until acknowledged. Send it now when subscribed; otherwise it goes out
  /// with the next SUBSCRIBE. Errors: `error::invalid_update` (no task id,
  /// TASK_STAGING, or the uuid generator did not give 16 bytes); nothing is
  /// kept then.
  boost::system::error_code update(mesos::v1::TaskStatus status,
                                   std::chrono::system_clock::time_point wall,
                                   executor_calls::call& out, diagnostics& diag);

  executor_state state() const noexcept { return state_; }
  bool subscribed() const noexcept { return state_ == executor_state::subscribed; }
  bool shut_down() const noexcept { return state_ == executor_state::shut_down; }
  /// True once the agent sent SHUTDOWN.
  bool shutdown_requested() const noexcept { return shutdown_requested_; }
  /// When the tasks must be gone and the process exited: the grace period
  /// after SHUTDOWN or after the machine decided to shut down.
  std::optional<steady_clock::time_point> shutdown_deadline() const noexcept {
    return shutdown_deadline_;
  }
  const boost::system::error_code& shutdown_reason() const noexcept { return reason_; }
  const diagnostics& shutdown_diagnostics() const noexcept { return reason_diag_; }
  /// The last SUBSCRIBED payload (agent, executor and framework info).
  const std::optional<mesos::v1::executor::Event::Subscribed>& subscribed_info() const noexcept {
    return subscribed_info_;
  }
  /// Counts connection attempts; I/O completions carry the value current
  /// when they started and are dropped when it has moved on.
  std::uint64_t generation() const noexcept { return generation_; }

  const std::vector<mesos::v1::executor::Call::Update>& unacknowledged_updates() const noexcept {
    return updates_;
  }
  const std::vector<mesos::v1::TaskInfo>& unacknowledged_tasks() const noexcept { return tasks_; }
  executor_counters counters() const noexcept;

 private:
  executor_decision begin_attempt(steady_clock::time_point now);
  executor_decision lost(const boost::system::error_code& ec, const std::string& detail,
                         steady_clock::time_point now);
  executor_decision give_up(steady_clock::time_point now);
  executor_decision finish(const boost::system::error_code& ec, std::string detail,
                           steady_clock::time_point now);
  executor_decision current() const;
  executor_decision on_subscribed(const mesos::v1::executor::Event& event,
                                  steady_clock::time_point now);
  void remember_task(const mesos::v1::TaskInfo& task);
  void acknowledged(const mesos::v1::executor::Event::Acknowledged& ack);
  steady_clock::time_point give_up_at() const;
  steady_clock::time_point connecting_deadline() const;

  executor_fsm_settings settings_;
  backoff backoff_;
  executor_state state_ = executor_state::disconnected;
  bool started_ = false;
  bool stream_open_ = false;
  bool ever_subscribed_ = false;
  bool shutdown_requested_ = false;
  std::optional<steady_clock::time_point> lost_at_;
  std::optional<steady_clock::time_point> shutdown_deadline_;
  steady_clock::time_point attempt_started_{};
  steady_clock::time_point wake_at_ = steady_clock::time_point::max();
  steady_clock::time_point heartbeat_due_ = steady_clock::time_point::max();
  std::uint64_t generation_ = 0;
  std::string last_detail_;
  boost::system::error_code reason_;
  diagnostics reason_diag_;
  std::optional<mesos::v1::executor::Event::Subscribed> subscribed_info_;
  std::vector<mesos::v1::executor::Call::Update> updates_;
  std::vector<mesos::v1::TaskInfo> tasks_;
  executor_counters counters_;
};

}  // namespace mesos_http::detail

#endif  // MESOS_HTTP_DETAIL_EXECUTOR_FSM_HPP
