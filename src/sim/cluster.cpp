// The simulated cluster: construction, timers, frameworks and subscriptions,
// call dispatch. Offers live in cluster_offers.cpp, tasks in
// cluster_tasks.cpp, the /state view in cluster_state.cpp.
#include "sim/cluster_impl.hpp"

// The deprecated `role` / `reservation` fields are still part of what Mesos
// sends and accepts (pre-refinement resources, non-MULTI_ROLE frameworks).
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace mesos_http::sim {

namespace {

constexpr double ten_years = 10.0 * 365 * 24 * 3600;

bool has_capability(const v1::FrameworkInfo& info, v1::FrameworkInfo::Capability::Type type) {
  for (const auto& c : info.capabilities()) {
    if (c.type() == type) return true;
  }
  return false;
}

std::set<std::string> roles_of(const v1::FrameworkInfo& info) {
  if (has_capability(info, v1::FrameworkInfo::Capability::MULTI_ROLE)) {
    return {info.roles().begin(), info.roles().end()};
  }
  return {info.role()};  // defaults to "*"
}

// stout's stringify of a set: "{ a, b }".
std::string stringify(const std::set<std::string>& items) {
  std::string out = "{ ";
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ", ";
    out += item;
    first = false;
  }
  return out + " }";
}

std::optional<std::uint32_t> ipv4_number(const std::string& ip) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(ip.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return std::nullopt;
  if (a > 255 || b > 255 || c > 255 || d > 255) return std::nullopt;
  // Mesos stores the network-order address in a uint32 read on a little-endian host.
  return a | (b << 8) | (c << 16) | (d << 24);
}

std::optional<std::string> check_constraints(
    const sched::OfferConstraints& constraints, const std::set<std::string>& roles,
    std::map<std::string, std::vector<detail::constraint_group>>* compiled) {
  for (const auto& [role, role_constraints] : constraints.role_constraints()) {
    if (roles.count(role) == 0) {
      return "Offer constraints specify `role_constraints` for a role '" + role +
             "'not contained in the set of roles";
    }
    if (role_constraints.groups_size() == 0) {
      return "Invalid offer constraints: no groups in 'role_constraints' for role '" + role + "'";
    }
    std::vector<detail::constraint_group> groups;
    for (const auto& group : role_constraints.groups()) {
      if (group.attribute_constraints_size() == 0) {
        return "Invalid offer constraints: empty group in 'role_constraints' for role '" + role +
               "'";
      }
      detail::constraint_group compiled_group;
      for (const auto& c : group.attribute_constraints()) {
        detail::constraint entry{c, std::nullopt};
        if (!c.selector().has_attribute_name() && !c.selector().has_pseudoattribute_type()) {
          return std::string("Invalid offer constraints: 'selector' is empty");
        }
        const auto& p = c.predicate();
        if (!p.has_exists() && !p.has_not_exists() && !p.has_text_equals() &&
            !p.has_text_not_equals() && !p.has_text_matches() && !p.has_text_not_matches()) {
          return std::string("Invalid offer constraints: 'predicate' is empty");
        }
        if (p.has_text_matches() || p.has_text_not_matches()) {
          const std::string& pattern =
              p.has_text_matches() ? p.text_matches().regex() : p.text_not_matches().regex();
          if (pattern.size() > 4096) {
            return std::string("Invalid offer constraints: regex is too long");
          }
          try {
            entry.regex.emplace(pattern, std::regex::ECMAScript);
          } catch (const std::exception&) {
            return "Invalid offer constraints: cannot compile regex '" + pattern + "'";
          }
        }
        compiled_group.push_back(std::move(entry));
      }
      groups.push_back(std::move(compiled_group));
    }
    if (compiled) (*compiled)[role] = std::move(groups);
  }
  return std::nullopt;
}

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
  }
}

void cluster::impl::complete(framework_state& f, const task_state& t) {
  f.completed.push_back({t.id, t.name, agents[t.agent].id, t.state});
  if (f.completed.size() > max_completed_tasks) f.completed.pop_front();
}

void cluster::impl::remove_framework(framework_state& f, time_point now) {
  remove_offers_of(f, false, now);
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

// --- subscriptions ---

std::optional<std::string> cluster::impl::check_framework_info(
    const v1::FrameworkInfo& info,
    const google::protobuf::RepeatedPtrField<std::string>& suppressed,
    const sched::OfferConstraints* constraints,
    std::map<std::string, std::vector<constraint_group>>* compiled) const {
  bool multi_role = has_capability(info, v1::FrameworkInfo::Capability::MULTI_ROLE);
  if (multi_role && info.has_role()) {
    return std::string(
        "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable");
  }
  if (!multi_role && info.roles_size() > 0) {
    return std::string(
        "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable");
  }
  if (multi_role) {
    std::set<std::string> seen, duplicates;
    for (const auto& role : info.roles()) {
      if (!seen.insert(role).second) duplicates.insert(role);
    }
    if (!duplicates.empty()) {
      return "'FrameworkInfo.roles' contains duplicate items: " + stringify(duplicates);
    }
    for (const auto& role : info.roles()) {
      if (auto error = detail::validate_role(role)) {
        return "'FrameworkInfo.roles' contains invalid role: " + *error;
      }
    }
  } else if (auto error = detail::validate_role(info.role())) {
    return "'FrameworkInfo.role' is not a valid role: " + *error;
  }
  if (info.has_id() && !info.id().value().empty()) {
    if (auto error = validate_id(info.id().value())) return error;
  }
  double timeout = info.failover_timeout();
  if (!std::isfinite(timeout) || std::fabs(timeout) * 1e9 >= 9.2e18) {
    std::ostringstream text;
    text << "The framework failover_timeout (" << timeout << ") is invalid";
    return text.str();
  }
  std::set<std::string> roles = roles_of(info);
  std::set<std::string> wrong;
  for (const auto& role : suppressed) {
    if (roles.count(role) == 0) wrong.insert(role);
  }
  if (!wrong.empty()) {
    return "Suppressed roles " + stringify(wrong) + " are not contained in the set of roles";
  }
  if (constraints) {
    if (auto error = check_constraints(*constraints, roles, compiled)) return error;
  }
  return std::nullopt;
}

void cluster::impl::apply_framework_info(
    framework_state& f, const v1::FrameworkInfo& info,
    const google::protobuf::RepeatedPtrField<std::string>& suppressed,
    std::map<std::string, std::vector<constraint_group>> compiled, time_point now) {
  std::set<std::string> old_suppressed = f.suppressed;
  f.info = info;
  f.info.mutable_id()->set_value(f.id);
  f.multi_role = has_capability(info, v1::FrameworkInfo::Capability::MULTI_ROLE);
  f.partition_aware = has_capability(info, v1::FrameworkInfo::Capability::PARTITION_AWARE);
  f.killing_state = has_capability(info, v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
  f.refinement = has_capability(info, v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
  f.roles = roles_of(info);
  f.suppressed = {suppressed.begin(), suppressed.end()};
  f.constraints = std::move(compiled);

  // Offers for roles the framework left are rescinded; filters of roles that
  // left or stopped being suppressed are dropped.
  std::vector<std::string> stale;
  for (const auto& offer_id : f.offers) {
    if (f.roles.count(offers.at(offer_id).role) == 0) stale.push_back(offer_id);
  }
  for (const auto& offer_id : stale) remove_offer(offer_id, true, nullptr, now);
  for (auto it = f.filters.begin(); it != f.filters.end();) {
    const std::string& role = it->first.first;
    bool unsuppressed = old_suppressed.count(role) > 0 && f.suppressed.count(role) == 0;
    if (f.roles.count(role) == 0 || unsuppressed) {
      timers.erase(it->second.expiry);
      it = f.filters.erase(it);
    } else {
      ++it;
    }
  }
  request_allocation(now, true);
}

subscription cluster::impl::subscribe(const sched::Call& call, time_point now) {
  const auto& info = call.subscribe().framework_info();
  const auto& suppressed = call.subscribe().suppressed_roles();
  const sched::OfferConstraints* constraints =
      call.subscribe().has_offer_constraints() ? &call.subscribe().offer_constraints() : nullptr;

  subscription result;
  std::map<std::string, std::vector<constraint_group>> compiled;
  if (auto error = check_framework_info(info, suppressed, constraints, &compiled)) {
    result.framework_id = info.id().value();
    result.error = *error;
    return result;
  }

  framework_state* f = nullptr;
  v1::FrameworkInfo accepted = info;
  if (info.has_id() && !info.id().value().empty()) {
    f = find(info.id().value());
    if (f && f->status == framework_status::removed) {
      result.framework_id = f->id;
      result.error = "Framework has been removed";
      return result;
    }
    if (f) {
      if (info.has_principal() != f->info.has_principal() ||
          info.principal() != f->info.principal()) {
        result.framework_id = f->id;
        result.error = "Changing framework's principal is not allowed.";
        return result;
      }
      // User and checkpoint changes are ignored on SUBSCRIBE.
      accepted.set_user(f->info.user());
      if (f->info.has_checkpoint()) {
        accepted.set_checkpoint(f->info.checkpoint());
      } else {
        accepted.clear_checkpoint();
      }
      if (f->status == framework_status::subscribed) {
        sched::Event error;
        error.set_type(sched::Event::ERROR);
        error.mutable_error()->set_message("Framework failed over");
        out.push_back(delivery{f->id, f->stream, std::move(error), true});
      }
      cancel(f->failover_timer);
      remove_offers_of(*f, false, now);  // forgotten without RESCIND
    } else {
      // Unknown here (e.g. after a master failover): the master takes it in.
      auto created = std::make_unique<framework_state>();
      created->id = info.id().value();
      f = created.get();
      frameworks.emplace(f->id, std::move(created));
    }
  } else {
    std::string id;
    do {
      char number[32];
      std::snprintf(number, sizeof number, "%04llu",
                    static_cast<unsigned long long>(next_framework++));
      id = config.master_id + "-" + number;
    } while (frameworks.count(id) > 0);
    auto created = std::make_unique<framework_state>();
    created->id = id;
    f = created.get();
    frameworks.emplace(id, std::move(created));
  }

  f->status = framework_status::subscribed;
  f->stream = next_stream++;
  apply_framework_info(*f, accepted, suppressed, std::move(compiled), now);

  sched::Event subscribed;
  subscribed.set_type(sched::Event::SUBSCRIBED);
  auto* s = subscribed.mutable_subscribed();
  s->mutable_framework_id()->set_value(f->id);
  s->set_heartbeat_interval_seconds(
      std::chrono::duration<double>(config.heartbeat_interval).count());
  auto* m = s->mutable_master_info();
  m->set_id(config.master_id);
  m->set_ip(ipv4_number(config.master_ip).value_or(16777343u));
  m->set_port(config.master_port);
  m->set_pid("master@" + config.master_ip + ":" + std::to_string(config.master_port));
  m->set_hostname(config.master_hostname);
  m->set_version(config.master_version);
  m->mutable_address()->set_hostname(config.master_hostname);
  m->mutable_address()->set_ip(config.master_ip);
  m->mutable_address()->set_port(config.master_port);
  m->add_capabilities()->set_type(v1::MasterInfo::Capability::AGENT_UPDATE);
  m->add_capabilities()->set_type(v1::MasterInfo::Capability::AGENT_DRAINING);
  send(*f, std::move(subscribed));

  resend_pending(*f, now);

  result.framework_id = f->id;
  result.stream = f->stream;
  return result;
}

std::optional<std::string> cluster::impl::update_framework(framework_state& f,
                                                           const sched::Call& call,
                                                           time_point now) {
  const auto& update = call.update_framework();
  const auto& info = update.framework_info();
  std::map<std::string, std::vector<constraint_group>> compiled;
  const sched::OfferConstraints* constraints =
      update.has_offer_constraints() ? &update.offer_constraints() : nullptr;
  if (auto error = check_framework_info(info, update.suppressed_roles(), constraints, &compiled)) {
    return error;
  }
  if (info.has_principal() != f.info.has_principal() || info.principal() != f.info.principal()) {
    return std::string("Changing framework's principal is not allowed.");
  }
  if (info.user() != f.info.user()) {
    return "Updating 'FrameworkInfo.user' is unsupported; attempted to update from '" +
           f.info.user() + "' to '" + info.user() + "'";
  }
  if (info.checkpoint() != f.info.checkpoint()) {
    auto text = [](bool b) { return std::string(b ? "true" : "false"); };
    return "Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '" +
           text(f.info.checkpoint()) + "' to '" + text(info.checkpoint()) + "'";
  }
  apply_framework_info(f, info, update.suppressed_roles(), std::move(compiled), now);
  return std::nullopt;
}

void cluster::impl::revive(framework_state& f, const sched::Call::Revive* revive, time_point now) {
  std::set<std::string> roles = f.roles;
  if (revive && revive->roles_size() > 0) {
    roles.clear();
    for (const auto& role : revive->roles()) {
      if (f.roles.count(role) == 0) return;  // Mesos drops the whole call
      roles.insert(role);
    }
  }
  for (const auto& role : roles) f.suppressed.erase(role);
  for (auto it = f.filters.begin(); it != f.filters.end();) {
    if (roles.count(it->first.first) > 0) {
      timers.erase(it->second.expiry);
      it = f.filters.erase(it);
    } else {
      ++it;
    }
  }
  request_allocation(now, true);
}

void cluster::impl::suppress(framework_state& f, const sched::Call::Suppress* suppress) {
  std::set<std::string> roles = f.roles;
  if (suppress && suppress->roles_size() > 0) {
    roles.clear();
    for (const auto& role : suppress->roles()) {
      if (f.roles.count(role) == 0) return;  // Mesos drops the whole call
      roles.insert(role);
    }
  }
  f.suppressed.insert(roles.begin(), roles.end());
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
    default:  // REQUEST, inverse offers (none are made), UNKNOWN
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

void cluster::set_master_address(const std::string& host, unsigned short port) {
  impl_->config.master_hostname = host;
  if (ipv4_number(host)) impl_->config.master_ip = host;
  impl_->config.master_port = port;
}

const std::string& cluster::master_id() const { return impl_->config.master_id; }

std::vector<std::string> cluster::agent_ids() const {
  std::vector<std::string> ids;
  for (const auto& a : impl_->agents) ids.push_back(a.id);
  return ids;
}

}  // namespace mesos_http::sim
