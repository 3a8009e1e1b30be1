// mesos-http: builders for every scheduler Call a framework sends after
// SUBSCRIBE.
//
// Each function returns a complete `mesos::v1::scheduler::Call`: `type` set
// and the type's sub-message filled the way the master validates it
// (src/master/validation.cpp), so that it is not refused with 400. They do
// not set `Call.framework_id`: `scheduler::async_send` fills it from the
// current subscription when it is unset. To send through something else, or
// to pin a call to one framework, use `with_framework`. UPDATE_FRAMEWORK is
// the exception: it carries the framework id inside its FrameworkInfo, and
// the builder copies that id to `framework_id` (Mesos requires both equal).
//
//   s.async_send(calls::decline(offers.offers(), calls::refuse_seconds(3600)), token);
//   s.async_send(calls::accept(offer, {calls::launch({task})}), token);
//   if (calls::needs_acknowledgement(update.status()))
//     s.async_send(calls::acknowledge(update.status()), token);
//
// What answers: every call here is answered 202 Accepted as soon as the
// master has queued it (UPDATE_FRAMEWORK: 200 once applied). 202 is not
// "done": effects show later, as events on the subscription stream (named on
// each function), or not at all. Calls are at-most-once and ordered on one
// connection; status updates are at-least-once.
//
// Any call may also get 400 "Framework cannot be found" or 403 "Framework is
// not subscribed" (re-SUBSCRIBE), 400 for a stale Mesos-Stream-Id, 401/403
// for credentials. The per-call 400s are named below.
//
// Nothing here checks the arguments: a builder fills what it is given.
//
// The offer operations for ACCEPT (LAUNCH, RESERVE, ...) and small task
// helpers are in <mesos_http/scheduler_operations.hpp>, included here.
//
// Thread safety: stateless; safe from any thread.
#ifndef MESOS_HTTP_SCHEDULER_CALLS_HPP
#define MESOS_HTTP_SCHEDULER_CALLS_HPP

#include <mesos_http/scheduler_operations.hpp>

#include <mesos/v1/mesos.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/repeated_field.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::calls {

using call = mesos::v1::scheduler::Call;

/// `c` with `framework_id = id`. For SUBSCRIBE and UPDATE_FRAMEWORK it also
/// sets the FrameworkInfo's `id` to `id`, since Mesos refuses the call (400
/// "'framework_id' differs from ...") when the two differ.
call with_framework(call c, const mesos::v1::FrameworkID& id);

/// The same, in place: sets `c`'s framework id (and FrameworkInfo id for
/// SUBSCRIBE and UPDATE_FRAMEWORK) to `id`.
void set_framework(call& c, const mesos::v1::FrameworkID& id);

// ---------------------------------------------------------------------------
// Offers

/// `Filters{refuse_seconds}`: how long the allocator withholds the declined
/// (or unused) resources of those agents from this framework. Unset =
/// 5 s; negative = 5 s; Mesos caps it at 365 days. Cleared by REVIVE.
mesos::v1::Filters refuse_seconds(double seconds);

/// ACCEPT: applies `operations` in order to the pooled resources of
/// `offer_ids`, declining what they leave unused with `filters`. 202, then:
/// UPDATE for each launched task, UPDATE_OPERATION_STATUS for operations
/// with an id. Pitfalls (the whole call then fails: tasks get TASK_LOST or
/// TASK_DROPPED, REASON_INVALID_OFFERS): `offer_ids` must be non-empty,
/// unique, currently held (not rescinded, not already accepted or declined),
/// all from **one agent** and allocated to **one role**.
call accept(std::vector<mesos::v1::OfferID> offer_ids,
            std::vector<mesos::v1::Offer::Operation> operations,
            std::optional<mesos::v1::Filters> filters = std::nullopt);

/// ACCEPT of one offer (see above).
call accept(const mesos::v1::Offer& offer, std::vector<mesos::v1::Offer::Operation> operations,
            std::optional<mesos::v1::Filters> filters = std::nullopt);

/// ACCEPT of several offers, pooled (see above: same agent, same role).
call accept(const std::vector<mesos::v1::Offer>& offers,
            std::vector<mesos::v1::Offer::Operation> operations,
            std::optional<mesos::v1::Filters> filters = std::nullopt);

/// DECLINE: gives `offer_ids` back; their resources are not offered to this
/// framework again for `filters.refuse_seconds` (default 5 s). 202; no event
/// answers it. Decline offers you cannot use promptly, with a long
/// `refuse_seconds`, instead of holding them; an offer id is good for one
/// ACCEPT or DECLINE only (unknown ids are logged and ignored).
call decline(std::vector<mesos::v1::OfferID> offer_ids,
             std::optional<mesos::v1::Filters> filters = std::nullopt);

/// DECLINE of one offer (see above).
call decline(const mesos::v1::Offer& offer,
             std::optional<mesos::v1::Filters> filters = std::nullopt);

/// DECLINE of several offers, e.g. all of an OFFERS event (see above).
call decline(const std::vector<mesos::v1::Offer>& offers,
             std::optional<mesos::v1::Filters> filters = std::nullopt);

/// DECLINE of `event.offers()` of an OFFERS event (see above).
call decline(const google::protobuf::RepeatedPtrField<mesos::v1::Offer>& offers,
             std::optional<mesos::v1::Filters> filters = std::nullopt);

/// Makes `into` the DECLINE of `offers` (see above), reusing what `into`
/// already holds: with one `Call` kept for every OFFERS event and sent by
/// reference from the callback (`scheduler::async_send`), declining
/// allocates nothing once the largest event has been seen.
void decline_into(call& into, const google::protobuf::RepeatedPtrField<mesos::v1::Offer>& offers,
                  std::optional<mesos::v1::Filters> filters = std::nullopt);

/// ACCEPT_INVERSE_OFFERS (maintenance): agrees to vacate the agents of
/// `inverse_offer_ids` before their unavailability starts. 202; no event
/// answers it (the operator sees it in /maintenance/status).
call accept_inverse_offers(std::vector<mesos::v1::OfferID> inverse_offer_ids,
                           std::optional<mesos::v1::Filters> filters = std::nullopt);

/// ACCEPT_INVERSE_OFFERS of one inverse offer (see above).
call accept_inverse_offers(const mesos::v1::InverseOffer& inverse_offer,
                           std::optional<mesos::v1::Filters> filters = std::nullopt);

/// DECLINE_INVERSE_OFFERS (maintenance): tells the operator the framework
/// cannot vacate those agents in time (informational; Mesos does not stop
/// the maintenance). 202; `filters` delays the next inverse offer.
call decline_inverse_offers(std::vector<mesos::v1::OfferID> inverse_offer_ids,
                            std::optional<mesos::v1::Filters> filters = std::nullopt);

/// DECLINE_INVERSE_OFFERS of one inverse offer (see above).
call decline_inverse_offers(const mesos::v1::InverseOffer& inverse_offer,
                            std::optional<mesos::v1::Filters> filters = std::nullopt);

/// REVIVE: un-suppresses `roles` (empty = every subscribed role) and clears
/// their DECLINE filters, so offers come again (OFFERS events). 202. With no
/// roles the optional `revive` sub-message is left out. Pitfall: one role
/// that is invalid or not subscribed makes the master drop the **whole**
/// call, silently (logged only). Do not revive in a loop.
call revive(std::vector<std::string> roles = {});

/// SUPPRESS: stops offers for `roles` (empty = all roles) until REVIVE or
/// until UPDATE_FRAMEWORK / SUBSCRIBE changes the suppressed set; offers
/// already out stay valid, status updates keep coming. 202. With no roles
/// the optional `suppress` sub-message is left out. Same whole-call drop
/// for a bad role as REVIVE.
call suppress(std::vector<std::string> roles = {});

// ---------------------------------------------------------------------------
// Tasks and executors

/// `KillPolicy{grace_period}`: time between SIGTERM (or the executor's kill)
/// and SIGKILL.
mesos::v1::KillPolicy kill_policy(std::chrono::nanoseconds grace_period);

/// KILL: kills task `task_id` (on `agent_id`, when given). 202, then UPDATE
/// TASK_KILLING (frameworks with TASK_KILLING_STATE) and TASK_KILLED. A
/// task the master does not know is reconciled instead: UPDATE TASK_LOST
/// (or TASK_UNKNOWN... for PARTITION_AWARE), reason REASON_RECONCILIATION.
/// `kill_policy` overrides the task's grace period and may escalate a kill
/// in progress. Pitfall: a wrong `agent_id` makes the master ignore the
/// call silently. Killing one task of a task group kills the whole group.
call kill(mesos::v1::TaskID task_id, std::optional<mesos::v1::AgentID> agent_id = std::nullopt,
          std::optional<mesos::v1::KillPolicy> kill_policy = std::nullopt);

/// SHUTDOWN: the agent `agent_id` sends SHUTDOWN to (custom) executor
/// `executor_id` and destroys its container after its shutdown grace
/// period. 202; its tasks then end with UPDATEs (TASK_KILLED / TASK_LOST /
/// TASK_GONE...), and a FAILURE event may report the executor's exit.
call shutdown(mesos::v1::ExecutorID executor_id, mesos::v1::AgentID agent_id);

/// True when `status` must be acknowledged: it carries a `uuid` (the
/// agent's reliable updates). Updates without one (generated by the master,
/// answers to reconciliation, invalid offers) must not be acknowledged:
/// there is no valid uuid to send, and they are never resent.
bool needs_acknowledgement(const mesos::v1::TaskStatus& status);

/// ACKNOWLEDGE of the UPDATE that carried `status`: echoes
/// `status.agent_id`, `status.task_id` and the 16 `status.uuid` bytes. 202;
/// the agent then forwards the task's next status update (it holds it until
/// this one is acknowledged, resending this one with backoff meanwhile).
/// Acknowledge after the update is durably handled; acknowledge duplicates
/// again. Precondition: `needs_acknowledgement(status)` — otherwise the call
/// is built with an empty uuid, which the master refuses (400 "Not a valid
/// UUID").
call acknowledge(const mesos::v1::TaskStatus& status);

/// ACKNOWLEDGE from its parts (see above). `uuid` is the 16 raw bytes of
/// `TaskStatus.uuid`, not text; anything else is a 400 "Not a valid UUID".
call acknowledge(mesos::v1::AgentID agent_id, mesos::v1::TaskID task_id, std::string uuid);

/// True when an operation status must be acknowledged: it carries `uuid`
/// (statuses of invalid operations and reconciliation answers do not).
bool needs_acknowledgement(const mesos::v1::OperationStatus& status);

/// ACKNOWLEDGE_OPERATION_STATUS of an UPDATE_OPERATION_STATUS event's
/// `status`: `uuid = status.uuid.value` (16 bytes), `operation_id`,
/// `agent_id` and, when the status has one, `resource_provider_id`. 202; the
/// agent or resource provider stops resending that status. Pitfall: Mesos
/// requires `agent_id` although the proto marks it optional (400 "Expecting
/// 'agent_id' to be present"); a status without one needs the overload
/// below. Precondition: `needs_acknowledgement(status)`.
call acknowledge_operation_status(const mesos::v1::OperationStatus& status);

/// ACKNOWLEDGE_OPERATION_STATUS of `status` on `agent_id` (and
/// `resource_provider_id`, else the status's own when it has one).
call acknowledge_operation_status(
    const mesos::v1::OperationStatus& status, mesos::v1::AgentID agent_id,
    std::optional<mesos::v1::ResourceProviderID> resource_provider_id = std::nullopt);

/// One task of an explicit RECONCILE: its id and, if known, its agent.
struct task_ref {
  mesos::v1::TaskID task_id;
  std::optional<mesos::v1::AgentID> agent_id;
};

/// The `task_ref` of the task a status is about (`task_id`, `agent_id`).
task_ref task_of(const mesos::v1::TaskStatus& status);

/// RECONCILE: asks for the latest state of `tasks` (explicit), or of every
/// task the master knows for this framework when `tasks` is empty
/// (implicit; the `reconcile` sub-message is still sent, empty). 202, then
/// one UPDATE per task with reason REASON_RECONCILIATION and normally no
/// uuid (do not acknowledge those); tasks the master does not know come back
/// TASK_LOST (TASK_UNKNOWN, TASK_UNREACHABLE, TASK_GONE... for PARTITION_AWARE
/// frameworks). Run an explicit round after every SUBSCRIBED, resend for
/// tasks without an answer with backoff, and an implicit one now and then.
call reconcile(const std::vector<task_ref>& tasks = {});

/// One operation of a RECONCILE_OPERATIONS.
struct operation_ref {
  mesos::v1::OperationID operation_id;
  std::optional<mesos::v1::AgentID> agent_id;
  std::optional<mesos::v1::ResourceProviderID> resource_provider_id;
};

/// RECONCILE_OPERATIONS: asks for the latest state of `operations` (empty =
/// all of the framework's operations the master knows). 202 (the master
/// still negotiates Accept: 406 possible), then UPDATE_OPERATION_STATUS
/// events; without `agent_id`, unknown operations come back
/// OPERATION_UNKNOWN.
call reconcile_operations(const std::vector<operation_ref>& operations = {});

/// MESSAGE: relays `data` (arbitrary bytes) to executor `executor_id` on
/// agent `agent_id`. 202; best effort: no delivery or ordering guarantee,
/// no acknowledgement.
call message(mesos::v1::AgentID agent_id, mesos::v1::ExecutorID executor_id, std::string data);

/// REQUEST: asks the allocator for resources. 202; the built-in allocator
/// ignores it.
call request(std::vector<mesos::v1::Request> requests);

// ---------------------------------------------------------------------------
// Framework

/// TEARDOWN: removes the framework for good: the master kills all its tasks
/// and executors and closes its subscription stream (plain end of stream,
/// no ERROR event). 202. No sub-message. Irreversible: the framework id
/// cannot subscribe again.
call teardown();

/// UPDATE_FRAMEWORK: replaces the FrameworkInfo with `info` (the complete
/// desired one, `info.id` included), the suppressed roles with
/// `suppressed_roles` and the offer constraints with `offer_constraints`
/// (unset = none), atomically. Sets `Call.framework_id = info.id` when
/// `info` has an id (else use `with_framework`, which sets both). **200**
/// once applied (no event); 400 when `principal`, `user` or `checkpoint`
/// differ from the subscribed ones or roles are invalid, 403 when not
/// authorized. Offers for removed roles are rescinded (RESCIND); new
/// constraints only affect later offers. Before Mesos 1.10 wait for the 200
/// before sending further calls.
call update_framework(
    mesos::v1::FrameworkInfo info, std::vector<std::string> suppressed_roles = {},
    std::optional<mesos::v1::scheduler::OfferConstraints> offer_constraints = std::nullopt);

}  // namespace mesos_http::calls

#endif  // MESOS_HTTP_SCHEDULER_CALLS_HPP
