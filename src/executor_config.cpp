// Reading the executor environment. Variable names and formats follow the
// Mesos agent (`executorEnvironment()`) and stout's Duration and flag
// parsers; see ../shared/protocol.md e.5.
#include <mesos_http/executor_config.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <utility>

namespace mesos_http {

namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

struct unit {
  std::string_view name;
  std::int64_t ns;
};

constexpr unit units[] = {
    {"ns", 1},
    {"us", 1000},
    {"ms", 1000 * 1000},
    {"secs", 1000LL * 1000 * 1000},
    {"mins", 60LL * 1000 * 1000 * 1000},
    {"hrs", 3600LL * 1000 * 1000 * 1000},
    {"days", 86400LL * 1000 * 1000 * 1000},
    {"weeks", 7 * 86400LL * 1000 * 1000 * 1000},
};

constexpr std::string_view unit_list = "ns, us, ms, secs, mins, hrs, days or weeks";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A value as it may appear in a diagnostic: quoted, non-printable bytes
// escaped, cut after 100 bytes (an environment value can be anything).
std::string quoted(std::string_view value) {
  static const char* hex = "0123456789abcdef";
  std::string out = "'";
  const std::size_t shown = std::min<std::size_t>(value.size(), 100);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  out += '\'';
  if (shown < value.size()) out += "... (" + std::to_string(value.size()) + " bytes)";
  return out;
}

// The reader: looks variables up, stops at the first problem.
class reader {
 public:
  reader(const executor_config::lookup& get, boost::system::error_code& ec, diagnostics& diag)
      : get_(get), ec_(ec), diag_(diag) {}

  bool failed() const { return failed_; }

  std::optional<std::string> optional(std::string_view name) {
    if (failed_) return std::nullopt;
    return get_(name);
  }

  std::optional<std::string> required(std::string_view name, std::string_view why) {
    auto value = optional(name);
    if (!value && !failed_) fail(std::string(name) + " is not set (" + std::string(why) + ")");
    return value;
  }

  // `what` completes "NAME='value' <what>".
  void bad(std::string_view name, std::string_view value, const std::string& what) {
    fail(std::string(name) + "=" + quoted(value) + " " + what);
  }

  void fail(std::string message) {
    if (failed_) return;
    failed_ = true;
    ec_ = error::invalid_environment;
    diag_.clear();
    diag_.set_message(std::move(message));
  }

 private:
  const executor_config::lookup& get_;
  boost::system::error_code& ec_;
  diagnostics& diag_;
  bool failed_ = false;
};

// Mesos's rule for task, executor and framework ids (validateID).
std::optional<std::string> id_problem(std::string_view id) {
  if (id.empty()) return "is empty";
  if (id.size() > 255) return "is longer than 255 characters";
  if (id == "." || id == "..") return "is '.' or '..'";
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '/' || c == '\\') return "contains '/' or '\\'";
    if (c < 0x20 || c == 0x7f) return "contains a control character";
  }
  return std::nullopt;
}

template <class Id>
std::optional<Id> read_id(reader& r, std::string_view name, bool required) {
  auto value =
      required ? r.required(name, "the agent sets it for every executor") : r.optional(name);
  if (!value) return std::nullopt;
  if (auto problem = id_problem(*value)) {
    r.bad(name, *value, "is not a valid Mesos id: it " + *problem);
    return std::nullopt;
  }
  Id id;
  id.set_value(*value);
  return id;
}

std::optional<milliseconds> read_duration(reader& r, std::string_view name) {
  auto value = r.optional(name);
  if (!value) return std::nullopt;
  std::string why;
  auto d = parse_mesos_duration(*value, &why);
  if (!d) {
    r.bad(name, *value, "is not a Mesos duration: " + why);
    return std::nullopt;
  }
  // Whole milliseconds, rounded up so that "500us" does not become zero.
  return std::chrono::ceil<milliseconds>(*d);
}

// "host:port" or "[v6]:port" (also a bare IPv6 address followed by ":port",
// as an IPv6 socket address may be printed) -> an http URL with `target`.
std::optional<url> parse_address(std::string_view text, std::string_view target, std::string& why) {
  std::string authority(text);
  const auto colon = authority.rfind(':');
  const auto bracket = authority.rfind(']');
  if (colon == std::string::npos || colon + 1 == authority.size() ||
      (bracket != std::string::npos && bracket > colon)) {
    why = "has no port (expected ip:port)";
    return std::nullopt;
  }
  if (!authority.empty() && authority.front() != '[' && authority.find(':') != colon) {
    authority = "[" + authority.substr(0, colon) + "]" + authority.substr(colon);
  }
  boost::system::error_code ec;
  diagnostics diag;
  auto u = parse_url("http://" + authority, ec, diag);
  if (!u || u->target != "/" || authority.find_first_of("/?#@") != std::string::npos) {
    why = "is not an address ip:port";
    if (!diag.message().empty()) why += " (" + diag.message() + ")";
    return std::nullopt;
  }
  u->target = std::string(target);
  return u;
}

void read_agent(reader& r, executor_config& cfg) {
  auto endpoint = r.optional("MESOS_AGENT_ENDPOINT");
  auto pid = r.optional("MESOS_SLAVE_PID");
  auto socket = r.optional("MESOS_DOMAIN_SOCKET");
  if (r.failed()) return;
  if (!endpoint && !pid && !socket) {
    r.fail(
        "none of MESOS_AGENT_ENDPOINT, MESOS_SLAVE_PID and MESOS_DOMAIN_SOCKET is set (the "
        "agent sets them for every executor; is this process running under a Mesos agent?)");
    return;
  }
  std::string target = "/api/v1/executor";
  std::optional<url> from_pid;
  if (pid) {
    // A libprocess UPID: "<process id>@<ip>:<port>".
    const auto at = pid->find('@');
    const std::string id = at == std::string::npos ? "" : pid->substr(0, at);
    // It becomes the first segment of the request target.
    const bool usable = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
      return c > 0x20 && c < 0x7f && std::string_view("/?#%").find(c) == std::string_view::npos;
    });
    if (!usable) {
      r.bad("MESOS_SLAVE_PID", *pid, "is not a libprocess pid id@ip:port");
      return;
    }
    target = "/" + id + "/api/v1/executor";
    std::string why;
    from_pid = parse_address(std::string_view(*pid).substr(at + 1), target, why);
    if (!from_pid) {
      r.bad("MESOS_SLAVE_PID", *pid, "is not a libprocess pid id@ip:port: the address " + why);
      return;
    }
  }
  if (endpoint) {
    std::string why;
    auto u = parse_address(*endpoint, target, why);
    if (!u) {
      r.bad("MESOS_AGENT_ENDPOINT", *endpoint, why);
      return;
    }
    cfg.agent = *u;
  } else if (from_pid) {
    cfg.agent = *from_pid;
  } else {
    cfg.agent = url{};
    cfg.agent.target = target;
  }
  if (socket) {
    if (socket->empty() || socket->find('\0') != std::string::npos) {
      r.bad("MESOS_DOMAIN_SOCKET", *socket, "is not a socket path");
      return;
    }
    cfg.domain_socket = *socket;
  }
}

std::optional<std::string> from_process(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

std::optional<nanoseconds> parse_mesos_duration(std::string_view text, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<nanoseconds> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  std::size_t i = 0;
  std::size_t digits = 0;
  std::size_t dots = 0;
  while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) {
    if (text[i] == '.') {
      ++dots;
    } else {
      ++digits;
    }
    ++i;
  }
  const std::string_view number = text.substr(0, i);
  const std::string_view unit_name = text.substr(i);
  if (digits == 0 || dots > 1) {
    return fail("expected a number followed by a unit (" + std::string(unit_list) +
                "), e.g. 15mins");
  }
  const unit* found = nullptr;
  for (const unit& u : units) {
    if (u.name == unit_name) found = &u;
  }
  if (!found) {
    if (unit_name.empty()) return fail("no unit (use " + std::string(unit_list) + ")");
    return fail("unknown unit " + quoted(unit_name) + " (use " + std::string(unit_list) + ")");
  }
  // The whole part exactly; the fraction (below one unit) through a double,
  // which is exact to far below a nanosecond for any unit.
  const auto dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  const std::string too_long = "out of range (more than about 292 years)";
  std::int64_t units_count = 0;
  for (char c : whole) {
    const int digit = c - '0';
    if (units_count > (max - digit) / 10) return fail(too_long);
    units_count = units_count * 10 + digit;
  }
  if (units_count > max / found->ns) return fail(too_long);
  std::int64_t ns = units_count * found->ns;
  double part = 0;
  double scale = 0.1;
  for (char c : fraction.substr(0, 18)) {
    part += (c - '0') * scale;
    scale /= 10;
  }
  const auto extra = static_cast<std::int64_t>(std::llround(part * static_cast<double>(found->ns)));
  if (extra > max - ns) return fail(too_long);
  return nanoseconds(ns + extra);
}

std::optional<bool> parse_mesos_bool(std::string_view text) noexcept {
  if (text == "1" || text == "true") return true;
  if (text == "0" || text == "false") return false;
  return std::nullopt;
}

std::optional<executor_config> executor_config::from_environment(boost::system::error_code& ec,
                                                                 diagnostics& diag) {
  return from_environment(lookup(&from_process), ec, diag);
}

std::optional<executor_config> executor_config::from_environment(
    const std::map<std::string, std::string>& variables, boost::system::error_code& ec,
    diagnostics& diag) {
  const lookup get = [&variables](std::string_view name) -> std::optional<std::string> {
    auto it = variables.find(std::string(name));
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
  return from_environment(get, ec, diag);
}

std::optional<executor_config> executor_config::from_environment(const lookup& get,
                                                                 boost::system::error_code& ec,
                                                                 diagnostics& diag) {
  ec.clear();
  diag.clear();
  reader r(get, ec, diag);
  executor_config cfg;
  if (!get) {
    r.fail("no environment lookup function given");
    return std::nullopt;
  }

  if (auto id = read_id<mesos::v1::FrameworkID>(r, "MESOS_FRAMEWORK_ID", true)) {
    cfg.framework_id = *id;
  }
  if (auto id = read_id<mesos::v1::ExecutorID>(r, "MESOS_EXECUTOR_ID", true)) {
    cfg.executor_id = *id;
  }
  read_agent(r, cfg);
  cfg.agent_id = read_id<mesos::v1::AgentID>(r, "MESOS_SLAVE_ID", false);

  if (auto dir = r.optional("MESOS_DIRECTORY")) cfg.directory = *dir;
  if (auto sandbox = r.optional("MESOS_SANDBOX")) {
    cfg.sandbox = *sandbox;
  } else {
    cfg.sandbox = cfg.directory;
  }

  if (auto value = r.optional("MESOS_CHECKPOINT")) {
    if (auto flag = parse_mesos_bool(*value)) {
      cfg.checkpoint = *flag;
    } else {
      r.bad("MESOS_CHECKPOINT", *value, "is not a boolean (1, true, 0 or false)");
    }
  }
  if (auto d = read_duration(r, "MESOS_RECOVERY_TIMEOUT")) cfg.recovery_timeout = *d;
  if (auto d = read_duration(r, "MESOS_SUBSCRIPTION_BACKOFF_MAX")) {
    cfg.subscription_backoff_max = *d;
  }
  if (auto d = read_duration(r, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD")) {
    cfg.shutdown_grace_period = *d;
  }

  if (auto token = r.optional("MESOS_EXECUTOR_AUTHENTICATION_TOKEN")) {
    // It goes into a header: a space or control byte would break the
    // request (or smuggle a header). The value itself is a secret.
    for (char ch : *token) {
      const auto c = static_cast<unsigned char>(ch);
      if (c <= 0x20 || c >= 0x7f) {
        r.fail(
            "MESOS_EXECUTOR_AUTHENTICATION_TOKEN holds a space, control or non-ASCII byte (value "
            "not shown)");
        break;
      }
    }
    cfg.authentication_token = *token;
  }

  if (r.failed()) return std::nullopt;
  return cfg;
}

}  // namespace mesos_http
