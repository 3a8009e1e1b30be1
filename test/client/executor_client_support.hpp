// Executor client tests: a small fake Mesos agent and a recording executor.
//
// `fake_agent` serves /slave(1)/api/v1/executor and /api/v1/executor on
// 127.0.0.1:0 (or a Unix socket) on its own thread. Every request goes
// through the simulator's agent checks (`sim::check_executor_request`) and
// is answered as their `action` says: errors and 202s as they are, a
// SUBSCRIBE with a chunked event stream that starts with SUBSCRIBED. The test
// pushes events onto the stream, ends it, or makes the agent go away, and
// reads back what the executor sent. `recording_executor` runs a
// `mesos_http::executor` on its own thread and logs what it reports.
#ifndef MESOS_HTTP_TEST_CLIENT_EXECUTOR_CLIENT_SUPPORT_HPP
#define MESOS_HTTP_TEST_CLIENT_EXECUTOR_CLIENT_SUPPORT_HPP

#include <mesos_http/error.hpp>
#include <mesos_http/executor.hpp>
#include <mesos_http/sim/executor_endpoint.hpp>
#include <mesos_http/sim/executor_events.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mesos_http::test {

namespace exec = mesos::v1::executor;
namespace events = mesos_http::sim::executor_events;

/// Generous bound for what normally takes milliseconds.
inline constexpr std::chrono::seconds executor_patience{20};

/// Polls `pred` (every 5 ms) until it holds or `executor_patience` passed.
inline bool eventually(const std::function<bool()>& pred) {
  const auto end = std::chrono::steady_clock::now() + executor_patience;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline const std::string agent_fw = "0a4b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d-0000";
inline const std::string agent_ex = "exec-1";
inline const std::string agent_container = "c40005b7-c623-4514-885d-74086c270ef4";

inline mesos::v1::TaskInfo task_info(const std::string& id) {
  mesos::v1::TaskInfo t;
  t.set_name(id);
  t.mutable_task_id()->set_value(id);
  t.mutable_agent_id()->set_value("agent-1-S0");
  return t;
}

inline mesos::v1::TaskStatus task_status(const std::string& id, mesos::v1::TaskState state) {
  mesos::v1::TaskStatus s;
  s.mutable_task_id()->set_value(id);
  s.set_state(state);
  return s;
}

struct fake_agent_options {
  std::optional<std::string> jwt_secret;  ///< executor authentication on
  bool unix_socket = false;               ///< listen on a Unix socket, not TCP
};

class fake_agent {
 public:
  using options = fake_agent_options;
  /// One request as the agent saw it.
  struct request {
    std::string target;
    std::string authorization;
    unsigned status = 0;
    exec::Call call;
  };
  /// What the executor sent; read through `wait` or `seen`.
  struct record {
    std::vector<request> requests;
    std::vector<exec::Call> subscribes;  ///< accepted SUBSCRIBEs (200)
    std::vector<exec::Call> updates;     ///< accepted UPDATEs (202)
    std::vector<std::string> messages;   ///< accepted MESSAGE data
    bool stream_open = false;
  };

  explicit fake_agent(options o = {}) : work_(io_.get_executor()) {
    view_.jwt_secret = o.jwt_secret;
    view_.framework = [](const std::string& id) { return id == agent_fw; };
    view_.executor = [this](const std::string& f,
                            const std::string& e) -> std::optional<sim::executor_record> {
      if (f != agent_fw || e != agent_ex) return std::nullopt;
      return sim::executor_record{status_, agent_container};
    };
    if (o.unix_socket) {
      static std::atomic<int> counter{0};
      socket_path_ = "/tmp/mesos-http-agent-" + std::to_string(::getpid()) + "-" +
                     std::to_string(++counter) + ".sock";
      ::unlink(socket_path_.c_str());
      local_acceptor_.emplace(io_, boost::asio::local::stream_protocol::endpoint(socket_path_));
      accept(*local_acceptor_);
    } else {
      tcp_acceptor_.emplace(
          io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
      port_ = tcp_acceptor_->local_endpoint().port();
      accept(*tcp_acceptor_);
    }
    thread_ = std::thread([this] { io_.run(); });
  }

  ~fake_agent() {
    go_away();
    work_.reset();
    thread_.join();
    if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
  }

  unsigned short port() const { return port_; }
  const std::string& socket_path() const { return socket_path_; }

  /// The environment an agent gives its executor (durations as Mesos
  /// prints them; the token when authentication is on).
  std::map<std::string, std::string> environment(bool checkpoint,
                                                 const std::string& recovery = "10secs",
                                                 const std::string& backoff = "50ms") const {
    std::map<std::string, std::string> env{
        {"MESOS_FRAMEWORK_ID", agent_fw},
        {"MESOS_EXECUTOR_ID", agent_ex},
        {"MESOS_SLAVE_ID", "agent-1-S0"},
        {"MESOS_CHECKPOINT", checkpoint ? "1" : "0"},
        {"MESOS_RECOVERY_TIMEOUT", recovery},
        {"MESOS_SUBSCRIPTION_BACKOFF_MAX", backoff},
        {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5secs"},
        {"MESOS_DIRECTORY", "/tmp"},
    };
    if (socket_path_.empty()) {
      const std::string address = "127.0.0.1:" + std::to_string(port_);
      env["MESOS_AGENT_ENDPOINT"] = address;
      env["MESOS_SLAVE_PID"] = "slave(1)@" + address;
    } else {
      env["MESOS_DOMAIN_SOCKET"] = socket_path_;
    }
    if (view_.jwt_secret) {
      env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] =
          sim::make_executor_token(*view_.jwt_secret, agent_fw, agent_ex, agent_container);
    }
    return env;
  }

  /// Sends `e` on the current stream (dropped when there is none).
  void push(const exec::Event& e) {
    boost::asio::post(io_, [this, e] {
      std::lock_guard<std::mutex> lock(mutex_);
      push_locked(e);
    });
  }
  /// Sends each of `payloads` as one HTTP chunk on the current stream.
  void push_chunks(std::vector<std::string> payloads) {
    boost::asio::post(io_, [this, payloads = std::move(payloads)] {
      std::string out;
      for (const auto& p : payloads) sim::append_http_chunk(p, out);
      if (stream_) stream_->send(std::move(out), false);
    });
  }
  /// Ends the stream (terminal chunk, then close), as an agent that goes
  /// down or restarts; keeps listening.
  void end_stream() {
    boost::asio::post(io_, [this] {
      if (stream_) stream_->send("0\r\n\r\n", true);
      stream_.reset();
      std::lock_guard<std::mutex> lock(mutex_);
      record_.stream_open = false;
    });
  }
  /// Stops listening and closes every connection: the agent is gone.
  void go_away() {
    boost::asio::post(io_, [this] {
      boost::system::error_code ignored;
      if (tcp_acceptor_) tcp_acceptor_->close(ignored);
      if (local_acceptor_) local_acceptor_->close(ignored);
      for (auto& weak : sessions_) {
        if (auto s = weak.lock()) s->close();
      }
      stream_.reset();
      std::lock_guard<std::mutex> lock(mutex_);
      record_.stream_open = false;
    });
  }
  /// ACKNOWLEDGED for every accepted update (and every update a SUBSCRIBE
  /// carries) right away; on by default.
  void set_auto_ack(bool on) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto_ack_ = on;
  }
  /// False: every request gets 503 "Agent has not finished recovery".
  void set_reconnect_ready(bool ready) {
    std::lock_guard<std::mutex> lock(mutex_);
    view_.reconnect_ready = ready;
  }

  bool wait(const std::function<bool(const record&)>& pred,
            std::chrono::milliseconds bound = executor_patience) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, bound, [&] { return pred(record_); });
  }
  record seen() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return record_;
  }

 private:
  struct session_base : std::enable_shared_from_this<session_base> {
    virtual ~session_base() = default;
    virtual void send(std::string bytes, bool close_after) = 0;
    virtual void close() = 0;
  };

  template <class Socket>
  struct session final : session_base {
    session(fake_agent& a, Socket s) : agent(a), socket(std::move(s)) {}
    fake_agent& agent;
    Socket socket;
    boost::beast::flat_buffer buffer;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser;
    std::deque<std::pair<std::string, bool>> out;
    bool writing = false;
    char sink[512];

    void read_request() {
      parser.emplace();
      parser->body_limit(16 * 1024 * 1024);
      boost::beast::http::async_read(socket, buffer, *parser,
                                     [self = shared()](boost::beast::error_code ec, std::size_t) {
                                       if (ec) return self->close();
                                       if (!self->agent.handle(*self, self->parser->get()))
                                         return self->read_request();
                                       self->watch();
                                     });
    }
    // A stream only waits for the executor to close it.
    void watch() {
      socket.async_read_some(boost::asio::buffer(sink),
                             [self = shared()](boost::system::error_code ec, std::size_t) {
                               if (ec) return self->close();
                               self->watch();
                             });
    }
    void send(std::string bytes, bool close_after) override {
      out.emplace_back(std::move(bytes), close_after);
      if (!writing) write_next();
    }
    void write_next() {
      if (out.empty()) {
        writing = false;
        return;
      }
      writing = true;
      boost::asio::async_write(socket, boost::asio::buffer(out.front().first),
                               [self = shared()](boost::system::error_code ec, std::size_t) {
                                 const bool close_now = ec || self->out.front().second;
                                 self->out.pop_front();
                                 if (close_now) return self->close();
                                 self->write_next();
                               });
    }
    void close() override {
      boost::system::error_code ignored;
      socket.shutdown(Socket::shutdown_both, ignored);
      socket.close(ignored);
    }
    std::shared_ptr<session> shared() {
      return std::static_pointer_cast<session>(shared_from_this());
    }
  };

  template <class Acceptor>
  void accept(Acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](boost::system::error_code ec, auto socket) {
      if (ec) return;
      using socket_type = decltype(socket);
      auto s = std::make_shared<session<socket_type>>(*this, std::move(socket));
      sessions_.push_back(s);
      s->read_request();
      accept(acceptor);
    });
  }

  static std::string format(const sim::http_answer& a, bool stream) {
    namespace http = boost::beast::http;
    std::string text = "HTTP/1.1 " + std::to_string(a.status) + " " +
                       std::string(http::obsolete_reason(http::int_to_status(a.status))) + "\r\n";
    bool has_type = false;
    for (const auto& [name, value] : a.headers) {
      text += name + ": " + value + "\r\n";
      has_type = has_type || name == "Content-Type";
    }
    if (stream) return text + "\r\n";
    if (!a.body.empty() && !has_type) text += "Content-Type: text/plain; charset=utf-8\r\n";
    return text + "Content-Length: " + std::to_string(a.body.size()) + "\r\n\r\n" + a.body;
  }

  void push_locked(const exec::Event& e) {
    if (!stream_) return;
    std::string out;
    diagnostics diag;
    if (sim::append_executor_event_chunk(stream_type_, e, out, diag)) return;
    stream_->send(std::move(out), false);
  }

  // On the server thread. True when the connection became the stream.
  template <class Session>
  bool handle(Session& s, const boost::beast::http::request<boost::beast::http::string_body>& req) {
    namespace http = boost::beast::http;
    std::lock_guard<std::mutex> lock(mutex_);
    sim::http_request_view v;
    v.method = req.method_string();
    v.target = req.target();
    auto header = [&](http::field f) -> std::optional<std::string_view> {
      auto it = req.find(f);
      if (it == req.end()) return std::nullopt;
      return it->value();
    };
    v.content_type = header(http::field::content_type);
    v.accept = header(http::field::accept);
    v.authorization = header(http::field::authorization);
    v.body = req.body();
    sim::executor_request out;
    if (v.target == "/slave(1)/api/v1/executor" || v.target == "/api/v1/executor") {
      out = sim::check_executor_request(v, view_);
    } else {
      out.answer.status = 404;
    }
    record_.requests.push_back({std::string(v.target), std::string(v.authorization.value_or("")),
                                out.answer.status, out.call});
    bool stream = false;
    switch (out.action) {
      case sim::executor_action::respond:
        break;
      case sim::executor_action::update:
        record_.updates.push_back(out.call);
        if (auto_ack_) {
          const auto& status = out.call.update().status();
          push_locked(events::acknowledged(status.task_id(), status.uuid()));
        }
        break;
      case sim::executor_action::message:
        record_.messages.push_back(out.call.message().data());
        break;
      case sim::executor_action::subscribe: {
        if (stream_) stream_->send("0\r\n\r\n", true);  // replaced
        stream_ = s.shared_from_this();
        stream_type_ = out.response_type;
        status_ = sim::executor_status::running;
        record_.subscribes.push_back(out.call);
        record_.stream_open = true;
        s.send(format(out.answer, true), false);
        stream = true;
        mesos::v1::ExecutorInfo executor;
        executor.mutable_executor_id()->set_value(agent_ex);
        mesos::v1::FrameworkInfo framework;
        framework.set_user("nobody");
        framework.set_name("executor-client-test");
        framework.mutable_id()->set_value(agent_fw);
        mesos::v1::AgentInfo agent;
        agent.set_hostname("127.0.0.1");
        agent.mutable_id()->set_value("agent-1-S0");
        mesos::v1::ContainerID container;
        container.set_value(agent_container);
        push_locked(events::subscribed(executor, framework, agent, container));
        if (auto_ack_) {
          for (const auto& u : out.call.subscribe().unacknowledged_updates()) {
            push_locked(events::acknowledged(u.status().task_id(), u.status().uuid()));
          }
        }
        changed_.notify_all();
        return true;
      }
    }
    s.send(format(out.answer, false), false);
    changed_.notify_all();
    return stream;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::optional<boost::asio::ip::tcp::acceptor> tcp_acceptor_;
  std::optional<boost::asio::local::stream_protocol::acceptor> local_acceptor_;
  unsigned short port_ = 0;
  std::string socket_path_;
  std::vector<std::weak_ptr<session_base>> sessions_;
  std::shared_ptr<session_base> stream_;  // server thread only
  content_type stream_type_ = content_type::json;
  sim::executor_status status_ = sim::executor_status::registering;
  sim::agent_view view_;
  bool auto_ack_ = true;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  record record_;
  std::thread thread_;
};

/// A `mesos_http::executor` on its own thread, logging what it reports.
class recording_executor {
 public:
  using extra = std::function<void(executor_handlers&, recording_executor&)>;

  explicit recording_executor(executor_config config, const extra& customize = {})
      : work_(io_.get_executor()) {
    executor_handlers on;
    on.connected = [this] { note("connected"); };
    on.disconnected = [this](boost::system::error_code ec, const diagnostics&) {
      note("disconnected:" + ec.message(), ec);
    };
    on.event = [this](const exec::Event& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(e);
      changed_.notify_all();
    };
    on.subscribed = [this](const auto&) { note("subscribed"); };
    on.launch = [this](const auto& l) { note("launch:" + l.task().task_id().value()); };
    on.launch_group = [this](const auto& g) {
      note("launch_group:" + std::to_string(g.task_group().tasks_size()));
    };
    on.kill = [this](const auto& k) { note("kill:" + k.task_id().value()); };
    on.acknowledged = [this](const auto& a) { note("acknowledged:" + a.task_id().value()); };
    on.message = [this](const auto& m) { note("message:" + m.data()); };
    on.shutdown = [this] { note("shutdown"); };
    on.error = [this](const auto& e) { note("error:" + e.message()); };
    on.heartbeat = [this] { note("heartbeat"); };
    if (customize) customize(on, *this);
    client_ = std::make_unique<executor>(io_.get_executor(), std::move(config), std::move(on));
    client_->async_run([this](boost::system::error_code ec) {
      std::lock_guard<std::mutex> lock(mutex_);
      run_result_ = ec;
      changed_.notify_all();
    });
    thread_ = std::thread([this] { io_.run(); });
  }

  ~recording_executor() {
    client_->stop();
    work_.reset();
    thread_.join();
  }

  executor* operator->() { return client_.get(); }

  bool wait(const std::function<bool()>& pred,
            std::chrono::milliseconds bound = executor_patience) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, bound, pred);
  }
  /// Waits for `n` events of `type` (counting all so far).
  bool wait_events(exec::Event::Type type, std::size_t n) {
    return wait([&] {
      std::size_t k = 0;
      for (const auto& e : events_) k += e.type() == type;
      return k >= n;
    });
  }
  bool wait_note(const std::string& text, std::size_t n = 1) {
    return wait([&] { return count_locked(text) >= n; });
  }
  std::size_t count_notes(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_locked(text);
  }
  std::optional<boost::system::error_code> wait_run_result(
      std::chrono::milliseconds bound = executor_patience) {
    wait([&] { return run_result_.has_value(); }, bound);
    std::lock_guard<std::mutex> lock(mutex_);
    return run_result_;
  }
  std::vector<boost::system::error_code> disconnect_reasons() {
    std::lock_guard<std::mutex> lock(mutex_);
    return reasons_;
  }

  using result = std::pair<boost::system::error_code, diagnostics>;
  /// `async_update` / `async_message` and their completion; empty if none
  /// came (no Catch assertions here: usable from any thread).
  std::optional<result> update(mesos::v1::TaskStatus status) {
    auto done = std::make_shared<std::promise<result>>();
    auto f = done->get_future();
    client_->async_update(std::move(status), [done](boost::system::error_code ec, diagnostics d) {
      done->set_value({ec, std::move(d)});
    });
    if (f.wait_for(executor_patience) != std::future_status::ready) return std::nullopt;
    return f.get();
  }
  std::optional<result> message(std::string data) {
    auto done = std::make_shared<std::promise<result>>();
    auto f = done->get_future();
    client_->async_message(std::move(data), [done](boost::system::error_code ec, diagnostics d) {
      done->set_value({ec, std::move(d)});
    });
    if (f.wait_for(executor_patience) != std::future_status::ready) return std::nullopt;
    return f.get();
  }

  void note(std::string text, boost::system::error_code ec = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    notes_.push_back(std::move(text));
    if (ec) reasons_.push_back(ec);
    changed_.notify_all();
  }

 private:
  std::size_t count_locked(const std::string& text) const {
    std::size_t n = 0;
    for (const auto& s : notes_) n += s == text;
    return n;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<executor> client_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<exec::Event> events_;
  std::vector<std::string> notes_;
  std::vector<boost::system::error_code> reasons_;
  std::optional<boost::system::error_code> run_result_;
  std::thread thread_;
};

/// The configuration an executor reads from `env`, with `content`.
inline executor_config executor_config_from(const std::map<std::string, std::string>& env,
                                            content_type content) {
  boost::system::error_code ec;
  diagnostics diag;
  auto config = executor_config::from_environment(env, ec, diag);
  INFO(diag.message());
  REQUIRE(config);
  config->content = content;
  config->subscribe_timeout = std::chrono::seconds(10);
  return *config;
}

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_CLIENT_EXECUTOR_CLIENT_SUPPORT_HPP
