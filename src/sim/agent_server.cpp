#include <mesos_http/sim/agent_server.hpp>

#include <mesos_http/sim/executor_events.hpp>

#include "sim/master_session.hpp"  // format_answer, http_date

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace mesos_http::sim {

namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
using request_type = http::request<http::string_body>;
using executor_key = std::pair<std::string, std::string>;  // framework id, executor id

std::string_view view_of(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::optional<std::string_view> header_of(const request_type& request, http::field name) {
  auto it = request.find(name);
  if (it == request.end()) return std::nullopt;
  return view_of(it->value());
}

bool is_executor_path(std::string_view target) {
  const auto query = target.find('?');
  if (query != std::string_view::npos) target = target.substr(0, query);
  return target == "/api/v1/executor" || target == "/slave(1)/api/v1/executor";
}

class connection;

struct connection_owner {
  virtual ~connection_owner() = default;
  virtual void on_request(const std::shared_ptr<connection>& c, request_type request) = 0;
  virtual void on_stream_end(const std::shared_ptr<connection>& c) = 0;
};

// One accepted connection: requests one at a time, complete answers, or (once
// SUBSCRIBE was accepted) the executor's event stream. Lives on the strand.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket socket, std::shared_ptr<connection_owner> owner, std::size_t max_body)
      : socket_(std::move(socket)), owner_(std::move(owner)), max_body_(max_body) {}

  void start() { read_request(); }

  void answer(std::string bytes, bool close_after) {
    close_after_write_ = close_after_write_ || close_after;
    write(std::move(bytes));
    if (!close_after_write_) read_request();
  }

  void start_stream(std::string head) {
    streaming_ = true;
    write(std::move(head));
    watch_for_close();
  }

  void send_chunk(std::string chunk) {
    if (!ended_) write(std::move(chunk));
  }

  void end_stream() {
    if (closed_ || ended_) return;
    ended_ = true;
    close_after_write_ = true;
    write("0\r\n\r\n");
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (streaming_) owner_->on_stream_end(shared_from_this());
  }

 private:
  void read_request() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(max_body_);
    parser_->header_limit(64 * 1024);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec == http::error::body_limit) {
                         http_answer too_big{413, {}, "Request body exceeds the limit"};
                         self->answer(detail::format_answer(too_big), true);
                       } else if (ec) {  // closed, reset, cut or malformed: just close
                         self->close();
                       } else {
                         self->owner_->on_request(self, self->parser_->release());
                       }
                     });
  }

  // The executor sends nothing on its stream; a read ends when it goes away.
  void watch_for_close() {
    socket_.async_read_some(boost::asio::buffer(scratch_),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                              if (self->closed_) return;
                              if (ec) {
                                self->close();
                                return;
                              }
                              self->watch_for_close();
                            });
  }

  void write(std::string bytes) {
    if (closed_) return;
    queue_.push_back(std::move(bytes));
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty()) {
      writing_ = false;
      if (close_after_write_) close();
      return;
    }
    writing_ = true;
    boost::asio::async_write(
        socket_, boost::asio::buffer(queue_.front()),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (self->closed_) return;
          self->queue_.pop_front();
          if (ec) {
            self->close();
            return;
          }
          self->write_next();
        });
  }

  tcp::socket socket_;
  std::shared_ptr<connection_owner> owner_;
  std::size_t max_body_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool streaming_ = false;
  bool ended_ = false;
  bool closed_ = false;
  char scratch_[512];
};

}  // namespace

struct agent_server::impl : connection_owner, std::enable_shared_from_this<agent_server::impl> {
  struct stream_entry {
    std::weak_ptr<connection> stream;
    content_type type = content_type::json;
  };

  impl(boost::asio::any_io_executor executor, agent_server_config config)
      : strand(boost::asio::make_strand(executor)), acceptor(strand), config(std::move(config)) {}

  void accept() {
    acceptor.async_accept(strand, [self = shared_from_this()](boost::system::error_code ec,
                                                              tcp::socket socket) {
      if (!self->acceptor.is_open()) return;
      if (!ec) {
        auto c = std::make_shared<connection>(std::move(socket), self, self->config.max_body_size);
        self->connections.remove_if([](const std::weak_ptr<connection>& w) { return w.expired(); });
        self->connections.push_back(c);
        c->start();
      }
      self->accept();
    });
  }

  // Called with `mutex` held (the checks read the registry through it).
  agent_view view() {
    agent_view v;
    v.reconnect_ready = reconnect_ready;
    v.recovering = recovering;
    v.jwt_secret = config.jwt_secret;
    v.framework = [this](const std::string& id) { return frameworks.count(id) != 0; };
    v.executor = [this](const std::string& fid,
                        const std::string& eid) -> std::optional<executor_record> {
      auto it = executors.find({fid, eid});
      if (it == executors.end()) return std::nullopt;
      return it->second;
    };
    return v;
  }

  void on_request(const std::shared_ptr<connection>& c, request_type request) override {
    const bool close_after = !request.keep_alive();
    if (stopped) return;
    const auto target = view_of(request.target());
    if (!is_executor_path(target)) {
      http_answer missing{404, {}, ""};
      c->answer(detail::format_answer(missing), close_after);
      return;
    }
    http_request_view req;
    req.method = view_of(request.method_string());
    req.target = target;
    req.content_type = header_of(request, http::field::content_type);
    req.accept = header_of(request, http::field::accept);
    req.authorization = header_of(request, http::field::authorization);
    req.body = request.body();

    executor_request checked;
    std::shared_ptr<connection> replaced;
    {
      std::lock_guard<std::mutex> lock(mutex);
      checked = check_executor_request(req, view());
      if (checked.action == executor_action::subscribe) {
        const executor_key key{checked.call.framework_id().value(),
                               checked.call.executor_id().value()};
        auto& record = executors[key];
        if (record.status == executor_status::registering) record.status = executor_status::running;
        auto& entry = streams[key];
        replaced = entry.stream.lock();
        entry.stream = c;
        entry.type = checked.response_type;
        // Queued before any event: send() posts to the strand after this.
        std::string head = "HTTP/1.1 200 OK\r\nDate: " + detail::http_date() + "\r\n";
        for (const auto& [name, value] : checked.answer.headers) {
          head += name + ": " + value + "\r\n";
        }
        head += "\r\n";
        c->start_stream(std::move(head));
      }
    }
    if (replaced && replaced != c) replaced->end_stream();

    const std::string& fid = checked.call.framework_id().value();
    const std::string& eid = checked.call.executor_id().value();
    switch (checked.action) {
      case executor_action::respond:
        c->answer(detail::format_answer(checked.answer), close_after);
        return;
      case executor_action::subscribe:
        if (config.on_subscribe) config.on_subscribe(fid, eid, checked.call);
        return;
      case executor_action::update:
        c->answer(detail::format_answer(checked.answer), close_after);
        if (config.on_update) config.on_update(fid, eid, checked.call.update().status());
        return;
      case executor_action::message:
        c->answer(detail::format_answer(checked.answer), close_after);
        if (config.on_message) config.on_message(fid, eid, checked.call.message().data());
        return;
    }
  }

  void on_stream_end(const std::shared_ptr<connection>& c) override {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = streams.begin(); it != streams.end(); ++it) {
      if (it->second.stream.lock() == c) {
        streams.erase(it);
        return;
      }
    }
  }

  // Takes the executor's stream out of the registry; call with `mutex` held.
  std::shared_ptr<connection> take_stream(const executor_key& key) {
    auto it = streams.find(key);
    if (it == streams.end()) return nullptr;
    auto c = it->second.stream.lock();
    streams.erase(it);
    return c;
  }

  void stop_on_strand() {
    stopped = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    auto all = std::move(connections);
    connections.clear();
    {
      std::lock_guard<std::mutex> lock(mutex);
      streams.clear();
    }
    for (const auto& w : all) {
      if (auto c = w.lock()) c->close();
    }
  }

  strand_type strand;
  tcp::acceptor acceptor;
  agent_server_config config;
  std::atomic<unsigned short> bound_port{0};
  bool stopped = false;                              // strand only
  std::list<std::weak_ptr<connection>> connections;  // strand only

  mutable std::mutex mutex;  // guards what follows
  bool reconnect_ready = true;
  bool recovering = false;
  std::set<std::string> frameworks;
  std::map<executor_key, executor_record> executors;
  std::map<executor_key, stream_entry> streams;
};

agent_server::agent_server(boost::asio::any_io_executor executor, agent_server_config config)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(config))) {}

agent_server::~agent_server() { stop(); }

boost::system::error_code agent_server::start() {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(impl_->config.address, ec);
  if (ec) return ec;
  tcp::endpoint endpoint(address, impl_->config.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (!ec) impl_->bound_port = acceptor.local_endpoint(ec).port();
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return ec;
  }
  boost::asio::dispatch(impl_->strand, [self = impl_] { self->accept(); });
  return {};
}

unsigned short agent_server::port() const { return impl_->bound_port; }

void agent_server::expect_executor(const std::string& framework_id, const std::string& executor_id,
                                   const std::string& container_id) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->frameworks.insert(framework_id);
  impl_->executors[{framework_id, executor_id}] =
      executor_record{executor_status::registering, container_id};
}

bool agent_server::set_executor_status(const std::string& framework_id,
                                       const std::string& executor_id, executor_status status) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->executors.find({framework_id, executor_id});
  if (it == impl_->executors.end()) return false;
  it->second.status = status;
  return true;
}

std::optional<executor_status> agent_server::executor_state(const std::string& framework_id,
                                                            const std::string& executor_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->executors.find({framework_id, executor_id});
  if (it == impl_->executors.end()) return std::nullopt;
  return it->second.status;
}

void agent_server::forget_executor(const std::string& framework_id,
                                   const std::string& executor_id) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->executors.erase({framework_id, executor_id});
  if (auto c = impl_->take_stream({framework_id, executor_id})) {
    boost::asio::post(impl_->strand, [c] { c->end_stream(); });
  }
}

void agent_server::set_recovery(bool reconnect_ready, bool recovering) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->reconnect_ready = reconnect_ready;
  impl_->recovering = recovering;
}

bool agent_server::send(const std::string& framework_id, const std::string& executor_id,
                        const mesos::v1::executor::Event& event) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->streams.find({framework_id, executor_id});
  if (it == impl_->streams.end()) return false;
  auto c = it->second.stream.lock();
  if (!c) return false;
  std::string chunk;
  diagnostics diag;
  if (append_executor_event_chunk(it->second.type, event, chunk, diag)) return false;
  // Posted with the lock held, so the strand writes in the order of the calls.
  boost::asio::post(impl_->strand, [c = std::move(c), chunk = std::move(chunk)]() mutable {
    c->send_chunk(std::move(chunk));
  });
  return true;
}

bool agent_server::streaming(const std::string& framework_id,
                             const std::string& executor_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->streams.find({framework_id, executor_id});
  return it != impl_->streams.end() && !it->second.stream.expired();
}

bool agent_server::close_stream(const std::string& framework_id, const std::string& executor_id) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto c = impl_->take_stream({framework_id, executor_id});
  if (!c) return false;
  boost::asio::post(impl_->strand, [c] { c->end_stream(); });
  return true;
}

std::size_t agent_server::close_streams() {
  std::vector<executor_key> open;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    for (const auto& [key, entry] : impl_->streams) open.push_back(key);
  }
  std::size_t closed = 0;
  for (const auto& [framework_id, executor_id] : open) closed += close_stream(framework_id, executor_id);
  return closed;
}

void agent_server::stop() {
  boost::asio::dispatch(impl_->strand, [self = impl_] { self->stop_on_strand(); });
}

}  // namespace mesos_http::sim
