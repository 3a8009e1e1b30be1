#include <mesos_http/log.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace mesos_http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// Position of `needle` in `text` at or after `from`, ignoring ASCII case.
std::size_t ifind(std::string_view text, std::string_view needle, std::size_t from) {
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i) {
    if (iequals(text.substr(i, needle.size()), needle)) return i;
  }
  return std::string_view::npos;
}

constexpr std::string_view redacted = "<redacted>";

// Replaces, after each `marker`, the span that `end_of_secret` finds.
template <class EndOfSecret>
std::string redact_after(std::string_view text, std::string_view marker, EndOfSecret end_of_secret) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t at = ifind(text, marker, 0); at != std::string_view::npos;
       at = ifind(text, marker, done)) {
    std::size_t start = at + marker.size();
    while (start < text.size() && text[start] == ' ') ++start;
    std::size_t end = end_of_secret(text, start);
    out.append(text.substr(done, start - done));
    if (end > start) out += redacted;
    done = end;
  }
  out.append(text.substr(done));
  return out;
}

std::size_t end_of_line(std::string_view text, std::size_t start) {
  std::size_t end = text.find_first_of("\r\n", start);
  return end == std::string_view::npos ? text.size() : end;
}

std::size_t end_of_token(std::string_view text, std::size_t start) {
  std::size_t end = start;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
         text[end] != '"' && text[end] != '\'' && text[end] != ',')
    ++end;
  return end;
}

}  // namespace

std::string_view to_string(log_level level) noexcept {
  switch (level) {
    case log_level::off: return "off";
    case log_level::error: return "error";
    case log_level::warning: return "warning";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
  }
  return "unknown";
}

std::optional<log_level> parse_log_level(std::string_view text) noexcept {
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '4') {
    return static_cast<log_level>(text[0] - '0');
  }
  for (auto level : {log_level::off, log_level::error, log_level::warning, log_level::info,
                     log_level::debug}) {
    if (iequals(text, to_string(level))) return level;
  }
  if (iequals(text, "warn")) return log_level::warning;
  return std::nullopt;
}

std::optional<log_settings> parse_log_settings(std::string_view text) {
  std::size_t eq = text.find('=');
  auto level = parse_log_level(text.substr(0, eq));
  if (!level) return std::nullopt;
  log_settings settings;
  settings.level = *level;
  if (eq != std::string_view::npos) settings.directory = std::string(text.substr(eq + 1));
  return settings;
}

std::string redact_credentials(std::string_view text) {
  // Header values first (whole rest of line), then bare scheme tokens that
  // may appear elsewhere, e.g. in a dumped request.
  std::string out = redact_after(text, "authorization:", end_of_line);
  out = redact_after(out, "basic ", end_of_token);
  return redact_after(out, "bearer ", end_of_token);
}

logger::logger(log_level level, log_sink sink)
    : level_(static_cast<int>(level)), sink_(std::move(sink)) {}

void logger::log(log_level level, std::string_view message) const {
  if (!enabled(level) || !sink_) return;
  std::string clean = redact_credentials(message);
  std::lock_guard<std::mutex> lock(mutex_);
  sink_(level, clean);
}

log_sink logger::stderr_sink() {
  return [](log_level level, std::string_view message) {
    std::cerr << "mesos-http " << to_string(level) << ": " << message << '\n';
  };
}

log_sink logger::file_sink(const std::string& path) {
  auto file = std::make_shared<std::ofstream>(path, std::ios::app);
  if (!*file) return {};
  return [file](log_level level, std::string_view message) {
    *file << to_string(level) << ": " << message << '\n';
    file->flush();
  };
}

log_sink logger::tee(log_sink a, log_sink b) {
  if (!a) return b;
  if (!b) return a;
  return [a = std::move(a), b = std::move(b)](log_level level, std::string_view message) {
    a(level, message);
    b(level, message);
  };
}

std::shared_ptr<logger> logger::from_environment() {
  log_settings settings;
  if (const char* value = std::getenv("MESOS_HTTP_LOG"); value && *value) {
    if (auto parsed = parse_log_settings(value)) {
      settings = *parsed;
    } else {
      std::cerr << "mesos-http warning: ignoring MESOS_HTTP_LOG='" << value
                << "' (expected off|error|warning|info|debug or 0..4, optionally =DIR)\n";
    }
  }
  log_sink sink = stderr_sink();
  if (!settings.directory.empty()) {
    std::string path =
        settings.directory + "/mesos-http." + std::to_string(::getpid()) + ".log";
    log_sink file = file_sink(path);
    if (!file) std::cerr << "mesos-http warning: cannot open log file " << path << '\n';
    sink = tee(std::move(sink), std::move(file));
  }
  return std::make_shared<logger>(settings.level, std::move(sink));
}

const std::shared_ptr<logger>& default_logger() {
  static const std::shared_ptr<logger> instance = logger::from_environment();
  return instance;
}

}  // namespace mesos_http
