// The master's checks on /api/v1/scheduler, after Mesos 1.11's
// `Master::Http::scheduler` (src/master/http.cpp), `validation::scheduler::
// call::validate` (src/master/validation.cpp), libprocess's basic
// authenticator (3rdparty/libprocess/src/authenticator.cpp) and
// `Request::_acceptsMediaType` (3rdparty/libprocess/src/http.cpp). Texts are
// the ones of the recordings in ../shared/traces (see the replay test).
//
// Everything here runs on bytes straight from the network: no input may
// throw out of `check_scheduler_request`, abort or read out of bounds.
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <mesos_http/codec.hpp>
#include <mesos_http/diagnostics.hpp>

#include "detail/base64.hpp"
#include "sim/endpoint_json.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mesos_http::sim {

namespace {

namespace sched = mesos::v1::scheduler;

constexpr std::string_view realm = "mesos-master-scheduler";

http_answer answer(unsigned status, std::string body) {
  http_answer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// stout's strings::tokenize: split on any of `delims`, dropping empty tokens.
std::vector<std::string_view> tokenize(std::string_view s, std::string_view delims) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = s.find_first_not_of(delims, i);
    if (start == std::string_view::npos) break;
    std::size_t end = s.find_first_of(delims, start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    i = end;
  }
  return out;
}

// stout's strings::split: split on any of `delims`, keeping empty tokens.
std::vector<std::string_view> split(std::string_view s, std::string_view delims) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = s.find_first_of(delims, start);
    if (end == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

// ---------------------------------------------------------------------------
// Authentication (libprocess BasicAuthenticatorProcess::authenticate).

std::optional<std::string> authenticate(std::optional<std::string_view> header,
                                        const std::map<std::string, std::string>& credentials) {
  if (!header) return std::nullopt;
  const auto components = split(*header, " ");
  if (components.size() != 2 || components[0] != "Basic") return std::nullopt;
  std::string decoded;
  if (!mesos_http::detail::base64_decode(components[1], decoded)) return std::nullopt;
  const auto credential = split(decoded, ":");
  if (credential.size() != 2) return std::nullopt;
  const auto found = credentials.find(std::string(credential[0]));
  if (found == credentials.end() || found->second != credential[1]) return std::nullopt;
  return std::string(credential[0]);
}

// ---------------------------------------------------------------------------
// Accept (libprocess Request::_acceptsMediaType).

// boost::lexical_cast<double> (stout's numify) accepts what a stream reads in
// full: an optional sign, a decimal number or inf/nan. Out-of-range values
// fail. Anything else fails.
std::optional<double> numify_double(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  double value = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), value);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

bool accepts_media_type(std::optional<std::string_view> accept, std::string_view media_type) {
  // No header: every media type is acceptable.
  if (!accept) return true;
  std::string header;
  header.reserve(accept->size());
  for (char c : *accept) {
    if (c != ' ' && c != '\t' && c != '\n') header.push_back(c);
  }
  const std::string type(media_type.substr(0, media_type.find('/')));
  const std::string candidates[] = {std::string(media_type), type + "/*", "*/*"};
  // First `type/subtype`, then `type/*`, then `*/*`; the first media range
  // naming a candidate decides (even with q=0: no further ranges are tried).
  for (const std::string& candidate : candidates) {
    for (std::string_view range : tokenize(header, ",")) {
      const auto params = tokenize(range, ";");
      if (params.empty() || !iequals(params[0], candidate)) continue;
      // strings::pairs(range, ";", "="): "q" (case-sensitive) must appear
      // exactly once as a "key=value" pair, else the range counts as q=1.
      std::vector<std::string_view> q;
      for (std::string_view param : params) {
        const auto kv = tokenize(param, "=");
        if (kv.size() == 2 && kv[0] == "q") q.push_back(kv[1]);
      }
      if (q.size() != 1) return true;
      const auto value = numify_double(q[0]);
      return value && *value > 0;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Body parsing, with Mesos's texts.

// Fills `call`; returns the 400 text on failure.
std::optional<std::string> parse_body(std::string_view body, content_type type, sched::Call& call) {
  if (type == content_type::json) return detail::parse_json_call(body, call);
  // Call::ParseFromString: malformed bytes and missing required fields.
  diagnostics diag;
  if (codec(type).decode(body, call, diag)) return "Failed to parse body into Call protobuf";
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// validation::scheduler::call::validate.

// id::UUID::fromBytes: 16 bytes whose version nibble is 1..5 (Boost 1.65).
bool valid_uuid(const std::string& bytes) {
  if (bytes.size() != 16) return false;
  const unsigned version = (static_cast<unsigned char>(bytes[6]) & 0xF0u) >> 4;
  return version >= 1 && version <= 5;
}

std::string principal_mismatch(const std::string& authenticated, const std::string& declared) {
  return "Authenticated principal '" + authenticated + "' does not match principal '" + declared +
         "' set in `FrameworkInfo`";
}

std::optional<std::string> validate(const sched::Call& call,
                                    const std::optional<std::string>& principal) {
  // (Required fields were checked by the parse.)
  if (!call.has_type()) return "Expecting 'type' to be present";

  if (call.type() == sched::Call::SUBSCRIBE) {
    if (!call.has_subscribe()) return "Expecting 'subscribe' to be present";
    const auto& info = call.subscribe().framework_info();
    // FrameworkID equality compares values: unset equals "".
    if (info.id().value() != call.framework_id().value()) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    if (principal && info.has_principal() && *principal != info.principal()) {
      return principal_mismatch(*principal, info.principal());
    }
    return std::nullopt;
  }

  if (!call.has_framework_id()) return "Expecting 'framework_id' to be present";

  const auto need = [](bool present, const char* name) -> std::optional<std::string> {
    if (present) return std::nullopt;
    return std::string("Expecting '") + name + "' to be present";
  };
  switch (call.type()) {
    case sched::Call::ACCEPT:
      return need(call.has_accept(), "accept");
    case sched::Call::DECLINE:
      return need(call.has_decline(), "decline");
    case sched::Call::ACCEPT_INVERSE_OFFERS:
      return need(call.has_accept_inverse_offers(), "accept_inverse_offers");
    case sched::Call::DECLINE_INVERSE_OFFERS:
      return need(call.has_decline_inverse_offers(), "decline_inverse_offers");
    case sched::Call::KILL:
      return need(call.has_kill(), "kill");
    case sched::Call::SHUTDOWN:
      return need(call.has_shutdown(), "shutdown");
    case sched::Call::ACKNOWLEDGE:
      if (!call.has_acknowledge()) return need(false, "acknowledge");
      if (!valid_uuid(call.acknowledge().uuid())) return "Not a valid UUID";
      return std::nullopt;
    case sched::Call::ACKNOWLEDGE_OPERATION_STATUS: {
      if (!call.has_acknowledge_operation_status()) {
        return need(false, "acknowledge_operation_status");
      }
      const auto& ack = call.acknowledge_operation_status();
      if (!valid_uuid(ack.uuid())) return "Not a valid UUID";
      return need(ack.has_agent_id(), "agent_id");
    }
    case sched::Call::RECONCILE:
      return need(call.has_reconcile(), "reconcile");
    case sched::Call::RECONCILE_OPERATIONS:
      return need(call.has_reconcile_operations(), "reconcile_operations");
    case sched::Call::MESSAGE:
      return need(call.has_message(), "message");
    case sched::Call::REQUEST:
      return need(call.has_request(), "request");
    case sched::Call::UPDATE_FRAMEWORK:
      if (!call.has_update_framework()) return need(false, "update_framework");
      if (call.framework_id().value() != call.update_framework().framework_info().id().value()) {
        return "'framework_id' differs from 'update_framework.framework_info.id'";
      }
      return std::nullopt;
    default:  // TEARDOWN, REVIVE, SUPPRESS, UNKNOWN need nothing more
      return std::nullopt;
  }
}

// ---------------------------------------------------------------------------

// The path libprocess hands the master process: the request path without
// query, with the "/master" process prefix (a request to the bare path is
// delegated to the master process and rewritten so). `Location` is built
// from it; anything odd falls back to the endpoint's path.
std::string redirect_path(std::string_view target) {
  const std::string_view fallback = "/master/api/v1/scheduler";
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path.empty() || path.front() != '/') return std::string(fallback);
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return std::string(fallback);
    }
  }
  if (path.substr(0, 8) == "/master/") return std::string(path);
  return "/master" + std::string(path);
}

void check(const http_request_view& request, const master_view& master, scheduler_request& out) {
  // libprocess authenticates before the handler runs, so before the leader
  // check: even a non-leader answers 401.
  if (!master.credentials.empty()) {
    out.principal = authenticate(request.authorization, master.credentials);
    if (!out.principal) {
      http_answer a = answer(401, "401 Unauthorized.");
      a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"" + std::string(realm) + "\"");
      out.answer = std::move(a);
      return;
    }
  }

  // Master::Http::redirect, for any method.
  if (!master.leading) {
    if (!master.leader) {
      out.answer = answer(503, "No leader elected");
      return;
    }
    http_answer a = answer(307, "");
    a.headers.emplace_back("Location", "//" + *master.leader + redirect_path(request.target));
    out.answer = std::move(a);
    return;
  }
  if (!master.recovered) {
    out.answer = answer(503, "Master has not finished recovery");
    return;
  }
  if (request.method != "POST") {
    http_answer a =
        answer(405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" +
                        std::string(request.method) + "'.");
    a.headers.emplace_back("Allow", "POST");
    out.answer = std::move(a);
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
  if (auto failure = parse_body(request.body, *type, out.call)) {
    out.answer = answer(400, std::move(*failure));
    return;
  }

  if (auto invalid = validate(out.call, out.principal)) {
    out.answer = answer(400, "Failed to validate scheduler::Call: " + *invalid);
    return;
  }

  // Only these two answer with a body, so only they negotiate Accept.
  const auto call_type = out.call.type();
  if (call_type == sched::Call::SUBSCRIBE || call_type == sched::Call::RECONCILE_OPERATIONS) {
    const auto accepted = negotiate_accept(request.accept);
    if (!accepted) {
      out.answer =
          answer(406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
      return;
    }
    out.response_type = *accepted;
  }

  if (call_type == sched::Call::SUBSCRIBE) {
    if (request.stream_id) {
      out.answer = answer(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    }
    return;  // the caller subscribes
  }

  const std::string& id = out.call.framework_id().value();
  const framework_status status =
      master.framework ? master.framework(id) : framework_status::unknown;
  if (status != framework_status::disconnected && status != framework_status::subscribed) {
    out.answer = answer(400, "Framework cannot be found");
    return;
  }
  if (out.principal && master.framework_principal) {
    const std::string declared = master.framework_principal(id);
    if (*out.principal != declared) {
      out.answer = answer(400, principal_mismatch(*out.principal, declared));
      return;
    }
  }
  if (status != framework_status::subscribed) {
    out.answer = answer(403, "Framework is not subscribed");
    return;
  }
  if (!request.stream_id) {
    out.answer = answer(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    return;
  }
  const auto current = master.stream_id ? master.stream_id(id) : std::nullopt;
  if (!current || *current != *request.stream_id) {
    out.answer = answer(400, "The stream ID '" + std::string(*request.stream_id) +
                                 "' included in this request didn't match the stream ID "
                                 "currently associated with framework ID " +
                                 id);
    return;
  }
  if (call_type == sched::Call::UNKNOWN) {
    out.answer = answer(501, "501 Not Implemented.");
  }
}

}  // namespace

std::optional<content_type> negotiate_accept(std::optional<std::string_view> accept) {
  try {
    if (accepts_media_type(accept, media_type(content_type::json))) return content_type::json;
    if (accepts_media_type(accept, media_type(content_type::protobuf))) {
      return content_type::protobuf;
    }
  } catch (...) {
    // Only allocation can fail here; refusing is the safe answer.
  }
  return std::nullopt;
}

scheduler_request check_scheduler_request(const http_request_view& request,
                                          const master_view& master) {
  scheduler_request out;
  try {
    check(request, master, out);
  } catch (...) {
    // Out of memory, or a throwing `master_view` callback: answer, never
    // unwind into the server.
    out.answer = answer(500, "500 Internal Server Error.");
  }
  return out;
}

}  // namespace mesos_http::sim
