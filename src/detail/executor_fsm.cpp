#include "detail/executor_fsm.hpp"

#include "detail/subscription_fsm.hpp"  // error_for_status, transient_status

#include <boost/system/errc.hpp>

#include <algorithm>
#include <utility>

namespace mesos_http::detail {

namespace {

using mesos::v1::executor::Event;
using std::chrono::milliseconds;
using time_point = steady_clock::time_point;

constexpr milliseconds min_backoff{10};

// `t + d` without overflowing the clock: durations come from the
// environment ("10000weeks" parses) and must not wrap into the past.
time_point later(time_point t, milliseconds d) {
  if (d <= milliseconds::zero()) return t;
  const auto room = time_point::max() - t;
  if (std::chrono::duration_cast<milliseconds>(room) <= d) return time_point::max();
  return t + d;
}

std::string ms_text(milliseconds d) { return std::to_string(d.count()) + " ms"; }

backoff_config backoff_for(const executor_fsm_settings& s) {
  backoff_config c;
  c.max = std::max(s.backoff_max, min_backoff);
  c.floor = min_backoff;
  c.initial = std::clamp(s.backoff_initial, min_backoff, c.max);
  c.multiplier = 2.0;
  return c;
}

}  // namespace

executor_fsm_settings make_executor_fsm_settings(const executor_config& cfg, std::uint64_t seed) {
  executor_fsm_settings s;
  s.who = {cfg.framework_id, cfg.executor_id};
  s.checkpoint = cfg.checkpoint;
  s.recovery_timeout = cfg.recovery_timeout;
  s.backoff_max = cfg.subscription_backoff_max;
  s.backoff_seed = seed;
  s.shutdown_grace_period = cfg.shutdown_grace_period;
  s.registration_timeout = cfg.registration_timeout;
  s.subscribe_timeout = cfg.subscribe_timeout;
  s.heartbeat_interval = cfg.heartbeat_interval;
  return s;
}

executor_fsm::executor_fsm(executor_fsm_settings settings)
    : settings_(std::move(settings)), backoff_(backoff_for(settings_), settings_.backoff_seed) {
  if (!settings_.uuid) settings_.uuid = &executor_calls::random_uuid;
}

executor_decision executor_fsm::start(time_point now) {
  if (started_) return current();
  started_ = true;
  lost_at_ = now;  // the registration window starts here
  return begin_attempt(now);
}

executor_decision executor_fsm::begin_attempt(time_point now) {
  state_ = executor_state::connecting;
  stream_open_ = false;
  ++generation_;
  ++counters_.connect_attempts;
  attempt_started_ = now;
  return {executor_step::connect, connecting_deadline()};
}

executor_decision executor_fsm::on_response(unsigned status, std::string_view body,
                                            time_point now) {
  if (state_ != executor_state::connecting || stream_open_) return current();
  if (status == 200) {
    stream_open_ = true;
    return current();
  }
  std::string detail = "agent answered " + std::to_string(status) + " to SUBSCRIBE";
  if (!body.empty()) detail += ": " + std::string(body.substr(0, 200));
  const boost::system::error_code ec = error_for_status(status);
  if (transient_status(status)) return lost(ec, detail, now);
  executor_decision d = finish(ec, std::move(detail), now);
  reason_diag_.set_http_status(status);
  reason_diag_.set_body_excerpt(body);
  return d;
}

executor_decision executor_fsm::on_event(const Event& event, time_point now) {
  if (!stream_open_) return current();  // no stream: stale
  switch (event.type()) {
    case Event::SHUTDOWN:
      if (!shutdown_requested_) {
        shutdown_requested_ = true;
        shutdown_deadline_ = later(now, settings_.shutdown_grace_period);
      }
      return current();
    case Event::ERROR:
      return finish(error::framework_error, "agent sent ERROR: " + event.error().message(), now);
    default:
      break;
  }
  if (state_ == executor_state::connecting) {
    if (event.type() == Event::SUBSCRIBED) return on_subscribed(event, now);
    return lost(
        error::protocol_violation,
        "first event from the agent is " + Event::Type_Name(event.type()) + ", not SUBSCRIBED",
        now);
  }
  switch (event.type()) {
    case Event::SUBSCRIBED:
      subscribed_info_ = event.subscribed();
      break;
    case Event::LAUNCH:
      remember_task(event.launch().task());
      break;
    case Event::LAUNCH_GROUP:
      for (const auto& task : event.launch_group().task_group().tasks()) remember_task(task);
      break;
    case Event::ACKNOWLEDGED:
      acknowledged(event.acknowledged());
      break;
    default:  // KILL, MESSAGE, HEARTBEAT, unknown: the application's business
      break;
  }
  return current();
}

executor_decision executor_fsm::on_subscribed(const Event& event, time_point now) {
  state_ = executor_state::subscribed;
  if (ever_subscribed_) ++counters_.resubscriptions;
  ever_subscribed_ = true;
  ++counters_.subscriptions;
  subscribed_info_ = event.subscribed();
  lost_at_.reset();
  backoff_.reset();
  heartbeat_due_ = settings_.heartbeat_interval > milliseconds::zero()
                       ? later(now, settings_.heartbeat_interval)
                       : time_point::max();
  return current();
}

void executor_fsm::remember_task(const mesos::v1::TaskInfo& task) {
  for (auto& known : tasks_) {
    if (known.task_id().value() == task.task_id().value()) {
      known = task;  // launched again: one entry, the latest
      return;
    }
  }
  tasks_.push_back(task);
}

void executor_fsm::acknowledged(const Event::Acknowledged& ack) {
  const std::string& task_id = ack.task_id().value();
  auto it = std::find_if(updates_.begin(), updates_.end(), [&](const auto& u) {
    return u.status().uuid() == ack.uuid() && u.status().task_id().value() == task_id;
  });
  if (it == updates_.end()) {
    ++counters_.unknown_acknowledgements;
    return;
  }
  updates_.erase(it);
  ++counters_.updates_acknowledged;
  // An acknowledged update proves the agent has the task.
  tasks_.erase(std::remove_if(tasks_.begin(), tasks_.end(),
                              [&](const auto& t) { return t.task_id().value() == task_id; }),
               tasks_.end());
}

executor_decision executor_fsm::on_connection_lost(const boost::system::error_code& ec,
                                                   const std::string& detail, time_point now) {
  if (state_ != executor_state::connecting && state_ != executor_state::subscribed) {
    return current();
  }
  return lost(ec, detail, now);
}

executor_decision executor_fsm::lost(const boost::system::error_code& ec, const std::string& detail,
                                     time_point now) {
  if (state_ == executor_state::subscribed) {
    ++counters_.disconnections;
  } else {
    ++counters_.failed_attempts;
  }
  state_ = executor_state::disconnected;
  stream_open_ = false;
  heartbeat_due_ = time_point::max();
  last_detail_ = detail.empty() ? ec.message() : detail;
  if (shutdown_requested_) {
    return finish(error::executor_shutdown,
                  "the agent asked for shutdown; then the connection ended: " + detail, now);
  }
  if (!lost_at_) lost_at_ = now;
  const time_point limit = give_up_at();
  if (now >= limit) return give_up(now);
  wake_at_ = std::min(later(now, backoff_.next()), limit);
  return {executor_step::wait, wake_at_};
}

time_point executor_fsm::give_up_at() const {
  if (!lost_at_) return time_point::max();
  milliseconds window = settings_.checkpoint ? settings_.recovery_timeout : milliseconds::zero();
  if (!ever_subscribed_) window = std::max(window, settings_.registration_timeout);
  return later(*lost_at_, window);
}

executor_decision executor_fsm::give_up(time_point now) {
  if (ever_subscribed_ && !settings_.checkpoint) {
    return finish(error::agent_disconnected,
                  "lost the agent (" + last_detail_ +
                      ") and checkpointing is off, so the executor does not wait for it",
                  now);
  }
  std::string detail;
  if (!ever_subscribed_) {
    detail =
        "could not subscribe to the agent within " +
        ms_text(std::max(settings_.registration_timeout,
                         settings_.checkpoint ? settings_.recovery_timeout : milliseconds::zero()));
  } else {
    detail = "agent not back within the recovery timeout of " + ms_text(settings_.recovery_timeout);
  }
  if (!last_detail_.empty()) detail += "; last failure: " + last_detail_;
  return finish(error::recovery_timeout, std::move(detail), now);
}

executor_decision executor_fsm::finish(const boost::system::error_code& ec, std::string detail,
                                       time_point now) {
  state_ = executor_state::shut_down;
  stream_open_ = false;
  heartbeat_due_ = time_point::max();
  reason_ = ec;
  reason_diag_.clear();
  reason_diag_.set_message(std::move(detail));
  if (!shutdown_deadline_) shutdown_deadline_ = later(now, settings_.shutdown_grace_period);
  return {executor_step::shutdown, time_point::max()};
}

executor_decision executor_fsm::on_timer(time_point now) {
  switch (state_) {
    case executor_state::disconnected:
      if (!started_) return current();
      if (now >= give_up_at()) return give_up(now);
      if (now < wake_at_) return current();
      return begin_attempt(now);
    case executor_state::connecting:
      if (shutdown_requested_ && now >= *shutdown_deadline_) {
        return finish(error::executor_shutdown, "shutdown grace period over", now);
      }
      if (now >= give_up_at()) {
        ++counters_.failed_attempts;
        last_detail_ = "an attempt started " +
                       ms_text(std::chrono::duration_cast<milliseconds>(now - attempt_started_)) +
                       " earlier got no SUBSCRIBED";
        return give_up(now);
      }
      if (now >= later(attempt_started_, settings_.subscribe_timeout)) {
        return lost(make_error_code(boost::system::errc::timed_out),
                    "no SUBSCRIBED from the agent within " + ms_text(settings_.subscribe_timeout),
                    now);
      }
      return current();
    case executor_state::subscribed: {
      if (shutdown_requested_ && now >= *shutdown_deadline_) {
        return finish(
            error::executor_shutdown,
            "shutdown grace period of " + ms_text(settings_.shutdown_grace_period) + " over", now);
      }
      executor_decision d = current();
      if (now >= heartbeat_due_) {
        ++counters_.heartbeats;
        heartbeat_due_ = later(now, settings_.heartbeat_interval);
        d = current();
        d.send_heartbeat = true;
      }
      return d;
    }
    case executor_state::shut_down:
      break;
  }
  return current();
}

executor_decision executor_fsm::stop(time_point now) {
  if (state_ == executor_state::shut_down) return current();
  return finish(error::stopped, "stopped by the application", now);
}

time_point executor_fsm::connecting_deadline() const {
  time_point d = std::min(later(attempt_started_, settings_.subscribe_timeout), give_up_at());
  if (shutdown_requested_) d = std::min(d, *shutdown_deadline_);
  return d;
}

executor_decision executor_fsm::current() const {
  switch (state_) {
    case executor_state::disconnected:
      return {executor_step::wait, started_ ? wake_at_ : time_point::max()};
    case executor_state::connecting:
      return {executor_step::stream, connecting_deadline()};
    case executor_state::subscribed: {
      time_point d = heartbeat_due_;
      if (shutdown_requested_) d = std::min(d, *shutdown_deadline_);
      return {executor_step::stream, d};
    }
    case executor_state::shut_down:
      break;
  }
  return {executor_step::shutdown, time_point::max()};
}

executor_calls::call executor_fsm::subscribe_call() const {
  return executor_calls::subscribe(settings_.who, tasks_, updates_);
}

executor_calls::call executor_fsm::heartbeat_call() const {
  return executor_calls::heartbeat(settings_.who);
}

executor_calls::call executor_fsm::message_call(std::string data) const {
  return executor_calls::message(settings_.who, std::move(data));
}

boost::system::error_code executor_fsm::update(mesos::v1::TaskStatus status,
                                               std::chrono::system_clock::time_point wall,
                                               executor_calls::call& out, diagnostics& diag) {
  diag.clear();
  auto refuse = [&](std::string why) -> boost::system::error_code {
    diag.set_message(std::move(why));
    return error::invalid_update;
  };
  if (!status.has_task_id() || status.task_id().value().empty()) {
    return refuse("status update without a task id");
  }
  if (status.state() == mesos::v1::TASK_STAGING) {
    return refuse("TASK_STAGING is not a state an executor may send (task '" +
                  status.task_id().value() + "')");
  }
  std::string uuid = settings_.uuid();
  if (uuid.size() != 16) {
    return refuse("the uuid generator gave " + std::to_string(uuid.size()) +
                  " bytes; a status update uuid is 16 bytes");
  }
  out = executor_calls::update(settings_.who, std::move(status), std::move(uuid), wall);
  updates_.push_back(out.update());
  ++counters_.updates_sent;
  return {};
}

executor_counters executor_fsm::counters() const noexcept {
  executor_counters c = counters_;
  c.pending_updates = updates_.size();
  c.unacknowledged_tasks = tasks_.size();
  return c;
}

}  // namespace mesos_http::detail
