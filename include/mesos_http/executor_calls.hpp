// mesos-http: builders for the calls an executor sends to its agent.
//
// Each function returns a complete `mesos::v1::executor::Call`: `type`, the
// framework and executor ids (which Mesos requires on every executor call)
// and the type's sub-message, filled the way the agent validates it
// (`validateExecutorCall`), so that it is not refused with 400.
//
//   const executor_calls::ids me{cfg.framework_id, cfg.executor_id};
//   mesos::v1::TaskStatus status;
//   *status.mutable_task_id() = task.task_id();
//   status.set_state(mesos::v1::TASK_RUNNING);
//   auto call = executor_calls::update(me, status);  // fresh uuid, now
//
// What answers (`POST /api/v1/executor`): SUBSCRIBE opens the event stream
// (200); UPDATE, MESSAGE and HEARTBEAT are answered 202 Accepted as soon as
// the agent has taken them. Any call may get 400 "Framework cannot be
// found" / "Executor cannot be found" (the agent does not know this
// executor: exit), 401/403 for the token, 503 while the agent recovers.
//
// An UPDATE is delivered reliably only through the acknowledgement
// protocol: keep it until an ACKNOWLEDGED event names its task id and uuid,
// and send every unacknowledged one again in the next SUBSCRIBE (the
// executor connection does this bookkeeping for you).
//
// Nothing here checks the arguments beyond what is said per function.
//
// Thread safety: stateless, except that `random_uuid` uses a generator per
// thread; safe from any thread.
#ifndef MESOS_HTTP_EXECUTOR_CALLS_HPP
#define MESOS_HTTP_EXECUTOR_CALLS_HPP

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/mesos.pb.h>

#include <chrono>
#include <string>
#include <vector>

namespace mesos_http::executor_calls {

using call = mesos::v1::executor::Call;

/// Who is calling: put in every call.
struct ids {
  mesos::v1::FrameworkID framework_id;
  mesos::v1::ExecutorID executor_id;
};

/// 16 random bytes laid out as an RFC 4122 version 4 UUID: what Mesos
/// expects in `TaskStatus.uuid` (raw bytes, not text).
std::string random_uuid();

/// Seconds since the Unix epoch with a fraction, as in
/// `TaskStatus.timestamp`.
double to_timestamp(std::chrono::system_clock::time_point t);

/// SUBSCRIBE: opens the event stream (200; SUBSCRIBED, then queued
/// LAUNCH/LAUNCH_GROUP events). On a resubscription, `unacknowledged_tasks`
/// are the tasks received by LAUNCH/LAUNCH_GROUP none of whose updates was
/// acknowledged yet (the agent considers a task it still holds as staging
/// and that is missing here lost, and fails it), and
/// `unacknowledged_updates` every update sent and not acknowledged (the
/// agent re-sends them to the scheduler, dropping duplicates by uuid). The
/// `subscribe` sub-message is always set, empty on a first subscription.
/// A second SUBSCRIBE replaces the first stream.
call subscribe(const ids& who, std::vector<mesos::v1::TaskInfo> unacknowledged_tasks = {},
               std::vector<call::Update> unacknowledged_updates = {});

/// UPDATE of `status` with `uuid` (16 raw bytes): sets `status.uuid`,
/// `status.source = SOURCE_EXECUTOR` (unset would count as SOURCE_MASTER and
/// be refused), `status.executor_id` to `who.executor_id` (the agent refuses
/// another one), and `status.timestamp` to `timestamp` unless the status
/// already has one. 202; the agent answers with an ACKNOWLEDGED event once
/// the update is stored, and forwards it to the scheduler. Mesos refuses
/// (400) a `uuid` that is not 16 bytes and the state TASK_STAGING; send
/// TASK_KILLING only to frameworks with the TASK_KILLING_STATE capability.
call update(const ids& who, mesos::v1::TaskStatus status, std::string uuid,
            std::chrono::system_clock::time_point timestamp);

/// UPDATE of `status` with `random_uuid()` and the current time (see
/// above).
call update(const ids& who, mesos::v1::TaskStatus status);

/// MESSAGE: `data` (any bytes) to the scheduler, which gets a MESSAGE
/// event. 202; best effort: no delivery guarantee, no acknowledgement.
call message(const ids& who, std::string data);

/// HEARTBEAT: keeps the call connection alive; the agent answers 202
/// without looking at the ids. Not documented by Mesos, sent by libmesos
/// every 30 minutes.
call heartbeat(const ids& who);

}  // namespace mesos_http::executor_calls

#endif  // MESOS_HTTP_EXECUTOR_CALLS_HPP
