// mesos-http simulator: the events a Mesos agent sends an executor, and
// their bytes on the executor's event stream.
//
// The builders in `executor_events` make one `mesos::v1::executor::Event`
// each, with `type` set and exactly the payload the agent puts in it. The
// encoders write an event the way the agent does: one RecordIO record
// ("<length>\n<event bytes>") in the stream's content type, and on the wire
// one HTTP/1.1 chunk per record ("<hex length>\r\n<record>\r\n", lowercase
// hex). For protobuf the bytes equal those of a real Mesos 1.11.1 agent
// given the same messages (test/sim/executor_events_test.cpp replays the
// recordings); JSON follows Mesos's mapping (see <mesos_http/codec.hpp>).
//
// The stream itself: the answer to SUBSCRIBE (see
// <mesos_http/sim/executor_endpoint.hpp>) is followed by SUBSCRIBED, then
// the executor's queued LAUNCH / LAUNCH_GROUP events; ACKNOWLEDGED follows
// each status update the agent has taken over; HEARTBEAT comes every 30
// minutes (the first 30 minutes after subscribing); SHUTDOWN asks the
// executor to kill its tasks and exit. No Mesos-Stream-Id is involved.
//
// Thread safety: stateless; no I/O.
#ifndef MESOS_HTTP_SIM_EXECUTOR_EVENTS_HPP
#define MESOS_HTTP_SIM_EXECUTOR_EVENTS_HPP

#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/mesos.pb.h>

#include <boost/system/error_code.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mesos_http::sim {

/// Builders of agent -> executor events.
namespace executor_events {

/// SUBSCRIBED: the answer to a SUBSCRIBE call. `framework` should carry its
/// id; `container` is the executor's container (the agent always sets it).
mesos::v1::executor::Event subscribed(const mesos::v1::ExecutorInfo& executor,
                                      const mesos::v1::FrameworkInfo& framework,
                                      const mesos::v1::AgentInfo& agent,
                                      const std::optional<mesos::v1::ContainerID>& container);

/// LAUNCH: run one task.
mesos::v1::executor::Event launch(const mesos::v1::TaskInfo& task);

/// LAUNCH_GROUP: run the tasks of a group together.
mesos::v1::executor::Event launch_group(const mesos::v1::TaskGroupInfo& group);

/// KILL: kill one task; `policy` (if any) overrides its grace period.
mesos::v1::executor::Event kill(const mesos::v1::TaskID& task,
                                const std::optional<mesos::v1::KillPolicy>& policy = std::nullopt);

/// ACKNOWLEDGED: the agent has taken over the status update `uuid` (the
/// 16 raw bytes the executor sent) of `task`.
mesos::v1::executor::Event acknowledged(const mesos::v1::TaskID& task, std::string_view uuid);

/// MESSAGE: opaque bytes from the scheduler.
mesos::v1::executor::Event message(std::string_view data);

/// SHUTDOWN: kill every task and exit (no payload).
mesos::v1::executor::Event shutdown();

/// ERROR: a legacy notice of a problem; `text` says which.
mesos::v1::executor::Event error(std::string_view text);

/// HEARTBEAT: keep-alive (no payload).
mesos::v1::executor::Event heartbeat();

}  // namespace executor_events

/// Appends `event` to `out` as one RecordIO record in `type`.
///
/// Fails (appending nothing) with `error::missing_required_fields` when the
/// event lacks a field the schema requires (a bug of the caller: an
/// executor would refuse the record), naming them in `diag`.
boost::system::error_code append_executor_event(content_type type,
                                                const mesos::v1::executor::Event& event,
                                                std::string& out, diagnostics& diag);

/// Like `append_executor_event`, but appends the record as one HTTP/1.1
/// chunk, the way the agent writes each event on the stream.
boost::system::error_code append_executor_event_chunk(content_type type,
                                                      const mesos::v1::executor::Event& event,
                                                      std::string& out, diagnostics& diag);

/// Appends `bytes` (non-empty) to `out` as one HTTP/1.1 chunk:
/// "<lowercase hex size>\r\n<bytes>\r\n". An empty `bytes` would end the
/// stream and is not appended; end a stream with "0\r\n\r\n".
void append_http_chunk(std::string_view bytes, std::string& out);

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_EXECUTOR_EVENTS_HPP
