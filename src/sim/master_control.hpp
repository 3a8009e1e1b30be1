// mesos-http simulator (private): the control endpoints under /sim/ that let
// a shell (curl) drive a running simulated master — faults, leadership,
// agent loss, agent maintenance, the call log. See docs/simulator.md for the
// routes.
#ifndef MESOS_HTTP_SIM_MASTER_CONTROL_HPP
#define MESOS_HTTP_SIM_MASTER_CONTROL_HPP

#include <mesos_http/sim/master.hpp>
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mesos_http::sim::detail {

/// What the control endpoints act on; implemented by the master.
struct control_target {
  virtual ~control_target() = default;
  /// The master's current faults, changed in place.
  virtual fault_settings& control_faults() = 0;
  /// Makes master `leader` lead (nullopt: no leader); an error text for 400.
  virtual std::optional<std::string> control_elect(std::optional<std::size_t> leader) = 0;
  /// Runs `action` on the cluster (under its lock, with the current time),
  /// then sends the events it queued.
  virtual void control_cluster(const std::function<void(cluster&, time_point now)>& action) = 0;
  /// The call log so far.
  virtual std::vector<call_log_entry> control_calls() = 0;
};

/// Whether `path` (without query) is a control path ("/sim/...").
bool is_control_path(std::string_view path);

/// Answers one control request.
http_answer control_request(std::string_view method, std::string_view path, std::string_view body,
                            control_target& target);

/// `faults` as the JSON object the endpoints speak.
std::string faults_to_json(const fault_settings& faults);

/// Applies the members present in the JSON object `text` to `faults`; on
/// error `faults` is unchanged and the text says what is wrong.
std::optional<std::string> merge_faults_json(std::string_view text, fault_settings& faults);

}  // namespace mesos_http::sim::detail

#endif  // MESOS_HTTP_SIM_MASTER_CONTROL_HPP
