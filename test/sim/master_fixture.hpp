// Shared pieces of the simulated-master tests: a master on a free port with
// its own thread, subscriptions read with the raw HTTP client, and the calls
// a framework makes.
#ifndef MESOS_HTTP_TEST_SIM_MASTER_FIXTURE_HPP
#define MESOS_HTTP_TEST_SIM_MASTER_FIXTURE_HPP

#include "support/raw_http.hpp"

#include <mesos_http/sim/master.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace mesos_http::test::sim_fixture {

using mesos_http::content_type;
using mesos_http::test::decode_event;
using mesos_http::test::raw_connection;
using mesos_http::test::scheduler_call;
using mesos_http::test::scheduler_post;
namespace sched = mesos::v1::scheduler;

/// A master on a free port, served by its own thread.
class running_master {
 public:
  explicit running_master(sim::master_config config = fast_config())
      : work_(io_.get_executor()), master_(io_.get_executor(), config) {
    auto ec = master_.start();
    REQUIRE_FALSE(ec);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~running_master() {
    master_.stop();
    work_.reset();
    thread_.join();
  }
  /// Short intervals so flows finish in milliseconds.
  static sim::master_config fast_config() {
    sim::master_config config;
    config.port = 0;
    config.heartbeat_interval = std::chrono::milliseconds(200);
    config.cluster.allocation_interval = std::chrono::milliseconds(20);
    config.cluster.task_step_delay = std::chrono::milliseconds(5);
    config.cluster.task_run_time = std::chrono::milliseconds(20);
    return config;
  }
  sim::master& operator*() { return master_; }
  sim::master* operator->() { return &master_; }
  unsigned short port() const { return master_.port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  sim::master master_;
  std::thread thread_;
};

inline sched::Call subscribe_call(const std::string& framework_id = "") {
  sched::Call call;
  call.set_type(sched::Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_user("nobody");
  info->set_name("sim-test");
  info->set_failover_timeout(60);
  if (!framework_id.empty()) {
    call.mutable_framework_id()->set_value(framework_id);
    info->mutable_id()->set_value(framework_id);
  }
  return call;
}

/// An open subscription: the stream connection plus its ids.
struct subscribed {
  std::unique_ptr<raw_connection> stream;
  std::string stream_id;
  std::string framework_id;
  content_type type = content_type::json;

  sched::Event next() {
    auto record = stream->next_record();
    REQUIRE(record);
    return decode_event(*record, type);
  }
  /// Skips other events (bounded) until one of type `wanted`.
  sched::Event next_of(sched::Event::Type wanted) {
    for (int i = 0; i < 1000; ++i) {
      sched::Event e = next();
      if (e.type() == wanted) return e;
    }
    FAIL("no " << sched::Event::Type_Name(wanted) << " event");
    return {};
  }
};

inline subscribed subscribe(unsigned short port, content_type type,
                            const std::string& framework_id = "") {
  subscribed s;
  s.type = type;
  s.stream = std::make_unique<raw_connection>(port);
  s.stream->send(scheduler_call(subscribe_call(framework_id), type));
  auto header = s.stream->read_header();
  REQUIRE(header.status == 200);
  s.stream_id = header.header("mesos-stream-id");
  auto first = s.next();
  REQUIRE(first.type() == sched::Event::SUBSCRIBED);
  s.framework_id = first.subscribed().framework_id().value();
  return s;
}

inline mesos_http::test::raw_response post(unsigned short port, const std::string& request) {
  raw_connection c(port);
  c.send(request);
  return c.read_response();
}

inline sched::Call call_of(sched::Call::Type type, const subscribed& s) {
  sched::Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(s.framework_id);
  return call;
}

/// ACCEPT of `offer` launching one command task with 0.5 cpus.
inline sched::Call launch_call(const subscribed& s, const mesos::v1::Offer& offer,
                               const std::string& task_id, const std::string& command) {
  sched::Call accept = call_of(sched::Call::ACCEPT, s);
  *accept.mutable_accept()->add_offer_ids() = offer.id();
  auto* op = accept.mutable_accept()->add_operations();
  op->set_type(mesos::v1::Offer::Operation::LAUNCH);
  auto* task = op->mutable_launch()->add_task_infos();
  task->set_name(task_id);
  task->mutable_task_id()->set_value(task_id);
  *task->mutable_agent_id() = offer.agent_id();
  task->mutable_command()->set_value(command);
  auto* cpus = task->add_resources();
  cpus->set_name("cpus");
  cpus->set_type(mesos::v1::Value::SCALAR);
  cpus->mutable_scalar()->set_value(0.5);
  return accept;
}

/// Reads updates of `task_id`, acknowledging each, until one in `state`.
/// Returns the states seen, in order.
inline std::vector<mesos::v1::TaskState> ack_until(subscribed& s, raw_connection& calls,
                                                   const std::string& task_id,
                                                   mesos::v1::TaskState state) {
  std::vector<mesos::v1::TaskState> states;
  for (int i = 0; i < 100 && (states.empty() || states.back() != state); ++i) {
    auto update = s.next_of(sched::Event::UPDATE);
    const auto& status = update.update().status();
    if (status.task_id().value() != task_id) continue;
    states.push_back(status.state());
    if (!status.has_uuid()) continue;
    sched::Call ack = call_of(sched::Call::ACKNOWLEDGE, s);
    *ack.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
    *ack.mutable_acknowledge()->mutable_task_id() = status.task_id();
    ack.mutable_acknowledge()->set_uuid(status.uuid());
    calls.send(scheduler_call(ack, s.type, s.stream_id));
    CHECK(calls.read_response().status == 202);
  }
  REQUIRE(!states.empty());
  REQUIRE(states.back() == state);
  return states;
}

/// A path in the temp directory unique to this process.
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (std::to_string(::getpid()) + "-" + name))
      .string();
}

}  // namespace mesos_http::test::sim_fixture

#endif  // MESOS_HTTP_TEST_SIM_MASTER_FIXTURE_HPP
