// command_executor: starting, watching and killing a task's child process.
#include "task_process.hpp"

#include <boost/asio/buffer.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

extern char** environ;

namespace command_executor {

namespace {

// The child's environment: ours, with the task's variables on top.
std::vector<std::string> child_environment(const mesos::v1::CommandInfo& command) {
  std::map<std::string, std::string> vars;
  for (char** p = environ; p && *p; ++p) {
    const std::string entry(*p);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& v : command.environment().variables()) vars[v.name()] = v.value();
  std::vector<std::string> out;
  for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::shared_ptr<task_process> task_process::start(const boost::asio::any_io_executor& ex,
                                                  const mesos::v1::CommandInfo& command,
                                                  exit_callback on_exit, std::string& why) {
  const bool shell = !command.has_shell() || command.shell();
  const std::string program = shell ? "/bin/sh" : command.value();
  std::vector<std::string> argv;
  if (shell) {
    argv = {"/bin/sh", "-c", command.value()};
  } else {
    argv.assign(command.arguments().begin(), command.arguments().end());
    if (argv.empty()) argv.push_back(command.value());
  }
  if (program.empty()) {
    why = "The task's command is empty";
    return nullptr;
  }
  std::vector<std::string> env = child_environment(command);
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  auto argv_p = pointers(argv);
  auto env_p = pointers(env);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    why = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid < 0) {
    why = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    if (null_fd >= 0) ::close(null_fd);
    return nullptr;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execvpe(program.c_str(), argv_p.data(), env_p.data());
    const char* msg = "Failed to execute the command: ";
    ::write(2, msg, std::strlen(msg));
    ::write(2, std::strerror(errno), std::strlen(std::strerror(errno)));
    ::_exit(127);
  }
  // Also from this side, so that a kill right away reaches the group.
  ::setpgid(pid, pid);
  ::close(fds[1]);
  if (null_fd >= 0) ::close(null_fd);
  std::shared_ptr<task_process> p(new task_process(ex, pid, fds[0], std::move(on_exit)));
  p->read_output();
  return p;
}

task_process::task_process(const boost::asio::any_io_executor& ex, pid_t pid, int output_fd,
                           exit_callback on_exit)
    : pid_(pid),
      output_(ex, output_fd),
      escalation_(ex),
      drain_(ex),
      on_exit_(std::move(on_exit)) {}

void task_process::keep(const char* data, std::size_t n) {
  tail_.append(data, n);
  if (tail_.size() > tail_size) tail_.erase(0, tail_.size() - tail_size);
}

void task_process::read_output() {
  output_.async_read_some(boost::asio::buffer(buffer_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (ec) {
                              // End of output (or closed): once the child
                              // is reaped too, the task is over.
                              self->output_done_ = true;
                              if (self->exited_) self->finish();
                              return;
                            }
                            self->keep(self->buffer_.data(), n);
                            self->read_output();
                          });
}

void task_process::kill(std::chrono::nanoseconds grace) {
  if (exited_) return;
  // A year is as good as forever, and keeps the sum below from overflowing.
  grace = std::min<std::chrono::nanoseconds>(grace, std::chrono::hours(24 * 365));
  const auto deadline = std::chrono::steady_clock::now() + grace;
  if (deadline >= kill_deadline_) return;  // already escalating sooner
  kill_deadline_ = deadline;
  ::kill(-pid_, SIGTERM);
  if (grace <= std::chrono::nanoseconds::zero()) return kill_now();
  escalation_.expires_at(deadline);
  escalation_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && !self->exited_) self->kill_now();
  });
}

void task_process::kill_now() {
  if (!exited_) ::kill(-pid_, SIGKILL);
}

void task_process::abandon() {
  if (!exited_) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    exited_ = true;
  }
  on_exit_ = nullptr;
  finished_ = true;
  escalation_.cancel();
  drain_.cancel();
  boost::system::error_code ignored;
  output_.close(ignored);
}

void task_process::reaped(int wait_status) {
  if (exited_) return;
  exited_ = true;
  wait_status_ = wait_status;
  escalation_.cancel();
  // Whatever the command left behind in its group goes with it.
  ::kill(-pid_, SIGKILL);
  if (output_done_) return finish();
  // The rest of the output may still be in the pipe (or on its way to the
  // read handler): wait for the end of it, but not for long, as something
  // outside the group may hold the pipe open.
  drain_.expires_after(std::chrono::seconds(1));
  drain_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish();
  });
}

void task_process::finish() {
  if (finished_) return;
  finished_ = true;
  drain_.cancel();
  boost::system::error_code ignored;
  output_.close(ignored);
  exit_info info;
  info.wait_status = wait_status_;
  info.output_tail = tail_;
  auto callback = std::move(on_exit_);
  if (callback) callback(info);
}

}  // namespace command_executor
