#include "sim/process_runner.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string_view>
#include <variant>

extern char** environ;

namespace mesos_http::sim::detail {

namespace {

namespace fs = std::filesystem;
constexpr auto poll_interval = std::chrono::milliseconds(10);
constexpr std::size_t max_stdout_report = 64 * 1024;
// Set in every started process's environment, unique to it: the
// simulator's stand-in for a container's cgroup (see kill_marked).
constexpr std::string_view container_variable = "MESOS_HTTP_SIM_CONTAINER";
std::atomic<std::uint64_t> next_runner_id{1};

// What the child needs, prepared before fork: after fork only
// async-signal-safe calls are allowed.
struct spawn_plan {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::string> env;
};

std::optional<std::string> env_value(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& entry : env) {
    if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
        entry[key.size()] == '=') {
      return entry.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

// execvp's search, done in the parent with the task's PATH.
std::optional<std::string> find_executable(const std::string& name,
                                           const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = env_value(env, "PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::vector<std::string> task_environment(const process_action& a, const std::string& sandbox,
                                          const std::string& container) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  vars["MESOS_FRAMEWORK_ID"] = a.framework_id;
  vars["MESOS_EXECUTOR_ID"] = a.executor_id;
  vars["MESOS_SLAVE_ID"] = a.agent_id;
  vars["MESOS_AGENT_ID"] = a.agent_id;
  if (!a.executor) vars["MESOS_TASK_ID"] = a.task_id;  // an executor runs many
  vars["MESOS_DIRECTORY"] = sandbox;
  vars["MESOS_SANDBOX"] = sandbox;
  vars["MESOS_ALLOCATION_ROLE"] = a.role;
  for (const auto& v : a.command.environment().variables()) vars[v.name()] = v.value();
  vars[std::string(container_variable)] = container;  // last: the command cannot drop it
  std::vector<std::string> env;
  for (const auto& [key, value] : vars) env.push_back(key + "=" + value);
  return env;
}

std::optional<std::string> make_plan(const process_action& a, const std::string& sandbox,
                                     const std::string& container, spawn_plan& plan) {
  const auto& command = a.command;
  plan.env = task_environment(a, sandbox, container);
  if (!command.has_value() || command.value().empty()) {
    return std::string("the task's command has no value");
  }
  if (command.shell()) {  // CommandInfo.shell defaults to true
    plan.path = "/bin/sh";
    plan.argv = {"sh", "-c", command.value()};
    return std::nullopt;
  }
  auto path = find_executable(command.value(), plan.env);
  if (!path) return "cannot find executable '" + command.value() + "' in PATH";
  plan.path = *path;
  plan.argv.assign(command.arguments().begin(), command.arguments().end());
  if (plan.argv.empty()) plan.argv.push_back(command.value());
  return std::nullopt;
}

void close_from(int first, int last, int max_fd) {
#ifdef SYS_close_range
  if (first > last || ::syscall(SYS_close_range, first, last, 0) == 0) return;
#endif
  for (int fd = first; fd <= last && fd < max_fd; ++fd) ::close(fd);
}

// In the child: become a process group, wire up the files, exec. Reports
// exec's errno through `report` (close-on-exec, so a successful exec
// closes it with nothing written).
[[noreturn]] void child_main(const spawn_plan& plan, char* const* argv, char* const* envp,
                             const char* dir, int in, int out, int err, int report, int max_fd) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  const int reset[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD};
  for (int sig : reset) ::sigaction(sig, &dfl, nullptr);
  ::setpgid(0, 0);
  if (::dup2(in, 0) >= 0 && ::dup2(out, 1) >= 0 && ::dup2(err, 2) >= 0 && ::chdir(dir) == 0) {
    close_from(3, report - 1, max_fd);
    close_from(report + 1, max_fd > report ? max_fd : report + 1, max_fd);
    ::execve(plan.path.c_str(), argv, envp);
  }
  int code = errno;
  [[maybe_unused]] auto written = ::write(report, &code, sizeof code);
  ::_exit(127);
}

int open_file(const std::string& path, int flags) {
  return ::open(path.c_str(), flags | O_CLOEXEC, 0644);
}

pid_t wait_for(pid_t pid, int* status, int flags) {
  pid_t r;
  do {
    r = ::waitpid(pid, status, flags);
  } while (r < 0 && errno == EINTR);
  return r;
}

// fork + exec of `plan` in `sandbox`; the pid, or the error text.
std::variant<pid_t, std::string> spawn(const spawn_plan& plan, const std::string& sandbox) {
  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int in = open_file("/dev/null", O_RDONLY);
  int out = open_file(sandbox + "/stdout", O_WRONLY | O_CREAT | O_TRUNC);
  int err = open_file(sandbox + "/stderr", O_WRONLY | O_CREAT | O_TRUNC);
  int report[2] = {-1, -1};
  std::string failure;
  if (in < 0 || out < 0 || err < 0)
    failure = std::string("cannot open files: ") + std::strerror(errno);
  if (failure.empty() && ::pipe2(report, O_CLOEXEC) != 0) failure = std::strerror(errno);
  long open_max = ::sysconf(_SC_OPEN_MAX);
  int max_fd = open_max > 0 && open_max < 65536 ? static_cast<int>(open_max) : 65536;
  pid_t pid = -1;
  if (failure.empty()) {
    pid = ::fork();
    if (pid == 0) {
      child_main(plan, argv.data(), envp.data(), sandbox.c_str(), in, out, err, report[1], max_fd);
    }
    if (pid < 0) failure = std::string("fork: ") + std::strerror(errno);
  }
  for (int fd : {in, out, err, report[1]}) {
    if (fd >= 0) ::close(fd);
  }
  if (pid > 0) {
    ::setpgid(pid, pid);  // also here, so a kill right away reaches the group
    int code = 0;
    ssize_t n;
    do {
      n = ::read(report[0], &code, sizeof code);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof code)) {
      int status = 0;
      wait_for(pid, &status, 0);
      failure = "cannot execute '" + plan.path + "': " + std::strerror(code);
    }
  }
  if (report[0] >= 0) ::close(report[0]);
  if (!failure.empty()) return failure;
  return pid;
}

std::string read_prefix(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

std::string status_text(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* name = ::strsignal(WTERMSIG(wait_status));
    return std::string("terminated with signal ") + (name ? name : "?");
  }
  return "ended with wait status " + std::to_string(wait_status);
}

}  // namespace

struct process_runner::child {
  std::uint64_t process = 0;
  pid_t pid = 0;
  std::string framework_id;
  std::string task_id;
  std::string sandbox;
  std::string container_entry;  // "MESOS_HTTP_SIM_CONTAINER=<its id>"
  std::optional<boost::asio::posix::stream_descriptor> pidfd;
  std::optional<boost::asio::steady_timer> poll_timer;
  std::optional<boost::asio::steady_timer> escalation;
  bool killing = false;
  std::chrono::steady_clock::time_point kill_deadline;
};

process_runner::process_runner(boost::asio::any_io_executor executor, exec_settings settings,
                               std::function<void(const process_report&)> on_report)
    : executor_(std::move(executor)),
      settings_(std::move(settings)),
      on_report_(std::move(on_report)),
      runner_id_(next_runner_id++) {}

process_runner::~process_runner() {
  stop();
  if (own_work_dir_) {
    std::error_code ignored;
    fs::remove_all(work_dir_, ignored);
  }
}

std::optional<std::string> process_runner::open() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!work_dir_.empty()) return std::nullopt;
  std::error_code ec;
  if (settings_.work_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/mesos-http-sim-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      return "cannot create a work directory from " + pattern + ": " + std::strerror(errno);
    }
    work_dir_ = fs::absolute(pattern, ec).string();
    own_work_dir_ = true;
    return std::nullopt;
  }
  fs::create_directories(settings_.work_dir, ec);
  if (ec) return "cannot create work directory " + settings_.work_dir + ": " + ec.message();
  work_dir_ = fs::absolute(settings_.work_dir, ec).string();
  return std::nullopt;
}

std::string process_runner::work_dir() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return work_dir_;
}

std::vector<int> process_runner::pids() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<int> out;
  for (const auto& [number, c] : children_) out.push_back(c->pid);
  return out;
}

namespace {

// Every live descendant of `pid` (children first), from Linux's
// /proc/<pid>/task/<tid>/children lists.
void collect_descendants(pid_t pid, std::vector<pid_t>& out) {
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(
           "/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream children(task.path() / "children");
    pid_t child = 0;
    while (children >> child) {
      out.push_back(child);
      collect_descendants(child, out);
    }
  }
}

// SIGKILL for every process whose environment holds `entry` (NAME=value) —
// processes a started one left behind, even those a crash handed to init,
// which no longer descend from anything the runner knows. (A process that
// replaced its whole environment escapes; a real agent's cgroup would not.)
void kill_marked(const std::string& entry) {
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const std::string name = proc.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(proc.path() / "environ", std::ios::binary);
    std::string variable;
    while (std::getline(in, variable, '\0')) {
      if (variable != entry) continue;
      const pid_t pid = static_cast<pid_t>(std::stol(name));
      ::kill(-pid, SIGKILL);  // the group it leads, if any
      ::kill(pid, SIGKILL);
      break;
    }
  }
}

// SIGKILL for the process group of `pid` and for everything it started,
// including processes that moved to groups of their own (an executor runs
// each task in its own group), as destroying a container kills all of it.
void kill_everything(pid_t pid, const std::string& container_entry) {
  std::vector<pid_t> descendants;
  collect_descendants(pid, descendants);
  ::kill(-pid, SIGKILL);
  for (pid_t d : descendants) {
    ::kill(-d, SIGKILL);  // the group it leads, if any
    ::kill(d, SIGKILL);
  }
  kill_marked(container_entry);
}

}  // namespace

std::vector<process_report> process_runner::apply(const process_action& action) {
  switch (action.what) {
    case process_action::kind::start:
      return {start(action)};
    case process_action::kind::kill:
      kill(action);
      return {};
    case process_action::kind::destroy: {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = children_.find(action.process);
      // Reaped when seen to exit.
      if (it != children_.end()) kill_everything(it->second->pid, it->second->container_entry);
      return {};
    }
  }
  return {};
}

process_report process_runner::start(const process_action& a) {
  process_report report;
  report.process = a.process;
  report.what = process_report::kind::failed;
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_ || work_dir_.empty()) {
    report.error = "the simulator's agent is not running processes";
    return report;
  }
  std::string sandbox = work_dir_ + "/agents/" + a.agent_id + "/frameworks/" + a.framework_id +
                        "/executors/" + a.executor_id + "/runs/" +
                        (a.container_id.empty() ? std::to_string(a.process) : a.container_id);
  std::error_code ec;
  fs::create_directories(sandbox, ec);
  if (ec) {
    report.error = "cannot create sandbox " + sandbox + ": " + ec.message();
    return report;
  }
  const std::string container = std::to_string(::getpid()) + "." + std::to_string(runner_id_) +
                                "." + std::to_string(a.process);
  spawn_plan plan;
  if (auto problem = make_plan(a, sandbox, container, plan)) {
    report.error = *problem;
    return report;
  }
  auto spawned = spawn(plan, sandbox);
  if (auto* error = std::get_if<std::string>(&spawned)) {
    report.error = *error;
    return report;
  }
  auto c = std::make_shared<child>();
  c->process = a.process;
  c->pid = std::get<pid_t>(spawned);
  c->framework_id = a.framework_id;
  c->task_id = a.task_id;
  c->sandbox = sandbox;
  c->container_entry = std::string(container_variable) + "=" + container;
  children_[a.process] = c;
  watch(c);
  report.what = process_report::kind::started;
  report.pid = c->pid;
  return report;
}

// Called with mutex_ held.
void process_runner::watch(const std::shared_ptr<child>& c) {
#ifdef SYS_pidfd_open
  if (use_pidfd_ && !c->pidfd) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, c->pid, 0));
    if (fd >= 0) c->pidfd.emplace(executor_, fd);
  }
#endif
  auto self = weak_from_this();
  std::uint64_t number = c->process;
  if (c->pidfd) {
    // A pidfd turns readable once the process has exited (it is a zombie
    // until we reap it, so its pid and group id stay ours until then).
    c->pidfd->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [self, number](boost::system::error_code ec) {
                           if (ec == boost::asio::error::operation_aborted) return;
                           if (auto runner = self.lock()) runner->on_exit_signalled(number);
                         });
    return;
  }
  poll(c);
}

// Called with mutex_ held.
void process_runner::poll(const std::shared_ptr<child>& c) {
  if (!c->poll_timer) c->poll_timer.emplace(executor_);
  c->poll_timer->expires_after(poll_interval);
  auto self = weak_from_this();
  std::uint64_t number = c->process;
  c->poll_timer->async_wait([self, number](boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (auto runner = self.lock()) runner->on_exit_signalled(number);
  });
}

void process_runner::on_exit_signalled(std::uint64_t process) {
  std::shared_ptr<child> c;
  int status = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = children_.find(process);
    if (it == children_.end()) return;
    c = it->second;
    siginfo_t info{};
    // Look without reaping: while the leader is a zombie its group id cannot
    // be reused, so the group kill below cannot hit a stranger.
    int r = ::waitid(P_PID, static_cast<id_t>(c->pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && info.si_pid == 0) {  // still running (polling, or a spurious wake-up)
      c->pidfd ? watch(c) : poll(c);
      return;
    }
    // Whatever it left running: in its group, or anywhere (a crash).
    if (r == 0) kill_everything(c->pid, c->container_entry);
    if (wait_for(c->pid, &status, 0) < 0) status = 255 << 8;  // reaped elsewhere: unknown
    children_.erase(it);
    boost::system::error_code ignored;
    if (c->pidfd) c->pidfd->close(ignored);
    if (c->poll_timer) c->poll_timer->cancel();
    if (c->escalation) c->escalation->cancel();
  }
  finish(c, status);
}

void process_runner::finish(const std::shared_ptr<child>& c, int wait_status) {
  if (on_report_) {
    process_report report;
    report.what = process_report::kind::exited;
    report.process = c->process;
    report.pid = c->pid;
    report.wait_status = wait_status;
    on_report_(report);
  }
  if (settings_.on_exit) {
    task_process_exit exit;
    exit.framework_id = c->framework_id;
    exit.task_id = c->task_id;
    exit.sandbox = c->sandbox;
    exit.pid = c->pid;
    exit.wait_status = wait_status;
    exit.status = status_text(wait_status);
    exit.stdout_text = read_prefix(c->sandbox + "/stdout", max_stdout_report);
    settings_.on_exit(exit);
  }
}

void process_runner::kill(const process_action& a) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = children_.find(a.process);
  if (it == children_.end()) return;
  auto& c = it->second;
  auto now = std::chrono::steady_clock::now();
  auto deadline = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::max(a.grace_period, duration::zero()));
  if (!c->killing) {
    c->killing = true;
    ::kill(-c->pid, SIGTERM);
  } else if (deadline >= c->kill_deadline) {
    return;  // a later kill never extends the grace period
  }
  c->kill_deadline = deadline;
  if (deadline <= now) {
    kill_everything(c->pid, c->container_entry);
    return;
  }
  escalate(c);
}

// Called with mutex_ held: SIGKILL at the kill deadline.
void process_runner::escalate(const std::shared_ptr<child>& c) {
  if (!c->escalation) c->escalation.emplace(executor_);
  c->escalation->expires_at(c->kill_deadline);
  auto self = weak_from_this();
  std::uint64_t number = c->process;
  c->escalation->async_wait([self, number](boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    auto runner = self.lock();
    if (!runner) return;
    std::lock_guard<std::mutex> lock(runner->mutex_);
    auto it = runner->children_.find(number);
    if (it == runner->children_.end()) return;
    kill_everything(it->second->pid, it->second->container_entry);
  });
}

void process_runner::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  for (auto& [number, c] : children_) kill_everything(c->pid, c->container_entry);
  for (auto& [number, c] : children_) {
    int status = 0;
    wait_for(c->pid, &status, 0);  // SIGKILL cannot be caught: this is quick
    boost::system::error_code ignored;
    if (c->pidfd) c->pidfd->close(ignored);
    if (c->poll_timer) c->poll_timer->cancel();
    if (c->escalation) c->escalation->cancel();
  }
  children_.clear();
}

}  // namespace mesos_http::sim::detail
