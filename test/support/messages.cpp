#include "support/messages.hpp"

#include <limits>

namespace mesos_http::test {

namespace v1 = mesos::v1;
namespace sched = mesos::v1::scheduler;
namespace exec = mesos::v1::executor;

namespace {

const char* const master_id = "4f8a6c3e-1b2d-4c5e-9f70-8a1b2c3d4e5f";

std::string id(const std::string& suffix) { return std::string(master_id) + suffix; }

v1::Resource scalar(const std::string& name, double value, const std::string& role) {
  v1::Resource r;
  r.set_name(name);
  r.set_type(v1::Value::SCALAR);
  r.mutable_scalar()->set_value(value);
  r.mutable_allocation_info()->set_role(role);
  return r;
}

v1::Resource ports(std::uint64_t begin, std::uint64_t end, const std::string& role) {
  v1::Resource r;
  r.set_name("ports");
  r.set_type(v1::Value::RANGES);
  auto* range = r.mutable_ranges()->add_range();
  range->set_begin(begin);
  range->set_end(end);
  r.mutable_allocation_info()->set_role(role);
  return r;
}

v1::Resource reserved_disk(double mb, const std::string& role) {
  v1::Resource r = scalar("disk", mb, role);
  auto* reservation = r.add_reservations();
  reservation->set_type(v1::Resource::ReservationInfo::DYNAMIC);
  reservation->set_role(role);
  reservation->set_principal("ops");
  auto* label = reservation->mutable_labels()->add_labels();
  label->set_key("owner");
  label->set_value("storage-team");
  return r;
}

v1::Resource volume(double mb, const std::string& role) {
  v1::Resource r = reserved_disk(mb, role);
  r.mutable_disk()->mutable_persistence()->set_id("volume-1");
  r.mutable_disk()->mutable_persistence()->set_principal("ops");
  r.mutable_disk()->mutable_volume()->set_container_path("data");
  r.mutable_disk()->mutable_volume()->set_mode(v1::Volume::RW);
  return r;
}

v1::Attribute text_attribute(const std::string& name, const std::string& value) {
  v1::Attribute a;
  a.set_name(name);
  a.set_type(v1::Value::TEXT);
  a.mutable_text()->set_value(value);
  return a;
}

v1::FrameworkInfo framework_info() {
  v1::FrameworkInfo info;
  info.set_user("nobody");
  info.set_name("mesos-http test framework");
  info.mutable_id()->set_value(id("-0000"));
  info.set_failover_timeout(7 * 24 * 3600.0);
  info.set_checkpoint(true);
  info.add_roles("analytics");
  info.add_roles("web/frontend");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  info.set_principal("analytics-principal");
  info.set_webui_url("http://frameworks.example.com:8080/ui");
  auto* label = info.mutable_labels()->add_labels();
  label->set_key("team");
  label->set_value("data");
  auto& filters = (*info.mutable_offer_filters())["analytics"];
  auto& quantities = *filters.mutable_min_allocatable_resources()->add_quantities()->mutable_quantities();
  quantities["cpus"].set_value(0.5);
  return info;
}

sched::OfferConstraints offer_constraints() {
  sched::OfferConstraints constraints;
  auto& role = (*constraints.mutable_role_constraints())["analytics"];
  auto* group = role.add_groups();
  auto* rack = group->add_attribute_constraints();
  rack->mutable_selector()->set_attribute_name("rack");
  rack->mutable_predicate()->mutable_text_equals()->set_value("r1");
  auto* host = group->add_attribute_constraints();
  host->mutable_selector()->set_pseudoattribute_type(
      sched::AttributeConstraint::Selector::HOSTNAME);
  host->mutable_predicate()->mutable_text_matches()->set_regex("agent-[0-9]+");
  auto* zone = role.add_groups()->add_attribute_constraints();
  zone->mutable_selector()->set_attribute_name("zone");
  zone->mutable_predicate()->mutable_exists();
  return constraints;
}

sched::Call scheduler_call(sched::Call::Type type) {
  sched::Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(id("-0000"));
  return call;
}

exec::Call executor_call(exec::Call::Type type) {
  exec::Call call;
  call.set_type(type);
  call.mutable_executor_id()->set_value("executor-1");
  call.mutable_framework_id()->set_value(id("-0000"));
  return call;
}

v1::TaskStatus task_status(v1::TaskState state, int salt) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value("task-1");
  status.set_state(state);
  status.set_message("Command exited with status 0");
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  status.set_reason(v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
  status.set_data(std::string("\x00\xff payload\n", 10));
  status.mutable_agent_id()->set_value(id("-S0"));
  status.mutable_executor_id()->set_value("executor-1");
  status.set_timestamp(1795306060.3921);
  status.set_uuid(sample_uuid(salt));
  status.set_healthy(true);
  return status;
}

v1::ExecutorInfo executor_info() {
  v1::ExecutorInfo info;
  info.set_type(v1::ExecutorInfo::CUSTOM);
  info.mutable_executor_id()->set_value("executor-1");
  info.mutable_framework_id()->set_value(id("-0000"));
  info.mutable_command()->set_value("/usr/local/bin/my-executor --verbose");
  info.mutable_command()->set_shell(true);
  info.mutable_command()->add_uris()->set_value("http://artifacts.example.com/exec.tgz");
  *info.add_resources() = scalar("cpus", 0.1, "analytics");
  *info.add_resources() = scalar("mem", 32, "analytics");
  info.set_name("my executor");
  info.mutable_shutdown_grace_period()->set_nanoseconds(5000000000LL);
  return info;
}

void add_operations(sched::Call::Accept& accept, const v1::Offer& offer) {
  using op = v1::Offer::Operation;
  auto add = [&](op::Type type) {
    auto* o = accept.add_operations();
    o->set_type(type);
    return o;
  };
  *add(op::RESERVE)->mutable_reserve()->add_resources() = reserved_disk(2048, "analytics");
  *add(op::UNRESERVE)->mutable_unreserve()->add_resources() = reserved_disk(512, "analytics");
  *add(op::CREATE)->mutable_create()->add_volumes() = volume(1024, "analytics");
  *add(op::DESTROY)->mutable_destroy()->add_volumes() = volume(1024, "analytics");
  auto* grow = add(op::GROW_VOLUME)->mutable_grow_volume();
  *grow->mutable_volume() = volume(1024, "analytics");
  *grow->mutable_addition() = reserved_disk(256, "analytics");
  auto* shrink = add(op::SHRINK_VOLUME)->mutable_shrink_volume();
  *shrink->mutable_volume() = volume(1280, "analytics");
  shrink->mutable_subtract()->set_value(256);
  auto* create_disk = add(op::CREATE_DISK)->mutable_create_disk();
  *create_disk->mutable_source() = scalar("disk", 4096, "analytics");
  create_disk->set_target_type(v1::Resource::DiskInfo::Source::MOUNT);
  create_disk->set_target_profile("fast");
  *add(op::DESTROY_DISK)->mutable_destroy_disk()->mutable_source() = scalar("disk", 4096, "analytics");
  *add(op::LAUNCH)->mutable_launch()->add_task_infos() = sample_task(offer, "task-1");
  auto* group = add(op::LAUNCH_GROUP)->mutable_launch_group();
  *group->mutable_executor() = executor_info();
  group->mutable_executor()->set_type(v1::ExecutorInfo::DEFAULT);
  *group->mutable_task_group()->add_tasks() = sample_task(offer, "task-2");
  *group->mutable_task_group()->add_tasks() = sample_task(offer, "task-3");
}

}  // namespace

std::string sample_uuid(int salt) {
  std::string uuid(16, '\0');
  for (int i = 0; i < 16; ++i) uuid[i] = static_cast<char>(i + salt);
  return uuid;
}

v1::Offer sample_offer(int index) {
  const std::string n = std::to_string(index);
  v1::Offer offer;
  offer.mutable_id()->set_value(id("-O" + n));
  offer.mutable_framework_id()->set_value(id("-0000"));
  offer.mutable_agent_id()->set_value(id("-S" + std::to_string(index % 50)));
  offer.set_hostname("agent-" + std::to_string(index % 50) + ".dc1.example.com");
  auto* url = offer.mutable_url();
  url->set_scheme("http");
  url->mutable_address()->set_hostname(offer.hostname());
  url->mutable_address()->set_ip("10.0.3." + std::to_string(index % 50));
  url->mutable_address()->set_port(5051);
  url->set_path("/slave(1)");
  *offer.add_resources() = scalar("cpus", 7.5, "analytics");
  *offer.add_resources() = scalar("mem", 30720, "analytics");
  *offer.add_resources() = scalar("disk", 409600, "analytics");
  *offer.add_resources() = reserved_disk(10240, "analytics");
  *offer.add_resources() = ports(31000, 31099, "analytics");
  offer.mutable_resources(4)->mutable_ranges()->add_range()->set_begin(31200);
  offer.mutable_resources(4)->mutable_ranges()->mutable_range(1)->set_end(32000);
  *offer.add_attributes() = text_attribute("rack", "r" + std::to_string(index % 8));
  *offer.add_attributes() = text_attribute("zone", "us-east-1a");
  *offer.add_attributes() = text_attribute("instance_type", "m5.4xlarge");
  *offer.add_attributes() = text_attribute("kernel", "5.15.0-91-generic");
  v1::Attribute gpus;
  gpus.set_name("gpu_count");
  gpus.set_type(v1::Value::SCALAR);
  gpus.mutable_scalar()->set_value(0);
  *offer.add_attributes() = gpus;
  offer.add_executor_ids()->set_value("executor-1");
  offer.mutable_allocation_info()->set_role("analytics");
  return offer;
}

v1::TaskInfo sample_task(const v1::Offer& offer, const std::string& task_id) {
  v1::TaskInfo task;
  task.set_name("task " + task_id);
  task.mutable_task_id()->set_value(task_id);
  *task.mutable_agent_id() = offer.agent_id();
  *task.add_resources() = scalar("cpus", 0.5, "analytics");
  *task.add_resources() = scalar("mem", 128, "analytics");
  auto* command = task.mutable_command();
  command->set_value("echo hello from " + task_id + " && sleep 1");
  auto* env = command->mutable_environment()->add_variables();
  env->set_name("GREETING");
  env->set_value("hello");
  task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(3000000000LL);
  (*task.mutable_limits())["cpus"].set_value(std::numeric_limits<double>::infinity());
  (*task.mutable_limits())["mem"].set_value(512);
  task.set_data("opaque task data");
  return task;
}

std::vector<sched::Call> sample_scheduler_calls() {
  std::vector<sched::Call> calls;
  const v1::Offer offer = sample_offer(1);

  auto subscribe = scheduler_call(sched::Call::SUBSCRIBE);
  *subscribe.mutable_subscribe()->mutable_framework_info() = framework_info();
  subscribe.mutable_subscribe()->add_suppressed_roles("web/frontend");
  *subscribe.mutable_subscribe()->mutable_offer_constraints() = offer_constraints();
  calls.push_back(subscribe);

  calls.push_back(scheduler_call(sched::Call::TEARDOWN));

  auto accept = scheduler_call(sched::Call::ACCEPT);
  *accept.mutable_accept()->add_offer_ids() = offer.id();
  add_operations(*accept.mutable_accept(), offer);
  accept.mutable_accept()->mutable_filters()->set_refuse_seconds(30);
  calls.push_back(accept);

  auto decline = scheduler_call(sched::Call::DECLINE);
  *decline.mutable_decline()->add_offer_ids() = offer.id();
  *decline.mutable_decline()->add_offer_ids() = sample_offer(2).id();
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(3600);
  calls.push_back(decline);

  auto accept_inverse = scheduler_call(sched::Call::ACCEPT_INVERSE_OFFERS);
  accept_inverse.mutable_accept_inverse_offers()->add_inverse_offer_ids()->set_value(id("-O77"));
  calls.push_back(accept_inverse);

  auto decline_inverse = scheduler_call(sched::Call::DECLINE_INVERSE_OFFERS);
  decline_inverse.mutable_decline_inverse_offers()->add_inverse_offer_ids()->set_value(id("-O78"));
  decline_inverse.mutable_decline_inverse_offers()->mutable_filters()->set_refuse_seconds(1.5);
  calls.push_back(decline_inverse);

  auto revive = scheduler_call(sched::Call::REVIVE);
  revive.mutable_revive()->add_roles("analytics");
  calls.push_back(revive);

  auto suppress = scheduler_call(sched::Call::SUPPRESS);
  suppress.mutable_suppress()->add_roles("web/frontend");
  calls.push_back(suppress);

  auto kill = scheduler_call(sched::Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("task-1");
  *kill.mutable_kill()->mutable_agent_id() = offer.agent_id();
  kill.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(1);
  calls.push_back(kill);

  auto shutdown = scheduler_call(sched::Call::SHUTDOWN);
  shutdown.mutable_shutdown()->mutable_executor_id()->set_value("executor-1");
  *shutdown.mutable_shutdown()->mutable_agent_id() = offer.agent_id();
  calls.push_back(shutdown);

  auto ack = scheduler_call(sched::Call::ACKNOWLEDGE);
  *ack.mutable_acknowledge()->mutable_agent_id() = offer.agent_id();
  ack.mutable_acknowledge()->mutable_task_id()->set_value("task-1");
  ack.mutable_acknowledge()->set_uuid(sample_uuid());
  calls.push_back(ack);

  auto ack_op = scheduler_call(sched::Call::ACKNOWLEDGE_OPERATION_STATUS);
  *ack_op.mutable_acknowledge_operation_status()->mutable_agent_id() = offer.agent_id();
  ack_op.mutable_acknowledge_operation_status()->mutable_resource_provider_id()->set_value("rp-1");
  ack_op.mutable_acknowledge_operation_status()->set_uuid(sample_uuid(3));
  ack_op.mutable_acknowledge_operation_status()->mutable_operation_id()->set_value("op-1");
  calls.push_back(ack_op);

  auto reconcile = scheduler_call(sched::Call::RECONCILE);
  auto* task = reconcile.mutable_reconcile()->add_tasks();
  task->mutable_task_id()->set_value("task-1");
  *task->mutable_agent_id() = offer.agent_id();
  reconcile.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value("task-2");
  calls.push_back(reconcile);

  auto reconcile_ops = scheduler_call(sched::Call::RECONCILE_OPERATIONS);
  auto* operation = reconcile_ops.mutable_reconcile_operations()->add_operations();
  operation->mutable_operation_id()->set_value("op-1");
  *operation->mutable_agent_id() = offer.agent_id();
  calls.push_back(reconcile_ops);

  auto message = scheduler_call(sched::Call::MESSAGE);
  *message.mutable_message()->mutable_agent_id() = offer.agent_id();
  message.mutable_message()->mutable_executor_id()->set_value("executor-1");
  message.mutable_message()->set_data(std::string("ping\0\x01\x02", 7));
  calls.push_back(message);

  auto request = scheduler_call(sched::Call::REQUEST);
  auto* wanted = request.mutable_request()->add_requests();
  *wanted->mutable_agent_id() = offer.agent_id();
  *wanted->add_resources() = scalar("cpus", 2, "analytics");
  calls.push_back(request);

  auto update = scheduler_call(sched::Call::UPDATE_FRAMEWORK);
  *update.mutable_update_framework()->mutable_framework_info() = framework_info();
  update.mutable_update_framework()->add_suppressed_roles("analytics");
  *update.mutable_update_framework()->mutable_offer_constraints() = offer_constraints();
  calls.push_back(update);
  return calls;
}

v1::scheduler::Event sample_offers_event(int count, int first_index) {
  sched::Event event;
  event.set_type(sched::Event::OFFERS);
  for (int i = 0; i < count; ++i) *event.mutable_offers()->add_offers() = sample_offer(first_index + i);
  return event;
}

std::vector<sched::Event> sample_scheduler_events() {
  std::vector<sched::Event> events;
  auto event = [](sched::Event::Type type) {
    sched::Event e;
    e.set_type(type);
    return e;
  };

  auto subscribed = event(sched::Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value(id("-0000"));
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  auto* master = subscribed.mutable_subscribed()->mutable_master_info();
  master->set_id(master_id);
  master->set_ip(184549386);
  master->set_port(5050);
  master->set_pid("master@10.0.0.11:5050");
  master->set_hostname("m1.example.com");
  master->set_version("1.12.0");
  master->mutable_address()->set_hostname("m1.example.com");
  master->mutable_address()->set_ip("10.0.0.11");
  master->mutable_address()->set_port(5050);
  master->add_capabilities()->set_type(v1::MasterInfo::Capability::AGENT_UPDATE);
  events.push_back(subscribed);

  events.push_back(sample_offers_event(3));

  auto inverse = event(sched::Event::INVERSE_OFFERS);
  auto* io = inverse.mutable_inverse_offers()->add_inverse_offers();
  io->mutable_id()->set_value(id("-O99"));
  io->mutable_framework_id()->set_value(id("-0000"));
  io->mutable_agent_id()->set_value(id("-S3"));
  io->mutable_unavailability()->mutable_start()->set_nanoseconds(1795306060000000000LL);
  io->mutable_unavailability()->mutable_duration()->set_nanoseconds(3600000000000LL);
  events.push_back(inverse);

  auto rescind = event(sched::Event::RESCIND);
  rescind.mutable_rescind()->mutable_offer_id()->set_value(id("-O1"));
  events.push_back(rescind);

  auto rescind_inverse = event(sched::Event::RESCIND_INVERSE_OFFER);
  rescind_inverse.mutable_rescind_inverse_offer()->mutable_inverse_offer_id()->set_value(id("-O99"));
  events.push_back(rescind_inverse);

  auto update = event(sched::Event::UPDATE);
  *update.mutable_update()->mutable_status() = task_status(v1::TASK_RUNNING, 5);
  events.push_back(update);

  auto op_update = event(sched::Event::UPDATE_OPERATION_STATUS);
  auto* op = op_update.mutable_update_operation_status()->mutable_status();
  op->mutable_operation_id()->set_value("op-1");
  op->set_state(v1::OPERATION_FINISHED);
  op->set_message("done");
  *op->add_converted_resources() = reserved_disk(2048, "analytics");
  op->mutable_uuid()->set_value(sample_uuid(7));
  op->mutable_agent_id()->set_value(id("-S0"));
  events.push_back(op_update);

  auto message = event(sched::Event::MESSAGE);
  message.mutable_message()->mutable_agent_id()->set_value(id("-S0"));
  message.mutable_message()->mutable_executor_id()->set_value("executor-1");
  message.mutable_message()->set_data("pong");
  events.push_back(message);

  auto failure = event(sched::Event::FAILURE);
  failure.mutable_failure()->mutable_agent_id()->set_value(id("-S0"));
  failure.mutable_failure()->mutable_executor_id()->set_value("executor-1");
  failure.mutable_failure()->set_status(256);
  events.push_back(failure);

  auto error = event(sched::Event::ERROR);
  error.mutable_error()->set_message("Framework has been removed");
  events.push_back(error);

  events.push_back(event(sched::Event::HEARTBEAT));
  return events;
}

std::vector<exec::Call> sample_executor_calls() {
  std::vector<exec::Call> calls;
  const v1::Offer offer = sample_offer(1);

  auto subscribe = executor_call(exec::Call::SUBSCRIBE);
  *subscribe.mutable_subscribe()->add_unacknowledged_tasks() = sample_task(offer, "task-1");
  *subscribe.mutable_subscribe()->add_unacknowledged_updates()->mutable_status() =
      task_status(v1::TASK_STARTING, 1);
  calls.push_back(subscribe);

  auto update = executor_call(exec::Call::UPDATE);
  *update.mutable_update()->mutable_status() = task_status(v1::TASK_FINISHED, 2);
  calls.push_back(update);

  auto message = executor_call(exec::Call::MESSAGE);
  message.mutable_message()->set_data("progress: 42%");
  calls.push_back(message);

  calls.push_back(executor_call(exec::Call::HEARTBEAT));
  return calls;
}

std::vector<exec::Event> sample_executor_events() {
  std::vector<exec::Event> events;
  const v1::Offer offer = sample_offer(1);
  auto event = [](exec::Event::Type type) {
    exec::Event e;
    e.set_type(type);
    return e;
  };

  auto subscribed = event(exec::Event::SUBSCRIBED);
  *subscribed.mutable_subscribed()->mutable_executor_info() = executor_info();
  *subscribed.mutable_subscribed()->mutable_framework_info() = framework_info();
  auto* agent = subscribed.mutable_subscribed()->mutable_agent_info();
  agent->set_hostname(offer.hostname());
  agent->set_port(5051);
  *agent->mutable_id() = offer.agent_id();
  *agent->add_resources() = scalar("cpus", 8, "*");
  *agent->add_attributes() = text_attribute("rack", "r1");
  subscribed.mutable_subscribed()->mutable_container_id()->set_value("container-1");
  events.push_back(subscribed);

  auto launch = event(exec::Event::LAUNCH);
  *launch.mutable_launch()->mutable_task() = sample_task(offer, "task-1");
  events.push_back(launch);

  auto group = event(exec::Event::LAUNCH_GROUP);
  *group.mutable_launch_group()->mutable_task_group()->add_tasks() = sample_task(offer, "task-2");
  *group.mutable_launch_group()->mutable_task_group()->add_tasks() = sample_task(offer, "task-3");
  events.push_back(group);

  auto kill = event(exec::Event::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("task-1");
  kill.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(2000000000LL);
  events.push_back(kill);

  auto acknowledged = event(exec::Event::ACKNOWLEDGED);
  acknowledged.mutable_acknowledged()->mutable_task_id()->set_value("task-1");
  acknowledged.mutable_acknowledged()->set_uuid(sample_uuid(2));
  events.push_back(acknowledged);

  auto message = event(exec::Event::MESSAGE);
  message.mutable_message()->set_data("hello executor");
  events.push_back(message);

  auto error = event(exec::Event::ERROR);
  error.mutable_error()->set_message("Executor is terminating");
  events.push_back(error);

  events.push_back(event(exec::Event::SHUTDOWN));
  events.push_back(event(exec::Event::HEARTBEAT));
  return events;
}

}  // namespace mesos_http::test
