// The keep-alive connection that carries calls (everything but SUBSCRIBE).
//
// Calls are queued and written back to back, several per write, without
// waiting for answers (HTTP/1.1 pipelining: Mesos answers in order); answers
// are matched to calls first-in first-out. The stream id header is read from
// `stream_id()` when a request is formatted, i.e. at write time, so a call
// queued before a resubscription never leaves with a stale id. A 307 answer
// re-targets the channel and re-sends that call and every later one, in
// order, to the new location (Mesos answers every request from a non-leader
// with 307, so none of them was processed). Not thread-safe: use from one
// strand; completions run on it.
#ifndef MESOS_HTTP_IO_CALL_CHANNEL_HPP
#define MESOS_HTTP_IO_CALL_CHANNEL_HPP

#include "detail/accepted_answer.hpp"
#include "detail/http_request.hpp"
#include "detail/subscription_fsm.hpp"
#include "io/response_parser.hpp"
#include "io/transport.hpp"

#include <mesos_http/redirect_chain.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mesos_http::io {

struct call_channel_settings {
  url target;
  content_type content = content_type::protobuf;
  std::string authorization;
  std::string user_agent;
  std::chrono::milliseconds timeout{75000};
  unsigned max_redirects = 5;
  boost::asio::ssl::context* tls = nullptr;
  bool verify_peer = true;
  /// A Unix socket to connect to instead of `target`'s host and port.
  std::string local_path;
  /// Current Mesos-Stream-Id ("" to send none).
  std::function<std::string()> stream_id;
  /// Also counts the bytes written here (shared with the owner's metrics).
  std::shared_ptr<std::atomic<std::uint64_t>> bytes_sent_total;
};

/// One call on the channel: its encoded body and what to do with the answer.
/// The channel owns it from `send` until it hands it back, with the answer,
/// to `answered` (so the owner may recycle it, body capacity included).
struct call_op {
  virtual ~call_op() = default;
  /// `ec` is a transport error; otherwise `head` is Mesos's answer. `self`
  /// is this object.
  virtual void answered(std::unique_ptr<call_op> self, const boost::system::error_code& ec,
                        const detail::http_response_head& head) = 0;
  std::string body;   ///< the encoded Call
  unsigned hops = 0;  ///< redirects followed so far
};
using call_op_ptr = std::unique_ptr<call_op>;

class call_channel : public std::enable_shared_from_this<call_channel> {
 public:
  call_channel(boost::asio::any_io_executor strand, call_channel_settings settings);

  /// Queues `op` (its body is the request body).
  void send(call_op_ptr op);
  /// Fails every queued and unanswered call with `reason`; the channel can
  /// be used again afterwards (it reconnects on the next send).
  void close(const boost::system::error_code& reason);
  std::size_t pending() const noexcept { return queue_.size() + in_flight_.size(); }
  std::uint64_t bytes_sent() const noexcept { return bytes_sent_; }
  std::uint64_t redirects() const noexcept { return redirects_; }
  void set_authorization(std::string value) { settings_.authorization = std::move(value); }

 private:
  void connect();
  void write_queued();
  void read();
  void on_read(std::size_t n);
  void on_answer(const detail::http_response_head& head);
  static void finish(call_op_ptr op, const boost::system::error_code& ec,
                     const detail::http_response_head& head);
  void on_redirect(const std::string& location);
  void reopen();
  void fail_all(const boost::system::error_code& ec, bool keep_queue);
  void arm_timer();
  void arm_timer_at(std::chrono::steady_clock::time_point when);

  boost::asio::any_io_executor strand_;
  call_channel_settings settings_;
  std::shared_ptr<transport> conn_;
  std::uint64_t conn_id_ = 0;
  bool connecting_ = false;
  bool connected_ = false;
  bool writing_ = false;
  bool reading_ = false;
  std::string write_buffer_;
  std::string request_head_;  // the headers every call of a write shares
  std::deque<call_op_ptr> queue_;
  std::deque<call_op_ptr> in_flight_;
  boost::beast::flat_buffer read_buffer_;
  std::optional<response_parser> parser_;
  detail::http_response_head head_;  // reused: its strings keep their capacity
  detail::accepted_answer_matcher accepted_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_{};
  bool timer_armed_ = false;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t redirects_ = 0;
};

}  // namespace mesos_http::io

#endif  // MESOS_HTTP_IO_CALL_CHANNEL_HPP
