// Internals of mesos_http::scheduler, shared by scheduler.cpp (public API,
// calls, callbacks) and scheduler_stream.cpp (the SUBSCRIBE connection).
#ifndef MESOS_HTTP_SCHEDULER_IMPL_HPP
#define MESOS_HTTP_SCHEDULER_IMPL_HPP

#include "detail/subscription_fsm.hpp"
#include "io/call_channel.hpp"
#include "io/response_parser.hpp"
#include "io/transport.hpp"

#include <mesos_http/scheduler.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace mesos_http {

struct scheduler::impl : std::enable_shared_from_this<impl> {
  using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
  using clock = std::chrono::steady_clock;

  impl(boost::asio::any_io_executor executor, scheduler_config config, scheduler_handlers handlers);

  // --- run (scheduler.cpp) ---
  void run(boost::asio::any_completion_handler<run_signature> handler);
  boost::system::error_code prepare(diagnostics& diag);
  void finish_run();
  void stop();

  // --- the SUBSCRIBE connection (scheduler_stream.cpp) ---
  void apply(detail::decision d);
  void open_stream();
  void read_stream();
  void on_stream_bytes(std::size_t n);
  void close_stream();
  void arm_timer(clock::time_point deadline);
  void note_failed_attempt(clock::time_point retry_at);
  void publish_notices();

  // --- calls (scheduler.cpp) ---
  struct pending_call;
  /// `own_executor`: the handler has an associated executor (otherwise it
  /// runs on the strand, inline when the answer is processed).
  void send(const mesos::v1::scheduler::Call& call,
            boost::asio::any_completion_handler<send_signature> handler, bool own_executor);
  void send_owned(mesos::v1::scheduler::Call& call,
                  boost::asio::any_completion_handler<send_signature> handler, bool own_executor);
  /// Whether the framework id is prepended as encoded bytes (protobuf, not
  /// SUBSCRIBE or UPDATE_FRAMEWORK) rather than set in the call.
  bool prepends_framework_id(const mesos::v1::scheduler::Call& call) const;
  std::unique_ptr<pending_call> take_spare_call();
  const std::string& framework_id_field();
  void keep_spare_call(std::unique_ptr<pending_call> op);
  void on_call_done(std::unique_ptr<pending_call> op, const boost::system::error_code& ec,
                    const detail::http_response_head& head);
  void on_call_answer(mesos::v1::scheduler::Call::Type type, const boost::system::error_code& ec,
                      const detail::http_response_head& head,
                      boost::asio::any_completion_handler<send_signature> handler,
                      bool own_executor);
  void reset_calls(const boost::system::error_code& reason);
  void deliver(const detail::subscription_notice& notice);
  void count_event(const mesos::v1::scheduler::Event& event);
  void refresh_snapshot();
  void dispatch_event(const mesos::v1::scheduler::Event& event);
  void acknowledge_after_callback(const mesos::v1::scheduler::Event& event);

  // --- metrics (scheduler.cpp) ---
  template <class F>
  void with_metrics(F&& f) {
    std::lock_guard<std::mutex> lock(metrics_mutex);
    f(counters);
  }

  strand_type strand;
  scheduler_config config;
  scheduler_handlers handlers;
  strand_type callback_strand;
  bool callbacks_inline;
  std::shared_ptr<logger> log;

  std::optional<detail::subscription_fsm> fsm;
  std::optional<boost::asio::ssl::context> tls;
  std::shared_ptr<io::transport> stream_conn;
  std::uint64_t stream_generation = 0;
  std::string stream_request;
  boost::beast::flat_buffer stream_buffer;
  detail::http_response_head stream_head;
  std::optional<io::response_parser> stream_parser;
  bool stream_head_seen = false;
  boost::asio::steady_timer timer;
  clock::time_point timer_deadline = clock::time_point::max();
  bool timer_armed = false;
  std::shared_ptr<io::call_channel> calls;
  std::vector<std::unique_ptr<pending_call>> spare_calls;
  std::string encoded_framework_id, encoded_framework_id_value;
  std::uint64_t calls_generation = 0;
  // optional: Boost 1.81's any_completion_handler move-assignment recurses.
  std::optional<boost::asio::any_completion_handler<run_signature>> run_handler;
  bool running = false;
  std::uint64_t failed_attempts = 0;  // in a row; reset by SUBSCRIBED
  std::atomic<bool> detached{false};  // the public object is gone: no callbacks

  // Readable from any thread.
  mutable std::mutex state_mutex;
  std::optional<mesos::v1::FrameworkID> known_framework_id;
  bool subscribed = false;
  diagnostics last_error;
  std::atomic<clock::rep> last_byte{0};
  std::mutex metrics_mutex;
  scheduler_metrics counters;  // the rarely changing ones
  // Per-event and per-call counters without a lock, indexed by type number
  // (types beyond the table are counted under the mutex).
  static constexpr std::size_t type_slots = 64;
  std::array<std::atomic<std::uint64_t>, type_slots> event_counts{};
  std::array<std::atomic<std::uint64_t>, type_slots> call_counts{};
  std::atomic<std::uint64_t> bytes_in{0};
  std::shared_ptr<std::atomic<std::uint64_t>> bytes_out =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  // What publish_notices() last copied into the thread-safe snapshot.
  std::uint64_t published_generation = 0;
  std::uint64_t published_reconnects = ~std::uint64_t(0);
  bool published_subscribed = false;
  bool published_stopped = false;
};

// One call in flight: what its answer needs. Recycled through `spare_calls`
// (body capacity included), so a busy framework's DECLINEs allocate nothing
// here once warm.
struct scheduler::impl::pending_call final : io::call_op {
  std::shared_ptr<impl> owner;  // empty while spare
  std::optional<boost::asio::any_completion_handler<send_signature>> handler;
  bool own_executor = false;  // see `impl::send`
  mesos::v1::scheduler::Call::Type type = mesos::v1::scheduler::Call::UNKNOWN;
  std::string token;  // the bearer token the call left with

  void answered(io::call_op_ptr self, const boost::system::error_code& ec,
                const detail::http_response_head& head) override;
};

}  // namespace mesos_http

#endif  // MESOS_HTTP_SCHEDULER_IMPL_HPP
