// coroutine_framework: the launch_commands framework written as one C++20
// coroutine instead of callbacks.
//
//   coroutine_framework [--master URL] -- COMMAND...
//
// The scheduler's callbacks only push events into a channel; the coroutine
// reads them in order with `co_await events.async_receive(...)` and sends
// calls with `co_await scheduler.async_send(call, use_awaitable)`, so the
// framework reads top to bottom: wait for SUBSCRIBED, launch every command
// on the offers, follow the updates, tear down. Exit status 0 when every task
// FINISHED, 1 otherwise, 2 on usage errors or a lost master.
#include <mesos_http/error.hpp>
#include <mesos_http/scheduler.hpp>
#include <mesos_http/scheduler_calls.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace sched = mesos::v1::scheduler;
using event_channel =
    asio::experimental::channel<void(boost::system::error_code, sched::Event)>;

namespace {

bool terminal(mesos::v1::TaskState s) {
  using namespace mesos::v1;
  return s == TASK_FINISHED || s == TASK_FAILED || s == TASK_KILLED || s == TASK_LOST ||
         s == TASK_ERROR || s == TASK_DROPPED || s == TASK_GONE;
}

// Launches as many of `pending` as `offer` holds (0.1 cpus, 32 MB each).
std::vector<mesos::v1::TaskInfo> fit(const mesos::v1::Offer& offer,
                                     std::vector<std::string>& pending, int& next_id) {
  double cpus = 0, mem = 0;
  for (const auto& r : offer.resources()) {
    if (r.name() == "cpus") cpus += r.scalar().value();
    if (r.name() == "mem") mem += r.scalar().value();
  }
  std::vector<mesos::v1::TaskInfo> tasks;
  while (!pending.empty() && cpus >= 0.1 && mem >= 32) {
    cpus -= 0.1;
    mem -= 32;
    std::string id = "co-task-" + std::to_string(next_id++);
    std::cout << id << ": launching '" << pending.back() << "'" << std::endl;
    tasks.push_back(mesos_http::calls::task_info(
        id, id, offer.agent_id(),
        {mesos_http::calls::scalar_resource("cpus", 0.1),
         mesos_http::calls::scalar_resource("mem", 32)},
        mesos_http::calls::command(pending.back())));
    pending.pop_back();
  }
  return tasks;
}

asio::awaitable<int> framework(mesos_http::scheduler& s, event_channel& events,
                               std::vector<std::string> pending) {
  const std::size_t total = pending.size();
  std::set<std::string> ended;
  int next_id = 0, failed = 0;
  while (ended.size() < total) {
    auto [ec, event] = co_await events.async_receive(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return 2;  // the scheduler stopped
    if (event.type() == sched::Event::SUBSCRIBED) {
      std::cout << "subscribed as " << event.subscribed().framework_id().value() << std::endl;
    } else if (event.type() == sched::Event::OFFERS) {
      for (const auto& offer : event.offers().offers()) {
        auto tasks = fit(offer, pending, next_id);
        auto call = tasks.empty() ? mesos_http::calls::decline(offer)
                                  : mesos_http::calls::accept(
                                        offer, {mesos_http::calls::launch(std::move(tasks))});
        auto [send_ec, diag] = co_await s.async_send(call, asio::as_tuple(asio::use_awaitable));
        if (send_ec) std::cerr << "ACCEPT/DECLINE failed: " << diag.message() << '\n';
      }
    } else if (event.type() == sched::Event::UPDATE) {
      const auto& status = event.update().status();
      std::cout << status.task_id().value() << ": " << mesos::v1::TaskState_Name(status.state())
                << std::endl;
      if (mesos_http::calls::needs_acknowledgement(status)) {
        co_await s.async_send(mesos_http::calls::acknowledge(status),
                              asio::as_tuple(asio::use_awaitable));
      }
      if (terminal(status.state()) && ended.insert(status.task_id().value()).second) {
        failed += status.state() != mesos::v1::TASK_FINISHED;
      }
    }
  }
  co_await s.async_send(mesos_http::calls::teardown(), asio::as_tuple(asio::use_awaitable));
  co_return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string master = "http://127.0.0.1:5050";
  std::vector<std::string> commands;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--master" && i + 1 < argc) {
      master = argv[++i];
    } else if (arg == "--") {
      commands.assign(argv + i + 1, argv + argc);
      break;
    } else {
      commands.clear();
      break;
    }
  }
  if (commands.empty()) {
    std::cerr << "usage: coroutine_framework [--master URL] -- COMMAND...\n";
    return 2;
  }
  asio::io_context io;
  event_channel events(io, 1024);
  mesos_http::scheduler_config config;
  config.masters = {master};
  config.framework.set_user("nobody");
  config.framework.set_name("coroutine_framework");
  mesos_http::scheduler_handlers on;
  // Every event goes into the channel; a full channel means the coroutine
  // fell 1024 events behind, which this example treats as fatal.
  on.event = [&](const sched::Event& e) {
    if (!events.try_send(boost::system::error_code(), e)) std::abort();
  };
  mesos_http::scheduler s(io.get_executor(), config, on);
  int status = 2;
  s.async_run([&](boost::system::error_code ec) {
    if (ec != mesos_http::error::stopped) std::cerr << "scheduler: " << ec.message() << '\n';
    events.close();
  });
  asio::co_spawn(io, framework(s, events, commands), [&](std::exception_ptr, int result) {
    status = result;
    s.stop();
  });
  io.run();
  return status;
}
