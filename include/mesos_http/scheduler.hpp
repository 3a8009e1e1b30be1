// mesos-http: a Mesos framework's connection to the master.
//
// `scheduler` subscribes to the master's v1 Scheduler API and keeps the
// subscription alive: it connects (TCP or TLS), POSTs SUBSCRIBE, reads the
// RecordIO event stream as it arrives, watches for silence, follows 307
// redirects, moves to the next master on 503 or a failed connection, and
// resubscribes with the same framework id after any disconnection, with
// jittered exponential backoff. Events reach the `scheduler_handlers`
// callbacks; calls are sent with `async_send` over a second keep-alive
// connection, pipelined, stamped with the current `Mesos-Stream-Id` when
// they are written.
//
//   boost::asio::io_context io;
//   mesos_http::scheduler_config config;
//   config.masters = {"http://127.0.0.1:5050"};
//   config.framework.set_user("nobody");
//   config.framework.set_name("example");
//   mesos_http::scheduler_handlers on;
//   mesos_http::scheduler* self = nullptr;
//   on.offers = [&](const auto& offers) {
//     self->async_send(mesos_http::calls::decline(offers.offers()), [](auto, auto) {});
//   };
//   mesos_http::scheduler s(io.get_executor(), config, on);
//   self = &s;
//   s.async_run([](boost::system::error_code ec) { /* stopped: why */ });
//   io.run();
//
// Thread safety: every member function may be called from any thread; work is
// dispatched onto an internal strand of the executor given at construction.
// Callbacks run one at a time, in event order, on that strand, or on the
// `callback_executor` given in the handlers (wrapped in a strand so order is
// kept even on a thread pool).
//
// Lifetime: destroying the scheduler stops it (as `stop()`); pending
// completions then run with `error::stopped`. Callbacks are never invoked
// after the destructor returned... unless they were already queued on a
// user-supplied callback executor, so capture what they use by value or keep
// it alive.
#ifndef MESOS_HTTP_SCHEDULER_HPP
#define MESOS_HTTP_SCHEDULER_HPP

#include <mesos_http/diagnostics.hpp>
#include <mesos_http/scheduler_config.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace mesos_http {

/// Callbacks for what the master sends. Unset members are skipped. Each
/// typed callback receives the event's payload; `event` (if set) sees every
/// event first, including types this library does not know.
struct scheduler_handlers {
  using Event = mesos::v1::scheduler::Event;

  /// A master accepted SUBSCRIBE and the stream is open (before SUBSCRIBED).
  std::function<void()> connected;
  /// An open stream ended; the scheduler reconnects unless the reason is
  /// terminal (then `async_run` completes with it). Offers received so far
  /// are void: Mesos forgets them on resubscription without RESCIND.
  std::function<void(boost::system::error_code reason, const diagnostics&)> disconnected;

  std::function<void(const Event&)> event;
  std::function<void(const Event::Subscribed&)> subscribed;
  std::function<void(const Event::Offers&)> offers;
  std::function<void(const Event::InverseOffers&)> inverse_offers;
  std::function<void(const Event::Rescind&)> rescind;
  std::function<void(const Event::RescindInverseOffer&)> rescind_inverse_offer;
  std::function<void(const Event::Update&)> update;
  std::function<void(const Event::UpdateOperationStatus&)> update_operation_status;
  std::function<void(const Event::Message&)> message;
  std::function<void(const Event::Failure&)> failure;
  /// Mesos ended the subscription for good ("Framework failed over", "has
  /// been removed", a refused FrameworkInfo); `async_run` completes with
  /// `error::framework_error` right after.
  std::function<void(const Event::Error&)> error;
  std::function<void()> heartbeat;

  /// Where callbacks run; the scheduler's own strand when empty.
  boost::asio::any_io_executor callback_executor;
};

/// Counters readable at any time (a consistent copy).
struct scheduler_metrics {
  std::map<std::string, std::uint64_t> events_by_type;
  std::map<std::string, std::uint64_t> calls_by_type;
  std::map<std::string, std::uint64_t> call_failures_by_reason;
  std::map<std::string, std::uint64_t> reconnects_by_reason;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t subscriptions = 0;
  std::uint64_t redirects = 0;
  std::uint64_t acknowledgements_sent = 0;
  /// Updates with a uuid delivered but not yet acknowledged by a sent ACKNOWLEDGE.
  std::uint64_t outstanding_acknowledgements = 0;
  /// Since the last byte on the event stream; empty when not subscribed.
  std::optional<std::chrono::milliseconds> last_heartbeat_age;
};

class scheduler {
 public:
  using executor_type = boost::asio::any_io_executor;
  /// Completion of `async_run`: why the scheduler stopped.
  using run_signature = void(boost::system::error_code);
  /// Completion of `async_send`: `ec` empty when Mesos accepted the call
  /// (202, or 200 for UPDATE_FRAMEWORK); otherwise `diagnostics` holds the
  /// HTTP status and Mesos's explanation.
  using send_signature = void(boost::system::error_code, diagnostics);

  /// Validates nothing yet; configuration errors (bad URL, no masters,
  /// unreadable CA file) are reported by `async_run`.
  scheduler(executor_type executor, scheduler_config config, scheduler_handlers handlers);

  /// A scheduler with a private event loop, for programs without one: call
  /// `run()` to drive it on the calling thread. The other members work as
  /// usual from any thread (including callbacks).
  scheduler(scheduler_config config, scheduler_handlers handlers);

  ~scheduler();
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  executor_type get_executor() const noexcept;

  /// Subscribes and keeps the subscription alive until `stop()`, an
  /// accepted TEARDOWN (the framework is gone: completes with
  /// `error::stopped`), a terminal error (ERROR event, 400/403 to SUBSCRIBE,
  /// 401 without a token refresh hook), or destruction. Call once. Errors:
  /// `error::stopped`,
  /// `error::framework_error` (text in `last_error()`), `error::bad_request`,
  /// `error::forbidden`, `error::unauthorized`, `error::invalid_url`,
  /// `error::no_master_available`. Cancellation: use `stop()`.
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, run_signature>(
        [this](auto handler) {
          start_run(boost::asio::any_completion_handler<run_signature>(std::move(handler)));
        },
        token);
  }

  /// Sends `call` once subscribed; fills `framework_id` when unset. Fails
  /// fast with `error::not_subscribed` while there is no subscription, and
  /// with it too for calls still queued when the subscription ends. A 403
  /// "Framework is not subscribed" or 400 "Framework cannot be found"
  /// answer also makes the scheduler resubscribe.
  ///
  /// Called on the scheduler's strand (from a callback, with a handler that
  /// completes immediately), `call` is encoded before `async_send` returns
  /// and is not copied: a framework may build every DECLINE or ACKNOWLEDGE
  /// in one reused `Call`, keeping its allocations. From another thread an
  /// lvalue `call` is copied (an rvalue moved) to the strand.
  template <class CompletionToken>
  auto async_send(const mesos::v1::scheduler::Call& call, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, send_signature>(
        [this](auto handler, const mesos::v1::scheduler::Call& call) {
          constexpr bool own_executor = has_own_executor<decltype(handler)>;
          start_send(call, boost::asio::any_completion_handler<send_signature>(std::move(handler)),
                     own_executor);
        },
        token, call);
  }

  /// As above, for a `call` the scheduler may keep.
  template <class CompletionToken>
  auto async_send(mesos::v1::scheduler::Call&& call, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, send_signature>(
        [this](auto handler, mesos::v1::scheduler::Call&& call) {
          // Known here, lost once the handler is type-erased: whether it has
          // an executor of its own or simply runs on the scheduler's strand.
          constexpr bool own_executor = has_own_executor<decltype(handler)>;
          start_send(std::move(call),
                     boost::asio::any_completion_handler<send_signature>(std::move(handler)),
                     own_executor);
        },
        token, std::move(call));
  }

  /// Blocking form of `async_run` for a scheduler built without an executor:
  /// runs its private loop on the calling thread until the scheduler stops
  /// and returns why. Callbacks run on this thread. Returns
  /// `boost::system::errc::operation_not_permitted` for a scheduler built on
  /// an executor (use `async_run` there).
  boost::system::error_code run();

  /// Sends `call` and ignores the outcome (failures are logged and counted).
  void send(mesos::v1::scheduler::Call call);

  /// Ends the subscription (without TEARDOWN: the framework's tasks keep
  /// running for `failover_timeout`) and completes `async_run`.
  void stop();

  /// Drops the current stream and resubscribes (after the usual backoff).
  void reconnect();

  /// The framework id once SUBSCRIBED arrived (or the configured one).
  std::optional<mesos::v1::FrameworkID> framework_id() const;
  bool is_subscribed() const;
  /// Why the last attempt failed or the run stopped.
  diagnostics last_error() const;
  scheduler_metrics metrics() const;

 private:
  struct impl;
  struct no_executor {};  // what `associated_executor_t` falls back to
  template <class Handler>
  static constexpr bool has_own_executor =
      !std::is_same_v<boost::asio::associated_executor_t<Handler, no_executor>, no_executor>;
  void start_run(boost::asio::any_completion_handler<run_signature> handler);
  void start_send(mesos::v1::scheduler::Call&& call,
                  boost::asio::any_completion_handler<send_signature> handler,
                  bool own_executor);
  void start_send(const mesos::v1::scheduler::Call& call,
                  boost::asio::any_completion_handler<send_signature> handler,
                  bool own_executor);
  std::unique_ptr<boost::asio::io_context> own_loop_;  // only for run()
  std::shared_ptr<impl> impl_;
};

}  // namespace mesos_http

#endif  // MESOS_HTTP_SCHEDULER_HPP
