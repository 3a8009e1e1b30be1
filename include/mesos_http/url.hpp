// mesos-http: endpoint URLs and HTTP `Location` resolution.
//
// A client needs four things to send a request: TLS or not, the host to
// connect to, the port, and the request target. `url` holds exactly those,
// already normalised (lower-case host, explicit port, target starting with
// '/'), so two URLs naming the same endpoint compare equal.
//
//     parse_url("HTTP://Master.Example:5050", ec, diag)
//         -> {tls=false, host="master.example", port=5050, target="/"}
//     parse_url("https://[::1]/api?x#frag", ec, diag)
//         -> {tls=true, host="::1", port=443, target="/api?x"}
//
// Accepted syntax (deliberately narrower than RFC 3986; anything else is
// `error::invalid_url`, never an exception):
//  * scheme `http` or `https`, in any case, followed by "//";
//  * a host: a name or IPv4 address made of ASCII letters, digits, '-', '_'
//    and '.' (no empty label; one trailing '.' allowed), or an IPv6 address in
//    brackets ("[2001:db8::1]", "[::ffff:10.0.0.1]"; zone ids are refused);
//  * an optional port of 1 to 5 digits in 1..65535 (an empty port, as in
//    "http://m:/", is refused);
//  * an optional path and query; the fragment ("#...") is dropped;
//  * no user information ("user:pw@host"): credentials belong in headers;
//  * only printable ASCII: a space, a control character or a byte >= 0x80
//    anywhere is refused (send percent-encoded paths).
//
// Mesos redirects a request that reached a master which is not the leader
// with `307 Temporary Redirect` and a scheme-relative `Location`, e.g.
// (recorded from Mesos 1.11.1, request `POST /api/v1/scheduler`):
//
//     Location: //127.0.0.1:5050/master/api/v1/scheduler
//
// `resolve_location` turns such a value into the `url` to re-send the same
// request to (same scheme as the request, the leader's authority, the path
// Mesos gave).
//
// Thread safety: `url` is a plain value; the functions are pure and safe from
// any thread.
#ifndef MESOS_HTTP_URL_HPP
#define MESOS_HTTP_URL_HPP

#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mesos_http {

/// An absolute http/https URL split into what an HTTP client needs.
///
/// Values produced by `parse_url`, `resolve_location` and `endpoint_url` are
/// normalised as described on each member. A default-constructed `url` has
/// an empty host and port 0: it names nothing and is only a placeholder.
struct url {
  /// True for `https`.
  bool tls = false;
  /// "10.0.0.1", "master.example", "::1" (IPv6 without brackets); lower-case.
  std::string host;
  /// The explicit port, else the scheme's default (80 for http, 443 for
  /// https).
  std::uint16_t port = 0;
  /// Path and query, as sent in the request line; always starts with '/'. The
  /// fragment is never kept.
  std::string target = "/";

  /// "http" or "https".
  std::string scheme() const;

  /// "host:port" with an IPv6 host in brackets ("[::1]:5050"); the port is
  /// always present, so this identifies the server (used for loop detection).
  std::string authority() const;

  /// The value for the `Host` request header: like `authority()` but the
  /// port is omitted when it is the scheme's default ("m.example" for
  /// http on 80, "m.example:5050" otherwise).
  std::string host_header() const;

  /// scheme "://" authority() target, e.g. "http://10.0.0.1:5050/api/v1/scheduler"
  /// (the port is always written).
  std::string to_string() const;

  /// Equal when scheme, host, port and target are all equal.
  friend bool operator==(const url& a, const url& b) noexcept {
    return a.tls == b.tls && a.port == b.port && a.host == b.host && a.target == b.target;
  }
  friend bool operator!=(const url& a, const url& b) noexcept { return !(a == b); }
};

/// The port used when a URL names none: 443 when `tls`, else 80.
constexpr std::uint16_t default_port(bool tls) noexcept { return tls ? 443 : 80; }

/// Parses an absolute URL such as "http://m:5050", "https://[::1]:8443/api?x"
/// or "HTTP://Host".
///
/// Errors: `error::invalid_url` for another scheme, a missing host, a bad,
/// zero or out-of-range port, user information, a space, control or
/// non-ASCII character, or any other syntax outside the list at the top of
/// this header. On failure returns `std::nullopt`, sets `ec` and puts a
/// message naming the problem in `diag` ("invalid URL 'ftp://m': scheme
/// 'ftp' is not http or https"). On success clears `ec` and `diag`.
std::optional<url> parse_url(std::string_view text, boost::system::error_code& ec,
                             diagnostics& diag);

/// Resolves the value of an HTTP `Location` header against `base`, the URL
/// the request was sent to, following RFC 3986 section 5.2 for these forms:
///
///  * an absolute URL, "http://m2:5050/api/v1/scheduler" (http or https only);
///  * scheme-relative, "//m2:5050/master/api/v1/scheduler" (what a Mesos
///    master that is not the leader answers): keeps `base`'s scheme; the
///    port, when absent, is that scheme's default;
///  * an absolute path, "/master/api/v1/scheduler": keeps `base`'s scheme and
///    authority;
///  * a query, "?x=1": keeps `base`'s path;
///  * a relative path, "v2/scheduler" or "../x": resolved against the
///    directory of `base`'s path.
///
/// "." and ".." path segments are removed from the result; the fragment is
/// dropped; spaces and tabs around the value are ignored.
///
/// Note: Mesos's documentation shows `Location: masterhost2:5050`; by
/// RFC 3986 that is a URL with the scheme "masterhost2", so it is refused.
/// Real masters send "//masterhost2:5050/...".
///
/// Errors: `error::invalid_url` when `location` is empty or cannot be parsed
/// by the rules of `parse_url`; `diag` then names the problem. On success
/// clears `ec` and `diag`.
std::optional<url> resolve_location(const url& base, std::string_view location,
                                    boost::system::error_code& ec, diagnostics& diag);

/// The URL of the API endpoint `api_path` (such as "/api/v1/scheduler") on
/// the master or agent that the user named by `base`:
///
///  * no path, "http://m:5050" or "http://m:5050/" -> "/api/v1/scheduler";
///  * a path that already ends with `api_path` is kept:
///    "http://m:5050/master/api/v1/scheduler" -> "/master/api/v1/scheduler";
///  * any other path is a prefix (e.g. a reverse proxy):
///    "http://proxy/mesos" or "http://proxy/mesos/" -> "/mesos/api/v1/scheduler".
///
/// Trailing '/' of `base`'s path are ignored, `base`'s query is dropped, and
/// a '/' is put in front of `api_path` if it has none. Never fails.
url endpoint_url(const url& base, std::string_view api_path);

}  // namespace mesos_http

#endif  // MESOS_HTTP_URL_HPP
