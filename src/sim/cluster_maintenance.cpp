// The simulated cluster: maintenance windows and inverse offers, modelled on
// Mesos's master (`Master::updateUnavailability`, `Master::inverseOffer`,
// ACCEPT/DECLINE_INVERSE_OFFERS) and hierarchical allocator
// (`generateInverseOffers`, `updateInverseOffer`). The allocation round that
// sends inverse offers after the offers lives here too.
#include "sim/cluster_impl.hpp"

#include <algorithm>
#include <cmath>

namespace mesos_http::sim {

namespace {

constexpr double year_seconds = 365.0 * 24 * 3600;

}  // namespace

void cluster::impl::allocate(time_point now) {
  allocate_offers(now);
  make_inverse_offers(now);
}

std::optional<std::size_t> cluster::impl::live_agent(const std::string& agent_id) const {
  for (std::size_t i = 0; i < agents.size(); ++i) {
    if (agents[i].id == agent_id && !agents[i].removed) return i;
  }
  return std::nullopt;
}

v1::URL cluster::impl::agent_url(const agent_state& a) {
  v1::URL url;
  url.set_scheme("http");
  url.mutable_address()->set_hostname(a.hostname);
  url.mutable_address()->set_ip("127.0.0.1");
  url.mutable_address()->set_port(5051);
  url.set_path("/slave(1)");
  return url;
}

std::int64_t cluster::impl::unix_nanoseconds(time_point t) const {
  // Whole microseconds of the configured start keep the sum exact in int64.
  auto start = static_cast<std::int64_t>(std::llround(config.start_timestamp * 1e6)) * 1000;
  return start + std::chrono::duration_cast<std::chrono::nanoseconds>(t - epoch).count();
}

// Mesos's test: resources offered or allocated to the framework on the agent.
bool cluster::impl::uses_agent(const framework_state& f, std::size_t agent) const {
  for (const auto& id : f.offers) {
    if (offers.at(id).agent == agent) return true;
  }
  auto executor = f.executors.lower_bound({agent, std::string()});
  if (executor != f.executors.end() && executor->first.first == agent) return true;
  return std::any_of(f.tasks.begin(), f.tasks.end(), [&](const auto& entry) {
    return entry.second.agent == agent && !entry.second.terminal;
  });
}

v1::InverseOffer cluster::impl::render_inverse_offer(const inverse_offer_state& io) const {
  const agent_state& a = agents[io.agent];
  v1::InverseOffer offer;
  offer.mutable_id()->set_value(io.id);
  *offer.mutable_url() = agent_url(a);
  offer.mutable_framework_id()->set_value(io.framework_id);
  offer.mutable_agent_id()->set_value(a.id);
  if (a.maintenance) *offer.mutable_unavailability() = a.maintenance->unavailability;
  return offer;
}

void cluster::impl::make_inverse_offers(time_point now) {
  std::vector<framework_state*> order;
  std::map<framework_state*, std::vector<v1::InverseOffer>> batches;
  for (std::size_t index = 0; index < agents.size(); ++index) {
    agent_state& a = agents[index];
    if (a.removed || !a.maintenance) continue;
    for (auto& [id, f] : frameworks) {
      if (f->status != framework_status::subscribed) continue;
      if (a.maintenance->outstanding.count(id) > 0 || f->inverse_filters.count(index) > 0) {
        continue;
      }
      if (!uses_agent(*f, index)) continue;
      inverse_offer_state io;
      io.id = config.master_id + "-O" + std::to_string(next_offer++);
      io.framework_id = id;
      io.agent = index;
      if (config.offer_timeout > duration::zero()) {
        io.timeout = schedule(now + config.offer_timeout,
                              {timer_kind::inverse_offer_timeout, id, io.id, index});
      }
      a.maintenance->outstanding[id] = io.id;
      f->inverse_offers.insert(io.id);
      if (batches.count(f.get()) == 0) order.push_back(f.get());
      batches[f.get()].push_back(render_inverse_offer(io));
      inverse_offers.emplace(io.id, std::move(io));
    }
  }
  for (framework_state* f : order) {
    sched::Event event;
    event.set_type(sched::Event::INVERSE_OFFERS);
    for (auto& offer : batches[f]) {
      *event.mutable_inverse_offers()->add_inverse_offers() = std::move(offer);
    }
    send(*f, std::move(event));
  }
}

void cluster::impl::remove_inverse_offer(const std::string& id, bool rescind) {
  auto it = inverse_offers.find(id);
  if (it == inverse_offers.end()) return;
  inverse_offer_state& io = it->second;
  cancel(io.timeout);
  auto& maintenance = agents[io.agent].maintenance;
  if (maintenance) {
    auto outstanding = maintenance->outstanding.find(io.framework_id);
    if (outstanding != maintenance->outstanding.end() && outstanding->second == id) {
      maintenance->outstanding.erase(outstanding);
    }
  }
  if (framework_state* f = find(io.framework_id)) {
    f->inverse_offers.erase(id);
    if (rescind) {
      sched::Event event;
      event.set_type(sched::Event::RESCIND_INVERSE_OFFER);
      event.mutable_rescind_inverse_offer()->mutable_inverse_offer_id()->set_value(id);
      send(*f, std::move(event));
    }
  }
  inverse_offers.erase(it);
}

void cluster::impl::remove_inverse_offers_of(framework_state& f) {
  std::vector<std::string> ids(f.inverse_offers.begin(), f.inverse_offers.end());
  for (const auto& id : ids) remove_inverse_offer(id, false);
}

void cluster::impl::clear_inverse_filters(framework_state& f) {
  for (auto& [agent, expiry] : f.inverse_filters) timers.erase(expiry);
  f.inverse_filters.clear();
}

void cluster::impl::answer_inverse_offers(
    framework_state& f, const google::protobuf::RepeatedPtrField<v1::OfferID>& ids,
    const v1::Filters* filters, bool accepted, time_point now) {
  for (const auto& offer_id : ids) {
    auto it = inverse_offers.find(offer_id.value());
    if (it == inverse_offers.end() || it->second.framework_id != f.id) continue;  // stale
    std::size_t agent = it->second.agent;
    if (auto& maintenance = agents[agent].maintenance) {
      maintenance->answers.push_back({offer_id.value(), f.id, accepted, timestamp(now)});
    }
    remove_inverse_offer(offer_id.value(), false);

    // The allocator's inverse offer filter: same bounds as an offer filter.
    double seconds = filters ? filters->refuse_seconds() : 5.0;
    if (!std::isfinite(seconds) || seconds < 0) seconds = 5.0;
    seconds = std::min(seconds, year_seconds);
    auto existing = f.inverse_filters.find(agent);
    if (existing != f.inverse_filters.end()) {
      timers.erase(existing->second);
      f.inverse_filters.erase(existing);
    }
    if (seconds > 0) {
      f.inverse_filters[agent] = schedule(now + seconds_to_duration(seconds, duration::zero()),
                                          {timer_kind::inverse_filter_expiry, f.id, {}, agent});
    } else {
      request_allocation(now, false);  // no filter: it comes again next round
    }
  }
}

void cluster::impl::set_unavailability(std::size_t agent,
                                       std::optional<v1::Unavailability> unavailability,
                                       time_point now) {
  // Offers made under the old window are void: rescind them so that new ones
  // carry the new `unavailability`; outstanding inverse offers go likewise.
  std::vector<std::string> stale;
  for (const auto& [id, o] : offers) {
    if (o.agent == agent) stale.push_back(id);
  }
  std::sort(stale.begin(), stale.end());
  for (const auto& id : stale) remove_offer(id, true, nullptr, now);
  stale.clear();
  for (const auto& [id, io] : inverse_offers) {
    if (io.agent == agent) stale.push_back(id);
  }
  for (const auto& id : stale) remove_inverse_offer(id, true);

  // Frameworks reconsider the new window: their filters for the agent go.
  for (auto& [id, f] : frameworks) {
    auto filter = f->inverse_filters.find(agent);
    if (filter == f->inverse_filters.end()) continue;
    timers.erase(filter->second);
    f->inverse_filters.erase(filter);
  }
  agents[agent].maintenance.reset();
  if (unavailability)
    agents[agent].maintenance = detail::maintenance_state{*unavailability, {}, {}};
  request_allocation(now, true);
}

maintenance_status cluster::impl::maintenance_of(std::size_t agent) const {
  const agent_state& a = agents[agent];
  maintenance_status status;
  status.agent_id = a.id;
  if (!a.maintenance) return status;
  status.unavailability = a.maintenance->unavailability;
  for (const auto& [id, io] : inverse_offers) {
    if (io.agent == agent) status.outstanding.push_back(render_inverse_offer(io));
  }
  status.answers = a.maintenance->answers;
  return status;
}

// --- the public face ---

bool cluster::schedule_maintenance(const std::string& agent_id, const maintenance_window& window,
                                   time_point now) {
  auto agent = impl_->live_agent(agent_id);
  if (!agent) return false;
  v1::Unavailability unavailability;
  unavailability.mutable_start()->set_nanoseconds(impl_->unix_nanoseconds(now + window.starts_in));
  if (window.length) {
    unavailability.mutable_duration()->set_nanoseconds(
        std::chrono::duration_cast<std::chrono::nanoseconds>(*window.length).count());
  }
  impl_->set_unavailability(*agent, std::move(unavailability), now);
  return true;
}

std::optional<maintenance_status> cluster::cancel_maintenance(const std::string& agent_id,
                                                              time_point now) {
  auto agent = impl_->live_agent(agent_id);
  if (!agent || !impl_->agents[*agent].maintenance) return std::nullopt;
  maintenance_status last = impl_->maintenance_of(*agent);
  impl_->set_unavailability(*agent, std::nullopt, now);
  return last;
}

std::optional<maintenance_status> cluster::maintenance(const std::string& agent_id) const {
  auto agent = impl_->live_agent(agent_id);
  if (!agent || !impl_->agents[*agent].maintenance) return std::nullopt;
  return impl_->maintenance_of(*agent);
}

}  // namespace mesos_http::sim
