#include <mesos_http/diagnostics.hpp>

namespace mesos_http {

bool diagnostics::empty() const noexcept {
  return message_.empty() && body_.empty() && !offset_ && !status_;
}

void diagnostics::set_body_excerpt(std::string_view body) {
  body_.assign(body.substr(0, max_excerpt));
}

std::string diagnostics::to_string() const {
  std::string out = message_;
  if (status_) out += " (HTTP " + std::to_string(*status_) + ")";
  if (offset_) out += " (at byte " + std::to_string(*offset_) + ")";
  return out;
}

}  // namespace mesos_http
