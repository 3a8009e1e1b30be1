// Private to the simulator: the HS256 JSON Web Tokens a Mesos agent gives its
// executors (MESOS_EXECUTOR_AUTHENTICATION_TOKEN) and checks on
// /api/v1/executor, with libprocess's texts for a token it refuses
// (3rdparty/libprocess/src/jwt.cpp and jwt_authenticator.cpp in Mesos).
#ifndef MESOS_HTTP_SRC_SIM_EXECUTOR_TOKEN_HPP
#define MESOS_HTTP_SRC_SIM_EXECUTOR_TOKEN_HPP

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mesos_http::sim::detail {

/// A signed token: header {"alg":"HS256","typ":"JWT"}, the claims as a JSON
/// object of strings (keys sorted), HMAC-SHA256 with `secret`; each part
/// base64url without padding. Throws only std::bad_alloc.
std::string make_jwt(std::string_view secret, const std::map<std::string, std::string>& claims);

/// The authenticated claims of a token, or why it is refused.
struct jwt_verdict {
  /// Set when the token is good: every payload member, strings as they
  /// are, other values as JSON text.
  std::optional<std::map<std::string, std::string>> claims;
  /// When refused: the `error_description` libprocess puts in its
  /// WWW-Authenticate challenge ("Invalid JWT: ...", "JWT claims missing").
  std::string description;
};

/// Checks `token` as the agent's JWT authenticator does: three parts, a
/// JOSE header naming HS256, a JSON payload whose `exp` (if any) is not
/// before `now` (Unix seconds), the signature, at least one claim.
jwt_verdict verify_jwt(std::string_view token, std::string_view secret, std::int64_t now);

/// How libprocess prints a principal made of claims only, as the agent's
/// 403 texts show it: {"claims":{"cid":"...","eid":"...","fid":"..."}}.
/// (libprocess keeps claims in a hash map, so its key order is not
/// defined; this one sorts them.)
std::string claims_text(const std::map<std::string, std::string>& claims);

}  // namespace mesos_http::sim::detail

#endif  // MESOS_HTTP_SRC_SIM_EXECUTOR_TOKEN_HPP
