// The agent's checks on /api/v1/executor, after Mesos 1.11's `Http::executor`
// (src/slave/http.cpp), `validateExecutorCall` (src/common/validation.cpp)
// and libprocess's JWT authenticator (3rdparty/libprocess/src/
// jwt_authenticator.cpp). Texts are the agent's; the replay test compares
// them with the recordings where the recordings have them.
//
// Everything here runs on bytes straight from the network: no input may
// throw out of `check_executor_request`, abort or read out of bounds.
#include <mesos_http/sim/executor_endpoint.hpp>

#include <mesos_http/codec.hpp>
#include <mesos_http/diagnostics.hpp>

#include "sim/endpoint_json_message.hpp"
#include "sim/executor_token.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mesos_http::sim {

namespace {

namespace exec = mesos::v1::executor;

constexpr std::string_view realm = "mesos-agent-executor";
constexpr std::string_view not_recovered = "Agent has not finished recovery";

http_answer answer(unsigned status, std::string body = {}) {
  http_answer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

// ---------------------------------------------------------------------------
// Authentication (libprocess JWTAuthenticatorProcess::authenticate).

// The challenge echoes client bytes; keep them from breaking the header.
std::string header_safe(std::string text) {
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) c = '?';
  }
  return text;
}

http_answer unauthorized(std::optional<std::string> description) {
  http_answer a = answer(401, "401 Unauthorized.");
  std::string challenge = "Bearer realm=\"" + std::string(realm) + "\"";
  if (description) {
    challenge +=
        ", error=\"invalid_token\", error_description=\"" + header_safe(*description) + "\"";
  }
  a.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  return a;
}

// The token's claims, or the 401 to answer.
std::optional<http_answer> authenticate(std::optional<std::string_view> header,
                                        const agent_view& agent, executor_request& out) {
  if (!header) return unauthorized(std::nullopt);
  // strings::split on single spaces: exactly "Bearer" and the token.
  const std::size_t space = header->find(' ');
  if (space == std::string_view::npos || header->find(' ', space + 1) != std::string_view::npos) {
    return unauthorized("Malformed 'Authorization' header");
  }
  const std::string_view scheme = header->substr(0, space);
  if (scheme != "Bearer") return unauthorized("Scheme '" + std::string(scheme) + "' unsupported");

  const std::int64_t now = agent.unix_time
                               ? *agent.unix_time
                               : std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
  auto verdict = detail::verify_jwt(header->substr(space + 1), *agent.jwt_secret, now);
  if (!verdict.claims) return unauthorized(std::move(verdict.description));
  out.claims = std::move(verdict.claims);
  return std::nullopt;
}

// The agent's own check that the token belongs to the executor it names
// (`verifyExecutorClaims`); the 403 text, if not.
std::optional<std::string> claims_mismatch(const std::map<std::string, std::string>& claims,
                                           const exec::Call& call,
                                           const std::string& container_id) {
  const auto names = [&claims](const char* key, const std::string& value) {
    const auto it = claims.find(key);
    return it != claims.end() && it->second == value;
  };
  const std::string who = "Authenticated principal '" + detail::claims_text(claims) + "' does not ";
  if (!names("fid", call.framework_id().value())) {
    return who + "contain an 'fid' claim with the framework ID " + call.framework_id().value() +
           ", which is set in the call";
  }
  if (!names("eid", call.executor_id().value())) {
    return who + "contain an 'eid' claim with the executor ID " + call.executor_id().value() +
           ", which is set in the call";
  }
  if (!names("cid", container_id)) {
    return who + "contain a 'cid' claim with the correct active ContainerID";
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// validateExecutorCall.

// id::UUID::fromBytes: 16 bytes whose version nibble is 1..5 (Boost 1.65,
// as bundled with Mesos 1.11).
bool valid_uuid(const std::string& bytes) {
  if (bytes.size() != 16) return false;
  const unsigned version = (static_cast<unsigned char>(bytes[6]) & 0xF0u) >> 4;
  return version >= 1 && version <= 5;
}

std::optional<std::string> check_status_problem(const mesos::v1::CheckStatusInfo& info) {
  using mesos::v1::CheckInfo;
  if (!info.has_type()) return "CheckStatusInfo must specify 'type'";
  switch (info.type()) {
    case CheckInfo::COMMAND:
      if (!info.has_command()) return "Expecting 'command' to be set for COMMAND check's status";
      return std::nullopt;
    case CheckInfo::HTTP:
      if (!info.has_http()) return "Expecting 'http' to be set for HTTP check's status";
      return std::nullopt;
    case CheckInfo::TCP:
      if (!info.has_tcp()) return "Expecting 'tcp' to be set for TCP check's status";
      return std::nullopt;
    default:
      return "'" + CheckInfo::Type_Name(info.type()) + "' is not a valid check's status type";
  }
}

std::optional<std::string> update_problem(const exec::Call& call) {
  if (!call.has_update()) return "Expecting 'update' to be present";
  const mesos::v1::TaskStatus& status = call.update().status();
  if (!status.has_uuid()) return "Expecting 'uuid' to be present";
  if (!valid_uuid(status.uuid())) return "Not a valid UUID";
  const std::string& executor = call.executor_id().value();
  if (status.has_executor_id() && status.executor_id().value() != executor) {
    return "ExecutorID in Call: " + executor +
           " does not match ExecutorID in TaskStatus: " + status.executor_id().value();
  }
  const std::string from =
      " from executor " + executor + " of framework " + call.framework_id().value();
  // An unset source reads as SOURCE_MASTER.
  if (status.source() != mesos::v1::TaskStatus::SOURCE_EXECUTOR) {
    return "Received Call" + from + " with invalid source, expecting 'SOURCE_EXECUTOR'";
  }
  if (status.state() == mesos::v1::TASK_STAGING) {
    return "Received TASK_STAGING" + from + " which is not allowed";
  }
  if (status.has_check_status()) return check_status_problem(status.check_status());
  return std::nullopt;
}

std::optional<std::string> call_problem(const exec::Call& call) {
  // (The parse already refused calls missing required fields.)
  if (!call.IsInitialized()) return "Not initialized: " + call.InitializationErrorString();
  if (!call.has_type()) return "Expecting 'type' to be present";
  if (!call.has_executor_id()) return "Expecting 'executor_id' to be present";
  if (!call.has_framework_id()) return "Expecting 'framework_id' to be present";
  switch (call.type()) {
    case exec::Call::SUBSCRIBE:
      if (!call.has_subscribe()) return "Expecting 'subscribe' to be present";
      return std::nullopt;
    case exec::Call::UPDATE:
      return update_problem(call);
    case exec::Call::MESSAGE:
      if (!call.has_message()) return "Expecting 'message' to be present";
      return std::nullopt;
    default:  // HEARTBEAT and UNKNOWN need nothing more
      return std::nullopt;
  }
}

// ---------------------------------------------------------------------------

void check(const http_request_view& request, const agent_view& agent, executor_request& out) {
  // libprocess authenticates before the agent's handler runs.
  if (agent.jwt_secret) {
    if (auto refused = authenticate(request.authorization, agent, out)) {
      out.answer = std::move(*refused);
      return;
    }
  }
  if (!agent.reconnect_ready) {
    out.answer = answer(503, std::string(not_recovered));
    return;
  }
  if (request.method != "POST") {
    out.answer = answer(405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" +
                                 std::string(request.method) + "'.");
    out.answer.headers.emplace_back("Allow", "POST");
    return;
  }

  // Content-Type is compared byte for byte.
  if (!request.content_type) {
    out.answer = answer(400, "Expecting 'Content-Type' to be present");
    return;
  }
  const auto type = content_type_from_media_type(*request.content_type);
  if (!type) {
    out.answer =
        answer(415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
    return;
  }
  out.request_type = *type;
  if (*type == content_type::protobuf) {
    diagnostics diag;
    if (codec(*type).decode(request.body, out.call, diag)) {
      out.answer = answer(400, "Failed to parse body into Call protobuf");
      return;
    }
  } else if (auto failure = detail::parse_json_message(request.body, out.call)) {
    out.answer = answer(400, std::move(*failure));
    return;
  }

  if (auto problem = call_problem(out.call)) {
    out.answer = answer(400, "Failed to validate Executor::Call: " + *problem);
    return;
  }

  const auto call_type = out.call.type();
  if (call_type == exec::Call::SUBSCRIBE) {
    const auto accepted = negotiate_accept(request.accept);
    if (!accepted) {
      out.answer =
          answer(406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
      return;
    }
    out.response_type = *accepted;
  } else if (call_type == exec::Call::HEARTBEAT) {
    // The ids of a heartbeat may be placeholders ("unused"): never looked up.
    out.answer = answer(202);
    return;
  } else if (agent.recovering) {
    out.answer = answer(503, std::string(not_recovered));
    return;
  }

  const std::string& framework_id = out.call.framework_id().value();
  if (!agent.framework || !agent.framework(framework_id)) {
    out.answer = answer(400, "Framework cannot be found");
    return;
  }
  const auto executor =
      agent.executor ? agent.executor(framework_id, out.call.executor_id().value()) : std::nullopt;
  if (!executor) {
    out.answer = answer(400, "Executor cannot be found");
    return;
  }
  if (out.claims) {
    if (auto mismatch = claims_mismatch(*out.claims, out.call, executor->container_id)) {
      out.answer = answer(403, std::move(*mismatch));
      return;
    }
  }
  if (executor->status == executor_status::registering && call_type != exec::Call::SUBSCRIBE) {
    out.answer = answer(403, "Executor is not subscribed");
    return;
  }

  switch (call_type) {
    case exec::Call::SUBSCRIBE:
      out.action = executor_action::subscribe;
      out.answer = answer(200);
      out.answer.headers.emplace_back("Transfer-Encoding", "chunked");
      out.answer.headers.emplace_back("Content-Type", std::string(media_type(out.response_type)));
      return;
    case exec::Call::UPDATE:
      out.action = executor_action::update;
      out.answer = answer(202);
      return;
    case exec::Call::MESSAGE:
      out.action = executor_action::message;
      out.answer = answer(202);
      return;
    default:  // UNKNOWN
      out.answer = answer(501, "501 Not Implemented.");
      return;
  }
}

}  // namespace

executor_request check_executor_request(const http_request_view& request, const agent_view& agent) {
  executor_request out;
  try {
    check(request, agent, out);
  } catch (...) {
    // Out of memory, or a throwing view callback: answer, never unwind
    // into the server.
    out.action = executor_action::respond;
    out.answer = answer(500, "500 Internal Server Error.");
  }
  return out;
}

std::string make_executor_token(std::string_view secret, const std::string& framework_id,
                                const std::string& executor_id, const std::string& container_id) {
  return detail::make_jwt(secret,
                          {{"cid", container_id}, {"eid", executor_id}, {"fid", framework_id}});
}

}  // namespace mesos_http::sim
