// mesos-http: following a request's chain of 307 redirects.
//
// A Mesos master that is not the leader answers every scheduler request with
// `307 Temporary Redirect` to the leader it knows of. During an election two
// masters can briefly point at each other, and a misconfigured proxy can
// redirect forever, so a client follows redirects with two guards:
//
//  * a hop limit: at most `max_hops` redirects per request;
//  * loop detection: a redirect to an endpoint already visited in the chain
//    (same `url::authority()` and `url::target`) is refused at once instead
//    of being followed until the hop limit.
//
// The chain only keeps the books: it does no I/O. The caller resolves each
// `Location` (see `resolve_location` in <mesos_http/url.hpp>) and asks
// `follow()` whether it may send the request there:
//
//     mesos_http::redirect_chain chain;          // 5 hops
//     chain.start(first);
//     auto target = first;
//     while (auto response = send(target); response.status == 307) {
//       auto next = resolve_location(target, response.location, ec, diag);
//       if (!next) return ec;                    // error::invalid_url
//       if ((ec = chain.follow(*next, diag))) return ec;
//       target = *next;
//     }
//
// Thread safety: a plain value; use one per request, from one thread at a
// time.
#ifndef MESOS_HTTP_REDIRECT_CHAIN_HPP
#define MESOS_HTTP_REDIRECT_CHAIN_HPP

#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>
#include <mesos_http/url.hpp>

#include <boost/system/error_code.hpp>

#include <vector>

namespace mesos_http {

/// Follows one request's chain of 307 redirects with a hop limit and loop
/// detection by `url::authority()` + `url::target`.
///
/// The scheme is not part of the identity: "http://m:5050/x" and
/// "https://m:5050/x" are the same endpoint for loop detection.
class redirect_chain {
 public:
  /// Default hop limit.
  static constexpr unsigned default_max_hops = 5;

  /// A chain allowing `max_hops` redirects per request (0 refuses every
  /// redirect).
  explicit redirect_chain(unsigned max_hops = default_max_hops) noexcept : max_hops_(max_hops) {}

  /// Begins a new chain at `first`, the URL of the original request:
  /// forgets the previous chain and counts no hop.
  void start(const url& first);

  /// Records a redirect to `next`.
  ///
  /// Returns an empty code when `next` may be followed; it is then added to
  /// `visited()` and counted in `hops()`, and `diag` is cleared. Otherwise the
  /// chain is left unchanged and the result is
  ///  * `error::redirect_loop` when `next` was already visited in this chain
  ///    (checked first: it is the more precise diagnosis);
  ///  * `error::too_many_redirects` when `max_hops()` redirects were already
  ///    followed;
  /// and `diag` holds a message listing the chain, e.g. "redirect loop:
  /// http://a:5050/api/v1/scheduler -> http://b:5050/api/v1/scheduler ->
  /// http://a:5050/api/v1/scheduler".
  ///
  /// Calling it without `start()` records `next` as the first URL of the
  /// chain (not counted as a hop).
  boost::system::error_code follow(const url& next, diagnostics& diag);

  /// The URLs of the chain in order: the one given to `start()`, then every
  /// redirect followed.
  const std::vector<url>& visited() const noexcept { return visited_; }

  /// Redirects followed since `start()`.
  unsigned hops() const noexcept { return hops_; }

  /// The hop limit given at construction.
  unsigned max_hops() const noexcept { return max_hops_; }

 private:
  unsigned max_hops_;
  unsigned hops_ = 0;
  std::vector<url> visited_;
};

}  // namespace mesos_http

#endif  // MESOS_HTTP_REDIRECT_CHAIN_HPP
