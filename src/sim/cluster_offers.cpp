// The simulated cluster: allocation rounds, DECLINE, ACCEPT validation and
// the resource operations (RESERVE, UNRESERVE, CREATE, DESTROY).
#include "sim/cluster_impl.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace mesos_http::sim {

namespace {

constexpr double year_seconds = 365.0 * 24 * 3600;

struct attribute_view {
  bool present = false;
  bool text = false;
  std::string value;
};

attribute_view select(const sched::AttributeConstraint::Selector& selector,
                      const detail::agent_state& agent) {
  attribute_view view;
  if (selector.has_pseudoattribute_type()) {
    if (selector.pseudoattribute_type() == sched::AttributeConstraint::Selector::HOSTNAME) {
      view = {true, true, agent.hostname};
    }
    return view;  // no REGION/ZONE: simulated agents have no domain
  }
  for (const auto& a : agent.attributes) {
    if (a.name() != selector.attribute_name()) continue;
    view.present = true;
    view.text = a.type() == v1::Value::TEXT;
    if (view.text) view.value = a.text().value();
    break;
  }
  return view;
}

bool holds(const detail::constraint& c, const detail::agent_state& agent) {
  attribute_view a = select(c.proto.selector(), agent);
  const auto& p = c.proto.predicate();
  auto matches = [&]() {
    if (!c.regex) return false;
    try {
      return std::regex_match(a.value, *c.regex);
    } catch (const std::exception&) {
      return false;
    }
  };
  // Text predicates hold for attributes that are not TEXT (Mesos's rule).
  if (p.has_exists()) return a.present;
  if (p.has_not_exists()) return !a.present;
  if (p.has_text_equals()) return a.present && (!a.text || a.value == p.text_equals().value());
  if (p.has_text_not_equals())
    return !a.present || !a.text || a.value != p.text_not_equals().value();
  if (p.has_text_matches()) return a.present && (!a.text || matches());
  if (p.has_text_not_matches()) return !a.present || !a.text || !matches();
  return true;
}

bool has_executor_here(const detail::framework_state& f, std::size_t agent) {
  auto it = f.executors.lower_bound({agent, std::string()});
  return it != f.executors.end() && it->first.first == agent;
}

}  // namespace

bool cluster::impl::constraints_allow(const framework_state& f, const std::string& role,
                                      const agent_state& agent) const {
  auto it = f.constraints.find(role);
  if (it == f.constraints.end()) return true;
  for (const auto& group : it->second) {
    bool all = std::all_of(group.begin(), group.end(),
                           [&](const constraint& c) { return holds(c, agent); });
    if (all) return true;
  }
  return false;
}

bool cluster::impl::filtered(const framework_state& f, const std::string& role, std::size_t agent,
                             const resource_list& resources) const {
  auto it = f.filters.find({role, agent});
  return it != f.filters.end() && detail::contains(it->second.refused, resources);
}

void cluster::impl::charge(framework_state& f, const resource_list& resources, double sign) {
  f.cpus = std::max(0.0, f.cpus + sign * detail::scalar_sum(resources, "cpus"));
  f.mem = std::max(0.0, f.mem + sign * detail::scalar_sum(resources, "mem"));
}

v1::Offer cluster::impl::render_offer(const framework_state& f, const offer_state& o) const {
  const agent_state& a = agents[o.agent];
  v1::Offer offer;
  offer.mutable_id()->set_value(o.id);
  offer.mutable_framework_id()->set_value(f.id);
  offer.mutable_agent_id()->set_value(a.id);
  offer.set_hostname(a.hostname);
  const std::string* role = f.multi_role ? &o.role : nullptr;
  for (const auto& r : o.resources) {
    *offer.add_resources() = detail::framework_format(r, f.refinement, role);
  }
  for (const auto& attribute : a.attributes) *offer.add_attributes() = attribute;
  if (has_executor_here(f, o.agent)) {
    for (auto it = f.executors.lower_bound({o.agent, std::string()});
         it != f.executors.end() && it->first.first == o.agent; ++it) {
      offer.add_executor_ids()->set_value(it->first.second);
    }
  }
  *offer.mutable_url() = agent_url(a);
  if (a.maintenance) *offer.mutable_unavailability() = a.maintenance->unavailability;
  if (role) offer.mutable_allocation_info()->set_role(*role);
  return offer;
}

void cluster::impl::allocate_offers(time_point now) {
  allocation_wanted = false;
  allocation_at = now + config.allocation_interval;
  ++offer_rounds;

  struct candidate {
    framework_state* f;
    const std::string* role;
  };
  std::vector<candidate> candidates;
  for (auto& [id, f] : frameworks) {
    if (f->status != framework_status::subscribed) continue;
    for (const auto& role : f->roles) {
      if (f->suppressed.count(role) == 0) candidates.push_back({f.get(), &role});
    }
  }
  if (candidates.empty() || agents.empty()) return;

  double total_cpus = 0, total_mem = 0;
  for (const auto& a : agents) {
    if (a.removed) continue;
    total_cpus += detail::scalar_sum(a.total, "cpus");
    total_mem += detail::scalar_sum(a.total, "mem");
  }
  auto share = [&](const framework_state& f) {
    double cpus = total_cpus > 0 ? f.cpus / total_cpus : 0;
    double mem = total_mem > 0 ? f.mem / total_mem : 0;
    return std::max(cpus, mem);
  };

  std::vector<framework_state*> order;  // frameworks in the order they got offers
  std::map<framework_state*, std::vector<v1::Offer>> batches;
  const std::size_t n = agents.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t index = (offer_rounds + k) % n;
    agent_state& a = agents[index];
    if (a.removed) continue;
    for (;;) {
      if (a.available.empty()) break;
      std::map<std::string, resource_list> by_role;  // offerable per role
      int best = -1;
      double best_share = 0;
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        const candidate& c = candidates[i];
        auto [slot, fresh] = by_role.try_emplace(*c.role);
        if (fresh) {
          for (const auto& r : a.available) {
            if (detail::allocatable_to(r, *c.role)) slot->second.push_back(r);
          }
        }
        const resource_list& offerable = slot->second;
        if (offerable.empty() || filtered(*c.f, *c.role, index, offerable) ||
            !constraints_allow(*c.f, *c.role, a)) {
          continue;
        }
        // Lowest dominant share first; ties go to whoever waited longest.
        double s = share(*c.f);
        bool better = best < 0 || s < best_share;
        if (!better && s == best_share) {
          const candidate& b = candidates[static_cast<std::size_t>(best)];
          auto role_last = [](const candidate& x) {
            auto it = x.f->role_offered.find(*x.role);
            return it == x.f->role_offered.end() ? std::uint64_t{0} : it->second;
          };
          better = c.f->last_offered < b.f->last_offered ||
                   (c.f->last_offered == b.f->last_offered && role_last(c) < role_last(b));
        }
        if (better) {
          best = static_cast<int>(i);
          best_share = s;
        }
      }
      if (best < 0) break;
      const candidate& c = candidates[static_cast<std::size_t>(best)];
      offer_state o;
      o.id = config.master_id + "-O" + std::to_string(next_offer++);
      o.framework_id = c.f->id;
      o.role = *c.role;
      o.agent = index;
      o.resources = by_role[*c.role];
      detail::subtract(a.available, o.resources);
      charge(*c.f, o.resources, +1);
      if (config.offer_timeout > duration::zero()) {
        o.timeout =
            schedule(now + config.offer_timeout, {timer_kind::offer_timeout, c.f->id, o.id, 0});
      }
      c.f->offers.insert(o.id);
      c.f->last_offered = next_offer;
      c.f->role_offered[*c.role] = next_offer;
      if (batches.count(c.f) == 0) order.push_back(c.f);
      batches[c.f].push_back(render_offer(*c.f, o));
      offers.emplace(o.id, std::move(o));
    }
  }
  for (framework_state* f : order) {
    sched::Event event;
    event.set_type(sched::Event::OFFERS);
    for (auto& offer : batches[f]) *event.mutable_offers()->add_offers() = std::move(offer);
    send(*f, std::move(event));
  }
}

void cluster::impl::remove_offer(const std::string& offer_id, bool rescind, resource_list* keep,
                                 time_point now) {
  auto it = offers.find(offer_id);
  if (it == offers.end()) return;
  offer_state& o = it->second;
  cancel(o.timeout);
  framework_state* f = find(o.framework_id);
  if (f) {
    f->offers.erase(offer_id);
    charge(*f, o.resources, -1);
  }
  if (keep) {
    detail::add(*keep, o.resources);
  } else {
    detail::add(agents[o.agent].available, o.resources);
    request_allocation(now, false);
  }
  if (rescind && f) {
    sched::Event event;
    event.set_type(sched::Event::RESCIND);
    event.mutable_rescind()->mutable_offer_id()->set_value(offer_id);
    send(*f, std::move(event));
  }
  offers.erase(it);
}

void cluster::impl::remove_offers_of(framework_state& f, bool rescind, time_point now) {
  std::vector<std::string> ids(f.offers.begin(), f.offers.end());
  for (const auto& id : ids) remove_offer(id, rescind, nullptr, now);
}

void cluster::impl::add_filter(framework_state& f, const std::string& role, std::size_t agent,
                               const resource_list& refused, const v1::Filters* filters,
                               time_point now) {
  double seconds = filters ? filters->refuse_seconds() : 5.0;
  if (!std::isfinite(seconds) || seconds < 0) seconds = 5.0;
  seconds = std::min(seconds, year_seconds);
  if (seconds == 0 || refused.empty()) return;
  auto key = std::make_pair(role, agent);
  auto existing = f.filters.find(key);
  if (existing != f.filters.end()) {
    timers.erase(existing->second.expiry);
    f.filters.erase(existing);
  }
  auto expiry = schedule(now + seconds_to_duration(seconds, duration::zero()),
                         {timer_kind::filter_expiry, f.id, role, agent});
  f.filters.emplace(key, filter_state{refused, expiry});
}

void cluster::impl::decline(framework_state& f, const sched::Call::Decline& decline,
                            time_point now) {
  for (const auto& id : decline.offer_ids()) {
    auto it = offers.find(id.value());
    if (it == offers.end() || it->second.framework_id != f.id) continue;  // ignored, as Mesos does
    std::string role = it->second.role;
    std::size_t agent = it->second.agent;
    resource_list back;
    remove_offer(id.value(), false, &back, now);
    detail::add(agents[agent].available, back);
    add_filter(f, role, agent, back, decline.has_filters() ? &decline.filters() : nullptr, now);
    request_allocation(now, false);
  }
}

void cluster::impl::accept(framework_state& f, const sched::Call::Accept& accept, time_point now) {
  std::optional<std::string> error;
  if (accept.offer_ids_size() == 0) {
    error = "No offers specified";
  } else {
    std::set<std::string> seen;
    for (const auto& id : accept.offer_ids()) {
      if (!seen.insert(id.value()).second) {
        error = "Duplicate offer " + id.value() + " in offer list";
        break;
      }
    }
    for (const auto& id : accept.offer_ids()) {
      if (error) break;
      if (offers.count(id.value()) == 0) error = "Offer " + id.value() + " is no longer valid";
    }
    for (const auto& id : accept.offer_ids()) {
      if (error) break;
      const auto& o = offers.at(id.value());
      if (o.framework_id != f.id) {
        error = "Offer " + id.value() + " has invalid framework " + o.framework_id +
                " while framework " + f.id + " is expected";
      }
    }
    if (!error) {
      const auto& first = offers.at(accept.offer_ids(0).value());
      for (const auto& id : accept.offer_ids()) {
        const auto& o = offers.at(id.value());
        if (o.role != first.role) {
          error = "Aggregated offers must be allocated to the same role. Offer " + id.value() +
                  " uses role '" + o.role + " but another is using role '" + first.role;
          break;
        }
      }
      for (const auto& id : accept.offer_ids()) {
        if (error) break;
        const auto& o = offers.at(id.value());
        if (o.agent != first.agent) {
          error = "Aggregated offers must belong to one single agent. Offer " + id.value() +
                  " uses agent " + agents[o.agent].id + " and agent " + agents[first.agent].id;
        }
      }
    }
  }

  if (error) {
    for (const auto& id : accept.offer_ids()) {
      auto it = offers.find(id.value());
      if (it != offers.end() && it->second.framework_id == f.id) {
        remove_offer(id.value(), false, nullptr, now);
      }
    }
    auto state = f.partition_aware ? v1::TASK_DROPPED : v1::TASK_LOST;
    auto lost = [&](const v1::TaskInfo& task) {
      std::optional<std::string> agent_id;
      if (task.has_agent_id()) agent_id = task.agent_id().value();
      master_update(f, task.task_id().value(), agent_id, state,
                    v1::TaskStatus::REASON_INVALID_OFFERS,
                    "Task launched with invalid offers: " + *error, now);
    };
    for (const auto& op : accept.operations()) {
      if (op.type() == v1::Offer::Operation::LAUNCH) {
        for (const auto& task : op.launch().task_infos()) lost(task);
      } else if (op.type() == v1::Offer::Operation::LAUNCH_GROUP) {
        for (const auto& task : op.launch_group().task_group().tasks()) lost(task);
      } else if (op.has_id()) {
        operation_error(f, op, std::string(), "Operation attempted with invalid offers: " + *error);
      }
    }
    return;
  }

  const offer_state& first = offers.at(accept.offer_ids(0).value());
  const std::string role = first.role;
  const std::size_t agent = first.agent;
  resource_list pool;
  for (const auto& id : accept.offer_ids()) remove_offer(id.value(), false, &pool, now);

  for (const auto& op : accept.operations()) {
    switch (op.type()) {
      case v1::Offer::Operation::LAUNCH:
        launch(f, accept, op, role, agent, pool, now);
        break;
      case v1::Offer::Operation::LAUNCH_GROUP:
        launch_group(f, op, role, agent, pool, now);
        break;
      case v1::Offer::Operation::RESERVE:
      case v1::Offer::Operation::UNRESERVE:
      case v1::Offer::Operation::CREATE:
      case v1::Offer::Operation::DESTROY:
        apply_reservation_op(f, op, role, agents[agent], pool);
        break;
      default:  // GROW/SHRINK_VOLUME, CREATE/DESTROY_DISK, UNKNOWN: not supported here
        if (op.has_id()) {
          operation_error(f, op, agents[agent].id,
                          "Operation type is not supported by the simulated agent");
        }
        break;
    }
  }

  if (!pool.empty()) {
    detail::add(agents[agent].available, pool);
    add_filter(f, role, agent, pool, accept.has_filters() ? &accept.filters() : nullptr, now);
    request_allocation(now, false);
  }
}

void cluster::impl::operation_error(framework_state& f, const v1::Offer::Operation& op,
                                    const std::string& agent_id, const std::string& message) {
  sched::Event event;
  event.set_type(sched::Event::UPDATE_OPERATION_STATUS);
  auto* status = event.mutable_update_operation_status()->mutable_status();
  *status->mutable_operation_id() = op.id();
  status->set_state(v1::OPERATION_ERROR);
  status->set_message(message);
  if (!agent_id.empty()) status->mutable_agent_id()->set_value(agent_id);
  send(f, std::move(event));
}

void cluster::impl::operation_finished(framework_state& f, const v1::Offer::Operation& op,
                                       const std::string& agent_id,
                                       const resource_list& converted) {
  v1::OperationStatus status;
  *status.mutable_operation_id() = op.id();
  status.set_state(v1::OPERATION_FINISHED);
  for (const auto& r : converted) {
    *status.add_converted_resources() = detail::framework_format(r, f.refinement, nullptr);
  }
  status.mutable_uuid()->set_value(new_uuid_bytes());
  status.mutable_agent_id()->set_value(agent_id);
  f.operations[op.id().value()] = operation_state{agent_id, status};
  sched::Event event;
  event.set_type(sched::Event::UPDATE_OPERATION_STATUS);
  *event.mutable_update_operation_status()->mutable_status() = std::move(status);
  send(f, std::move(event));
}

bool cluster::impl::apply_reservation_op(framework_state& f, const v1::Offer::Operation& op,
                                         const std::string& role, agent_state& agent,
                                         resource_list& pool) {
  auto fail = [&](const std::string& message) {
    if (op.has_id()) operation_error(f, op, agent.id, message);
    return false;
  };
  if (op.has_id() && f.operations.count(op.id().value()) > 0) {
    return fail("Operation ID '" + op.id().value() + "' is already in use");
  }
  // (resources as the framework named them, what must be in the pool, what replaces it)
  resource_list before, after;
  auto wrong_allocation = [&](const v1::Resource& r) {
    return r.has_allocation_info() && r.allocation_info().role() != role;
  };
  switch (op.type()) {
    case v1::Offer::Operation::RESERVE: {
      for (const auto& r : op.reserve().resources()) {
        if (auto e = detail::validate_resource(r)) return fail("Invalid resources: " + *e);
        v1::Resource target = detail::canonical(r);
        if (!detail::is_dynamically_reserved(target)) {
          return fail("Resource " + detail::to_string(target) + " is not dynamically reserved");
        }
        if (wrong_allocation(r) || detail::reservation_role(target) != role) {
          return fail("A reserve operation was attempted for a resource with role '" +
                      detail::reservation_role(target) +
                      "', but the resource was allocated to role '" + role + "'");
        }
        detail::add(after, target);
        if (op.reserve().source_size() == 0) detail::add(before, detail::pop_reservation(target));
      }
      if (op.reserve().source_size() > 0) {
        std::string e;
        auto source = detail::canonical_list(op.reserve().source(), &e);
        if (!source) return fail("Invalid source: " + e);
        before = *source;
      }
      break;
    }
    case v1::Offer::Operation::UNRESERVE:
      for (const auto& r : op.unreserve().resources()) {
        if (auto e = detail::validate_resource(r)) return fail("Invalid resources: " + *e);
        v1::Resource reserved = detail::canonical(r);
        if (!detail::is_dynamically_reserved(reserved)) {
          return fail("Resource " + detail::to_string(reserved) + " is not dynamically reserved");
        }
        if (detail::is_persistent_volume(reserved)) {
          return fail("A dynamically reserved persistent volume " + detail::to_string(reserved) +
                      " cannot be unreserved directly. Please destroy the persistent volume "
                      "first then unreserve the resource");
        }
        detail::add(before, reserved);
        detail::add(after, detail::pop_reservation(reserved));
      }
      break;
    case v1::Offer::Operation::CREATE:
      for (const auto& r : op.create().volumes()) {
        if (auto e = detail::validate_resource(r)) return fail("Invalid resources: " + *e);
        v1::Resource volume = detail::canonical(r);
        if (!volume.has_disk() || !volume.disk().has_persistence()) {
          return fail("Not a persistent volume: 'persistence' is not set in DiskInfo");
        }
        if (!volume.disk().has_volume()) {
          return fail(
              "Not a persistent volume: Expecting 'volume' to be set for persistent volume");
        }
        if (volume.reservations_size() == 0) {
          return fail(
              "Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources");
        }
        if (auto e = validate_id(volume.disk().persistence().id())) {
          return fail("Invalid DiskInfo: Invalid persistence ID for persistent volume: " + *e);
        }
        for (const auto* list : {&agent.total, &after}) {
          for (const auto& existing : *list) {
            if (detail::is_persistent_volume(existing) &&
                existing.disk().persistence().id() == volume.disk().persistence().id() &&
                detail::reservation_role(existing) == detail::reservation_role(volume)) {
              return fail("Persistence ID '" + volume.disk().persistence().id() +
                          "' is not unique");
            }
          }
        }
        v1::Resource source = volume;
        source.mutable_disk()->clear_persistence();
        source.mutable_disk()->clear_volume();
        if (!source.disk().has_source()) source.clear_disk();
        detail::add(before, source);
        detail::add(after, volume);
      }
      break;
    case v1::Offer::Operation::DESTROY:
      for (const auto& r : op.destroy().volumes()) {
        if (auto e = detail::validate_resource(r)) return fail("Invalid resources: " + *e);
        v1::Resource volume = detail::canonical(r);
        if (!detail::is_persistent_volume(volume)) {
          return fail("Resource " + detail::to_string(volume) + " is not a persistent volume");
        }
        for (const auto& [id, t] : f.tasks) {
          if (t.agent == static_cast<std::size_t>(&agent - agents.data()) && !t.terminal &&
              detail::contains(t.resources, {volume})) {
            return fail("Persistent volumes in use");
          }
        }
        v1::Resource source = volume;
        source.mutable_disk()->clear_persistence();
        source.mutable_disk()->clear_volume();
        if (!source.disk().has_source()) source.clear_disk();
        detail::add(before, volume);
        detail::add(after, source);
      }
      break;
    default:
      return false;
  }
  if (!detail::contains(pool, before)) {
    return fail("Invalid operation: " + detail::to_string(pool) + " does not contain " +
                detail::to_string(before));
  }
  detail::subtract(pool, before);
  detail::add(pool, after);
  if (detail::subtract(agent.total, before)) detail::add(agent.total, after);
  if (op.has_id()) operation_finished(f, op, agent.id, after);
  return true;
}

void cluster::impl::reconcile_operations(framework_state& f,
                                         const sched::Call::ReconcileOperations& call) {
  auto send_status = [&](v1::OperationStatus status) {
    status.clear_uuid();
    sched::Event event;
    event.set_type(sched::Event::UPDATE_OPERATION_STATUS);
    *event.mutable_update_operation_status()->mutable_status() = std::move(status);
    send(f, std::move(event));
  };
  if (call.operations_size() == 0) {
    for (const auto& [id, op] : f.operations) send_status(op.status);
    return;
  }
  for (const auto& wanted : call.operations()) {
    auto it = f.operations.find(wanted.operation_id().value());
    if (it != f.operations.end()) {
      send_status(it->second.status);
      continue;
    }
    v1::OperationStatus status;
    *status.mutable_operation_id() = wanted.operation_id();
    status.set_state(v1::OPERATION_UNKNOWN);
    if (wanted.has_agent_id()) *status.mutable_agent_id() = wanted.agent_id();
    if (wanted.has_resource_provider_id()) {
      *status.mutable_resource_provider_id() = wanted.resource_provider_id();
    }
    send_status(std::move(status));
  }
}

void cluster::impl::acknowledge_operation(framework_state& f,
                                          const sched::Call::AcknowledgeOperationStatus& ack) {
  auto it = f.operations.find(ack.operation_id().value());
  if (it != f.operations.end() && it->second.status.uuid().value() == ack.uuid()) {
    f.operations.erase(it);
  }
}

}  // namespace mesos_http::sim
