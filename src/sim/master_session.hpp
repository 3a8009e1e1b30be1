// One HTTP connection to the simulated master: reads requests one at a time,
// writes complete answers, and can turn into a subscription stream (chunked
// RecordIO events) with the stream faults of `fault_settings` applied.
// Private to the simulator; everything runs on the master's strand.
#ifndef MESOS_HTTP_SIM_MASTER_SESSION_HPP
#define MESOS_HTTP_SIM_MASTER_SESSION_HPP

#include <mesos_http/sim/master.hpp>
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mesos_http::sim::detail {

using tcp = boost::asio::ip::tcp;
using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
using request_type = boost::beast::http::request<boost::beast::http::string_body>;

class session;

/// What a session asks of the master.
struct session_owner {
  virtual ~session_owner() = default;
  /// A complete request arrived (or failed to parse: `error` set, e.g. 413).
  virtual void on_request(const std::shared_ptr<session>& s, request_type request) = 0;
  /// A subscription stream ended (client closed, network error, cut).
  virtual void on_stream_end(const std::shared_ptr<session>& s) = 0;
};

/// Formats "HTTP/1.1 <status> <reason>", Date, the answer's headers,
/// Content-Type/Content-Length and the body, the way libprocess does.
std::string format_answer(const http_answer& answer);

/// The HTTP date of now ("Sun, 22 Nov 2026 00:07:39 GMT").
std::string http_date();

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, session_owner& owner, std::size_t max_body_size);

  /// Starts reading requests.
  void start();

  /// Writes a complete answer; reads the next request afterwards unless
  /// `close` (then the connection is closed once written).
  void answer(std::string bytes, bool close);

  /// Turns the connection into a subscription stream: writes the 200
  /// header, then watches for the client closing. `faults` is a snapshot
  /// taken now (stream faults apply per stream).
  void start_stream(const std::string& stream_id, std::string_view media_type,
                    const fault_settings& faults);

  /// Writes one encoded record (RecordIO-framed) as stream data.
  void send_record(const std::string& record);

  /// Ends the stream properly (terminating chunk) and closes.
  void end_stream();

  /// Closes the connection at once.
  void close();

  bool streaming() const { return streaming_; }
  bool closed() const { return closed_; }

  /// Bookkeeping for the master: which subscription this stream carries.
  std::string framework_id;
  std::uint64_t stream_number = 0;
  std::optional<boost::asio::steady_timer> heartbeat;

 private:
  void read_request();
  void watch_for_close();
  void write(std::string bytes);
  void write_next();
  void write_chunks(std::string_view data);
  void fail_stream();

  tcp::socket socket_;
  session_owner& owner_;
  std::size_t max_body_size_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool streaming_ = false;
  bool closed_ = false;
  bool stream_ended_ = false;
  fault_settings faults_;
  unsigned events_sent_ = 0;
  std::uint64_t body_bytes_ = 0;
  char scratch_[512];
};

}  // namespace mesos_http::sim::detail

#endif  // MESOS_HTTP_SIM_MASTER_SESSION_HPP
