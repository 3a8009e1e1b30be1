#include <mesos_http/redirect_chain.hpp>

#include <algorithm>
#include <string>

namespace mesos_http {

namespace {

// The scheme is left out on purpose: a master redirecting http <-> https on
// the same port is still going round in circles.
bool same_endpoint(const url& a, const url& b) {
  return a.port == b.port && a.host == b.host && a.target == b.target;
}

std::string describe(const std::vector<url>& chain, const url& next) {
  std::string out;
  for (const url& u : chain) out += u.to_string() + " -> ";
  return out + next.to_string();
}

}  // namespace

void redirect_chain::start(const url& first) {
  visited_.clear();
  visited_.push_back(first);
  hops_ = 0;
}

boost::system::error_code redirect_chain::follow(const url& next, diagnostics& diag) {
  diag.clear();
  auto seen = [&next](const url& u) { return same_endpoint(u, next); };
  if (std::any_of(visited_.begin(), visited_.end(), seen)) {
    diag.set_message("redirect loop: " + describe(visited_, next));
    return error::redirect_loop;
  }
  // Without start() the first URL is not a redirect: nothing to count.
  if (!visited_.empty()) {
    if (hops_ >= max_hops_) {
      diag.set_message("too many redirects (more than " + std::to_string(max_hops_) +
                       "): " + describe(visited_, next));
      return error::too_many_redirects;
    }
    ++hops_;
  }
  visited_.push_back(next);
  return {};
}

}  // namespace mesos_http
