// Helpers for test/client/security_test.cpp: the certificates in
// test/data/tls and a logger whose messages a test can read.
#ifndef MESOS_HTTP_TEST_CLIENT_SECURITY_SUPPORT_HPP
#define MESOS_HTTP_TEST_CLIENT_SECURITY_SUPPORT_HPP

#include <mesos_http/log.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mesos_http::test {

/// A file of test/data/tls (see the README there).
inline std::string tls_file(const std::string& name) {
  return std::string(MESOS_HTTP_TEST_DATA_DIR) + "/tls/" + name;
}

/// A logger at `debug` that keeps every message (already redacted).
class log_capture {
 public:
  log_capture()
      : lines_(std::make_shared<store>()),
        logger_(std::make_shared<logger>(
            log_level::debug, [lines = lines_](log_level level, std::string_view message) {
              std::lock_guard<std::mutex> lock(lines->mutex);
              lines->items.emplace_back(level, std::string(message));
            })) {}

  const std::shared_ptr<logger>& get() const { return logger_; }

  std::vector<std::pair<log_level, std::string>> lines() const {
    std::lock_guard<std::mutex> lock(lines_->mutex);
    return lines_->items;
  }

  /// Messages at exactly `level` that contain `text`.
  std::size_t count(log_level level, const std::string& text) const {
    std::size_t n = 0;
    for (const auto& [l, m] : lines()) n += l == level && m.find(text) != std::string::npos;
    return n;
  }

  /// Messages at any level that contain `text`.
  std::size_t count_any(const std::string& text) const {
    std::size_t n = 0;
    for (const auto& line : lines()) n += line.second.find(text) != std::string::npos;
    return n;
  }

 private:
  struct store {
    std::mutex mutex;
    std::vector<std::pair<log_level, std::string>> items;
  };
  std::shared_ptr<store> lines_;
  std::shared_ptr<logger> logger_;
};

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_CLIENT_SECURITY_SUPPORT_HPP
