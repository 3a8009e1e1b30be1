// command_executor: one task's command running as a child process.
//
// The child runs in a process group of its own (so a kill reaches whatever
// it started), with stdin from /dev/null and stdout and stderr on one pipe.
// The pipe is read on the event loop as data arrives, keeping only the last
// KiB. Nothing here waits: the owner reaps children (on SIGCHLD) and calls
// `reaped()`, and the exit callback runs once, with the output tail, after
// the pipe has been drained.
#ifndef COMMAND_EXECUTOR_TASK_PROCESS_HPP
#define COMMAND_EXECUTOR_TASK_PROCESS_HPP

#include <mesos/v1/mesos.pb.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace command_executor {

class task_process : public std::enable_shared_from_this<task_process> {
 public:
  /// How much of the child's output is kept for the status message.
  static constexpr std::size_t tail_size = 1024;

  struct exit_info {
    int wait_status = 0;      ///< as from waitpid
    std::string output_tail;  ///< last `tail_size` bytes of stdout + stderr
  };
  using exit_callback = std::function<void(const exit_info&)>;

  /// Starts `command` (shell form when `shell` is unset or true, otherwise
  /// `value` is the program and `arguments` its argv) with the executor's
  /// environment plus the command's variables. Returns null and sets `why`
  /// when the process could not be created.
  static std::shared_ptr<task_process> start(const boost::asio::any_io_executor& ex,
                                             const mesos::v1::CommandInfo& command,
                                             exit_callback on_exit, std::string& why);

  pid_t pid() const { return pid_; }
  bool exited() const { return exited_; }

  /// SIGTERM to the process group now, SIGKILL once `grace` has passed
  /// (at once when `grace` is zero). A second call may shorten the wait.
  void kill(std::chrono::nanoseconds grace);

  /// The owner reaped the child with this wait status: kills what is left
  /// of the group and, once the output has ended (at most a second later),
  /// runs the exit callback.
  void reaped(int wait_status);

  /// SIGKILL to the whole group, no grace.
  void kill_now();

  /// For an executor on its way out: kills the group if the child is still
  /// there, reaps it (blocking, briefly) and drops every pending operation
  /// without running the exit callback.
  void abandon();

 private:
  task_process(const boost::asio::any_io_executor& ex, pid_t pid, int output_fd,
               exit_callback on_exit);
  void read_output();
  void finish();
  void keep(const char* data, std::size_t n);

  pid_t pid_;
  bool exited_ = false;       // reaped
  bool output_done_ = false;  // the pipe reached its end
  bool finished_ = false;     // exit callback run (or abandoned)
  int wait_status_ = 0;
  boost::asio::posix::stream_descriptor output_;
  boost::asio::steady_timer escalation_;  // SIGTERM -> SIGKILL
  boost::asio::steady_timer drain_;       // reaped, output not yet ended
  std::chrono::steady_clock::time_point kill_deadline_ =
      std::chrono::steady_clock::time_point::max();
  std::array<char, 4096> buffer_{};
  std::string tail_;
  exit_callback on_exit_;
};

}  // namespace command_executor

#endif  // COMMAND_EXECUTOR_TASK_PROCESS_HPP
