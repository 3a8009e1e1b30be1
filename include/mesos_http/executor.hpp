// mesos-http: a Mesos executor's connection to its agent.
//
// `executor` speaks the agent's v1 Executor API (`/api/v1/executor`) for a
// process the agent launched as a custom executor. It connects (TCP, TLS,
// or the agent's Unix socket), POSTs SUBSCRIBE, reads the RecordIO event
// stream as it arrives and hands each event to the `executor_handlers`
// callbacks. Status updates are kept until the agent acknowledges them and
// are re-sent, with the tasks none of whose updates were acknowledged yet,
// in the SUBSCRIBE after a reconnection. When the connection to the agent
// is lost it follows the agent's rules (docs/executor.md):
//
//  * checkpointing on (`MESOS_CHECKPOINT=1`): reconnect after a random delay
//    of at most `subscription_backoff_max`, again and again, until
//    SUBSCRIBED or until `recovery_timeout` has passed since the loss
//    (`async_run` then completes with `error::recovery_timeout`);
//  * checkpointing off: `async_run` completes at once with
//    `error::agent_disconnected`.
//
//   boost::system::error_code ec;
//   mesos_http::diagnostics diag;
//   auto config = mesos_http::executor_config::from_environment(ec, diag);
//   if (!config) return 1;  // diag names the variable
//   mesos_http::executor_handlers on;
//   mesos_http::executor* self = nullptr;
//   on.launch = [&](const auto& launch) {
//     mesos::v1::TaskStatus status;
//     *status.mutable_task_id() = launch.task().task_id();
//     status.set_state(mesos::v1::TASK_RUNNING);
//     self->send_update(status);
//   };
//   on.shutdown = [&] { /* kill tasks, send terminal updates, then stop() */ };
//   mesos_http::executor e(*config, on);
//   self = &e;
//   ec = e.run();  // blocks until the executor is done: why
//
// Calls. `async_update` and `async_message` are sent on a second keep-alive
// connection, pipelined. They need a subscription (between SUBSCRIBED and
// the loss of the stream); without one they fail fast with
// `error::not_subscribed`, and an update is nevertheless kept (see
// `async_update`). Every request carries `Authorization: Bearer <token>`
// when `executor_config::authentication_token` is set, and goes to
// `executor_config::agent.target` (e.g. `/slave(1)/api/v1/executor`).
//
// Thread safety: every member function may be called from any thread; the
// work is dispatched onto an internal strand of the executor given at
// construction. Callbacks run one at a time, in event order, on that strand,
// or on `executor_handlers::callback_executor` (wrapped in a strand so the
// order holds on a thread pool too). A callback sees the state after its
// event: in `launch` the task is already counted as unacknowledged, in
// `acknowledged` the update is no longer pending.
//
// Lifetime: destroying the object stops it (as `stop()`); pending
// completions then run with `error::stopped` or `error::not_subscribed`.
// Callbacks are not invoked once the destructor has started, except those
// already queued on a user-supplied callback executor: capture what they use
// by value, or keep it alive.
#ifndef MESOS_HTTP_EXECUTOR_HPP
#define MESOS_HTTP_EXECUTOR_HPP

#include <mesos_http/diagnostics.hpp>
#include <mesos_http/executor_config.hpp>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/mesos.pb.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace mesos_http {

/// Callbacks for what the agent sends. Unset members are skipped. The typed
/// callbacks receive the event's payload; `event` (if set) sees every event
/// first, including types this library does not know.
struct executor_handlers {
  using Event = mesos::v1::executor::Event;

  /// The agent accepted SUBSCRIBE and the stream is open (before
  /// SUBSCRIBED).
  std::function<void()> connected;
  /// An open stream ended: the agent closed it or restarted, a record could
  /// not be read, or the executor is shutting down. The executor reconnects
  /// when the rules above allow; otherwise `async_run` completes right
  /// after with the final reason. `reason` is why the stream ended (for
  /// example `error::stream_ended`, `error::recordio_record_too_large`).
  std::function<void(boost::system::error_code reason, const diagnostics&)> disconnected;

  std::function<void(const Event&)> event;
  /// SUBSCRIBED: executor, framework and agent info; after a reconnection
  /// too. Queued LAUNCH / LAUNCH_GROUP events follow.
  std::function<void(const Event::Subscribed&)> subscribed;
  /// LAUNCH: start the task and send its updates (TASK_RUNNING, ...).
  std::function<void(const Event::Launch&)> launch;
  /// LAUNCH_GROUP: start all its tasks together.
  std::function<void(const Event::LaunchGroup&)> launch_group;
  /// KILL: kill the task, then send a terminal update (TASK_KILLED).
  std::function<void(const Event::Kill&)> kill;
  /// ACKNOWLEDGED: the agent has taken over the update with this uuid.
  std::function<void(const Event::Acknowledged&)> acknowledged;
  /// MESSAGE: bytes from the scheduler.
  std::function<void(const Event::Message&)> message;
  /// SHUTDOWN: kill every task, send their terminal updates, then call
  /// `stop()`, all within `executor_config::shutdown_grace_period`. If the
  /// application does not stop, `async_run` completes with
  /// `error::executor_shutdown` when the grace period is over or the agent
  /// closes the stream.
  std::function<void()> shutdown;
  /// ERROR (legacy): `async_run` completes with `error::framework_error`
  /// right after.
  std::function<void(const Event::Error&)> error;
  /// HEARTBEAT: every 30 minutes from a stock agent. Nothing watches for
  /// its absence; a lost agent shows as the end of the stream.
  std::function<void()> heartbeat;

  /// Where callbacks run; the executor's own strand when empty.
  boost::asio::any_io_executor callback_executor;
};

/// Counters readable at any time (a consistent copy). Totals since
/// construction unless noted.
struct executor_metrics {
  /// Events by type name ("LAUNCH", ...; "UNKNOWN(n)" for a number the
  /// schema lacks).
  std::map<std::string, std::uint64_t> events_by_type;
  /// Calls written by type name, SUBSCRIBE and HEARTBEAT included.
  std::map<std::string, std::uint64_t> calls_by_type;
  /// Failed `async_update` / `async_message` calls by the error's message.
  std::map<std::string, std::uint64_t> call_failures_by_reason;
  /// Open streams that ended, by the reason's message.
  std::map<std::string, std::uint64_t> disconnections_by_reason;
  std::uint64_t connect_attempts = 0;  ///< SUBSCRIBE attempts started
  std::uint64_t reconnects = 0;        ///< attempts after the first
  std::uint64_t failed_attempts = 0;   ///< attempts that ended before SUBSCRIBED
  std::uint64_t subscriptions = 0;     ///< SUBSCRIBED events
  std::uint64_t resubscriptions = 0;   ///< SUBSCRIBED events after the first
  std::uint64_t updates_sent = 0;      ///< updates accepted by `async_update`
  std::uint64_t updates_acknowledged = 0;
  std::uint64_t unknown_acknowledgements = 0;  ///< ACKNOWLEDGED matching no update
  std::uint64_t heartbeats_sent = 0;           ///< HEARTBEAT calls
  /// Now: updates not yet acknowledged (re-sent on resubscription).
  std::uint64_t pending_updates = 0;
  /// Now: launched tasks none of whose updates was acknowledged yet.
  std::uint64_t unacknowledged_tasks = 0;
  std::uint64_t bytes_received = 0;  ///< on the event stream
  std::uint64_t bytes_sent = 0;      ///< SUBSCRIBE and calls
};

class executor {
 public:
  using executor_type = boost::asio::any_io_executor;
  /// Completion of `async_run`: why the executor stopped.
  using run_signature = void(boost::system::error_code);
  /// Completion of `async_update` and `async_message`: `ec` empty when the
  /// agent answered 202 Accepted; otherwise `diagnostics` says why (with
  /// the HTTP status and the agent's text for an HTTP error).
  using call_signature = void(boost::system::error_code, diagnostics);

  /// Nothing is checked yet; a TLS setup error is reported by `async_run`.
  executor(executor_type ex, executor_config config, executor_handlers handlers);

  /// An executor with a private event loop, for programs without one: call
  /// `run()` to drive it on the calling thread. The other members work as
  /// usual from any thread (callbacks included).
  executor(executor_config config, executor_handlers handlers);

  ~executor();
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;

  /// The strand everything runs on.
  executor_type get_executor() const noexcept;

  /// Subscribes, delivers events and keeps the subscription alive under the
  /// rules above, until the executor is done. Call once. Completes with:
  ///  * `error::stopped`: `stop()` or destruction (also after SHUTDOWN);
  ///  * `error::executor_shutdown`: the agent sent SHUTDOWN and then closed
  ///    the stream, or the grace period after SHUTDOWN ran out;
  ///  * `error::agent_disconnected`: the stream ended, checkpointing off;
  ///  * `error::recovery_timeout`: the agent was not back within
  ///    `recovery_timeout` (checkpointing), or no subscription succeeded
  ///    within `registration_timeout` of the start;
  ///  * `error::framework_error`: the agent sent an ERROR event;
  ///  * `error::bad_request` (400 "Executor cannot be found": the agent no
  ///    longer knows this executor), `error::unauthorized` (401: the
  ///    token), `error::forbidden`, `error::unexpected_status`: SUBSCRIBE was
  ///    refused for good (404, 503 and other 5xx are retried);
  ///  * a TLS setup error.
  /// `last_error()` has the details. A second call completes with
  /// `error::protocol_violation`. Cancellation: use `stop()`.
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, run_signature>(
        [this](auto handler) {
          start_run(boost::asio::any_completion_handler<run_signature>(std::move(handler)));
        },
        token);
  }

  /// Sends an UPDATE of `status` (set at least `task_id` and `state`; not
  /// TASK_STAGING). The library fills `uuid` (16 fresh random bytes),
  /// `source` (SOURCE_EXECUTOR), `executor_id` and, unless set, `timestamp`,
  /// and keeps the update until an ACKNOWLEDGED event names its task and
  /// uuid; every update still pending goes out again in the
  /// `unacknowledged_updates` of the next SUBSCRIBE.
  ///
  /// Completion:
  ///  * subscribed: the agent's answer (empty `ec` for 202). A failed call
  ///    (connection lost, timeout) does not drop the update: it stays
  ///    pending and is re-sent with the next SUBSCRIBE;
  ///  * `async_run` active but not subscribed (connecting, or waiting to
  ///    reconnect): `error::not_subscribed` at once, and the update IS KEPT
  ///    (it counts in `metrics().pending_updates`): it reaches the agent
  ///    with the next subscription, in its SUBSCRIBE or, if that SUBSCRIBE
  ///    had already left, as an UPDATE right after SUBSCRIBED. Its
  ///    ACKNOWLEDGED event confirms it;
  ///  * `error::stopped`: `async_run` has not started or has completed;
  ///    nothing is kept;
  ///  * `error::invalid_update`: no task id, TASK_STAGING, or a required
  ///    field missing in `status`; nothing is kept.
  /// Cancellation: none per call; `stop()` fails calls in flight.
  template <class CompletionToken>
  auto async_update(mesos::v1::TaskStatus status, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, call_signature>(
        [this](auto handler, mesos::v1::TaskStatus&& status) {
          start_update(std::move(status),
                       boost::asio::any_completion_handler<call_signature>(std::move(handler)));
        },
        token, std::move(status));
  }

  /// Sends `data` (any bytes) to the scheduler, which gets a MESSAGE event;
  /// best effort, never re-sent. Completion: the agent's answer when
  /// subscribed; otherwise `error::not_subscribed` (or `error::stopped`
  /// outside `async_run`) and the message is dropped.
  template <class CompletionToken>
  auto async_message(std::string data, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, call_signature>(
        [this](auto handler, std::string&& data) {
          start_message(std::move(data),
                        boost::asio::any_completion_handler<call_signature>(std::move(handler)));
        },
        token, std::move(data));
  }

  /// `async_update` without a completion (failures are logged and counted).
  void send_update(mesos::v1::TaskStatus status);
  /// `async_message` without a completion.
  void send_message(std::string data);

  /// Blocking form of `async_run` for an executor built without an
  /// executor: runs its private loop on the calling thread until the
  /// executor is done and returns why. Callbacks run on this thread.
  /// Returns `boost::system::errc::operation_not_permitted` for an executor
  /// built on an executor (use `async_run` there).
  boost::system::error_code run();

  /// Ends the connection and completes `async_run` with `error::stopped`.
  /// Calls in flight fail with `error::not_subscribed`. Call it once the
  /// tasks are gone and, ideally, their terminal updates acknowledged
  /// (`metrics().pending_updates == 0`).
  void stop();

  /// True between SUBSCRIBED and the end of that stream.
  bool is_subscribed() const;
  /// The last SUBSCRIBED payload (agent, executor, framework and container),
  /// if any.
  std::optional<mesos::v1::executor::Event::Subscribed> subscribed_info() const;
  /// Why the last attempt failed or the run stopped.
  diagnostics last_error() const;
  executor_metrics metrics() const;

 private:
  struct impl;
  void start_run(boost::asio::any_completion_handler<run_signature> handler);
  void start_update(mesos::v1::TaskStatus&& status,
                    boost::asio::any_completion_handler<call_signature> handler);
  void start_message(std::string&& data,
                     boost::asio::any_completion_handler<call_signature> handler);
  std::unique_ptr<boost::asio::io_context> own_loop_;  // only for run()
  std::shared_ptr<impl> impl_;
};

}  // namespace mesos_http

#endif  // MESOS_HTTP_EXECUTOR_HPP
