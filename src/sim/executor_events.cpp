// Agent -> executor events. The agent serializes each event once and writes
// it as its own chunk (libprocess's http_proxy), so record and chunk
// boundaries coincide on the wire.
#include <mesos_http/sim/executor_events.hpp>

#include <mesos_http/codec.hpp>
#include <mesos_http/error.hpp>

#include <cstdio>

namespace mesos_http::sim {

namespace executor_events {

using Event = mesos::v1::executor::Event;

Event subscribed(const mesos::v1::ExecutorInfo& executor, const mesos::v1::FrameworkInfo& framework,
                 const mesos::v1::AgentInfo& agent,
                 const std::optional<mesos::v1::ContainerID>& container) {
  Event e;
  e.set_type(Event::SUBSCRIBED);
  auto* s = e.mutable_subscribed();
  *s->mutable_executor_info() = executor;
  *s->mutable_framework_info() = framework;
  *s->mutable_agent_info() = agent;
  if (container) *s->mutable_container_id() = *container;
  return e;
}

Event launch(const mesos::v1::TaskInfo& task) {
  Event e;
  e.set_type(Event::LAUNCH);
  *e.mutable_launch()->mutable_task() = task;
  return e;
}

Event launch_group(const mesos::v1::TaskGroupInfo& group) {
  Event e;
  e.set_type(Event::LAUNCH_GROUP);
  *e.mutable_launch_group()->mutable_task_group() = group;
  return e;
}

Event kill(const mesos::v1::TaskID& task, const std::optional<mesos::v1::KillPolicy>& policy) {
  Event e;
  e.set_type(Event::KILL);
  *e.mutable_kill()->mutable_task_id() = task;
  if (policy) *e.mutable_kill()->mutable_kill_policy() = *policy;
  return e;
}

Event acknowledged(const mesos::v1::TaskID& task, std::string_view uuid) {
  Event e;
  e.set_type(Event::ACKNOWLEDGED);
  *e.mutable_acknowledged()->mutable_task_id() = task;
  e.mutable_acknowledged()->set_uuid(std::string(uuid));
  return e;
}

Event message(std::string_view data) {
  Event e;
  e.set_type(Event::MESSAGE);
  e.mutable_message()->set_data(std::string(data));
  return e;
}

Event shutdown() {
  Event e;
  e.set_type(Event::SHUTDOWN);
  return e;
}

Event error(std::string_view text) {
  Event e;
  e.set_type(Event::ERROR);
  e.mutable_error()->set_message(std::string(text));
  return e;
}

Event heartbeat() {
  Event e;
  e.set_type(Event::HEARTBEAT);
  return e;
}

}  // namespace executor_events

boost::system::error_code append_executor_event(content_type type,
                                                const mesos::v1::executor::Event& event,
                                                std::string& out, diagnostics& diag) {
  // encode_record appends only on success.
  return codec(type).encode_record(event, out, diag);
}

boost::system::error_code append_executor_event_chunk(content_type type,
                                                      const mesos::v1::executor::Event& event,
                                                      std::string& out, diagnostics& diag) {
  std::string record;
  if (auto ec = codec(type).encode_record(event, record, diag)) return ec;
  append_http_chunk(record, out);
  return {};
}

void append_http_chunk(std::string_view bytes, std::string& out) {
  if (bytes.empty()) return;
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  out += size;
  out += bytes;
  out += "\r\n";
}

}  // namespace mesos_http::sim
