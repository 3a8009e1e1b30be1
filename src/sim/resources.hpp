// mesos-http simulator (private): Mesos resource arithmetic.
//
// A `resource_list` holds resources in the simulator's canonical form:
// reservations in the post-refinement `reservations` field, no deprecated
// `role`/`reservation`, no `allocation_info`, and every kind (name, type,
// reservations, disk, provider, revocable, shared) at most once, so that
// adding, subtracting and comparing work entry by entry. Scalars keep three
// decimal digits as Mesos does. Nothing here throws or aborts on bad input.
#ifndef MESOS_HTTP_SIM_RESOURCES_HPP
#define MESOS_HTTP_SIM_RESOURCES_HPP

#include <mesos/v1/mesos.pb.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mesos_http::sim::detail {

using resource_list = std::vector<mesos::v1::Resource>;

/// Parses Mesos's text form, e.g. "cpus:4;mem:8192;ports:[31000-32000]",
/// "disk(ops):100" (static reservation for role "ops") or "zones:{a,b}".
/// Entries of the same kind are added up. On failure returns nullopt and
/// sets `error`.
std::optional<resource_list> parse_resources(std::string_view text, std::string* error = nullptr);

/// Parses one agent attribute value as Mesos does: a number is SCALAR,
/// "[a-b,...]" RANGES, "{a,b}" SET, anything else TEXT.
mesos::v1::Attribute parse_attribute(const std::string& name, const std::string& value);

/// Mesos's role name rule (`*`, or '/'-separated components none of which is
/// empty, ".", "..", "*", starts with '-' or holds whitespace/backspace).
std::optional<std::string> validate_role(const std::string& role);

/// Checks one resource sent by a framework: name, type and value agree,
/// scalars finite and not negative, ranges ordered, reservation roles valid.
std::optional<std::string> validate_resource(const mesos::v1::Resource& resource);

/// Converts a resource from a framework (either reservation format, maybe
/// with allocation_info) into the canonical form.
mesos::v1::Resource canonical(mesos::v1::Resource resource);

/// Validates and canonicalizes a whole list (adding up repeated kinds).
std::optional<resource_list> canonical_list(
    const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources,
    std::string* error = nullptr);

/// The form a framework sees: post-refinement (`reservations`, no `role`) if
/// it has RESERVATION_REFINEMENT, else pre-refinement (`role` = reservation
/// role or "*", `reservation` for a dynamic one); `allocation_info.role` when
/// `allocation_role` is given (MULTI_ROLE frameworks).
mesos::v1::Resource framework_format(const mesos::v1::Resource& resource, bool refinement,
                                     const std::string* allocation_role);

/// True if both have the same kind (everything except the value).
bool same_kind(const mesos::v1::Resource& a, const mesos::v1::Resource& b);

/// True if the resource holds nothing (zero scalar, no ranges, empty set).
bool is_empty(const mesos::v1::Resource& resource);

void add(resource_list& to, const mesos::v1::Resource& resource);
void add(resource_list& to, const resource_list& resources);

/// True if `have` holds at least `want`.
bool contains(const resource_list& have, const resource_list& want);

/// Removes `what` from `from`; returns false (and leaves `from` alone) if
/// `from` does not contain it.
bool subtract(resource_list& from, const resource_list& what);

/// Sum of the scalar resources called `name`.
double scalar_sum(const resource_list& resources, std::string_view name);

/// The role of the innermost reservation, or "*" if unreserved.
std::string reservation_role(const mesos::v1::Resource& resource);

/// True if the innermost reservation is dynamic.
bool is_dynamically_reserved(const mesos::v1::Resource& resource);

/// True if it is a persistent volume (disk with persistence).
bool is_persistent_volume(const mesos::v1::Resource& resource);

/// The resource with its innermost reservation removed.
mesos::v1::Resource pop_reservation(mesos::v1::Resource resource);

/// True if a framework role may be offered the resource: unreserved, or
/// reserved for that role or one of its ancestors ("a" serves "a/b").
bool allocatable_to(const mesos::v1::Resource& resource, const std::string& role);

/// Mesos-like text for messages, e.g. "cpus:0.5; mem:32; ports:[31000-31001]".
std::string to_string(const resource_list& resources);
std::string to_string(const mesos::v1::Resource& resource);

/// Fixed-point rounding Mesos applies to scalars (three decimal digits).
double round_scalar(double value);

}  // namespace mesos_http::sim::detail

#endif  // MESOS_HTTP_SIM_RESOURCES_HPP
