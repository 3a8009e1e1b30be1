// The scheduler Call and Offer::Operation builders. Each follows what
// `validation::scheduler::call::validate` (src/master/validation.cpp) asks of
// its type; see ../shared/protocol.md section d.
#include <mesos_http/scheduler_calls.hpp>
#include <mesos_http/scheduler_operations.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mesos_http::calls {

namespace {

namespace v1 = mesos::v1;
using operation = v1::Offer::Operation;

template <class T, class Field>
void move_into(std::vector<T>& from, Field* to) {
  to->Reserve(static_cast<int>(from.size()));
  for (T& item : from) *to->Add() = std::move(item);
}

call typed(call::Type type) {
  call c;
  c.set_type(type);
  return c;
}

operation typed_operation(operation::Type type) {
  operation op;
  op.set_type(type);
  return op;
}

// Accept and Decline (and the inverse offer calls) share this shape.
template <class Message>
void fill_offers(Message* m, std::vector<v1::OfferID>& ids, std::optional<v1::Filters>& filters) {
  if constexpr (std::is_same_v<Message, call::Accept> || std::is_same_v<Message, call::Decline>) {
    move_into(ids, m->mutable_offer_ids());
  } else {
    move_into(ids, m->mutable_inverse_offer_ids());
  }
  if (filters) *m->mutable_filters() = std::move(*filters);
}

// Adds the offers' ids to `to` directly: DECLINE of every offer is the hot
// path of a busy framework.
template <class Offers, class Field>
void add_ids(const Offers& offers, Field* to) {
  to->Reserve(to->size() + static_cast<int>(offers.size()));
  for (const v1::Offer& offer : offers) *to->Add() = offer.id();
}

template <class Offers>
std::vector<v1::OfferID> ids_of(const Offers& offers) {
  std::vector<v1::OfferID> ids;
  ids.reserve(static_cast<std::size_t>(offers.size()));
  for (const v1::Offer& offer : offers) ids.push_back(offer.id());
  return ids;
}

}  // namespace

void set_framework(call& c, const v1::FrameworkID& id) {
  *c.mutable_framework_id() = id;
  if (c.type() == call::SUBSCRIBE) {
    *c.mutable_subscribe()->mutable_framework_info()->mutable_id() = id;
  } else if (c.type() == call::UPDATE_FRAMEWORK) {
    *c.mutable_update_framework()->mutable_framework_info()->mutable_id() = id;
  }
}

call with_framework(call c, const v1::FrameworkID& id) {
  set_framework(c, id);
  return c;
}

// ---------------------------------------------------------------------------
// Offers

v1::Filters refuse_seconds(double seconds) {
  v1::Filters f;
  f.set_refuse_seconds(seconds);
  return f;
}

call accept(std::vector<v1::OfferID> offer_ids, std::vector<operation> operations,
            std::optional<v1::Filters> filters) {
  call c = typed(call::ACCEPT);
  auto* accept = c.mutable_accept();
  fill_offers(accept, offer_ids, filters);
  move_into(operations, accept->mutable_operations());
  return c;
}

call accept(const v1::Offer& offer, std::vector<operation> operations,
            std::optional<v1::Filters> filters) {
  return accept(std::vector<v1::OfferID>{offer.id()}, std::move(operations), std::move(filters));
}

call accept(const std::vector<v1::Offer>& offers, std::vector<operation> operations,
            std::optional<v1::Filters> filters) {
  return accept(ids_of(offers), std::move(operations), std::move(filters));
}

call decline(std::vector<v1::OfferID> offer_ids, std::optional<v1::Filters> filters) {
  call c = typed(call::DECLINE);
  fill_offers(c.mutable_decline(), offer_ids, filters);
  return c;
}

namespace {
template <class Offers>
call decline_offers(const Offers& offers, std::optional<v1::Filters>& filters) {
  call c = typed(call::DECLINE);
  add_ids(offers, c.mutable_decline()->mutable_offer_ids());
  if (filters) *c.mutable_decline()->mutable_filters() = std::move(*filters);
  return c;
}
}  // namespace

call decline(const v1::Offer& offer, std::optional<v1::Filters> filters) {
  return decline(std::vector<v1::OfferID>{offer.id()}, std::move(filters));
}

call decline(const std::vector<v1::Offer>& offers, std::optional<v1::Filters> filters) {
  return decline_offers(offers, filters);
}

call decline(const google::protobuf::RepeatedPtrField<v1::Offer>& offers,
             std::optional<v1::Filters> filters) {
  return decline_offers(offers, filters);
}

void decline_into(call& into, const google::protobuf::RepeatedPtrField<v1::Offer>& offers,
                  std::optional<v1::Filters> filters) {
  into.Clear();  // keeps the sub-messages and the cleared ids for reuse
  into.set_type(call::DECLINE);
  auto* decline = into.mutable_decline();
  add_ids(offers, decline->mutable_offer_ids());
  if (filters) *decline->mutable_filters() = std::move(*filters);
}

call accept_inverse_offers(std::vector<v1::OfferID> inverse_offer_ids,
                           std::optional<v1::Filters> filters) {
  call c = typed(call::ACCEPT_INVERSE_OFFERS);
  fill_offers(c.mutable_accept_inverse_offers(), inverse_offer_ids, filters);
  return c;
}

call accept_inverse_offers(const v1::InverseOffer& inverse_offer,
                           std::optional<v1::Filters> filters) {
  return accept_inverse_offers(std::vector<v1::OfferID>{inverse_offer.id()}, std::move(filters));
}

call decline_inverse_offers(std::vector<v1::OfferID> inverse_offer_ids,
                            std::optional<v1::Filters> filters) {
  call c = typed(call::DECLINE_INVERSE_OFFERS);
  fill_offers(c.mutable_decline_inverse_offers(), inverse_offer_ids, filters);
  return c;
}

call decline_inverse_offers(const v1::InverseOffer& inverse_offer,
                            std::optional<v1::Filters> filters) {
  return decline_inverse_offers(std::vector<v1::OfferID>{inverse_offer.id()}, std::move(filters));
}

// REVIVE and SUPPRESS need no sub-message (checklist 39): leave it out when
// there are no roles, so the call reads "all roles" in both encodings.
call revive(std::vector<std::string> roles) {
  call c = typed(call::REVIVE);
  if (!roles.empty()) move_into(roles, c.mutable_revive()->mutable_roles());
  return c;
}

call suppress(std::vector<std::string> roles) {
  call c = typed(call::SUPPRESS);
  if (!roles.empty()) move_into(roles, c.mutable_suppress()->mutable_roles());
  return c;
}

// ---------------------------------------------------------------------------
// Tasks and executors

v1::KillPolicy kill_policy(std::chrono::nanoseconds grace_period) {
  v1::KillPolicy policy;
  policy.mutable_grace_period()->set_nanoseconds(grace_period.count());
  return policy;
}

call kill(v1::TaskID task_id, std::optional<v1::AgentID> agent_id,
          std::optional<v1::KillPolicy> kill_policy) {
  call c = typed(call::KILL);
  auto* kill = c.mutable_kill();
  *kill->mutable_task_id() = std::move(task_id);
  if (agent_id) *kill->mutable_agent_id() = std::move(*agent_id);
  if (kill_policy) *kill->mutable_kill_policy() = std::move(*kill_policy);
  return c;
}

call shutdown(v1::ExecutorID executor_id, v1::AgentID agent_id) {
  call c = typed(call::SHUTDOWN);
  auto* shutdown = c.mutable_shutdown();
  *shutdown->mutable_executor_id() = std::move(executor_id);
  *shutdown->mutable_agent_id() = std::move(agent_id);
  return c;
}

bool needs_acknowledgement(const v1::TaskStatus& status) { return status.has_uuid(); }

call acknowledge(const v1::TaskStatus& status) {
  return acknowledge(status.agent_id(), status.task_id(), status.uuid());
}

call acknowledge(v1::AgentID agent_id, v1::TaskID task_id, std::string uuid) {
  call c = typed(call::ACKNOWLEDGE);
  auto* ack = c.mutable_acknowledge();
  *ack->mutable_agent_id() = std::move(agent_id);
  *ack->mutable_task_id() = std::move(task_id);
  ack->set_uuid(std::move(uuid));
  return c;
}

bool needs_acknowledgement(const v1::OperationStatus& status) { return status.has_uuid(); }

call acknowledge_operation_status(const v1::OperationStatus& status) {
  call c = typed(call::ACKNOWLEDGE_OPERATION_STATUS);
  auto* ack = c.mutable_acknowledge_operation_status();
  if (status.has_agent_id()) *ack->mutable_agent_id() = status.agent_id();
  if (status.has_resource_provider_id()) {
    *ack->mutable_resource_provider_id() = status.resource_provider_id();
  }
  ack->set_uuid(status.uuid().value());
  *ack->mutable_operation_id() = status.operation_id();
  return c;
}

call acknowledge_operation_status(const v1::OperationStatus& status, v1::AgentID agent_id,
                                  std::optional<v1::ResourceProviderID> resource_provider_id) {
  call c = acknowledge_operation_status(status);
  auto* ack = c.mutable_acknowledge_operation_status();
  *ack->mutable_agent_id() = std::move(agent_id);
  if (resource_provider_id) *ack->mutable_resource_provider_id() = std::move(*resource_provider_id);
  return c;
}

task_ref task_of(const v1::TaskStatus& status) {
  task_ref ref;
  ref.task_id = status.task_id();
  if (status.has_agent_id()) ref.agent_id = status.agent_id();
  return ref;
}

// Implicit reconciliation still sends `reconcile` (empty): validation wants
// the sub-message for every type but TEARDOWN, REVIVE and SUPPRESS.
call reconcile(const std::vector<task_ref>& tasks) {
  call c = typed(call::RECONCILE);
  auto* reconcile = c.mutable_reconcile();
  for (const task_ref& ref : tasks) {
    auto* task = reconcile->add_tasks();
    *task->mutable_task_id() = ref.task_id;
    if (ref.agent_id) *task->mutable_agent_id() = *ref.agent_id;
  }
  return c;
}

call reconcile_operations(const std::vector<operation_ref>& operations) {
  call c = typed(call::RECONCILE_OPERATIONS);
  auto* reconcile = c.mutable_reconcile_operations();
  for (const operation_ref& ref : operations) {
    auto* op = reconcile->add_operations();
    *op->mutable_operation_id() = ref.operation_id;
    if (ref.agent_id) *op->mutable_agent_id() = *ref.agent_id;
    if (ref.resource_provider_id) *op->mutable_resource_provider_id() = *ref.resource_provider_id;
  }
  return c;
}

call message(v1::AgentID agent_id, v1::ExecutorID executor_id, std::string data) {
  call c = typed(call::MESSAGE);
  auto* message = c.mutable_message();
  *message->mutable_agent_id() = std::move(agent_id);
  *message->mutable_executor_id() = std::move(executor_id);
  message->set_data(std::move(data));
  return c;
}

call request(std::vector<v1::Request> requests) {
  call c = typed(call::REQUEST);
  move_into(requests, c.mutable_request()->mutable_requests());
  return c;
}

// ---------------------------------------------------------------------------
// Framework

call teardown() { return typed(call::TEARDOWN); }

call update_framework(v1::FrameworkInfo info, std::vector<std::string> suppressed_roles,
                      std::optional<v1::scheduler::OfferConstraints> offer_constraints) {
  call c = typed(call::UPDATE_FRAMEWORK);
  if (info.has_id()) *c.mutable_framework_id() = info.id();
  auto* update = c.mutable_update_framework();
  *update->mutable_framework_info() = std::move(info);
  move_into(suppressed_roles, update->mutable_suppressed_roles());
  if (offer_constraints) *update->mutable_offer_constraints() = std::move(*offer_constraints);
  return c;
}

// ---------------------------------------------------------------------------
// Offer operations

operation launch(std::vector<v1::TaskInfo> tasks) {
  operation op = typed_operation(operation::LAUNCH);
  move_into(tasks, op.mutable_launch()->mutable_task_infos());
  return op;
}

operation launch_group(v1::ExecutorInfo executor, v1::TaskGroupInfo task_group) {
  operation op = typed_operation(operation::LAUNCH_GROUP);
  // A group's executor without a type is refused ("'ExecutorInfo.type' must
  // be set"); DEFAULT is the one executor that runs task groups.
  if (!executor.has_type()) executor.set_type(v1::ExecutorInfo::DEFAULT);
  auto* group = op.mutable_launch_group();
  *group->mutable_executor() = std::move(executor);
  *group->mutable_task_group() = std::move(task_group);
  return op;
}

operation launch_group(v1::ExecutorInfo executor, std::vector<v1::TaskInfo> tasks) {
  v1::TaskGroupInfo group;
  move_into(tasks, group.mutable_tasks());
  return launch_group(std::move(executor), std::move(group));
}

operation reserve(std::vector<v1::Resource> resources, std::vector<v1::Resource> source) {
  operation op = typed_operation(operation::RESERVE);
  auto* reserve = op.mutable_reserve();
  move_into(resources, reserve->mutable_resources());
  move_into(source, reserve->mutable_source());
  return op;
}

operation unreserve(std::vector<v1::Resource> resources) {
  operation op = typed_operation(operation::UNRESERVE);
  move_into(resources, op.mutable_unreserve()->mutable_resources());
  return op;
}

operation create(std::vector<v1::Resource> volumes) {
  operation op = typed_operation(operation::CREATE);
  move_into(volumes, op.mutable_create()->mutable_volumes());
  return op;
}

operation destroy(std::vector<v1::Resource> volumes) {
  operation op = typed_operation(operation::DESTROY);
  move_into(volumes, op.mutable_destroy()->mutable_volumes());
  return op;
}

operation grow_volume(v1::Resource volume, v1::Resource addition) {
  operation op = typed_operation(operation::GROW_VOLUME);
  auto* grow = op.mutable_grow_volume();
  *grow->mutable_volume() = std::move(volume);
  *grow->mutable_addition() = std::move(addition);
  return op;
}

operation shrink_volume(v1::Resource volume, double subtract) {
  operation op = typed_operation(operation::SHRINK_VOLUME);
  auto* shrink = op.mutable_shrink_volume();
  *shrink->mutable_volume() = std::move(volume);
  shrink->mutable_subtract()->set_value(subtract);
  return op;
}

operation create_disk(v1::Resource source, v1::Resource::DiskInfo::Source::Type target_type,
                      std::optional<std::string> target_profile) {
  operation op = typed_operation(operation::CREATE_DISK);
  auto* create = op.mutable_create_disk();
  *create->mutable_source() = std::move(source);
  create->set_target_type(target_type);
  if (target_profile) create->set_target_profile(std::move(*target_profile));
  return op;
}

operation destroy_disk(v1::Resource source) {
  operation op = typed_operation(operation::DESTROY_DISK);
  *op.mutable_destroy_disk()->mutable_source() = std::move(source);
  return op;
}

operation with_operation_id(operation op, v1::OperationID id) {
  *op.mutable_id() = std::move(id);
  return op;
}

// ---------------------------------------------------------------------------
// Task helpers

v1::CommandInfo command(std::string shell) {
  v1::CommandInfo cmd;
  cmd.set_shell(true);
  cmd.set_value(std::move(shell));
  return cmd;
}

v1::Resource scalar_resource(std::string name, double value) {
  v1::Resource r;
  r.set_name(std::move(name));
  r.set_type(v1::Value::SCALAR);
  r.mutable_scalar()->set_value(value);
  return r;
}

v1::TaskInfo task_info(std::string name, std::string task_id, const v1::AgentID& agent_id,
                       std::vector<v1::Resource> resources, v1::CommandInfo command) {
  v1::TaskInfo task;
  task.set_name(std::move(name));
  task.mutable_task_id()->set_value(std::move(task_id));
  *task.mutable_agent_id() = agent_id;
  move_into(resources, task.mutable_resources());
  *task.mutable_command() = std::move(command);
  return task;
}

}  // namespace mesos_http::calls
