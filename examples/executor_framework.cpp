// executor_framework: a Mesos framework whose tasks run on an executor of its
// own choosing, and which talks to that executor.
//
//   executor_framework [--master URL] [--content-type json|protobuf]
//                      [--executor PATH] [--group] [--timeout SECONDS]
//                      -- COMMAND...
//
// On the first offer big enough for every task and the executor, launches
// each COMMAND as a task of one executor, "executor-1":
//   * by default a CUSTOM executor, the program at PATH (by default the
//     `command_executor` example next to this program), in one LAUNCH. Mesos
//     refuses a LAUNCH task with both `command` and `executor`, so each
//     task's shell command travels in TaskInfo.data, where command_executor
//     looks for it;
//   * with --group, the agent's DEFAULT executor, in one LAUNCH_GROUP whose
//     tasks carry their commands.
// Prints every status update and acknowledges it once printed. When a task
// first runs, sends its executor the framework message "hello <task id>"
// and prints whatever the executor sends back (command_executor echoes it).
// When every task has ended, shuts the executor down and tears the
// framework down. Exit status: 0 when every task FINISHED, 1 otherwise (or
// after --timeout, default 60 s), 2 for bad arguments or a lost master.
#include <mesos_http/error.hpp>
#include <mesos_http/scheduler.hpp>
#include <mesos_http/scheduler_calls.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using mesos::v1::TaskState;
namespace calls = mesos_http::calls;
namespace sched = mesos::v1::scheduler;

constexpr double task_cpus = 0.1, task_mem = 32;
constexpr double executor_cpus = 0.1, executor_mem = 32, executor_disk = 32;
const char* const executor_id = "executor-1";

struct options {
  std::string master = "http://127.0.0.1:5050";
  mesos_http::content_type content = mesos_http::content_type::protobuf;
  std::string executor;
  bool group = false;
  int timeout = 60;
  std::vector<std::string> commands;
};

// `command_executor` in the directory of this program: where the build puts
// both examples. /proc/self/exe is reliable; argv[0] is the fallback.
std::string default_executor(const char* argv0) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string self = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : argv0;
  auto slash = self.rfind('/');
  return (slash == std::string::npos ? "." : self.substr(0, slash)) + "/command_executor";
}

bool parse(int argc, char** argv, options& out) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--") {
      out.commands.assign(argv + i + 1, argv + argc);
      break;
    } else if (arg == "--master") {
      out.master = value();
    } else if (arg == "--content-type") {
      auto type = mesos_http::parse_content_type(value());
      if (!type) return false;
      out.content = *type;
    } else if (arg == "--executor") {
      out.executor = value();
      if (out.executor.empty()) return false;
    } else if (arg == "--group") {
      out.group = true;
    } else if (arg == "--timeout") {
      std::string v = value();
      std::size_t used = 0;
      try {
        out.timeout = std::stoi(v, &used);
      } catch (const std::exception&) {
        return false;
      }
      if (used != v.size() || out.timeout <= 0) return false;
    } else {
      return false;
    }
  }
  if (out.executor.empty()) out.executor = default_executor(argv[0]);
  // The agent starts the executor in its sandbox: a relative path would not
  // resolve there.
  out.executor = std::filesystem::absolute(out.executor).lexically_normal().string();
  return !out.commands.empty();
}

// The executor's path as one word for `sh -c`, whatever characters it has.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

double scalar(const mesos::v1::Offer& offer, const std::string& name) {
  double total = 0;
  for (const auto& r : offer.resources()) {
    if (r.name() == name && r.has_scalar()) total += r.scalar().value();
  }
  return total;
}

bool terminal(TaskState s) {
  return s == mesos::v1::TASK_FINISHED || s == mesos::v1::TASK_FAILED ||
         s == mesos::v1::TASK_KILLED || s == mesos::v1::TASK_LOST || s == mesos::v1::TASK_ERROR ||
         s == mesos::v1::TASK_DROPPED || s == mesos::v1::TASK_GONE ||
         s == mesos::v1::TASK_GONE_BY_OPERATOR;
}

// The first line of `text`; the following ones (command_executor puts the
// end of the command's output there) indented below it.
std::string indented(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\n    | ") : std::string(1, c);
  return out;
}

// The framework's state; touched only from the scheduler's callbacks and the
// timer, which all run on the one thread of the io_context.
class framework {
 public:
  framework(const options& opts, boost::asio::io_context& io) : opts_(opts), timer_(io) {
    executor_id_.set_value(executor_id);
  }

  void attach(mesos_http::scheduler& s) { scheduler_ = &s; }
  void start_timer();
  void cancel_timer() { timer_.cancel(); }

  mesos_http::scheduler_handlers handlers() {
    mesos_http::scheduler_handlers on;
    on.subscribed = [](const sched::Event::Subscribed& s) {
      std::cout << "subscribed as framework " << s.framework_id().value() << std::endl;
    };
    on.offers = [this](const sched::Event::Offers& e) { offers(e); };
    on.update = [this](const sched::Event::Update& e) { update(e.status()); };
    on.message = [](const sched::Event::Message& m) {
      std::cout << "message from executor " << m.executor_id().value() << ": " << m.data()
                << std::endl;
    };
    on.failure = [](const sched::Event::Failure& f) {
      if (f.has_executor_id()) {
        std::cout << "executor " << f.executor_id().value() << " exited with status " << f.status()
                  << std::endl;
      }
    };
    return on;
  }

  int exit_code() const { return failed_ == 0 && ended_.size() == opts_.commands.size() ? 0 : 1; }

 private:
  mesos::v1::ExecutorInfo executor_info() const {
    mesos::v1::ExecutorInfo e;
    *e.mutable_executor_id() = executor_id_;
    e.set_type(opts_.group ? mesos::v1::ExecutorInfo::DEFAULT : mesos::v1::ExecutorInfo::CUSTOM);
    if (!opts_.group) *e.mutable_command() = calls::command(shell_quote(opts_.executor));
    *e.add_resources() = calls::scalar_resource("cpus", executor_cpus);
    *e.add_resources() = calls::scalar_resource("mem", executor_mem);
    *e.add_resources() = calls::scalar_resource("disk", executor_disk);
    return e;
  }

  // One task per command. A CUSTOM executor's task may not have a command
  // as well (TASK_ERROR), so its command goes in `data`; the tasks of a
  // group run on the DEFAULT executor and keep theirs.
  std::vector<mesos::v1::TaskInfo> tasks(const mesos::v1::AgentID& agent) {
    std::vector<mesos::v1::TaskInfo> out;
    for (std::size_t i = 0; i < opts_.commands.size(); ++i) {
      std::string id = "task-" + std::to_string(i);
      auto t = calls::task_info(
          id, id, agent,
          {calls::scalar_resource("cpus", task_cpus), calls::scalar_resource("mem", task_mem)},
          calls::command(opts_.commands[i]));
      if (!opts_.group) {
        t.clear_command();
        t.set_data(opts_.commands[i]);
        *t.mutable_executor() = executor_info();
      }
      std::cout << id << ": launching '" << opts_.commands[i] << "'" << std::endl;
      out.push_back(std::move(t));
    }
    return out;
  }

  bool fits(const mesos::v1::Offer& offer) const {
    const double n = static_cast<double>(opts_.commands.size());
    return scalar(offer, "cpus") >= n * task_cpus + executor_cpus &&
           scalar(offer, "mem") >= n * task_mem + executor_mem &&
           scalar(offer, "disk") >= executor_disk;
  }

  void offers(const sched::Event::Offers& event) {
    for (const auto& offer : event.offers()) {
      if (launched_ || !fits(offer)) {
        // Once launched nothing more is needed: keep the offers away longer.
        auto filters = calls::refuse_seconds(launched_ ? 3600 : 5);
        scheduler_->send(calls::decline(offer, filters));
        continue;
      }
      launched_ = true;
      agent_ = offer.agent_id();
      std::cout << "launching on agent " << agent_.value() << " with executor " << executor_id
                << (opts_.group ? " (DEFAULT, task group)" : " (" + opts_.executor + ")")
                << std::endl;
      auto launch = opts_.group ? calls::launch_group(executor_info(), tasks(agent_))
                                : calls::launch(tasks(agent_));
      scheduler_->send(calls::accept(offer, {std::move(launch)}));
    }
  }

  void update(const mesos::v1::TaskStatus& status) {
    const std::string& id = status.task_id().value();
    std::cout << id << ": " << mesos::v1::TaskState_Name(status.state());
    if (!status.message().empty()) std::cout << " (" << indented(status.message()) << ")";
    std::cout << std::endl;
    // Acknowledge only after the update was handled (here: printed).
    if (calls::needs_acknowledgement(status)) scheduler_->send(calls::acknowledge(status));
    states_[id] = status.state();
    if (status.state() == mesos::v1::TASK_RUNNING && greeted_.insert(id).second) {
      const auto& agent = status.has_agent_id() ? status.agent_id() : agent_;
      scheduler_->send(calls::message(agent, executor_id_, "hello " + id));
    }
    if (!terminal(status.state()) || !ended_.insert(id).second) return;
    if (status.state() != mesos::v1::TASK_FINISHED) ++failed_;
    if (ended_.size() < opts_.commands.size()) return;
    std::cout << "all " << ended_.size() << " task(s) ended, " << failed_ << " not FINISHED"
              << std::endl;
    finish();
  }

  // SHUTDOWN first so the executor ends the way it would under a framework
  // that stays; TEARDOWN then removes the framework for good.
  void finish() {
    if (finishing_) return;  // the timeout came first, or tasks end after it
    finishing_ = true;
    timer_.cancel();
    std::cout << (launched_ ? "shutting down executor " + std::string(executor_id) + ", then "
                            : std::string())
              << "tearing down" << std::endl;
    auto teardown = [this](boost::system::error_code, mesos_http::diagnostics) {
      scheduler_->async_send(
          calls::teardown(),
          [this](boost::system::error_code, mesos_http::diagnostics) { scheduler_->stop(); });
    };
    if (!launched_) return teardown({}, {});
    scheduler_->async_send(calls::shutdown(executor_id_, agent_), teardown);
  }

  void timed_out() {
    std::cout << "timed out after " << opts_.timeout << " s";
    if (!launched_) std::cout << " before any offer was big enough";
    std::cout << std::endl;
    for (std::size_t i = 0; i < opts_.commands.size(); ++i) {
      std::string id = "task-" + std::to_string(i);
      if (ended_.count(id)) continue;
      auto it = states_.find(id);
      std::cout << id << ": not ended, last state "
                << (it == states_.end() ? "none" : mesos::v1::TaskState_Name(it->second))
                << std::endl;
    }
    finish();
  }

  const options& opts_;
  boost::asio::steady_timer timer_;
  mesos_http::scheduler* scheduler_ = nullptr;
  mesos::v1::ExecutorID executor_id_;
  mesos::v1::AgentID agent_;
  bool launched_ = false;
  bool finishing_ = false;
  std::map<std::string, TaskState> states_;
  std::set<std::string> greeted_;  // sent "hello"
  std::set<std::string> ended_;
  std::size_t failed_ = 0;
};

void framework::start_timer() {
  timer_.expires_after(std::chrono::seconds(opts_.timeout));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) timed_out();
  });
}

const char* const usage =
    "usage: executor_framework [--master URL] [--content-type json|protobuf] "
    "[--executor PATH] [--group] [--timeout SECONDS] -- COMMAND...\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::cout << usage;
    return 0;
  }
  options opts;
  if (!parse(argc, argv, opts)) {
    std::cerr << usage;
    return 2;
  }
  boost::asio::io_context io;
  framework fw(opts, io);

  mesos_http::scheduler_config config;
  config.masters = {opts.master};
  config.content = opts.content;
  config.framework.set_user("nobody");
  config.framework.set_name("executor_framework");
  config.framework.set_failover_timeout(60);

  mesos_http::scheduler scheduler(io.get_executor(), config, fw.handlers());
  fw.attach(scheduler);
  fw.start_timer();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) scheduler.stop();
  });

  int status = 0;
  scheduler.async_run([&](boost::system::error_code ec) {
    signals.cancel();
    fw.cancel_timer();
    if (ec != mesos_http::error::stopped) {
      std::cerr << "executor_framework: " << ec.message() << ": "
                << scheduler.last_error().message() << '\n';
      status = 2;
    }
  });
  io.run();
  return status ? status : fw.exit_code();
}
