// The simulated cluster: frameworks and their subscriptions — SUBSCRIBE,
// FrameworkInfo checks, UPDATE_FRAMEWORK, REVIVE and SUPPRESS.
#include "sim/cluster_impl.hpp"

// The deprecated `role` field is still part of what Mesos accepts from
// non-MULTI_ROLE frameworks.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace mesos_http::sim {

namespace {

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
      remove_inverse_offers_of(*f);
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
  clear_inverse_filters(f);  // Mesos clears them on any REVIVE
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

void cluster::set_master_address(const std::string& host, unsigned short port) {
  impl_->config.master_hostname = host;
  if (ipv4_number(host)) impl_->config.master_ip = host;
  impl_->config.master_port = port;
}

}  // namespace mesos_http::sim
