#include "sim/master_control.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mesos_http::sim::detail {

namespace {

using nlohmann::json;

// Garbage set from a command line need not be UTF-8; never throw on it.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

http_answer json_answer(unsigned status, const json& body) {
  return {status, {{"Content-Type", "application/json"}}, dump(body)};
}

http_answer error_answer(unsigned status, std::string text) {
  return {status, {}, std::move(text)};
}

http_answer method_not_allowed(const char* allow) { return {405, {{"Allow", allow}}, ""}; }

// An unsigned member no larger than `max`.
std::optional<std::string> take_unsigned(const json& value, const std::string& key,
                                         std::uint64_t max, std::uint64_t& out) {
  if (!value.is_number_unsigned() &&
      !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    return "'" + key + "' must be a non-negative integer";
  }
  auto n = value.get<std::uint64_t>();
  if (n > max) return "'" + key + "' must be at most " + std::to_string(max);
  out = n;
  return std::nullopt;
}

std::optional<std::string> merge_member(const std::string& key, const json& value,
                                        fault_settings& f) {
  constexpr auto uint_max = std::numeric_limits<unsigned>::max();
  std::uint64_t n = 0;
  if (key == "stop_heartbeats") {
    if (!value.is_boolean()) return std::string("'stop_heartbeats' must be true or false");
    f.stop_heartbeats = value.get<bool>();
    return std::nullopt;
  }
  if (key == "garbage") {
    if (!value.is_string()) return std::string("'garbage' must be a string");
    f.garbage = value.get<std::string>();
    return std::nullopt;
  }
  if (key == "fail_status") {
    if (auto e = take_unsigned(value, key, 599, n)) return e;
    if (n < 100) return std::string("'fail_status' must be an HTTP status (100-599)");
    f.fail_status = static_cast<unsigned>(n);
    return std::nullopt;
  }
  if (key == "cut_stream_at_byte") {
    if (auto e = take_unsigned(value, key, std::numeric_limits<std::uint64_t>::max(), n)) return e;
    f.cut_stream_at_byte = n;
    return std::nullopt;
  }
  if (key == "fail_next_requests" || key == "cut_stream_after_events" || key == "chunk_size" ||
      key == "response_delay_ms") {
    if (auto e = take_unsigned(value, key, uint_max, n)) return e;
    if (key == "fail_next_requests") f.fail_next_requests = static_cast<unsigned>(n);
    if (key == "cut_stream_after_events") f.cut_stream_after_events = static_cast<unsigned>(n);
    if (key == "chunk_size") f.chunk_size = static_cast<std::size_t>(n);
    if (key == "response_delay_ms") f.response_delay = std::chrono::milliseconds(n);
    return std::nullopt;
  }
  return "Unknown fault '" + key + "'";
}

http_answer faults_route(std::string_view method, std::string_view body, control_target& t) {
  if (method == "GET") return json_answer(200, json::parse(faults_to_json(t.control_faults())));
  if (method == "DELETE") {
    t.control_faults() = fault_settings{};
    return json_answer(200, json::parse(faults_to_json(t.control_faults())));
  }
  if (method != "POST") return method_not_allowed("GET, POST, DELETE");
  if (auto error = merge_faults_json(body, t.control_faults())) return error_answer(400, *error);
  return json_answer(200, json::parse(faults_to_json(t.control_faults())));
}

http_answer leader_route(std::string_view method, std::string_view body, control_target& t) {
  if (method != "POST") return method_not_allowed("POST");
  json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("leader")) {
    return error_answer(400, "Expected a JSON object {\"leader\": <index or null>}");
  }
  const json& value = request["leader"];
  std::optional<std::size_t> leader;
  if (!value.is_null()) {
    std::uint64_t n = 0;
    if (auto e = take_unsigned(value, "leader", 1000, n)) return error_answer(400, *e);
    leader = static_cast<std::size_t>(n);
  }
  if (auto error = t.control_elect(leader)) return error_answer(400, *error);
  return json_answer(200, json{{"leader", leader ? json(*leader) : json(nullptr)}});
}

http_answer calls_route(std::string_view method, control_target& t) {
  if (method != "GET") return method_not_allowed("GET");
  json calls = json::array();
  for (const auto& c : t.control_calls()) {
    calls.push_back({{"method", c.method},
                     {"target", c.target},
                     {"call_type", c.call_type},
                     {"framework_id", c.framework_id},
                     {"status", c.status}});
  }
  return json_answer(200, calls);
}

json maintenance_json(const maintenance_status& m) {
  json unavailability{{"start", {{"nanoseconds", m.unavailability.start().nanoseconds()}}}};
  if (m.unavailability.has_duration()) {
    unavailability["duration"] = {{"nanoseconds", m.unavailability.duration().nanoseconds()}};
  }
  json outstanding = json::array();
  for (const auto& io : m.outstanding) {
    outstanding.push_back({{"id", io.id().value()}, {"framework_id", io.framework_id().value()}});
  }
  json answers = json::array();
  for (const auto& a : m.answers) {
    answers.push_back({{"inverse_offer_id", a.inverse_offer_id},
                       {"framework_id", a.framework_id},
                       {"status", a.accepted ? "ACCEPT" : "DECLINE"},
                       {"timestamp", a.timestamp}});
  }
  return {{"agent_id", m.agent_id},
          {"unavailability", std::move(unavailability)},
          {"inverse_offers", std::move(outstanding)},
          {"answers", std::move(answers)}};
}

// Seconds as a duration; `min`/`max` bound them to keep the arithmetic exact.
std::optional<std::string> take_seconds(const json& value, const std::string& key, double min,
                                        double max, duration& out) {
  if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < min ||
      value.get<double>() > max) {
    return "'" + key + "' must be a number of seconds from " + dump(min) + " to " + dump(max);
  }
  out = std::chrono::duration_cast<duration>(std::chrono::duration<double>(value.get<double>()));
  return std::nullopt;
}

// The optional body of POST /sim/agents/<id>/maintenance.
std::optional<std::string> parse_window(std::string_view body, maintenance_window& window) {
  constexpr double ten_years = 10.0 * 365 * 24 * 3600;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::nullopt;
  json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    return std::string(
        "Expected a JSON object {\"start_seconds_from_now\": S, \"duration_seconds\": D}");
  }
  for (const auto& [key, value] : request.items()) {
    duration d{};
    if (key == "start_seconds_from_now") {
      if (auto e = take_seconds(value, key, -ten_years, ten_years, d)) return e;
      window.starts_in = d;
    } else if (key == "duration_seconds") {
      if (value.is_null()) continue;
      if (auto e = take_seconds(value, key, 0, ten_years, d)) return e;
      window.length = d;
    } else {
      return "Unknown member '" + key + "'";
    }
  }
  return std::nullopt;
}

http_answer maintenance_route(std::string_view method, const std::string& id, std::string_view body,
                              control_target& t) {
  if (method != "GET" && method != "POST" && method != "DELETE") {
    return method_not_allowed("GET, POST, DELETE");
  }
  maintenance_window window;
  if (method == "POST") {
    if (auto error = parse_window(body, window)) return error_answer(400, *error);
  }
  bool known = false;
  std::optional<maintenance_status> status;
  t.control_cluster([&](cluster& c, time_point now) {
    const auto ids = c.agent_ids();
    known = std::find(ids.begin(), ids.end(), id) != ids.end();
    if (method == "POST" && c.schedule_maintenance(id, window, now)) status = c.maintenance(id);
    if (method == "GET") status = c.maintenance(id);
    if (method == "DELETE") status = c.cancel_maintenance(id, now);
  });
  if (status) return json_answer(200, maintenance_json(*status));
  if (!known || method == "POST") return error_answer(404, "Unknown agent '" + id + "'");
  return error_answer(404, "No maintenance is scheduled for agent '" + id + "'");
}

// /sim/agents/<agent id>/<action>; agent ids have no '/'.
http_answer agents_route(std::string_view method, std::string_view path, std::string_view body,
                         control_target& t) {
  constexpr std::string_view prefix = "/sim/agents/";
  std::string_view rest = path.substr(prefix.size());
  auto slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) return error_answer(404, "");
  std::string id(rest.substr(0, slash));
  std::string_view action = rest.substr(slash + 1);
  if (action == "maintenance") return maintenance_route(method, id, body, t);
  if (action != "remove") return error_answer(404, "");
  if (method != "POST") return method_not_allowed("POST");
  bool removed = false;
  t.control_cluster([&](cluster& c, time_point now) { removed = c.remove_agent(id, now); });
  if (!removed) return error_answer(404, "Unknown agent '" + id + "'");
  return json_answer(200, json{{"removed", id}});
}

}  // namespace

bool is_control_path(std::string_view path) { return path.rfind("/sim/", 0) == 0; }

http_answer control_request(std::string_view method, std::string_view path, std::string_view body,
                            control_target& target) {
  if (path == "/sim/faults") return faults_route(method, body, target);
  if (path == "/sim/leader") return leader_route(method, body, target);
  if (path == "/sim/calls") return calls_route(method, target);
  if (path.rfind("/sim/agents/", 0) == 0) return agents_route(method, path, body, target);
  return error_answer(404, "");
}

std::string faults_to_json(const fault_settings& f) {
  json out{{"fail_next_requests", f.fail_next_requests},
           {"fail_status", f.fail_status},
           {"response_delay_ms", f.response_delay.count()},
           {"stop_heartbeats", f.stop_heartbeats},
           {"cut_stream_after_events", f.cut_stream_after_events},
           {"cut_stream_at_byte", f.cut_stream_at_byte},
           {"garbage", f.garbage},
           {"chunk_size", f.chunk_size}};
  return dump(out);
}

std::optional<std::string> merge_faults_json(std::string_view text, fault_settings& faults) {
  json request = json::parse(text, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    return std::string("Expected a JSON object of faults");
  }
  fault_settings merged = faults;
  for (const auto& [key, value] : request.items()) {
    if (auto error = merge_member(key, value, merged)) return error;
  }
  faults = merged;
  return std::nullopt;
}

}  // namespace mesos_http::sim::detail
