// executor_config::from_environment and the Mesos duration and boolean
// parsers: every variable present, missing and malformed; defaults; the
// error names the variable and the value (never the token).
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>
#include <mesos_http/executor_config.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

using mesos_http::diagnostics;
using mesos_http::error;
using mesos_http::executor_config;
using mesos_http::parse_mesos_bool;
using mesos_http::parse_mesos_duration;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using env = std::map<std::string, std::string>;

// What a 1.11 agent sets for a checkpointing command executor (the ids are
// those of the recorded session in ../shared/traces).
env agent_environment() {
  return {
      {"MESOS_FRAMEWORK_ID", "9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-0001"},
      {"MESOS_EXECUTOR_ID", "task-echo-proto"},
      {"MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"},
      {"MESOS_SLAVE_PID", "slave(1)@127.0.0.1:5051"},
      {"MESOS_SLAVE_ID", "9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-S0"},
      {"MESOS_DIRECTORY", "/srv/mesos-data/agent/slaves/S0/frameworks/F/executors/E/runs/R"},
      {"MESOS_SANDBOX", "/mnt/mesos/sandbox"},
      {"MESOS_CHECKPOINT", "1"},
      {"MESOS_RECOVERY_TIMEOUT", "15mins"},
      {"MESOS_SUBSCRIPTION_BACKOFF_MAX", "2secs"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5secs"},
      {"MESOS_HTTP_COMMAND_EXECUTOR", "1"},
      {"LIBPROCESS_PORT", "0"},
  };
}

env minimal_environment() {
  return {{"MESOS_FRAMEWORK_ID", "fw-1"},
          {"MESOS_EXECUTOR_ID", "ex-1"},
          {"MESOS_AGENT_ENDPOINT", "10.0.0.7:5051"}};
}

executor_config read_ok(const env& e) {
  boost::system::error_code ec;
  diagnostics diag;
  auto cfg = executor_config::from_environment(e, ec, diag);
  INFO(diag.to_string());
  REQUIRE(cfg);
  CHECK_FALSE(ec);
  CHECK(diag.empty());
  return *cfg;
}

// Reading `e` fails with invalid_environment; returns the message.
std::string read_fails(const env& e) {
  boost::system::error_code ec;
  diagnostics diag;
  auto cfg = executor_config::from_environment(e, ec, diag);
  CHECK_FALSE(cfg);
  CHECK(ec == error::invalid_environment);
  CHECK_FALSE(diag.message().empty());
  return diag.message();
}

env with(env e, const std::string& name, const std::string& value) {
  e[name] = value;
  return e;
}

env without(env e, const std::string& name) {
  e.erase(name);
  return e;
}

nanoseconds duration_ok(const std::string& text) {
  std::string why;
  auto d = parse_mesos_duration(text, &why);
  INFO(text << ": " << why);
  REQUIRE(d);
  CHECK(why.empty());
  return *d;
}

std::string duration_fails(const std::string& text) {
  std::string why;
  auto d = parse_mesos_duration(text, &why);
  INFO(text);
  CHECK_FALSE(d);
  CHECK_FALSE(why.empty());
  return why;
}

}  // namespace

TEST_CASE("executor environment: what a real agent sets is read completely", "[executor_config]") {
  const executor_config cfg = read_ok(agent_environment());
  CHECK(cfg.framework_id.value() == "9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-0001");
  CHECK(cfg.executor_id.value() == "task-echo-proto");
  REQUIRE(cfg.agent_id);
  CHECK(cfg.agent_id->value() == "9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-S0");
  // The path libmesos and the recorded executors use.
  CHECK(cfg.agent.to_string() == "http://127.0.0.1:5051/slave(1)/api/v1/executor");
  CHECK(cfg.agent.host_header() == "127.0.0.1:5051");
  CHECK(cfg.domain_socket.empty());
  CHECK(cfg.directory == "/srv/mesos-data/agent/slaves/S0/frameworks/F/executors/E/runs/R");
  CHECK(cfg.sandbox == "/mnt/mesos/sandbox");
  CHECK(cfg.checkpoint);
  CHECK(cfg.recovery_timeout == std::chrono::minutes(15));
  CHECK(cfg.subscription_backoff_max == std::chrono::seconds(2));
  CHECK(cfg.shutdown_grace_period == std::chrono::seconds(5));
  CHECK(cfg.authentication_token.empty());
}

TEST_CASE("executor environment: defaults of the optional variables", "[executor_config]") {
  const executor_config cfg = read_ok(minimal_environment());
  CHECK(cfg.framework_id.value() == "fw-1");
  CHECK(cfg.executor_id.value() == "ex-1");
  CHECK_FALSE(cfg.agent_id);
  CHECK(cfg.agent.to_string() == "http://10.0.0.7:5051/api/v1/executor");
  CHECK_FALSE(cfg.agent.tls);
  CHECK(cfg.domain_socket.empty());
  CHECK(cfg.directory.empty());
  CHECK(cfg.sandbox.empty());
  CHECK_FALSE(cfg.checkpoint);
  CHECK(cfg.recovery_timeout == std::chrono::minutes(15));
  CHECK(cfg.subscription_backoff_max == std::chrono::seconds(2));
  CHECK(cfg.shutdown_grace_period == std::chrono::seconds(5));
  CHECK(cfg.authentication_token.empty());
  CHECK(cfg.content == mesos_http::content_type::protobuf);
  CHECK(cfg.max_record_size == mesos_http::recordio_decoder::default_max_record_size);
  CHECK(cfg.heartbeat_interval == std::chrono::minutes(30));
  CHECK(cfg.registration_timeout == std::chrono::minutes(1));
  CHECK(cfg.log == nullptr);

  SECTION("MESOS_SANDBOX falls back to MESOS_DIRECTORY") {
    auto c = read_ok(with(minimal_environment(), "MESOS_DIRECTORY", "/var/sandbox"));
    CHECK(c.directory == "/var/sandbox");
    CHECK(c.sandbox == "/var/sandbox");
  }
  SECTION("durations are read whether or not checkpointing is on") {
    auto e = with(minimal_environment(), "MESOS_RECOVERY_TIMEOUT", "1days");
    e["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "15secs";
    e["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "1.5mins";
    auto c = read_ok(e);
    CHECK_FALSE(c.checkpoint);
    CHECK(c.recovery_timeout == std::chrono::hours(24));
    CHECK(c.subscription_backoff_max == std::chrono::seconds(15));
    CHECK(c.shutdown_grace_period == std::chrono::seconds(90));
  }
  SECTION("a sub-millisecond duration is rounded up, not to zero") {
    auto c = read_ok(with(minimal_environment(), "MESOS_SUBSCRIPTION_BACKOFF_MAX", "500us"));
    CHECK(c.subscription_backoff_max == milliseconds(1));
  }
}

TEST_CASE("executor environment: the agent's address", "[executor_config]") {
  SECTION("MESOS_SLAVE_PID alone gives address and path") {
    auto c = read_ok(with(without(minimal_environment(), "MESOS_AGENT_ENDPOINT"), "MESOS_SLAVE_PID",
                          "slave(1)@10.1.2.3:5052"));
    CHECK(c.agent.to_string() == "http://10.1.2.3:5052/slave(1)/api/v1/executor");
  }
  SECTION("MESOS_AGENT_ENDPOINT gives the address when both are set") {
    auto e = with(minimal_environment(), "MESOS_SLAVE_PID", "slave(1)@10.0.0.7:5051");
    e["MESOS_AGENT_ENDPOINT"] = "agent.example:5051";
    CHECK(read_ok(e).agent.to_string() == "http://agent.example:5051/slave(1)/api/v1/executor");
  }
  SECTION("IPv6, bracketed or not") {
    auto c = read_ok(with(minimal_environment(), "MESOS_AGENT_ENDPOINT", "[::1]:5051"));
    CHECK(c.agent.host == "::1");
    CHECK(c.agent.port == 5051);
    c = read_ok(with(minimal_environment(), "MESOS_AGENT_ENDPOINT", "fd00::7:5051"));
    CHECK(c.agent.host == "fd00::7");
    CHECK(c.agent.port == 5051);
    CHECK(c.agent.authority() == "[fd00::7]:5051");
  }
  SECTION("MESOS_DOMAIN_SOCKET alone is enough") {
    auto e = without(minimal_environment(), "MESOS_AGENT_ENDPOINT");
    e["MESOS_DOMAIN_SOCKET"] = "/run/mesos/agent.sock";
    auto c = read_ok(e);
    CHECK(c.domain_socket == "/run/mesos/agent.sock");
    CHECK(c.agent.host.empty());
    CHECK(c.agent.port == 0);
    CHECK(c.agent.target == "/api/v1/executor");
    e["MESOS_SLAVE_PID"] = "slave(1)@127.0.0.1:5051";
    c = read_ok(e);
    CHECK(c.domain_socket == "/run/mesos/agent.sock");
    CHECK(c.agent.to_string() == "http://127.0.0.1:5051/slave(1)/api/v1/executor");
  }
  SECTION("none of the three is an error naming them") {
    auto message = read_fails(without(minimal_environment(), "MESOS_AGENT_ENDPOINT"));
    CHECK(message.find("MESOS_AGENT_ENDPOINT") != std::string::npos);
    CHECK(message.find("MESOS_SLAVE_PID") != std::string::npos);
    CHECK(message.find("MESOS_DOMAIN_SOCKET") != std::string::npos);
  }
  SECTION("malformed addresses") {
    for (const char* bad :
         {"", "10.0.0.7", "10.0.0.7:", ":5051", "10.0.0.7:0", "10.0.0.7:65536", "10.0.0.7:50x1",
          "10.0.0.7:5051/x", "[::1]", "u@h:5051", "h h:5051", "h:5051#x"}) {
      INFO(bad);
      auto message = read_fails(with(minimal_environment(), "MESOS_AGENT_ENDPOINT", bad));
      CHECK(message.rfind("MESOS_AGENT_ENDPOINT='", 0) == 0);
    }
    for (const char* bad : {"127.0.0.1:5051", "@127.0.0.1:5051", "slave(1)@127.0.0.1", "slave(1)@",
                            "slave 1@127.0.0.1:5051", "sl%ave@127.0.0.1:5051"}) {
      INFO(bad);
      auto message = read_fails(with(minimal_environment(), "MESOS_SLAVE_PID", bad));
      CHECK(message.rfind("MESOS_SLAVE_PID='" + std::string(bad) + "'", 0) == 0);
    }
    auto message = read_fails(with(minimal_environment(), "MESOS_SLAVE_PID", "s\x01@1.2.3.4:5"));
    CHECK(message.rfind("MESOS_SLAVE_PID='s\\x01@1.2.3.4:5' is not a libprocess pid", 0) == 0);
    message = read_fails(with(minimal_environment(), "MESOS_DOMAIN_SOCKET", ""));
    CHECK(message.rfind("MESOS_DOMAIN_SOCKET=''", 0) == 0);
  }
}

TEST_CASE("executor environment: a missing required variable is named", "[executor_config]") {
  for (const char* name : {"MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID"}) {
    INFO(name);
    auto message = read_fails(without(agent_environment(), name));
    CHECK(message == std::string(name) + " is not set (the agent sets it for every executor)");
  }
}

TEST_CASE("executor environment: malformed values are named with the value", "[executor_config]") {
  struct bad_value {
    const char* name;
    std::string value;
    const char* says;
  };
  const std::vector<bad_value> cases = {
      {"MESOS_FRAMEWORK_ID", "", "is not a valid Mesos id: it is empty"},
      {"MESOS_FRAMEWORK_ID", "a/b", "contains '/' or '\\'"},
      {"MESOS_EXECUTOR_ID", "..", "is '.' or '..'"},
      {"MESOS_EXECUTOR_ID", std::string(256, 'x'), "longer than 255"},
      {"MESOS_EXECUTOR_ID", "a\nb", "control character"},
      {"MESOS_SLAVE_ID", "", "is empty"},
      {"MESOS_CHECKPOINT", "yes", "is not a boolean (1, true, 0 or false)"},
      {"MESOS_CHECKPOINT", "TRUE", "is not a boolean"},
      {"MESOS_CHECKPOINT", "", "is not a boolean"},
      {"MESOS_RECOVERY_TIMEOUT", "15", "is not a Mesos duration: no unit"},
      {"MESOS_RECOVERY_TIMEOUT", "15minutes", "unknown unit 'minutes'"},
      {"MESOS_SUBSCRIPTION_BACKOFF_MAX", "-2secs", "is not a Mesos duration"},
      {"MESOS_SUBSCRIPTION_BACKOFF_MAX", "2 secs", "unknown unit ' secs'"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5s", "unknown unit 's'"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "99999999999weeks", "out of range"},
  };
  for (const auto& c : cases) {
    INFO(c.name << "=" << c.value);
    auto message = read_fails(with(agent_environment(), c.name, c.value));
    CHECK(message.rfind(std::string(c.name) + "=", 0) == 0);
    CHECK(message.find(c.says) != std::string::npos);
  }
  // Non-printable bytes are escaped in the message; long values are cut.
  auto message = read_fails(with(agent_environment(), "MESOS_EXECUTOR_ID", "a\nb"));
  CHECK(message.rfind("MESOS_EXECUTOR_ID='a\\x0ab' ", 0) == 0);
  message = read_fails(with(agent_environment(), "MESOS_RECOVERY_TIMEOUT", std::string(300, '7')));
  CHECK(message.find("... (300 bytes)") != std::string::npos);
  CHECK(message.size() < 300);
}

TEST_CASE("executor environment: the authentication token", "[executor_config]") {
  const std::string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJmaWQiOiJmdy0xIn0.c2lnbmF0dXJl";
  CHECK(read_ok(with(minimal_environment(), "MESOS_EXECUTOR_AUTHENTICATION_TOKEN", jwt))
            .authentication_token == jwt);
  CHECK(read_ok(with(minimal_environment(), "MESOS_EXECUTOR_AUTHENTICATION_TOKEN", ""))
            .authentication_token.empty());
  const std::string secret = "secret-part";
  for (const std::string& bad : {secret + " x", secret + "\r\nX-Evil: 1", secret + "\x80"}) {
    auto message =
        read_fails(with(minimal_environment(), "MESOS_EXECUTOR_AUTHENTICATION_TOKEN", bad));
    CHECK(message.find("MESOS_EXECUTOR_AUTHENTICATION_TOKEN") != std::string::npos);
    CHECK(message.find(secret) == std::string::npos);  // never shown
  }
}

TEST_CASE("executor environment: lookup function and the process environment",
          "[executor_config]") {
  std::vector<std::string> asked;
  const env e = agent_environment();
  executor_config::lookup get = [&](std::string_view name) -> std::optional<std::string> {
    asked.emplace_back(name);
    auto it = e.find(std::string(name));
    if (it == e.end()) return std::nullopt;
    return it->second;
  };
  boost::system::error_code ec = error::stopped;  // cleared on success
  diagnostics diag;
  diag.set_message("stale");
  auto cfg = executor_config::from_environment(get, ec, diag);
  REQUIRE(cfg);
  CHECK_FALSE(ec);
  CHECK(diag.empty());
  CHECK(cfg->executor_id.value() == "task-echo-proto");
  // Only MESOS_* variables are looked at.
  for (const auto& name : asked) CHECK(name.rfind("MESOS_", 0) == 0);
  CHECK(std::set<std::string>(asked.begin(), asked.end()).count("MESOS_RECOVERY_TIMEOUT") == 1);

  CHECK_FALSE(executor_config::from_environment(executor_config::lookup{}, ec, diag));
  CHECK(ec == error::invalid_environment);

  // The process environment: set a complete one for this test only.
  const env mine = minimal_environment();
  for (const auto& [name, value] : mine) ::setenv(name.c_str(), value.c_str(), 1);
  ::setenv("MESOS_CHECKPOINT", "true", 1);
  auto from_process = executor_config::from_environment(ec, diag);
  for (const auto& [name, value] : mine) ::unsetenv(name.c_str());
  ::unsetenv("MESOS_CHECKPOINT");
  INFO(diag.to_string());
  REQUIRE(from_process);
  CHECK(from_process->framework_id.value() == "fw-1");
  CHECK(from_process->checkpoint);
  CHECK_FALSE(executor_config::from_environment(ec, diag));
  CHECK(ec == error::invalid_environment);
  CHECK(diag.message() == "MESOS_FRAMEWORK_ID is not set (the agent sets it for every executor)");
}

TEST_CASE("Mesos durations", "[executor_config]") {
  using namespace std::chrono;
  CHECK(duration_ok("15mins") == minutes(15));
  CHECK(duration_ok("2secs") == seconds(2));
  CHECK(duration_ok("5secs") == seconds(5));
  CHECK(duration_ok("1days") == hours(24));
  CHECK(duration_ok("1weeks") == hours(24 * 7));
  CHECK(duration_ok("3hrs") == hours(3));
  CHECK(duration_ok("500ms") == milliseconds(500));
  CHECK(duration_ok("20us") == microseconds(20));
  CHECK(duration_ok("7ns") == nanoseconds(7));
  CHECK(duration_ok("0secs") == nanoseconds(0));
  CHECK(duration_ok("1.5secs") == milliseconds(1500));
  CHECK(duration_ok("0.3secs") == milliseconds(300));
  CHECK(duration_ok(".5mins") == seconds(30));
  CHECK(duration_ok("2.mins") == minutes(2));
  CHECK(duration_ok("1.000000001secs") == nanoseconds(1000000001));
  CHECK(duration_ok("0015secs") == seconds(15));
  // The largest value that fits (int64 nanoseconds), and one past it.
  CHECK(duration_ok("9223372036854775807ns") == nanoseconds::max());
  CHECK(duration_fails("9223372036854775808ns").find("out of range") != std::string::npos);
  CHECK(duration_fails("9223372036854775807.9ns").find("out of range") != std::string::npos);
  // 2^64 + 10: a parser that wraps around would read 10 ns.
  CHECK(duration_fails("18446744073709551626ns").find("out of range") != std::string::npos);
  CHECK(duration_ok("15250weeks") == hours(24 * 7 * 15250));
  CHECK(duration_fails("15251weeks").find("out of range") != std::string::npos);
  CHECK(duration_fails("99999999999999999999999secs").find("out of range") != std::string::npos);

  CHECK(duration_fails("") ==
        "expected a number followed by a unit (ns, us, ms, secs, mins, "
        "hrs, days or weeks), e.g. 15mins");
  CHECK(duration_fails("secs").find("expected a number") != std::string::npos);
  CHECK(duration_fails(".secs").find("expected a number") != std::string::npos);
  CHECK(duration_fails("1.2.3secs").find("expected a number") != std::string::npos);
  CHECK(duration_fails("15").find("no unit") != std::string::npos);
  CHECK(duration_fails("15min").find("unknown unit 'min'") != std::string::npos);
  CHECK(duration_fails("15SECS").find("unknown unit") != std::string::npos);
  CHECK(duration_fails("1e3secs").find("unknown unit 'e3secs'") != std::string::npos);
  for (const char* bad : {"-1secs", "+1secs", " 1secs", "1secs ", "1 secs", "1secs\n"}) {
    duration_fails(bad);
  }
  CHECK_FALSE(parse_mesos_duration("1x"));  // `why` is optional
}

TEST_CASE("Mesos booleans", "[executor_config]") {
  CHECK(parse_mesos_bool("1") == std::optional<bool>(true));
  CHECK(parse_mesos_bool("true") == std::optional<bool>(true));
  CHECK(parse_mesos_bool("0") == std::optional<bool>(false));
  CHECK(parse_mesos_bool("false") == std::optional<bool>(false));
  for (const char* bad : {"", "yes", "no", "TRUE", "False", " 1", "1 ", "2", "on"}) {
    INFO(bad);
    CHECK_FALSE(parse_mesos_bool(bad));
  }
  CHECK_FALSE(read_ok(with(minimal_environment(), "MESOS_CHECKPOINT", "0")).checkpoint);
  CHECK_FALSE(read_ok(with(minimal_environment(), "MESOS_CHECKPOINT", "false")).checkpoint);
  CHECK(read_ok(with(minimal_environment(), "MESOS_CHECKPOINT", "true")).checkpoint);
}

TEST_CASE("executor error values have their own messages", "[executor_config]") {
  std::set<std::string> messages;
  for (error e : {error::invalid_environment, error::agent_disconnected, error::recovery_timeout,
                  error::executor_shutdown, error::invalid_update}) {
    boost::system::error_code ec = e;
    CHECK(ec.category() == mesos_http::error_category());
    CHECK(ec.message().find("unknown") == std::string::npos);
    messages.insert(ec.message());
  }
  CHECK(messages.size() == 5);
}
