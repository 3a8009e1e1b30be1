// One client connection to a master or agent: TCP, TLS over TCP, or a Unix
// domain socket.
//
// Resolves, connects (trying every address), disables Nagle (calls are small
// and latency matters), and for https performs the TLS handshake with SNI
// and, unless verification was turned off, peer and host name checks. With
// a `local_path` it connects to that Unix socket instead and speaks plain
// HTTP (an agent's `--http_executor_domain_sockets`); the URL then only
// supplies the request target. Reads and writes go to whichever stream is in
// use. Not thread-safe: used from the owning strand only. Always held by
// shared_ptr: its completions keep it alive after the owner moved on to a new
// connection.
#ifndef MESOS_HTTP_IO_TRANSPORT_HPP
#define MESOS_HTTP_IO_TRANSPORT_HPP

#include <mesos_http/url.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <functional>
#include <memory>
#include <string>

namespace mesos_http::io {

class transport : public std::enable_shared_from_this<transport> {
 public:
  using connect_handler = std::function<void(boost::system::error_code, std::string detail)>;

  /// `tls` is used for https URLs; it must outlive the transport. A
  /// non-empty `local_path` names a Unix socket to connect to instead of the
  /// URL's host and port (no TLS there).
  transport(boost::asio::any_io_executor executor, boost::asio::ssl::context* tls, bool verify_peer,
            std::string local_path = {});
  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;

  /// Connects to `to` (and handshakes for https). `done(ec, detail)`.
  void async_connect(const url& to, connect_handler done);

  template <class Buffers, class Handler>
  void async_write(const Buffers& buffers, Handler&& handler) {
    if (tls_stream_) {
      boost::asio::async_write(*tls_stream_, buffers, std::forward<Handler>(handler));
    } else if (!local_path_.empty()) {
      boost::asio::async_write(local_socket_, buffers, std::forward<Handler>(handler));
    } else {
      boost::asio::async_write(socket_, buffers, std::forward<Handler>(handler));
    }
  }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_stream_) {
      tls_stream_->async_read_some(buffers, std::forward<Handler>(handler));
    } else if (!local_path_.empty()) {
      local_socket_.async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      socket_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  /// Closes the socket; pending operations complete with operation_aborted.
  void close();
  bool is_open() const;

 private:
  using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;

  void on_resolved(const boost::system::error_code& ec,
                   const boost::asio::ip::tcp::resolver::results_type& results);
  void handshake();
  void fail(const boost::system::error_code& ec, const std::string& what);
  std::string handshake_failure() const;

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::local::stream_protocol::socket local_socket_;
  std::string local_path_;
  boost::asio::ssl::context* tls_;
  bool verify_peer_;
  std::unique_ptr<tls_stream> tls_stream_;
  url target_;
  connect_handler done_;
};

}  // namespace mesos_http::io

#endif  // MESOS_HTTP_IO_TRANSPORT_HPP
