// Shared pieces of the exec-mode tests: a master running real processes,
// the exits it reports, and checks that a process is really gone.
#ifndef MESOS_HTTP_TEST_SIM_EXEC_SUPPORT_HPP
#define MESOS_HTTP_TEST_SIM_EXEC_SUPPORT_HPP

#include "sim/master_fixture.hpp"

#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace mesos_http::test::sim_fixture {

/// The exits reported through `exec_settings::on_exit`.
class exit_log {
 public:
  void add(const sim::task_process_exit& exit) {
    std::lock_guard<std::mutex> lock(mutex_);
    exits_.push_back(exit);
    changed_.notify_all();
  }
  /// Waits (up to 10 s) for the exit of `task_id`.
  sim::task_process_exit wait_for(const std::string& task_id) {
    std::unique_lock<std::mutex> lock(mutex_);
    sim::task_process_exit found;
    bool ok = changed_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const auto& e : exits_) {
        if (e.task_id == task_id) {
          found = e;
          return true;
        }
      }
      return false;
    });
    REQUIRE(ok);
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<sim::task_process_exit> exits_;
};

inline sim::master_config exec_config(exit_log* log = nullptr) {
  auto config = running_master::fast_config();
  config.exec.enabled = true;
  if (log) config.exec.on_exit = [log](const sim::task_process_exit& e) { log->add(e); };
  return config;
}

/// True when no process `pid` exists any more — not even a zombie.
inline bool reaped(int pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

/// True when `pid` is gone or a zombie (for grandchildren, which init reaps).
inline bool not_running(int pid) {
  if (reaped(pid)) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

/// Waits (bounded, 10 s) for `condition`; it is a state reached
/// asynchronously, not a timeout being provoked.
template <typename Condition>
bool eventually(Condition condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Launches a task from `offer` (made with launch_call, then adjusted by
/// `edit`) and returns the 202's status.
template <typename Edit>
unsigned launch_with(subscribed& s, raw_connection& calls, const mesos::v1::Offer& offer,
                     const std::string& task_id, const std::string& command, Edit edit) {
  auto accept = launch_call(s, offer, task_id, command);
  edit(*accept.mutable_accept()->mutable_operations(0)->mutable_launch()->mutable_task_infos(0));
  calls.send(scheduler_call(accept, s.type, s.stream_id));
  return calls.read_response().status;
}

inline unsigned launch(subscribed& s, raw_connection& calls, const mesos::v1::Offer& offer,
                       const std::string& task_id, const std::string& command) {
  return launch_with(s, calls, offer, task_id, command, [](mesos::v1::TaskInfo&) {});
}

/// Like ack_until, but returns the last status itself.
inline mesos::v1::TaskStatus ack_until_status(subscribed& s, raw_connection& calls,
                                              const std::string& task_id,
                                              mesos::v1::TaskState state) {
  for (int i = 0; i < 100; ++i) {
    auto status = s.next_of(sched::Event::UPDATE).update().status();
    if (status.task_id().value() != task_id) continue;
    if (status.has_uuid()) {
      sched::Call ack = call_of(sched::Call::ACKNOWLEDGE, s);
      *ack.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
      *ack.mutable_acknowledge()->mutable_task_id() = status.task_id();
      ack.mutable_acknowledge()->set_uuid(status.uuid());
      calls.send(scheduler_call(ack, s.type, s.stream_id));
      CHECK(calls.read_response().status == 202);
    }
    if (status.state() == state) return status;
    INFO("update " << mesos::v1::TaskState_Name(status.state()) << ": " << status.message());
    bool terminal =
        status.state() == mesos::v1::TASK_FINISHED || status.state() == mesos::v1::TASK_FAILED ||
        status.state() == mesos::v1::TASK_KILLED || status.state() == mesos::v1::TASK_LOST;
    REQUIRE_FALSE(terminal);
  }
  FAIL("no " << mesos::v1::TaskState_Name(state) << " for " << task_id);
  return {};
}

}  // namespace mesos_http::test::sim_fixture

#endif  // MESOS_HTTP_TEST_SIM_EXEC_SUPPORT_HPP
