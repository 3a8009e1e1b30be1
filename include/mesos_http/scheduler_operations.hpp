// mesos-http: builders for the offer operations an ACCEPT call carries, and
// the few task helpers the examples need.
//
// Each function returns a complete `mesos::v1::Offer::Operation` with `type`
// set and the matching sub-message filled; hand a list of them to
// `calls::accept` (<mesos_http/scheduler_calls.hpp>). Mesos applies the
// operations of one ACCEPT in order against the pooled resources of its
// offers (e.g. RESERVE, then CREATE, then LAUNCH); resources no operation
// consumes are declined with the ACCEPT's filters.
//
// How Mesos answers: the ACCEPT itself gets 202 as soon as it is queued.
// Tasks are answered by UPDATE events (TASK_STAGING... or TASK_ERROR with
// REASON_TASK_INVALID / REASON_TASK_UNAUTHORIZED when the task is refused;
// TASK_LOST / TASK_DROPPED with REASON_INVALID_OFFERS when the offers were
// not valid). Other operations answer with UPDATE_OPERATION_STATUS events
// only when they carry an id (`with_operation_id`); without one the only
// sign of success is the resources of later offers.
//
// Nothing here checks the arguments: a builder fills what it is given and
// Mesos decides. The pitfalls Mesos checks are named on each function.
//
// Thread safety: stateless; safe from any thread.
#ifndef MESOS_HTTP_SCHEDULER_OPERATIONS_HPP
#define MESOS_HTTP_SCHEDULER_OPERATIONS_HPP

#include <mesos/v1/mesos.pb.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mesos_http::calls {

/// An id message (`TaskID`, `AgentID`, `OfferID`, `ExecutorID`,
/// `OperationID`, `FrameworkID`, `ResourceProviderID`...) holding `value`:
/// `calls::id<mesos::v1::TaskID>("web-1")`.
template <class Id>
Id id(std::string value) {
  Id out;
  out.set_value(std::move(value));
  return out;
}

// ---------------------------------------------------------------------------
// Operations

/// LAUNCH: starts `tasks` with the resources of the accepted offers. Each
/// TaskInfo needs exactly one of `command` / `executor`, `agent_id` equal
/// to the offers' agent, and a task id that is non-empty, at most 255
/// characters, free of `/`, `\` and control characters, not `.`/`..`, and
/// unique among the framework's live tasks — else TASK_ERROR. Zero tasks is
/// a decline. Never give a LAUNCH an operation id (TASK_ERROR).
mesos::v1::Offer::Operation launch(std::vector<mesos::v1::TaskInfo> tasks);

/// LAUNCH_GROUP: starts `task_group` atomically in one executor container
/// (all tasks or none). `executor.type` is set to DEFAULT when unset (Mesos
/// refuses a group whose executor has no type); the tasks may omit
/// `executor` — the master copies `executor` into each. Same task id rules
/// as LAUNCH; never give it an operation id.
mesos::v1::Offer::Operation launch_group(mesos::v1::ExecutorInfo executor,
                                         mesos::v1::TaskGroupInfo task_group);

/// LAUNCH_GROUP of `tasks` (see above).
mesos::v1::Offer::Operation launch_group(mesos::v1::ExecutorInfo executor,
                                         std::vector<mesos::v1::TaskInfo> tasks);

/// RESERVE: dynamically reserves `resources` (each with the new reservation
/// pushed onto `reservations`, role and principal matching the framework's)
/// out of `source` (the unreserved or less-refined resources; may be left
/// empty, then Mesos derives it).
mesos::v1::Offer::Operation reserve(std::vector<mesos::v1::Resource> resources,
                                    std::vector<mesos::v1::Resource> source = {});

/// UNRESERVE: returns reserved `resources` (as offered, reservations and
/// all) to the pool one refinement up. Resources with persistent volumes must
/// be DESTROYed first.
mesos::v1::Offer::Operation unreserve(std::vector<mesos::v1::Resource> resources);

/// CREATE: creates persistent volumes (disk resources with
/// `disk.persistence.id` and `disk.volume` set) on reserved disk.
mesos::v1::Offer::Operation create(std::vector<mesos::v1::Resource> volumes);

/// DESTROY: deletes persistent `volumes` (as offered); refused while a task
/// uses them.
mesos::v1::Offer::Operation destroy(std::vector<mesos::v1::Resource> volumes);

/// GROW_VOLUME: grows persistent `volume` by `addition` (disk of the same
/// reservation). Needs agent capability RESIZE_VOLUME.
mesos::v1::Offer::Operation grow_volume(mesos::v1::Resource volume, mesos::v1::Resource addition);

/// SHRINK_VOLUME: shrinks persistent `volume` by `subtract` MB (less than the
/// volume's size). Needs agent capability RESIZE_VOLUME.
mesos::v1::Offer::Operation shrink_volume(mesos::v1::Resource volume, double subtract);

/// CREATE_DISK: turns a RAW disk `source` of a resource provider into a
/// `target_type` (MOUNT or BLOCK) disk, optionally of `target_profile`.
/// Answered by UPDATE_OPERATION_STATUS when given an operation id.
mesos::v1::Offer::Operation create_disk(mesos::v1::Resource source,
                                        mesos::v1::Resource::DiskInfo::Source::Type target_type,
                                        std::optional<std::string> target_profile = std::nullopt);

/// DESTROY_DISK: turns a MOUNT or BLOCK disk `source` of a resource provider
/// back into RAW disk.
mesos::v1::Offer::Operation destroy_disk(mesos::v1::Resource source);

/// `operation` with `id` set, to get UPDATE_OPERATION_STATUS feedback (and
/// then ACKNOWLEDGE_OPERATION_STATUS each status that has a uuid). Not
/// allowed on LAUNCH / LAUNCH_GROUP (Mesos answers TASK_ERROR); needs an
/// agent with RESOURCE_PROVIDER (and AGENT_OPERATION_FEEDBACK for the agent's
/// own resources), else OPERATION_ERROR.
mesos::v1::Offer::Operation with_operation_id(mesos::v1::Offer::Operation operation,
                                              mesos::v1::OperationID id);

// ---------------------------------------------------------------------------
// Task helpers (minimal; enough for examples and tests)

/// A shell command: `value = shell`, `shell = true` (run with `sh -c`).
mesos::v1::CommandInfo command(std::string shell);

/// An unreserved scalar resource, e.g. `scalar_resource("cpus", 0.1)` or
/// `scalar_resource("mem", 32)` (MB). Mesos keeps three decimal digits.
/// No `allocation_info`: the master fills it from the offer; frameworks with
/// MULTI_ROLE should copy it from the offered resources.
mesos::v1::Resource scalar_resource(std::string name, double value);

/// A command task: `name`, `task_id`, `agent_id` (the offer's agent),
/// `resources` (taken from the offer), `command`.
mesos::v1::TaskInfo task_info(std::string name, std::string task_id,
                              const mesos::v1::AgentID& agent_id,
                              std::vector<mesos::v1::Resource> resources,
                              mesos::v1::CommandInfo command);

}  // namespace mesos_http::calls

#endif  // MESOS_HTTP_SCHEDULER_OPERATIONS_HPP
