// Internals of mesos_http::executor, shared by executor.cpp (public API,
// calls, callbacks, metrics) and executor_stream.cpp (the SUBSCRIBE
// connection driven by detail::executor_fsm).
#ifndef MESOS_HTTP_EXECUTOR_IMPL_HPP
#define MESOS_HTTP_EXECUTOR_IMPL_HPP

#include "detail/executor_fsm.hpp"
#include "io/call_channel.hpp"
#include "io/response_parser.hpp"
#include "io/transport.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/executor.hpp>
#include <mesos_http/recordio.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http {

struct executor::impl : std::enable_shared_from_this<impl> {
  using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
  using clock = std::chrono::steady_clock;
  using Event = mesos::v1::executor::Event;
  using Call = mesos::v1::executor::Call;

  impl(boost::asio::any_io_executor ex, executor_config config, executor_handlers handlers);

  // --- run (executor.cpp) ---
  void run(boost::asio::any_completion_handler<run_signature> handler);
  void finish_run();
  void stop();

  // --- the SUBSCRIBE connection (executor_stream.cpp) ---
  void apply(detail::executor_decision d);
  void open_stream();
  void read_stream();
  void on_stream_bytes();
  bool take_head(detail::executor_decision& d, clock::time_point now);
  bool take_body(std::string_view bytes, detail::executor_decision& d, clock::time_point now);
  void after_event(const Event& event, const detail::executor_decision& d);
  detail::executor_decision refused(unsigned status, const std::string& body,
                                    clock::time_point now);
  detail::executor_decision lose(const boost::system::error_code& ec, const std::string& detail,
                                 clock::time_point now);
  void end_connection();
  void note_failed_attempt(clock::time_point retry_at);
  void arm_timer(clock::time_point deadline);

  // --- calls (executor.cpp) ---
  struct pending_call;
  bool live() const { return fsm && !fsm->shut_down(); }
  void open_calls();
  void update(mesos::v1::TaskStatus& status,
              boost::asio::any_completion_handler<call_signature> handler);
  void message(std::string& data, boost::asio::any_completion_handler<call_signature> handler);
  /// An empty `handler`: failures are only logged and counted.
  void send_call(const Call& call, boost::asio::any_completion_handler<call_signature> handler);
  void fail_call(Call::Type type, const boost::system::error_code& ec, std::string text,
                 boost::asio::any_completion_handler<call_signature> handler);
  void send_late_updates();
  void reset_calls();

  // --- callbacks and metrics (executor.cpp) ---
  void deliver(const Event& event);
  void dispatch_event(const Event& event);
  template <class F>
  void callback(F&& f);
  /// Copies the state other threads read; `new_info`: SUBSCRIBED too.
  void publish(bool new_info = false);
  void count_call(Call::Type type);
  void count_event(Event::Type type);

  strand_type strand;
  executor_config config;
  executor_handlers handlers;
  strand_type callback_strand;
  bool callbacks_inline;
  std::shared_ptr<logger> log;
  codec events_codec;
  url target;  // the agent's executor endpoint (host "localhost" over a Unix socket)
  std::string authorization;

  std::optional<detail::executor_fsm> fsm;
  std::optional<boost::asio::ssl::context> tls;
  std::optional<boost::asio::any_completion_handler<run_signature>> run_handler;
  bool running = false;
  boost::asio::steady_timer timer;
  clock::time_point timer_deadline = clock::time_point::max();
  bool timer_armed = false;

  // The current stream.
  std::shared_ptr<io::transport> stream_conn;
  std::uint64_t stream_generation = 0;  // bumped whenever a stream is dropped
  std::string stream_request;
  boost::beast::flat_buffer stream_buffer;
  detail::http_response_head stream_head;
  std::optional<io::response_parser> stream_parser;
  bool stream_head_seen = false;
  bool stream_announced = false;  // `connected` ran for this stream
  recordio_decoder decoder;
  Event event;                               // reused per record
  std::vector<std::string> subscribe_uuids;  // updates carried by the last SUBSCRIBE
  // Why the stream or attempt ended, for `disconnected` and the log.
  boost::system::error_code failure;
  diagnostics failure_diag;
  std::uint64_t failures_seen = 0;        // fsm failed attempts + disconnections
  std::uint64_t disconnections_seen = 0;  // fsm disconnections
  std::uint64_t failures_in_row = 0;      // reset by SUBSCRIBED

  std::shared_ptr<io::call_channel> calls;
  std::uint64_t calls_generation = 0;

  std::atomic<bool> detached{false};  // the public object is gone: no callbacks

  // Readable from any thread.
  mutable std::mutex state_mutex;
  bool subscribed = false;
  std::optional<Event::Subscribed> subscribed_info;
  diagnostics last_error;
  executor_metrics counters;
  std::atomic<std::uint64_t> bytes_in{0};
  std::shared_ptr<std::atomic<std::uint64_t>> bytes_out =
      std::make_shared<std::atomic<std::uint64_t>>(0);
};

// One call in flight and what its answer needs.
struct executor::impl::pending_call final : io::call_op {
  std::shared_ptr<impl> owner;
  std::optional<boost::asio::any_completion_handler<call_signature>> handler;
  Call::Type type = Call::UNKNOWN;

  void answered(io::call_op_ptr self, const boost::system::error_code& ec,
                const detail::http_response_head& head) override;
};

// Runs `f` on the callback strand (inline when that is this strand), unless
// the public object is gone.
template <class F>
void executor::impl::callback(F&& f) {
  if (callbacks_inline) {
    if (!detached.load()) f();
    return;
  }
  boost::asio::post(callback_strand, [self = shared_from_this(), f = std::forward<F>(f)]() mutable {
    if (!self->detached.load()) f();
  });
}

}  // namespace mesos_http

#endif  // MESOS_HTTP_EXECUTOR_IMPL_HPP
