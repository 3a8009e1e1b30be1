// Logger levels, MESOS_HTTP_LOG parsing, sinks and credential redaction.
#include <mesos_http/log.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <vector>

using mesos_http::log_level;
using mesos_http::logger;

namespace {
struct captured {
  std::vector<std::pair<log_level, std::string>> lines;
  mesos_http::log_sink sink() {
    return [this](log_level level, std::string_view m) { lines.emplace_back(level, std::string(m)); };
  }
};
}  // namespace

TEST_CASE("log levels parse by name and number", "[log]") {
  CHECK(mesos_http::parse_log_level("error") == log_level::error);
  CHECK(mesos_http::parse_log_level("WARNING") == log_level::warning);
  CHECK(mesos_http::parse_log_level("warn") == log_level::warning);
  CHECK(mesos_http::parse_log_level("info") == log_level::info);
  CHECK(mesos_http::parse_log_level("debug") == log_level::debug);
  CHECK(mesos_http::parse_log_level("off") == log_level::off);
  CHECK(mesos_http::parse_log_level("1") == log_level::error);
  CHECK(mesos_http::parse_log_level("4") == log_level::debug);
  CHECK_FALSE(mesos_http::parse_log_level("5"));
  CHECK_FALSE(mesos_http::parse_log_level("verbose"));
  CHECK_FALSE(mesos_http::parse_log_level(""));
}

TEST_CASE("MESOS_HTTP_LOG takes LEVEL or LEVEL=DIR", "[log]") {
  auto plain = mesos_http::parse_log_settings("info");
  REQUIRE(plain);
  CHECK(plain->level == log_level::info);
  CHECK(plain->directory.empty());
  auto with_dir = mesos_http::parse_log_settings("4=/var/tmp/logs");
  REQUIRE(with_dir);
  CHECK(with_dir->level == log_level::debug);
  CHECK(with_dir->directory == "/var/tmp/logs");
  CHECK_FALSE(mesos_http::parse_log_settings("loud=/tmp"));
}

TEST_CASE("logger passes only messages at or below its level", "[log]") {
  captured out;
  logger log(log_level::warning, out.sink());
  log.log(log_level::error, "e");
  log.log(log_level::warning, "w");
  log.log(log_level::info, "i");
  log.log(log_level::debug, "d");
  REQUIRE(out.lines.size() == 2);
  CHECK(out.lines[0].second == "e");
  CHECK(out.lines[1].second == "w");
  CHECK_FALSE(log.enabled(log_level::info));
  log.set_level(log_level::debug);
  CHECK(log.enabled(log_level::debug));
  log.set_level(log_level::off);
  log.log(log_level::error, "dropped");
  CHECK(out.lines.size() == 2);
  CHECK_FALSE(log.enabled(log_level::off));
}

TEST_CASE("logger never passes credentials to a sink", "[log]") {
  captured out;
  logger log(log_level::debug, out.sink());
  log.log(log_level::debug,
          "POST /api/v1/scheduler HTTP/1.1\r\nAuthorization: Basic cHJpbmNpcGFsOnNlY3JldA==\r\n"
          "Content-Type: application/json\r\n");
  log.log(log_level::debug, "retrying with bearer eyJhbGciOiJIUzI1NiJ9.e30.sig, status 401");
  log.log(log_level::debug, "proxy-authorization: Digest abc");
  REQUIRE(out.lines.size() == 3);
  for (const auto& [level, line] : out.lines) {
    INFO(line);
    CHECK(line.find("cHJpbmNpcGFsOnNlY3JldA") == std::string::npos);
    CHECK(line.find("eyJhbGciOiJIUzI1NiJ9") == std::string::npos);
    CHECK(line.find("abc") == std::string::npos);
    CHECK(line.find("<redacted>") != std::string::npos);
  }
  CHECK(out.lines[0].second.find("Content-Type: application/json") != std::string::npos);
  CHECK(out.lines[1].second.find("status 401") != std::string::npos);
}

TEST_CASE("logger from MESOS_HTTP_LOG writes a file into the named directory", "[log]") {
  auto dir = std::filesystem::temp_directory_path() /
             ("mesos-http-log-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string value = "info=" + dir.string();
  ::setenv("MESOS_HTTP_LOG", value.c_str(), 1);
  auto log = logger::from_environment();
  ::unsetenv("MESOS_HTTP_LOG");
  CHECK(log->level() == log_level::info);
  log->log(log_level::info, "subscribed with secret Bearer t0ken");
  log->log(log_level::debug, "not written");

  auto path = dir / ("mesos-http." + std::to_string(::getpid()) + ".log");
  std::ifstream file(path);
  REQUIRE(file);
  std::stringstream text;
  text << file.rdbuf();
  CHECK(text.str() == "info: subscribed with secret Bearer <redacted>\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("logger defaults to warning when MESOS_HTTP_LOG is unset or bad", "[log]") {
  ::unsetenv("MESOS_HTTP_LOG");
  CHECK(logger::from_environment()->level() == log_level::warning);
  ::setenv("MESOS_HTTP_LOG", "chatty", 1);
  CHECK(logger::from_environment()->level() == log_level::warning);
  ::unsetenv("MESOS_HTTP_LOG");
}
