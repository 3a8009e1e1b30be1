#include "io/transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace mesos_http::io {

namespace asio = boost::asio;

transport::transport(asio::any_io_executor executor, asio::ssl::context* tls, bool verify_peer,
                     std::string local_path)
    : resolver_(executor),
      socket_(executor),
      local_socket_(executor),
      local_path_(std::move(local_path)),
      tls_(tls),
      verify_peer_(verify_peer) {}

void transport::async_connect(const url& to, connect_handler done) {
  target_ = to;
  done_ = std::move(done);
  if (!local_path_.empty()) {
    local_socket_.async_connect(
        asio::local::stream_protocol::endpoint(local_path_),
        [this, self = shared_from_this()](const boost::system::error_code& ec) {
          if (ec) return fail(ec, "cannot connect to Unix socket " + local_path_);
          auto done = std::move(done_);
          done({}, {});
        });
    return;
  }
  if (to.tls && tls_ == nullptr) {
    fail(asio::error::operation_not_supported, "no TLS context for " + to.to_string());
    return;
  }
  resolver_.async_resolve(to.host, std::to_string(to.port),
                          [this, self = shared_from_this()](
                              const boost::system::error_code& ec,
                              const asio::ip::tcp::resolver::results_type& results) {
                            on_resolved(ec, results);
                          });
}

void transport::on_resolved(const boost::system::error_code& ec,
                            const asio::ip::tcp::resolver::results_type& results) {
  if (ec) return fail(ec, "cannot resolve " + target_.host);
  asio::async_connect(socket_, results,
                      [this, self = shared_from_this()](const boost::system::error_code& ec,
                                                        const asio::ip::tcp::endpoint&) {
                        if (ec) return fail(ec, "cannot connect to " + target_.authority());
                        boost::system::error_code ignored;
                        socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
                        if (target_.tls) return handshake();
                        auto done = std::move(done_);
                        done({}, {});
                      });
}

void transport::handshake() {
  tls_stream_ = std::make_unique<tls_stream>(socket_, *tls_);
  // SNI: servers with several certificates pick by name; not for IP literals.
  boost::system::error_code ec;
  asio::ip::make_address(target_.host, ec);
  if (ec && !SSL_set_tlsext_host_name(tls_stream_->native_handle(), target_.host.c_str())) {
    return fail(asio::error::invalid_argument, "cannot set TLS server name");
  }
  if (verify_peer_) {
    tls_stream_->set_verify_mode(asio::ssl::verify_peer);
    tls_stream_->set_verify_callback(asio::ssl::host_name_verification(target_.host));
  } else {
    tls_stream_->set_verify_mode(asio::ssl::verify_none);
  }
  tls_stream_->async_handshake(asio::ssl::stream_base::client,
                               [this, self = shared_from_this()](
                                   const boost::system::error_code& ec) {
                                 if (ec) return fail(ec, handshake_failure());
                                 auto done = std::move(done_);
                                 done({}, {});
                               });
}

// OpenSSL's error for a failed verification says only "certificate verify
// failed"; the verification result says which check failed.
std::string transport::handshake_failure() const {
  std::string text = "TLS handshake with " + target_.authority() + " failed";
  long result = SSL_get_verify_result(tls_stream_->native_handle());
  if (result != X509_V_OK) {
    text += " (certificate: ";
    text += X509_verify_cert_error_string(result);
    text += ")";
  }
  return text;
}

void transport::fail(const boost::system::error_code& ec, const std::string& what) {
  auto done = std::move(done_);
  if (done) done(ec, what + ": " + ec.message());
}

void transport::close() {
  boost::system::error_code ignored;
  resolver_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (local_socket_.is_open()) {
    local_socket_.shutdown(asio::local::stream_protocol::socket::shutdown_both, ignored);
    local_socket_.close(ignored);
  }
}

bool transport::is_open() const { return socket_.is_open() || local_socket_.is_open(); }

}  // namespace mesos_http::io
