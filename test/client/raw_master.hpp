// A tiny loopback HTTP server for scheduler client tests: it reads each
// request (head + Content-Length body) and answers exactly the bytes a test
// script gives it, in separate writes, then closes or holds the connection.
// For what the simulator cannot do: replay recorded bytes, re-chunk them,
// cut them anywhere, send broken heads or never answer.
#ifndef MESOS_HTTP_TEST_CLIENT_RAW_MASTER_HPP
#define MESOS_HTTP_TEST_CLIENT_RAW_MASTER_HPP

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mesos_http::test {

class raw_master {
 public:
  /// What to send on one connection once its request has been read.
  struct reply {
    std::vector<std::string> writes;  ///< each written with its own write, in order
    bool close_after = false;         ///< close when written; else hold until the client closes
  };
  /// Called on the server's thread with the connection's number (0-based,
  /// in accept order) and the request bytes.
  using script = std::function<reply(std::size_t index, const std::string& request)>;

  struct connection_log {
    std::string request;         ///< empty until the whole request arrived
    bool client_closed = false;  ///< the client closed its side
  };

  explicit raw_master(script s)
      : script_(std::move(s)), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~raw_master() {
    boost::asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      io_.stop();
    });
    thread_.join();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  /// Waits until `pred(log)` holds (under the log's lock).
  bool wait(const std::function<bool(const std::vector<connection_log>&)>& pred,
            std::chrono::milliseconds bound = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, bound, [&] { return pred(log_); });
  }
  /// Waits until `n` requests have been read completely.
  bool wait_requests(std::size_t n) {
    return wait([n](const std::vector<connection_log>& log) {
      return std::count_if(log.begin(), log.end(), [](const connection_log& c) {
               return !c.request.empty();
             }) >= static_cast<std::ptrdiff_t>(n);
    });
  }
  std::vector<connection_log> log() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }

 private:
  struct session : std::enable_shared_from_this<session> {
    session(raw_master& m, boost::asio::ip::tcp::socket s, std::size_t i)
        : master(m), socket(std::move(s)), index(i) {}
    raw_master& master;
    boost::asio::ip::tcp::socket socket;
    std::size_t index;
    boost::asio::streambuf in;
    reply out;
    std::size_t next_write = 0;
    char sink[4096];

    void start() {
      boost::asio::async_read_until(
          socket, in, "\r\n\r\n",
          [self = shared_from_this()](boost::system::error_code ec, std::size_t head) {
            if (ec) return self->closed();
            self->read_body(head);
          });
    }
    void read_body(std::size_t head) {
      std::string text(boost::asio::buffers_begin(in.data()),
                       boost::asio::buffers_begin(in.data()) + head);
      std::string lower = text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::size_t length = 0;
      auto at = lower.find("\r\ncontent-length:");
      if (at != std::string::npos) length = std::stoul(text.substr(at + 17));
      const std::size_t total = head + length;
      auto done = [self = shared_from_this(), total](boost::system::error_code ec, std::size_t) {
        if (ec) return self->closed();
        std::string request(boost::asio::buffers_begin(self->in.data()),
                            boost::asio::buffers_begin(self->in.data()) + total);
        self->answer(request);
      };
      if (in.size() >= total) return done({}, 0);
      boost::asio::async_read(socket, in, boost::asio::transfer_exactly(total - in.size()),
                              std::move(done));
    }
    void answer(const std::string& request) {
      {
        std::lock_guard<std::mutex> lock(master.mutex_);
        master.log_[index].request = request;
      }
      master.changed_.notify_all();
      out = master.script_(index, request);
      write_next();
    }
    void write_next() {
      if (next_write == out.writes.size()) {
        if (out.close_after) {
          boost::system::error_code ignored;
          socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
          socket.close(ignored);
          return;
        }
        return hold();
      }
      boost::asio::async_write(
          socket, boost::asio::buffer(out.writes[next_write]),
          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            if (ec) return self->closed();
            ++self->next_write;
            self->write_next();
          });
    }
    void hold() {
      socket.async_read_some(
          boost::asio::buffer(sink),
          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            if (ec) return self->closed();
            self->hold();  // (a pipelined request would be ignored)
          });
    }
    void closed() {
      {
        std::lock_guard<std::mutex> lock(master.mutex_);
        master.log_[index].client_closed = true;
      }
      master.changed_.notify_all();
    }
  };

  void accept() {
    acceptor_.async_accept(
        [this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
          if (ec) return;
          boost::system::error_code ignored;
          socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
          std::size_t index;
          {
            std::lock_guard<std::mutex> lock(mutex_);
            index = log_.size();
            log_.emplace_back();
          }
          std::make_shared<session>(*this, std::move(socket), index)->start();
          accept();
        });
  }

  script script_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<connection_log> log_;
};

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_CLIENT_RAW_MASTER_HPP
