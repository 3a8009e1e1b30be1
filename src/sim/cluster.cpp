// The simulated cluster: construction, timers, framework removal, call
// dispatch. Subscriptions live in cluster_frameworks.cpp, offers in
// cluster_offers.cpp, tasks in cluster_tasks.cpp, maintenance and inverse
// offers in cluster_maintenance.cpp, the /state view in cluster_state.cpp.
#include "sim/cluster_impl.hpp"

// The deprecated `role` / `reservation` fields are still part of what Mesos
// sends and accepts (pre-refinement resources, non-MULTI_ROLE frameworks).
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

namespace mesos_http::sim {

namespace {

constexpr double ten_years = 10.0 * 365 * 24 * 3600;

}  // namespace

std::optional<std::string> validate_id(const std::string& id) {
  if (id.empty()) return std::string("ID must not be empty");
  if (id.size() > 255) return std::string("ID must not be greater than 255 characters");
  if (id == "." || id == "..") return "'" + id + "' is disallowed";
  for (char c : id) {
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == '/' || c == '\\') {
      return "'" + id + "' contains invalid characters";
    }
  }
  return std::nullopt;
}

duration seconds_to_duration(double seconds, duration fallback) {
  if (!std::isfinite(seconds)) return fallback;
  seconds = std::clamp(seconds, 0.0, ten_years);
  return std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
}

// --- impl: common ---

cluster::impl::impl(cluster_config c, time_point now)
    : config(std::move(c)), epoch(now), rng(config.random_seed), allocation_at(now) {
  if (config.allocation_interval < duration::zero()) config.allocation_interval = duration::zero();
  for (std::size_t i = 0; i < config.agents.size(); ++i) {
    const auto& ac = config.agents[i];
    agent_state a;
    a.id = config.master_id + "-S" + std::to_string(i);
    a.hostname = ac.hostname.empty() ? "agent-" + std::to_string(i) + ".sim" : ac.hostname;
    std::string error;
    auto parsed = detail::parse_resources(ac.resources, &error);
    if (!parsed) {
      throw std::invalid_argument("agent " + std::to_string(i) + ": " + error);
    }
    a.total = *parsed;
    a.available = *parsed;
    for (const auto& [name, value] : ac.attributes) {
      a.attributes.push_back(detail::parse_attribute(name, value));
    }
    agents.push_back(std::move(a));
  }
}

detail::timer_queue::iterator cluster::impl::schedule(time_point at, timer t) {
  return timers.emplace(at, std::move(t));
}

void cluster::impl::cancel(timer_ref& t) {
  if (t) timers.erase(*t);
  t.reset();
}

detail::framework_state* cluster::impl::find(const std::string& framework_id) {
  auto it = frameworks.find(framework_id);
  return it == frameworks.end() ? nullptr : it->second.get();
}

detail::framework_state* cluster::impl::subscribed(const std::string& framework_id) {
  auto* f = find(framework_id);
  return f && f->status == framework_status::subscribed ? f : nullptr;
}

void cluster::impl::send(framework_state& f, sched::Event event) {
  if (f.status != framework_status::subscribed) return;  // the master drops it
  out.push_back(delivery{f.id, f.stream, std::move(event), false});
}

double cluster::impl::timestamp(time_point now) const {
  return config.start_timestamp + std::chrono::duration<double>(now - epoch).count();
}

std::string cluster::impl::new_uuid_bytes() {
  std::string bytes(16, '\0');
  for (int i = 0; i < 2; ++i) {
    std::uint64_t r = rng();
    for (int j = 0; j < 8; ++j)
      bytes[static_cast<std::size_t>(i * 8 + j)] = static_cast<char>(r >> (8 * j));
  }
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return bytes;
}

std::string cluster::impl::new_uuid_text() {
  static const char* hex = "0123456789abcdef";
  std::string bytes = new_uuid_bytes();
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    auto b = static_cast<unsigned char>(bytes[i]);
    text += hex[b >> 4];
    text += hex[b & 0x0f];
  }
  return text;
}

void cluster::impl::request_allocation(time_point now, bool right_away) {
  time_point at = right_away ? now : std::max(now, allocation_at);
  if (!allocation_wanted || at < allocation_at) allocation_at = at;
  allocation_wanted = true;
}

void cluster::impl::fire(const timer& t, time_point now) {
  auto* f = find(t.framework_id);
  switch (t.kind) {
    case timer_kind::task_step:
    case timer_kind::update_retry: {
      if (!f) return;
      auto it = f->tasks.find(t.key);
      if (it == f->tasks.end()) return;
      if (t.kind == timer_kind::task_step) {
        it->second.step_timer.reset();
        task_step(*f, it->second, now);
      } else {
        it->second.retry_timer.reset();
        retry_update(*f, it->second, now);
      }
      return;
    }
    case timer_kind::offer_timeout: {
      auto it = offers.find(t.key);
      if (it == offers.end()) return;
      it->second.timeout.reset();
      remove_offer(t.key, true, nullptr, now);
      return;
    }
    case timer_kind::filter_expiry:
      if (f) f->filters.erase({t.key, t.agent});
      request_allocation(now, false);
      return;
    case timer_kind::failover:
      if (!f || f->status != framework_status::disconnected) return;
      f->failover_timer.reset();
      remove_framework(*f, now);
      return;
    case timer_kind::inverse_offer_timeout: {
      auto it = inverse_offers.find(t.key);
      if (it == inverse_offers.end()) return;
      it->second.timeout.reset();
      remove_inverse_offer(t.key, true);
      request_allocation(now, false);  // a new one goes out with the next round
      return;
    }
    case timer_kind::inverse_filter_expiry:
      if (f) f->inverse_filters.erase(t.agent);
      request_allocation(now, false);
      return;
    case timer_kind::executor_shutdown:
      kill_executor_process(std::stoull(t.key));
      return;
    case timer_kind::executor_registration:
      registration_timeout(std::stoull(t.key));
      return;
  }
}

void cluster::impl::complete(framework_state& f, const task_state& t) {
  f.completed.push_back({t.id, t.name, agents[t.agent].id, t.state});
  if (f.completed.size() > max_completed_tasks) f.completed.pop_front();
}

void cluster::impl::remove_framework(framework_state& f, time_point now) {
  remove_offers_of(f, false, now);
  remove_inverse_offers_of(f);
  clear_inverse_filters(f);
  for (auto& [id, t] : f.tasks) {
    exec_destroy(f, t);
    cancel(t.step_timer);
    cancel(t.retry_timer);
    if (!t.terminal) {
      detail::add(agents[t.agent].available, t.resources);
      t.state = v1::TASK_KILLED;
    }
    complete(f, t);
  }
  f.tasks.clear();
  for (auto& [key, e] : f.executors) {
    detail::add(agents[e.agent].available, e.resources);
    shutdown_executor(f, e, now);  // its process outlives the framework by the grace period
  }
  f.executors.clear();
  for (auto& [key, filter] : f.filters) timers.erase(filter.expiry);
  f.filters.clear();
  cancel(f.failover_timer);
  f.operations.clear();
  f.cpus = f.mem = 0;
  f.status = framework_status::removed;
  f.stream = 0;
  request_allocation(now, false);
}

// --- the public face ---

cluster::cluster(cluster_config config, time_point now)
    : impl_(std::make_unique<impl>(std::move(config), now)) {}

cluster::~cluster() = default;

subscription cluster::subscribe(const sched::Call& call, time_point now) {
  return impl_->subscribe(call, now);
}

void cluster::disconnected(const std::string& framework_id, std::uint64_t stream, time_point now) {
  auto* f = impl_->subscribed(framework_id);
  if (!f || f->stream != stream) return;
  f->status = framework_status::disconnected;
  f->stream = 0;
  impl_->remove_offers_of(*f, false, now);
  impl_->remove_inverse_offers_of(*f);
  duration timeout = seconds_to_duration(f->info.failover_timeout(), duration::zero());
  f->failover_timer = impl_->schedule(now + timeout, {impl::timer_kind::failover, f->id, {}, 0});
}

framework_status cluster::status(const std::string& framework_id) const {
  auto it = impl_->frameworks.find(framework_id);
  return it == impl_->frameworks.end() ? framework_status::unknown : it->second->status;
}

std::optional<std::uint64_t> cluster::current_stream(const std::string& framework_id) const {
  auto it = impl_->frameworks.find(framework_id);
  if (it == impl_->frameworks.end() || it->second->status != framework_status::subscribed) {
    return std::nullopt;
  }
  return it->second->stream;
}

std::optional<std::string> cluster::handle(const sched::Call& call, time_point now) {
  auto* f = impl_->subscribed(call.framework_id().value());
  if (!f) return std::nullopt;  // the server answers 400/403 before we get here
  impl& m = *impl_;
  switch (call.type()) {
    case sched::Call::TEARDOWN: {
      std::uint64_t stream = f->stream;
      m.remove_framework(*f, now);
      m.out.push_back(delivery{f->id, stream, std::nullopt, true});
      break;
    }
    case sched::Call::ACCEPT:
      m.accept(*f, call.accept(), now);
      break;
    case sched::Call::DECLINE:
      m.decline(*f, call.decline(), now);
      break;
    case sched::Call::ACCEPT_INVERSE_OFFERS: {
      const auto& accept = call.accept_inverse_offers();
      m.answer_inverse_offers(*f, accept.inverse_offer_ids(),
                              accept.has_filters() ? &accept.filters() : nullptr, true, now);
      break;
    }
    case sched::Call::DECLINE_INVERSE_OFFERS: {
      const auto& decline = call.decline_inverse_offers();
      m.answer_inverse_offers(*f, decline.inverse_offer_ids(),
                              decline.has_filters() ? &decline.filters() : nullptr, false, now);
      break;
    }
    case sched::Call::REVIVE:
      m.revive(*f, call.has_revive() ? &call.revive() : nullptr, now);
      break;
    case sched::Call::SUPPRESS:
      m.suppress(*f, call.has_suppress() ? &call.suppress() : nullptr);
      break;
    case sched::Call::KILL:
      m.kill(*f, call.kill(), now);
      break;
    case sched::Call::SHUTDOWN:
      m.shutdown(*f, call.shutdown(), now);
      break;
    case sched::Call::ACKNOWLEDGE:
      m.acknowledge(*f, call.acknowledge(), now);
      break;
    case sched::Call::ACKNOWLEDGE_OPERATION_STATUS:
      m.acknowledge_operation(*f, call.acknowledge_operation_status());
      break;
    case sched::Call::RECONCILE:
      m.reconcile(*f, call.reconcile(), now);
      break;
    case sched::Call::RECONCILE_OPERATIONS:
      m.reconcile_operations(*f, call.reconcile_operations());
      break;
    case sched::Call::MESSAGE:
      m.message(*f, call.message());
      break;
    case sched::Call::UPDATE_FRAMEWORK:
      return m.update_framework(*f, call, now);
    default:  // REQUEST (the built-in allocator ignores it), UNKNOWN
      break;
  }
  return std::nullopt;
}

void cluster::advance(time_point now) {
  impl& m = *impl_;
  for (;;) {
    bool timer_due = !m.timers.empty() && m.timers.begin()->first <= now;
    bool round_due = m.allocation_wanted && m.allocation_at <= now;
    if (timer_due && (!round_due || m.timers.begin()->first <= m.allocation_at)) {
      auto it = m.timers.begin();
      time_point at = it->first;
      impl::timer t = std::move(it->second);
      m.timers.erase(it);
      m.fire(t, at);
    } else if (round_due) {
      m.allocate(m.allocation_at);
    } else {
      break;
    }
  }
}

std::optional<time_point> cluster::next_deadline() const {
  std::optional<time_point> next;
  if (!impl_->timers.empty()) next = impl_->timers.begin()->first;
  if (impl_->allocation_wanted && (!next || impl_->allocation_at < *next)) {
    next = impl_->allocation_at;
  }
  return next;
}

std::vector<delivery> cluster::take_deliveries() {
  std::vector<delivery> taken;
  taken.swap(impl_->out);
  return taken;
}

bool cluster::remove_agent(const std::string& agent_id, time_point now) {
  return impl_->remove_agent(agent_id, now);
}

std::string cluster::state_json() const { return impl_->state_json(); }

const std::string& cluster::master_id() const { return impl_->config.master_id; }

std::vector<std::string> cluster::agent_ids() const {
  std::vector<std::string> ids;
  for (const auto& a : impl_->agents) ids.push_back(a.id);
  return ids;
}

}  // namespace mesos_http::sim
