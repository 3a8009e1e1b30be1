#include "sim/resources.hpp"

// The deprecated `role` / `reservation` fields are still part of what Mesos
// sends and accepts (pre-refinement resources, non-MULTI_ROLE frameworks).
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <utility>

namespace mesos_http::sim::detail {

namespace v1 = mesos::v1;
using google::protobuf::util::MessageDifferencer;

namespace {

using range = std::pair<std::uint64_t, std::uint64_t>;

// Scalars beyond this cannot be kept in Mesos's fixed point (value * 1000
// in an int64); they are refused by validation.
constexpr double max_scalar = 9.0e15;

std::int64_t to_fixed(double value) {
  if (!(value > -max_scalar)) return static_cast<std::int64_t>(-max_scalar * 1000);
  if (!(value < max_scalar)) return static_cast<std::int64_t>(max_scalar * 1000);
  return std::llround(value * 1000.0);
}

double from_fixed(std::int64_t fixed) { return static_cast<double>(fixed) / 1000.0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::vector<range> ranges_of(const v1::Value::Ranges& ranges) {
  std::vector<range> out;
  out.reserve(static_cast<std::size_t>(ranges.range_size()));
  for (const auto& r : ranges.range()) out.emplace_back(r.begin(), r.end());
  return out;
}

// Sorts and merges overlapping or adjacent ranges; drops begin > end.
std::vector<range> normalize(std::vector<range> ranges) {
  ranges.erase(std::remove_if(ranges.begin(), ranges.end(),
                              [](const range& r) { return r.first > r.second; }),
               ranges.end());
  std::sort(ranges.begin(), ranges.end());
  std::vector<range> out;
  for (const auto& r : ranges) {
    if (!out.empty() && (out.back().second == std::numeric_limits<std::uint64_t>::max() ||
                         r.first <= out.back().second + 1)) {
      out.back().second = std::max(out.back().second, r.second);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

void set_ranges(v1::Value::Ranges* target, const std::vector<range>& ranges) {
  target->clear_range();
  for (const auto& r : ranges) {
    auto* added = target->add_range();
    added->set_begin(r.first);
    added->set_end(r.second);
  }
}

// True if every range of `want` lies within `have` (both normalized).
bool ranges_contain(const std::vector<range>& have, const std::vector<range>& want) {
  std::size_t i = 0;
  for (const auto& w : want) {
    while (i < have.size() && have[i].second < w.first) ++i;
    if (i == have.size() || have[i].first > w.first || have[i].second < w.second) return false;
  }
  return true;
}

std::vector<range> ranges_minus(const std::vector<range>& have, const std::vector<range>& take) {
  std::vector<range> out;
  for (auto r : have) {
    bool alive = true;
    for (const auto& t : take) {
      if (t.second < r.first || t.first > r.second) continue;
      if (t.first > r.first) out.emplace_back(r.first, t.first - 1);
      if (t.second >= r.second) {
        alive = false;
        break;
      }
      r.first = t.second + 1;
    }
    if (alive) out.push_back(r);
  }
  return normalize(std::move(out));
}

std::vector<std::string> items_of(const v1::Value::Set& set) {
  std::vector<std::string> items(set.item().begin(), set.item().end());
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

void set_items(v1::Value::Set* target, const std::vector<std::string>& items) {
  target->clear_item();
  for (const auto& item : items) target->add_item(item);
}

bool same_reservation(const v1::Resource::ReservationInfo& a,
                      const v1::Resource::ReservationInfo& b) {
  return a.type() == b.type() && a.role() == b.role() && a.has_principal() == b.has_principal() &&
         a.principal() == b.principal() && a.has_labels() == b.has_labels() &&
         (!a.has_labels() || MessageDifferencer::Equals(a.labels(), b.labels()));
}

// Brings the value into normal form (rounded scalar, merged ranges, sorted set).
void normalize_value(v1::Resource& r) {
  switch (r.type()) {
    case v1::Value::SCALAR:
      r.mutable_scalar()->set_value(from_fixed(to_fixed(r.scalar().value())));
      break;
    case v1::Value::RANGES:
      set_ranges(r.mutable_ranges(), normalize(ranges_of(r.ranges())));
      break;
    case v1::Value::SET:
      set_items(r.mutable_set(), items_of(r.set()));
      break;
    default:
      break;
  }
}

std::string format_double(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

double round_scalar(double value) { return from_fixed(to_fixed(value)); }

std::optional<std::string> validate_role(const std::string& role) {
  if (role == "*") return std::nullopt;
  if (role.empty()) return "Empty role name is invalid";
  if (role.front() == '/') return "Role '" + role + "' cannot start with a slash";
  if (role.back() == '/') return "Role '" + role + "' cannot end with a slash";
  for (auto component : split(role, '/')) {
    std::string c(component);
    if (c.empty()) return "Role '" + role + "' cannot contain two adjacent slashes";
    if (c == "." || c == "..")
      return "Role '" + role + "' cannot contain " + c + " as a path segment";
    if (c == "*") return "Role '" + role + "' cannot contain * as a path segment";
    if (c.front() == '-') {
      return "Role component '" + c + "' is invalid because it starts with a dash";
    }
    if (c.find_first_of("\x09\x0a\x0b\x0c\x0d\x20\x7f") != std::string::npos) {
      return "Role component '" + c + "' is invalid because it contains backspace or whitespace";
    }
  }
  return std::nullopt;
}

std::optional<std::string> validate_resource(const v1::Resource& r) {
  if (r.name().empty()) return std::string("Empty resource name");
  switch (r.type()) {
    case v1::Value::SCALAR:
      if (!r.has_scalar() || r.has_ranges() || r.has_set())
        return std::string("Invalid scalar resource");
      if (r.scalar().value() < 0) return std::string("Invalid scalar resource: value < 0");
      if (!std::isfinite(r.scalar().value()) || r.scalar().value() >= max_scalar) {
        return std::string("Invalid scalar resource: value out of range");
      }
      break;
    case v1::Value::RANGES: {
      if (r.has_scalar() || !r.has_ranges() || r.has_set())
        return std::string("Invalid ranges resource");
      auto ranges = ranges_of(r.ranges());
      for (const auto& x : ranges) {
        if (x.first > x.second) return std::string("Invalid ranges resource: begin > end");
      }
      std::sort(ranges.begin(), ranges.end());
      for (std::size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].first <= ranges[i - 1].second) {
          return std::string("Invalid ranges resource: overlapping ranges");
        }
      }
      break;
    }
    case v1::Value::SET: {
      if (r.has_scalar() || r.has_ranges() || !r.has_set())
        return std::string("Invalid set resource");
      if (items_of(r.set()).size() != static_cast<std::size_t>(r.set().item_size())) {
        return std::string("Invalid set resource: duplicated elements");
      }
      break;
    }
    default:
      return std::string("Unsupported resource type");
  }
  if (r.reservations_size() > 0) {
    if (r.has_role() && r.role() != r.reservations(r.reservations_size() - 1).role()) {
      return std::string("Invalid resource: 'role' differs from the last reservation");
    }
    for (const auto& reservation : r.reservations()) {
      if (reservation.role() == "*")
        return std::string("Invalid reservation: role \"*\" cannot be reserved");
      if (auto error = validate_role(reservation.role())) return "Invalid reservation: " + *error;
      if (reservation.type() != v1::Resource::ReservationInfo::STATIC &&
          reservation.type() != v1::Resource::ReservationInfo::DYNAMIC) {
        return std::string("Invalid reservation: unknown reservation type");
      }
    }
  } else if (r.has_role()) {
    if (auto error = validate_role(r.role())) return "Invalid role: " + *error;
    if (r.role() == "*" && r.has_reservation()) {
      return std::string("Invalid reservation: role \"*\" cannot be dynamically reserved");
    }
  }
  return std::nullopt;
}

v1::Resource canonical(v1::Resource r) {
  if (r.reservations_size() == 0 && r.has_role() && r.role() != "*") {
    auto* reservation = r.add_reservations();
    reservation->set_role(r.role());
    if (r.has_reservation()) {
      reservation->set_type(v1::Resource::ReservationInfo::DYNAMIC);
      if (r.reservation().has_principal()) reservation->set_principal(r.reservation().principal());
      if (r.reservation().has_labels()) *reservation->mutable_labels() = r.reservation().labels();
    } else {
      reservation->set_type(v1::Resource::ReservationInfo::STATIC);
    }
  }
  r.clear_role();
  r.clear_reservation();
  r.clear_allocation_info();
  normalize_value(r);
  return r;
}

std::optional<resource_list> canonical_list(
    const google::protobuf::RepeatedPtrField<v1::Resource>& resources, std::string* error) {
  resource_list out;
  for (const auto& r : resources) {
    if (auto problem = validate_resource(r)) {
      if (error) *error = *problem;
      return std::nullopt;
    }
    add(out, canonical(r));
  }
  return out;
}

v1::Resource framework_format(const v1::Resource& resource, bool refinement,
                              const std::string* allocation_role) {
  v1::Resource r = resource;
  if (!refinement) {
    if (r.reservations_size() == 0) {
      r.set_role("*");
    } else {
      const auto& last = r.reservations(r.reservations_size() - 1);
      r.set_role(last.role());
      if (last.type() == v1::Resource::ReservationInfo::DYNAMIC) {
        auto* reservation = r.mutable_reservation();
        if (last.has_principal()) reservation->set_principal(last.principal());
        if (last.has_labels()) *reservation->mutable_labels() = last.labels();
      }
      r.clear_reservations();
    }
  }
  if (allocation_role) r.mutable_allocation_info()->set_role(*allocation_role);
  return r;
}

bool same_kind(const v1::Resource& a, const v1::Resource& b) {
  if (a.name() != b.name() || a.type() != b.type()) return false;
  if (a.reservations_size() != b.reservations_size()) return false;
  for (int i = 0; i < a.reservations_size(); ++i) {
    if (!same_reservation(a.reservations(i), b.reservations(i))) return false;
  }
  if (a.has_disk() != b.has_disk() || a.has_provider_id() != b.has_provider_id() ||
      a.has_revocable() != b.has_revocable() || a.has_shared() != b.has_shared()) {
    return false;
  }
  if (a.has_disk() && !MessageDifferencer::Equals(a.disk(), b.disk())) return false;
  if (a.has_provider_id() && a.provider_id().value() != b.provider_id().value()) return false;
  return true;
}

bool is_empty(const v1::Resource& r) {
  switch (r.type()) {
    case v1::Value::SCALAR:
      return to_fixed(r.scalar().value()) <= 0;
    case v1::Value::RANGES:
      return r.ranges().range_size() == 0;
    case v1::Value::SET:
      return r.set().item_size() == 0;
    default:
      return true;
  }
}

void add(resource_list& to, const v1::Resource& resource) {
  if (is_empty(resource)) return;
  for (auto& existing : to) {
    if (!same_kind(existing, resource)) continue;
    switch (resource.type()) {
      case v1::Value::SCALAR:
        existing.mutable_scalar()->set_value(
            from_fixed(to_fixed(existing.scalar().value()) + to_fixed(resource.scalar().value())));
        break;
      case v1::Value::RANGES: {
        auto merged = ranges_of(existing.ranges());
        auto extra = ranges_of(resource.ranges());
        merged.insert(merged.end(), extra.begin(), extra.end());
        set_ranges(existing.mutable_ranges(), normalize(std::move(merged)));
        break;
      }
      case v1::Value::SET: {
        auto items = items_of(existing.set());
        auto extra = items_of(resource.set());
        items.insert(items.end(), extra.begin(), extra.end());
        std::sort(items.begin(), items.end());
        items.erase(std::unique(items.begin(), items.end()), items.end());
        set_items(existing.mutable_set(), items);
        break;
      }
      default:
        break;
    }
    return;
  }
  v1::Resource copy = resource;
  normalize_value(copy);
  to.push_back(std::move(copy));
}

void add(resource_list& to, const resource_list& resources) {
  for (const auto& r : resources) add(to, r);
}

namespace {

bool contains_one(const resource_list& have, const v1::Resource& want) {
  if (is_empty(want)) return true;
  for (const auto& h : have) {
    if (!same_kind(h, want)) continue;
    switch (want.type()) {
      case v1::Value::SCALAR:
        return to_fixed(h.scalar().value()) >= to_fixed(want.scalar().value());
      case v1::Value::RANGES:
        return ranges_contain(normalize(ranges_of(h.ranges())),
                              normalize(ranges_of(want.ranges())));
      case v1::Value::SET: {
        auto have_items = items_of(h.set());
        auto want_items = items_of(want.set());
        return std::includes(have_items.begin(), have_items.end(), want_items.begin(),
                             want_items.end());
      }
      default:
        return false;
    }
  }
  return false;
}

}  // namespace

bool contains(const resource_list& have, const resource_list& want) {
  resource_list merged;  // `want` may repeat a kind
  add(merged, want);
  for (const auto& w : merged) {
    if (!contains_one(have, w)) return false;
  }
  return true;
}

bool subtract(resource_list& from, const resource_list& what) {
  if (!contains(from, what)) return false;
  for (const auto& w : what) {
    if (is_empty(w)) continue;
    for (auto it = from.begin(); it != from.end(); ++it) {
      if (!same_kind(*it, w)) continue;
      switch (w.type()) {
        case v1::Value::SCALAR:
          it->mutable_scalar()->set_value(
              from_fixed(to_fixed(it->scalar().value()) - to_fixed(w.scalar().value())));
          break;
        case v1::Value::RANGES:
          set_ranges(it->mutable_ranges(), ranges_minus(normalize(ranges_of(it->ranges())),
                                                        normalize(ranges_of(w.ranges()))));
          break;
        case v1::Value::SET: {
          auto items = items_of(it->set());
          auto take = items_of(w.set());
          std::vector<std::string> left;
          std::set_difference(items.begin(), items.end(), take.begin(), take.end(),
                              std::back_inserter(left));
          set_items(it->mutable_set(), left);
          break;
        }
        default:
          break;
      }
      if (is_empty(*it)) from.erase(it);
      break;
    }
  }
  return true;
}

double scalar_sum(const resource_list& resources, std::string_view name) {
  std::int64_t total = 0;
  for (const auto& r : resources) {
    if (r.type() == v1::Value::SCALAR && r.name() == name) total += to_fixed(r.scalar().value());
  }
  return from_fixed(total);
}

std::string reservation_role(const v1::Resource& r) {
  if (r.reservations_size() == 0) return "*";
  return r.reservations(r.reservations_size() - 1).role();
}

bool is_dynamically_reserved(const v1::Resource& r) {
  return r.reservations_size() > 0 &&
         r.reservations(r.reservations_size() - 1).type() == v1::Resource::ReservationInfo::DYNAMIC;
}

bool is_persistent_volume(const v1::Resource& r) {
  return r.has_disk() && r.disk().has_persistence();
}

v1::Resource pop_reservation(v1::Resource r) {
  if (r.reservations_size() > 0) r.mutable_reservations()->RemoveLast();
  return r;
}

bool allocatable_to(const v1::Resource& r, const std::string& role) {
  if (r.reservations_size() == 0) return true;
  const std::string reserved = reservation_role(r);
  return role == reserved ||
         (role.size() > reserved.size() && role.compare(0, reserved.size(), reserved) == 0 &&
          role[reserved.size()] == '/');
}

std::string to_string(const v1::Resource& r) {
  std::string out = r.name();
  if (r.has_allocation_info()) out += "(allocated: " + r.allocation_info().role() + ")";
  if (r.reservations_size() > 0) {
    out += "(reservations: [";
    for (int i = 0; i < r.reservations_size(); ++i) {
      const auto& reservation = r.reservations(i);
      if (i > 0) out += ",";
      out += "(";
      out += reservation.type() == v1::Resource::ReservationInfo::DYNAMIC ? "DYNAMIC" : "STATIC";
      out += "," + reservation.role();
      if (reservation.has_principal()) out += "," + reservation.principal();
      out += ")";
    }
    out += "])";
  }
  if (is_persistent_volume(r)) {
    out += "[" + r.disk().persistence().id();
    if (r.disk().has_volume()) out += ":" + r.disk().volume().container_path();
    out += "]";
  }
  if (r.has_revocable()) out += "{REV}";
  if (r.has_shared()) out += "<SHARED>";
  out += ":";
  switch (r.type()) {
    case v1::Value::SCALAR:
      out += format_double(r.scalar().value());
      break;
    case v1::Value::RANGES: {
      out += "[";
      for (int i = 0; i < r.ranges().range_size(); ++i) {
        if (i > 0) out += ", ";
        out += std::to_string(r.ranges().range(i).begin()) + "-" +
               std::to_string(r.ranges().range(i).end());
      }
      out += "]";
      break;
    }
    case v1::Value::SET: {
      out += "{";
      for (int i = 0; i < r.set().item_size(); ++i) {
        if (i > 0) out += ", ";
        out += r.set().item(i);
      }
      out += "}";
      break;
    }
    default:
      break;
  }
  return out;
}

std::string to_string(const resource_list& resources) {
  std::string out;
  for (const auto& r : resources) {
    if (!out.empty()) out += "; ";
    out += to_string(r);
  }
  return out;
}

std::optional<resource_list> parse_resources(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<resource_list> {
    if (error) *error = why;
    return std::nullopt;
  };
  resource_list out;
  for (auto token : split(text, ';')) {
    token = trim(token);
    if (token.empty()) continue;
    auto colon = token.find(':');
    if (colon == std::string_view::npos)
      return fail("Bad value for resources: '" + std::string(token) + "'");
    std::string_view head = trim(token.substr(0, colon));
    std::string_view value = trim(token.substr(colon + 1));
    v1::Resource r;
    std::string role = "*";
    auto paren = head.find('(');
    if (paren != std::string_view::npos) {
      if (head.back() != ')') return fail("Bad role in resource '" + std::string(token) + "'");
      role = std::string(trim(head.substr(paren + 1, head.size() - paren - 2)));
      head = trim(head.substr(0, paren));
    }
    r.set_name(std::string(head));
    if (!value.empty() && value.front() == '[') {
      if (value.back() != ']') return fail("Bad ranges in resource '" + std::string(token) + "'");
      r.set_type(v1::Value::RANGES);
      auto* ranges = r.mutable_ranges();
      for (auto part : split(value.substr(1, value.size() - 2), ',')) {
        part = trim(part);
        if (part.empty()) continue;
        auto dash = part.find('-');
        auto begin = parse_u64(part.substr(0, dash));
        auto end = dash == std::string_view::npos ? begin : parse_u64(part.substr(dash + 1));
        if (!begin || !end) return fail("Bad range '" + std::string(part) + "'");
        auto* added = ranges->add_range();
        added->set_begin(*begin);
        added->set_end(*end);
      }
    } else if (!value.empty() && value.front() == '{') {
      if (value.back() != '}') return fail("Bad set in resource '" + std::string(token) + "'");
      r.set_type(v1::Value::SET);
      auto* set = r.mutable_set();
      for (auto part : split(value.substr(1, value.size() - 2), ',')) {
        part = trim(part);
        if (!part.empty()) set->add_item(std::string(part));
      }
    } else {
      auto number = parse_double(value);
      if (!number) return fail("Bad scalar in resource '" + std::string(token) + "'");
      r.set_type(v1::Value::SCALAR);
      r.mutable_scalar()->set_value(*number);
    }
    if (role != "*") {
      if (auto problem = validate_role(role)) return fail(*problem);
      auto* reservation = r.add_reservations();
      reservation->set_type(v1::Resource::ReservationInfo::STATIC);
      reservation->set_role(role);
    }
    if (auto problem = validate_resource(r)) return fail(*problem);
    add(out, canonical(r));
  }
  return out;
}

v1::Attribute parse_attribute(const std::string& name, const std::string& value) {
  v1::Attribute a;
  a.set_name(name);
  std::string_view v = trim(value);
  if (auto number = parse_double(v)) {
    a.set_type(v1::Value::SCALAR);
    a.mutable_scalar()->set_value(*number);
    return a;
  }
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
    v1::Value::Ranges ranges;
    bool ok = true;
    for (auto part : split(v.substr(1, v.size() - 2), ',')) {
      part = trim(part);
      if (part.empty()) continue;
      auto dash = part.find('-');
      auto begin = parse_u64(part.substr(0, dash));
      auto end = dash == std::string_view::npos ? begin : parse_u64(part.substr(dash + 1));
      if (!begin || !end) {
        ok = false;
        break;
      }
      auto* added = ranges.add_range();
      added->set_begin(*begin);
      added->set_end(*end);
    }
    if (ok) {
      a.set_type(v1::Value::RANGES);
      *a.mutable_ranges() = ranges;
      return a;
    }
  }
  if (v.size() >= 2 && v.front() == '{' && v.back() == '}') {
    a.set_type(v1::Value::SET);
    for (auto part : split(v.substr(1, v.size() - 2), ',')) {
      part = trim(part);
      if (!part.empty()) a.mutable_set()->add_item(std::string(part));
    }
    return a;
  }
  a.set_type(v1::Value::TEXT);
  a.mutable_text()->set_value(std::string(v));
  return a;
}

}  // namespace mesos_http::sim::detail
