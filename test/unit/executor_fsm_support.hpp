// Helpers for driving detail::executor_fsm with fabricated time points, HTTP
// statuses and decoded events (no sockets, no sleeps).
#ifndef MESOS_HTTP_TEST_UNIT_EXECUTOR_FSM_SUPPORT_HPP
#define MESOS_HTTP_TEST_UNIT_EXECUTOR_FSM_SUPPORT_HPP

#include "detail/executor_fsm.hpp"

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/mesos.pb.h>

#include <boost/system/errc.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mesos_http::test::xfsm {

using namespace mesos_http;
using detail::executor_decision;
using detail::executor_fsm;
using detail::executor_fsm_settings;
using detail::executor_state;
using detail::executor_step;
using Event = mesos::v1::executor::Event;
using Call = mesos::v1::executor::Call;
using time_point = detail::steady_clock::time_point;
using ms = std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

inline const time_point t0 = time_point(std::chrono::hours(1000));  // tests never read the clock
inline const auto wall = std::chrono::system_clock::time_point(seconds(1795306092));

// 16 bytes ending in n: the n-th uuid the machines of `settings()` make.
inline std::string uuid(int n) {
  std::string u(16, '\x5a');
  u[15] = static_cast<char>(n);
  return u;
}

inline executor_fsm_settings settings(bool checkpoint) {
  executor_fsm_settings s;
  s.who.framework_id.set_value("fw-1");
  s.who.executor_id.set_value("ex-1");
  s.checkpoint = checkpoint;
  s.recovery_timeout = minutes(15);
  s.backoff_max = seconds(2);
  s.backoff_initial = ms(250);
  s.backoff_seed = 7;
  s.shutdown_grace_period = seconds(5);
  s.registration_timeout = minutes(1);
  s.subscribe_timeout = seconds(30);
  s.heartbeat_interval = minutes(30);
  s.uuid = [n = std::make_shared<int>(0)] { return uuid(++*n); };
  return s;
}

inline Event typed(Event::Type type) {
  Event e;
  e.set_type(type);
  return e;
}

inline Event subscribed_event() {
  Event e = typed(Event::SUBSCRIBED);
  auto* s = e.mutable_subscribed();
  s->mutable_executor_info()->mutable_executor_id()->set_value("ex-1");
  s->mutable_framework_info()->set_user("root");
  s->mutable_framework_info()->set_name("fw");
  s->mutable_agent_info()->set_hostname("127.0.0.1");
  return e;
}

inline mesos::v1::TaskInfo task(const std::string& id) {
  mesos::v1::TaskInfo t;
  t.set_name(id);
  t.mutable_task_id()->set_value(id);
  t.mutable_agent_id()->set_value("agent-1");
  return t;
}

inline Event launch(const std::string& id) {
  Event e = typed(Event::LAUNCH);
  *e.mutable_launch()->mutable_task() = task(id);
  return e;
}

inline Event launch_group(const std::vector<std::string>& ids) {
  Event e = typed(Event::LAUNCH_GROUP);
  for (const auto& id : ids)
    *e.mutable_launch_group()->mutable_task_group()->add_tasks() = task(id);
  return e;
}

inline Event ack(const std::string& task_id, const std::string& u) {
  Event e = typed(Event::ACKNOWLEDGED);
  e.mutable_acknowledged()->mutable_task_id()->set_value(task_id);
  e.mutable_acknowledged()->set_uuid(u);
  return e;
}

inline mesos::v1::TaskStatus status(const std::string& task_id, mesos::v1::TaskState state) {
  mesos::v1::TaskStatus s;
  s.mutable_task_id()->set_value(task_id);
  s.set_state(state);
  return s;
}

// Brings a fresh machine to "subscribed" at `at`.
inline void subscribe(executor_fsm& fsm, time_point at) {
  REQUIRE(fsm.start(at).next == executor_step::connect);
  REQUIRE(fsm.on_response(200, "", at).next == executor_step::stream);
  REQUIRE(fsm.on_event(subscribed_event(), at).next == executor_step::stream);
  REQUIRE(fsm.subscribed());
}

// From a lost connection (a `wait` decision): reconnects and subscribes at
// the wake-up time; returns that time.
inline time_point resubscribe(executor_fsm& fsm, const executor_decision& waiting) {
  REQUIRE(waiting.next == executor_step::wait);
  const time_point at = waiting.deadline;
  REQUIRE(fsm.on_timer(at).next == executor_step::connect);
  REQUIRE(fsm.on_response(200, "", at).next == executor_step::stream);
  REQUIRE(fsm.on_event(subscribed_event(), at).next == executor_step::stream);
  REQUIRE(fsm.subscribed());
  return at;
}

inline std::vector<std::string> task_ids(const std::vector<mesos::v1::TaskInfo>& tasks) {
  std::vector<std::string> out;
  for (const auto& t : tasks) out.push_back(t.task_id().value());
  return out;
}

template <class Updates>
inline std::vector<std::string> update_uuids(const Updates& updates) {
  std::vector<std::string> out;
  for (const auto& u : updates) out.push_back(u.status().uuid());
  return out;
}

inline const boost::system::error_code refused =
    make_error_code(boost::system::errc::connection_refused);

}  // namespace mesos_http::test::xfsm

#endif  // MESOS_HTTP_TEST_UNIT_EXECUTOR_FSM_SUPPORT_HPP
