#include "client_commands.hpp"

#include "args.hpp"

#include <mesos_http/error.hpp>
#include <mesos_http/scheduler.hpp>
#include <mesos_http/scheduler_calls.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <iostream>
#include <optional>

namespace mesos_http::tool {

const char* const execute_usage =
    "  execute --master URL [--name NAME] [--cpus 0.1] [--mem 32]\n"
    "          [--content-type protobuf|json] [--principal P --secret S]\n"
    "          -- COMMAND [ARGS...]\n"
    "      Like mesos-execute: launch one command task (a single word after --\n"
    "      is a shell command line; several are a program and its arguments),\n"
    "      print its status updates, acknowledge them, tear the framework down.\n"
    "      Exits 0 when the task FINISHED, 1 when it ended otherwise.\n";

const char* const decline_all_usage =
    "  decline-all --master URL [--content-type protobuf|json]\n"
    "              [--refuse-seconds S] [--principal P --secret S]\n"
    "      Subscribe, decline every offer (one DECLINE per OFFERS event),\n"
    "      acknowledge updates, reconnect like any framework; on an ERROR event,\n"
    "      SIGINT or SIGTERM print the counters and exit.\n";

namespace {

namespace sched = mesos::v1::scheduler;
using clock = std::chrono::steady_clock;

// Options every framework-like subcommand takes.
scheduler_config common_config(std::vector<std::string>& args, const std::string& name) {
  scheduler_config config;
  auto master = take_option(args, "--master");
  if (!master) throw usage_failure{"--master URL is required"};
  config.masters = {*master};
  if (auto type = take_content_type(args)) config.content = *type;
  config.framework.set_user("nobody");
  config.framework.set_name(take_option(args, "--name").value_or(name));
  auto principal = take_option(args, "--principal");
  auto secret = take_option(args, "--secret");
  if (principal) {
    config.auth = credentials{*principal, secret.value_or(""), "", {}};
    config.framework.set_principal(*principal);
  }
  return config;
}

double number_option(std::vector<std::string>& args, const std::string& name, double fallback) {
  auto text = take_option(args, name);
  if (!text) return fallback;
  try {
    return std::stod(*text);
  } catch (...) {
    throw usage_failure{name + " needs a number, not '" + *text + "'"};
  }
}

bool terminal(mesos::v1::TaskState s) {
  using namespace mesos::v1;
  return s == TASK_FINISHED || s == TASK_FAILED || s == TASK_KILLED || s == TASK_LOST ||
         s == TASK_ERROR || s == TASK_DROPPED || s == TASK_GONE ||
         s == TASK_GONE_BY_OPERATOR || s == TASK_UNREACHABLE;
}

double scalar(const mesos::v1::Offer& offer, const std::string& name) {
  double total = 0;
  for (const auto& r : offer.resources()) {
    if (r.name() == name && r.has_scalar()) total += r.scalar().value();
  }
  return total;
}

mesos::v1::CommandInfo command_from(const std::vector<std::string>& words) {
  if (words.size() == 1) return calls::command(words.front());
  mesos::v1::CommandInfo command;
  command.set_shell(false);
  command.set_value(words.front());
  for (const auto& w : words) command.add_arguments(w);
  return command;
}

// Runs `io` until the scheduler stops; SIGINT/SIGTERM stop it.
int run_until_stopped(boost::asio::io_context& io, scheduler& s, const char* who) {
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) s.stop();
  });
  int status = ok;
  s.async_run([&](boost::system::error_code ec) {
    signals.cancel();
    if (ec != error::stopped && ec != error::framework_error) {
      std::cerr << "mesos-http " << who << ": " << ec.message() << ": "
                << s.last_error().message() << '\n';
      status = usage_error;
    }
  });
  io.run();
  return status;
}

}  // namespace

int execute_command(std::vector<std::string> args) {
  std::vector<std::string> words;
  auto dashes = std::find(args.begin(), args.end(), "--");
  if (dashes != args.end()) {
    words.assign(dashes + 1, args.end());
    args.erase(dashes, args.end());
  }
  auto config = common_config(args, "mesos-http execute");
  double cpus = number_option(args, "--cpus", 0.1);
  double mem = number_option(args, "--mem", 32);
  if (words.empty()) throw usage_failure{"nothing to run: give the command after --"};
  if (!args.empty()) throw usage_failure{"unexpected argument '" + args.front() + "'"};

  boost::asio::io_context io;
  scheduler_handlers on;
  scheduler* self = nullptr;
  bool launched = false;
  std::optional<mesos::v1::TaskState> outcome;
  on.subscribed = [](const sched::Event::Subscribed& s) {
    std::cout << "subscribed as framework " << s.framework_id().value() << std::endl;
  };
  on.offers = [&](const sched::Event::Offers& event) {
    for (const auto& offer : event.offers()) {
      if (launched || scalar(offer, "cpus") < cpus || scalar(offer, "mem") < mem) {
        self->send(calls::decline(offer, calls::refuse_seconds(launched ? 3600 : 1)));
        continue;
      }
      launched = true;
      auto task = calls::task_info("mesos-http-execute", "mesos-http-execute", offer.agent_id(),
                                   {calls::scalar_resource("cpus", cpus),
                                    calls::scalar_resource("mem", mem)},
                                   command_from(words));
      std::cout << "launching on agent " << offer.agent_id().value() << std::endl;
      self->send(calls::accept(offer, {calls::launch({task})}));
    }
  };
  on.update = [&](const sched::Event::Update& update) {
    const auto& status = update.status();
    std::cout << mesos::v1::TaskState_Name(status.state());
    if (!status.message().empty()) std::cout << ": " << status.message();
    std::cout << std::endl;
    if (calls::needs_acknowledgement(status)) self->send(calls::acknowledge(status));
    if (!terminal(status.state()) || outcome) return;
    outcome = status.state();
    self->async_send(calls::teardown(),
                     [self](boost::system::error_code, diagnostics) { self->stop(); });
  };
  on.error = [](const sched::Event::Error& e) {
    std::cerr << "mesos-http execute: Mesos: " << e.message() << '\n';
  };
  scheduler s(io.get_executor(), std::move(config), std::move(on));
  self = &s;
  int status = run_until_stopped(io, s, "execute");
  if (status != ok) return status;
  return outcome == mesos::v1::TASK_FINISHED ? ok : bad_input;
}

int decline_all_command(std::vector<std::string> args) {
  auto config = common_config(args, "mesos-http decline-all");
  double refuse = number_option(args, "--refuse-seconds", 0);
  if (!args.empty()) throw usage_failure{"unexpected argument '" + args.front() + "'"};
  config.framework.set_failover_timeout(0);

  boost::asio::io_context io;
  scheduler_handlers on;
  scheduler* self = nullptr;
  std::uint64_t offers = 0, events = 0, declines_failed = 0;
  auto filters = calls::refuse_seconds(refuse);
  on.event = [&](const sched::Event&) { ++events; };
  sched::Call decline;  // one Call for every DECLINE (encoded in place: see async_send)
  on.offers = [&](const sched::Event::Offers& event) {
    offers += static_cast<std::uint64_t>(event.offers_size());
    calls::decline_into(decline, event.offers(), filters);
    self->async_send(decline,
                     [&](boost::system::error_code ec, diagnostics) { declines_failed += !!ec; });
  };
  on.update = [&](const sched::Event::Update& update) {
    if (calls::needs_acknowledgement(update.status())) {
      self->send(calls::acknowledge(update.status()));
    }
  };
  on.error = [&](const sched::Event::Error& e) {
    std::cerr << "mesos-http decline-all: Mesos: " << e.message() << '\n';
  };
  scheduler s(io.get_executor(), std::move(config), std::move(on));
  self = &s;
  auto start = clock::now();
  int status = run_until_stopped(io, s, "decline-all");
  double seconds = std::chrono::duration<double>(clock::now() - start).count();
  auto m = s.metrics();
  std::uint64_t reconnects = 0;
  for (const auto& [reason, n] : m.reconnects_by_reason) reconnects += n;
  std::cout << "offers declined: " << offers << "\n"
            << "events: " << events << "\n"
            << "decline failures: " << declines_failed << "\n"
            << "subscriptions: " << m.subscriptions << "\n"
            << "reconnects: " << reconnects << "\n"
            << "seconds: " << seconds << "\n"
            << "offers/s: " << (seconds > 0 ? static_cast<double>(offers) / seconds : 0.0)
            << std::endl;
  return status;
}

}  // namespace mesos_http::tool
