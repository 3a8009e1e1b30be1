#include "client/relay.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include <array>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace mesos_http::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct relay::state {
  relay_options options;
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<clock::time_point> accepted;
  std::size_t handshakes_ok = 0;
  std::vector<std::string> handshake_errors;
  std::vector<std::string> server_names;
  std::vector<relay_request> requests;

  template <class F>
  void update(F&& f) {
    std::lock_guard<std::mutex> lock(mutex);
    f();
    changed.notify_all();
  }
};

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Splits one complete request off the front of `in`: head and
// Content-Length body (the client under test never sends chunked requests).
std::optional<std::pair<relay_request, std::string>> take_request(std::string& in) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  relay_request r;
  std::size_t pos = in.find("\r\n");
  r.request_line = in.substr(0, pos);
  while (pos < end) {
    std::size_t next = in.find("\r\n", pos + 2);
    std::string line = in.substr(pos + 2, next - pos - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      r.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
    }
    pos = next;
  }
  std::size_t length = 0;
  if (auto cl = r.header("content-length"); !cl.empty()) length = std::stoul(cl);
  std::size_t total = end + 4 + length;
  if (in.size() < total) return std::nullopt;
  std::string bytes = in.substr(0, total);
  in.erase(0, total);
  return std::make_pair(std::move(r), std::move(bytes));
}

constexpr std::string_view unauthorized =
    "HTTP/1.1 401 Unauthorized\r\n"
    "WWW-Authenticate: Bearer realm=\"mesos-http-test\", error=\"invalid_token\"\r\n"
    "Content-Length: 17\r\n\r\n401 Unauthorized.";

// One client connection and its upstream twin. `Down` is a plain socket or
// a TLS stream over one.
template <class Down>
class session : public std::enable_shared_from_this<session<Down>> {
 public:
  static constexpr bool tls = !std::is_same_v<Down, tcp::socket>;

  session(std::shared_ptr<relay::state> st, Down down)
      : state_(std::move(st)), down_(std::move(down)), up_(down_.get_executor()) {}

  void start() {
    if constexpr (tls) {
      down_.async_handshake(asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](const boost::system::error_code& ec) {
                              self->state_->update([&] {
                                if (ec) {
                                  self->state_->handshake_errors.push_back(ec.message());
                                } else {
                                  ++self->state_->handshakes_ok;
                                  const char* sni = SSL_get_servername(self->down_.native_handle(),
                                                                       TLSEXT_NAMETYPE_host_name);
                                  self->state_->server_names.push_back(sni ? sni : "");
                                }
                              });
                              if (ec) return self->close();
                              self->connect_up();
                            });
    } else {
      connect_up();
    }
  }

 private:
  void connect_up() {
    tcp::endpoint to(asio::ip::make_address("127.0.0.1"), state_->options.upstream_port);
    up_.async_connect(to, [self = this->shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return self->close();
      self->read_up();
      self->read_down();
    });
  }

  void read_down() {
    down_.async_read_some(
        asio::buffer(down_buf_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (ec) return self->close();
          self->on_down(n);
        });
  }

  void on_down(std::size_t n) {
    if (!state_->options.admit) {
      forward_.assign(down_buf_.data(), n);
      return write_up();
    }
    pending_.append(down_buf_.data(), n);
    process();
  }

  // Forwards the complete requests in `pending_` that the policy admits.
  void process() {
    forward_.clear();
    while (auto taken = take_request(pending_)) {
      auto& [request, bytes] = *taken;
      request.admitted = state_->options.admit(request.header("authorization"));
      state_->update([&] { state_->requests.push_back(request); });
      if (!request.admitted) {
        // Nothing went up on this connection, so no answer is pending: a
        // 401 is in order here, and the connection stays (as libprocess
        // does). Otherwise it cannot be put among pipelined answers.
        if (forwarded_ > 0 || !forward_.empty()) return close();
        return asio::async_write(
            down_, asio::buffer(unauthorized),
            [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
              if (ec) return self->close();
              self->process();
            });
      }
      forward_ += bytes;
    }
    if (forward_.empty()) return read_down();
    ++forwarded_;
    write_up();
  }

  void write_up() {
    asio::async_write(
        up_, asio::buffer(forward_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          if (ec) return self->close();
          self->read_down();
        });
  }

  void read_up() {
    up_.async_read_some(
        asio::buffer(up_buf_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (ec) return self->close();
          asio::async_write(self->down_, asio::buffer(self->up_buf_.data(), n),
                            [self](const boost::system::error_code& ec, std::size_t) {
                              if (ec) return self->close();
                              self->read_up();
                            });
        });
  }

  void close() {
    boost::system::error_code ignored;
    down_.lowest_layer().close(ignored);
    up_.close(ignored);
  }

  std::shared_ptr<relay::state> state_;
  Down down_;
  tcp::socket up_;
  std::array<char, 16 * 1024> down_buf_{};
  std::array<char, 16 * 1024> up_buf_{};
  std::string pending_;
  std::string forward_;
  std::size_t forwarded_ = 0;  // writes upstream
};

}  // namespace

struct relay::engine {
  // Destroyed in reverse: the acceptor before the io_context (whose
  // destruction drops the sessions' pending handlers), the TLS context last.
  std::optional<asio::ssl::context> tls;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept(const std::shared_ptr<relay::state>& st) {
    acceptor.async_accept([this, st](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      st->update([&] { st->accepted.push_back(clock::now()); });
      if (tls) {
        using stream = asio::ssl::stream<tcp::socket>;
        std::make_shared<session<stream>>(st, stream(std::move(socket), *tls))->start();
      } else {
        std::make_shared<session<tcp::socket>>(st, std::move(socket))->start();
      }
      accept(st);
    });
  }
};

relay::relay(relay_options options)
    : state_(std::make_shared<state>()), engine_(std::make_unique<engine>()) {
  state_->options = std::move(options);
  const auto& o = state_->options;
  if (!o.certificate_file.empty()) {
    engine_->tls.emplace(asio::ssl::context::tls_server);
    engine_->tls->use_certificate_chain_file(o.certificate_file);
    engine_->tls->use_private_key_file(o.private_key_file, asio::ssl::context::pem);
  }
  tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
  engine_->acceptor.open(local.protocol());
  engine_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  engine_->acceptor.bind(local);
  engine_->acceptor.listen();
  port_ = engine_->acceptor.local_endpoint().port();
  engine_->accept(state_);
  engine_->thread = std::thread([e = engine_.get()] { e->io.run(); });
}

relay::~relay() {
  engine_->io.stop();
  engine_->thread.join();
}

std::vector<relay::clock::time_point> relay::connection_times() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->accepted;
}

std::size_t relay::connections() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->accepted.size();
}

std::size_t relay::handshakes_ok() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->handshakes_ok;
}

std::vector<std::string> relay::handshake_errors() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->handshake_errors;
}

std::vector<std::string> relay::server_names() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->server_names;
}

std::vector<relay_request> relay::requests() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->requests;
}

bool relay::wait(const std::function<bool(const view&)>& pred, std::chrono::milliseconds bound) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  return state_->changed.wait_for(lock, bound, [&] {
    return pred(
        view{state_->accepted, state_->handshakes_ok, state_->handshake_errors, state_->requests});
  });
}

}  // namespace mesos_http::test
