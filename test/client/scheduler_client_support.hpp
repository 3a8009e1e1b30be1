// A mesos_http::scheduler on its own thread, recording what it hears, for
// tests against the simulated master.
#ifndef MESOS_HTTP_TEST_SIM_SCHEDULER_CLIENT_SUPPORT_HPP
#define MESOS_HTTP_TEST_SIM_SCHEDULER_CLIENT_SUPPORT_HPP

#include <mesos_http/error.hpp>
#include <mesos_http/scheduler.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mesos_http::test {

namespace sched = mesos::v1::scheduler;

/// Generous bound for conditions that normally hold within milliseconds; a
/// failure to reach them is a test failure, not a measurement.
inline constexpr std::chrono::seconds patience{20};

inline scheduler_config client_config(std::vector<std::string> masters, content_type content) {
  scheduler_config config;
  config.masters = std::move(masters);
  config.content = content;
  config.framework.set_user("nobody");
  config.framework.set_name("client-test");
  config.framework.set_failover_timeout(60);
  config.backoff.initial = std::chrono::milliseconds(20);
  config.backoff.max = std::chrono::milliseconds(100);
  config.backoff.floor = std::chrono::milliseconds(5);
  config.subscribe_timeout = std::chrono::milliseconds(5000);
  return config;
}

/// The client plus a log of everything it reported, in order.
class recording_client {
 public:
  using extra = std::function<void(scheduler_handlers&, recording_client&)>;

  explicit recording_client(scheduler_config config, const extra& customize = {})
      : work_(io_.get_executor()) {
    scheduler_handlers on;
    on.connected = [this] { note("connected"); };
    on.disconnected = [this](boost::system::error_code ec, const diagnostics&) {
      note("disconnected:" + ec.message(), ec);
    };
    on.event = [this](const sched::Event& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(e);
      changed_.notify_all();
    };
    if (customize) customize(on, *this);
    client_ = std::make_unique<scheduler>(io_.get_executor(), std::move(config), std::move(on));
    client_->async_run([this](boost::system::error_code ec) {
      std::lock_guard<std::mutex> lock(mutex_);
      run_result_ = ec;
      changed_.notify_all();
    });
    thread_ = std::thread([this] { io_.run(); });
  }

  ~recording_client() {
    client_->stop();
    work_.reset();
    thread_.join();
  }

  scheduler& operator*() { return *client_; }
  scheduler* operator->() { return client_.get(); }

  /// Waits until `pred()` holds (checked under the log's lock; the
  /// accessors below may be called from `pred`).
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds bound = patience) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, bound, [&] {
      inside_wait() = true;
      const bool held = pred();
      inside_wait() = false;
      return held;
    });
  }
  std::size_t count(sched::Event::Type type) const {
    auto lock = lock_unless_waiting();
    std::size_t n = 0;
    for (const auto& e : events_) n += e.type() == type;
    return n;
  }
  bool wait_events(sched::Event::Type type, std::size_t n) {
    return wait([&] { return count(type) >= n; });
  }
  std::size_t count_notes(const std::string& prefix) const {
    auto lock = lock_unless_waiting();
    std::size_t n = 0;
    for (const auto& s : notes_) n += s.rfind(prefix, 0) == 0;
    return n;
  }
  /// Sends `call` and waits for its completion.
  std::pair<boost::system::error_code, diagnostics> call(sched::Call call) {
    auto result = call_from_any_thread(std::move(call));
    REQUIRE(result);
    return *result;
  }

  /// Like `call`, without Catch assertions (they are not thread-safe):
  /// empty when no completion came within `patience`.
  std::optional<std::pair<boost::system::error_code, diagnostics>> call_from_any_thread(
      sched::Call call) {
    auto done = std::make_shared<std::promise<std::pair<boost::system::error_code, diagnostics>>>();
    auto result = done->get_future();
    client_->async_send(std::move(call), [done](boost::system::error_code ec, diagnostics diag) {
      done->set_value({ec, std::move(diag)});
    });
    if (result.wait_for(patience) != std::future_status::ready) return std::nullopt;
    return result.get();
  }

  // Written by the client's thread: read them inside wait()'s predicate or
  // through the copying accessors below.
  std::vector<sched::Event> events_;
  std::vector<std::string> notes_;
  std::vector<boost::system::error_code> disconnect_reasons_;
  std::optional<boost::system::error_code> run_result_;

  std::vector<sched::Event> events_copy() const {
    auto lock = lock_unless_waiting();
    return events_;
  }
  std::vector<boost::system::error_code> disconnect_reasons_copy() const {
    auto lock = lock_unless_waiting();
    return disconnect_reasons_;
  }

  sched::Event last(sched::Event::Type type) const {
    auto lock = lock_unless_waiting();
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      if (it->type() == type) return *it;
    }
    return {};
  }

  void note(std::string text, boost::system::error_code ec = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    notes_.push_back(std::move(text));
    if (ec) disconnect_reasons_.push_back(ec);
    changed_.notify_all();
  }

 private:
  // True on a thread evaluating a wait() predicate, which already holds the lock.
  static bool& inside_wait() {
    thread_local bool inside = false;
    return inside;
  }
  std::unique_lock<std::mutex> lock_unless_waiting() const {
    if (inside_wait()) return {};
    return std::unique_lock<std::mutex>(mutex_);
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<scheduler> client_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_SIM_SCHEDULER_CLIENT_SUPPORT_HPP
