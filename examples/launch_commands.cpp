// launch_commands: a complete Mesos framework in one file.
//
//   launch_commands [--master URL] [--content-type json|protobuf]
//                   [--cpus N] [--mem MB] -- COMMAND...
//
// Subscribes to the master, runs each COMMAND as a shell task on the offered
// resources, prints every status update, acknowledges it once printed, and
// when all tasks have ended tears the framework down. Exit status: 0 when
// every task FINISHED, 1 otherwise, 2 for bad arguments or a lost master.
//
// Try it against the simulator (which really runs the commands):
//   mesos-http sim --exec --port 5050 &
//   launch_commands --master http://127.0.0.1:5050 -- 'echo hello' 'uname -a'
#include <mesos_http/error.hpp>
#include <mesos_http/scheduler.hpp>
#include <mesos_http/scheduler_calls.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

using mesos::v1::TaskState;
namespace sched = mesos::v1::scheduler;

struct options {
  std::string master = "http://127.0.0.1:5050";
  mesos_http::content_type content = mesos_http::content_type::protobuf;
  double cpus = 0.1;
  double mem = 32;
  std::vector<std::string> commands;
};

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
    } else if (arg == "--cpus") {
      out.cpus = std::stod(value());
    } else if (arg == "--mem") {
      out.mem = std::stod(value());
    } else {
      return false;
    }
  }
  return !out.commands.empty();
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
         s == mesos::v1::TASK_KILLED || s == mesos::v1::TASK_LOST ||
         s == mesos::v1::TASK_ERROR || s == mesos::v1::TASK_DROPPED ||
         s == mesos::v1::TASK_GONE || s == mesos::v1::TASK_GONE_BY_OPERATOR;
}

// The framework's state; touched only from the scheduler's callbacks, which
// run one at a time.
class framework {
 public:
  framework(const options& opts, boost::asio::io_context& io)
      : opts_(opts), io_(io) {
    for (std::size_t i = 0; i < opts.commands.size(); ++i) pending_.push_back(i);
  }

  void attach(mesos_http::scheduler& s) { scheduler_ = &s; }

  mesos_http::scheduler_handlers handlers() {
    mesos_http::scheduler_handlers on;
    on.subscribed = [this](const sched::Event::Subscribed& s) {
      std::cout << "subscribed as framework " << s.framework_id().value() << std::endl;
    };
    on.disconnected = [](boost::system::error_code ec, const mesos_http::diagnostics& d) {
      std::cout << "disconnected (" << ec.message() << "): " << d.message() << std::endl;
    };
    on.offers = [this](const sched::Event::Offers& e) { offers(e); };
    on.update = [this](const sched::Event::Update& e) { update(e.status()); };
    return on;
  }

  int exit_code() const { return failed_ == 0 && done_ == opts_.commands.size() ? 0 : 1; }

 private:
  void offers(const sched::Event::Offers& event) {
    for (const auto& offer : event.offers()) {
      double cpus = scalar(offer, "cpus"), mem = scalar(offer, "mem");
      std::vector<mesos::v1::TaskInfo> tasks;
      while (!pending_.empty() && cpus >= opts_.cpus && mem >= opts_.mem) {
        std::size_t i = pending_.front();
        pending_.erase(pending_.begin());
        cpus -= opts_.cpus;
        mem -= opts_.mem;
        std::string id = "task-" + std::to_string(i);
        names_[id] = opts_.commands[i];
        tasks.push_back(mesos_http::calls::task_info(
            id, id, offer.agent_id(),
            {mesos_http::calls::scalar_resource("cpus", opts_.cpus),
             mesos_http::calls::scalar_resource("mem", opts_.mem)},
            mesos_http::calls::command(opts_.commands[i])));
        std::cout << id << ": launching '" << opts_.commands[i] << "' on agent "
                  << offer.agent_id().value() << std::endl;
      }
      if (tasks.empty()) {
        scheduler_->send(mesos_http::calls::decline(offer, mesos_http::calls::refuse_seconds(5)));
      } else {
        scheduler_->send(
            mesos_http::calls::accept(offer, {mesos_http::calls::launch(std::move(tasks))}));
      }
    }
  }

  void update(const mesos::v1::TaskStatus& status) {
    const std::string& id = status.task_id().value();
    std::cout << id << ": " << mesos::v1::TaskState_Name(status.state());
    if (!status.message().empty()) std::cout << " (" << status.message() << ")";
    std::cout << std::endl;
    // Acknowledge only after the update was handled (here: printed).
    if (mesos_http::calls::needs_acknowledgement(status)) {
      scheduler_->send(mesos_http::calls::acknowledge(status));
    }
    if (!terminal(status.state()) || !names_.count(id) || ended_.count(id)) return;
    ended_.insert({id, status.state()});
    ++done_;
    if (status.state() != mesos::v1::TASK_FINISHED) ++failed_;
    if (done_ == opts_.commands.size()) finish();
  }

  void finish() {
    std::cout << "all " << done_ << " task(s) ended, " << failed_ << " not FINISHED; tearing down"
              << std::endl;
    scheduler_->async_send(mesos_http::calls::teardown(),
                           [this](boost::system::error_code, mesos_http::diagnostics) {
                             scheduler_->stop();
                           });
  }

  const options& opts_;
  boost::asio::io_context& io_;
  mesos_http::scheduler* scheduler_ = nullptr;
  std::vector<std::size_t> pending_;
  std::map<std::string, std::string> names_;
  std::map<std::string, TaskState> ended_;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  options opts;
  if (!parse(argc, argv, opts)) {
    std::cerr << "usage: launch_commands [--master URL] [--content-type json|protobuf] "
                 "[--cpus N] [--mem MB] -- COMMAND...\n";
    return 2;
  }
  boost::asio::io_context io;
  framework fw(opts, io);

  mesos_http::scheduler_config config;
  config.masters = {opts.master};
  config.content = opts.content;
  config.framework.set_user("nobody");
  config.framework.set_name("launch_commands");
  config.framework.set_failover_timeout(60);

  mesos_http::scheduler scheduler(io.get_executor(), config, fw.handlers());
  fw.attach(scheduler);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) scheduler.stop();
  });

  int status = 0;
  scheduler.async_run([&](boost::system::error_code ec) {
    signals.cancel();
    if (ec != mesos_http::error::stopped) {
      std::cerr << "launch_commands: " << ec.message() << ": "
                << scheduler.last_error().message() << '\n';
      status = 2;
    }
  });
  io.run();
  return status ? status : fw.exit_code();
}
