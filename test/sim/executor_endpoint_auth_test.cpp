// Executor authentication on /api/v1/executor: the HS256 tokens
// (sim::make_executor_token), every 401 challenge of libprocess's JWT
// authenticator, the agent's 403 when a token names another executor, and
// where these sit in the order of checks. Also: the generic JSON body
// reader the executor endpoint uses answers exactly like the scheduler
// endpoint's for scheduler calls.
#include "sim/executor_endpoint_support.hpp"

#include <mesos_http/sim/executor_endpoint.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mesos_http::test::executor_endpoint;

namespace {

const std::string secret = "agent-secret";
const std::string realm = "Bearer realm=\"mesos-agent-executor\"";

// An independent token maker, for tokens the simulator would never make.
std::string b64url(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 |
                       (unsigned char)bytes[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(n >> s) & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = (unsigned char)bytes[i] << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
  } else if (i + 2 == bytes.size()) {
    const unsigned n = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
    for (int s = 18; s >= 6; s -= 6) out += alphabet[(n >> s) & 63];
  }
  return out;
}

std::string forge(const std::string& header, const std::string& payload,
                  const std::string& key = secret) {
  const std::string signed_part = b64url(header) + "." + b64url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac, &size);
  return signed_part + "." + b64url(std::string(reinterpret_cast<char*>(mac), size));
}

const std::string hs256 = R"({"alg":"HS256","typ":"JWT"})";
const std::string good_claims =
    R"({"cid":")" + container + R"(","eid":")" + ex + R"(","fid":")" + fw + R"("})";

// An agent with authentication on and the executor `ex` running.
struct auth_agent : fake_agent {
  auth_agent() {
    view.jwt_secret = secret;
    view.unix_time = 1800000000;
    has_executor(executor_status::running);
  }
};

request with_token(const std::string& authorization) {
  request r = call_request(content_type::protobuf, update_call());
  r.authorization = authorization;
  return r;
}

// The 401 challenge for `authorization` (or none).
std::string challenge_for(const std::optional<std::string>& authorization) {
  auth_agent a;
  request r = call_request(content_type::protobuf, update_call());
  r.authorization = authorization;
  const auto out = check(r, a);
  REQUIRE(out.answer.status == 401);
  CHECK(out.answer.body == "401 Unauthorized.");
  CHECK(out.action == executor_action::respond);
  CHECK(a.lookups == 0);
  return header_of(out.answer, "WWW-Authenticate").value_or("<none>");
}

std::string invalid_token(const std::string& description) {
  return realm + ", error=\"invalid_token\", error_description=\"" + description + "\"";
}

}  // namespace

TEST_CASE("executor token: HS256 over sorted claims, base64url without padding",
          "[sim][executor_endpoint][auth]") {
  // Computed independently: openssl dgst -sha256 -hmac agent-secret.
  CHECK(sim::make_executor_token(secret, fw, ex, container) ==
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJjaWQiOiJjNDAwMDViNy1jNjIzLTQ1MTQtODg1ZC03NDA4NmMyNzBlZjQiLCJlaWQiOiJ0YXNrLTEiLCJmaWQi"
        "OiI1ZTFjN2E2Mi0zZjBkLTRiOGUtYTFjNC0yZDlmMGU3YjZhMzEtMDAwMCJ9."
        "gVwrdylHjdR2IHdSBqLVEZbUvs3fh91UYZUfzvDp554");
  CHECK(sim::make_executor_token(secret, fw, ex, container) == forge(hs256, good_claims));
}

TEST_CASE("executor auth: a good token passes and its claims come out",
          "[sim][executor_endpoint][auth]") {
  auth_agent a;
  const auto out =
      check(with_token("Bearer " + sim::make_executor_token(secret, fw, ex, container)), a);
  CHECK(out.answer.status == 202);
  CHECK(out.action == executor_action::update);
  REQUIRE(out.claims);
  const std::map<std::string, std::string> claims = {{"cid", container}, {"eid", ex}, {"fid", fw}};
  CHECK(*out.claims == claims);
}

TEST_CASE("executor auth: every refusal is 401 with the JWT authenticator's challenge",
          "[sim][executor_endpoint][auth]") {
  const std::string good = sim::make_executor_token(secret, fw, ex, container);
  CHECK(challenge_for(std::nullopt) == realm);
  for (const std::string& malformed : std::vector<std::string>{
           "Bearer", "Bearer  " + good, "Bearer " + good + " x", "", "Bearer" + good}) {
    INFO(malformed);
    CHECK(challenge_for(malformed) == invalid_token("Malformed 'Authorization' header"));
  }
  CHECK(challenge_for("Basic dTpw") == invalid_token("Scheme 'Basic' unsupported"));
  CHECK(challenge_for("bearer " + good) == invalid_token("Scheme 'bearer' unsupported"));
  // Client bytes are echoed, but never bytes that would break the header.
  CHECK(challenge_for(std::string("B\x01\x7f x")) == invalid_token("Scheme 'B?"
                                                                   "?' unsupported"));

  const auto jwt = [](const std::string& why) { return invalid_token("Invalid JWT: " + why); };
  CHECK(challenge_for("Bearer abc") == jwt("Expected 3 components in token, got 1"));
  CHECK(challenge_for("Bearer a.b.c.d") == jwt("Expected 3 components in token, got 4"));
  CHECK(challenge_for("Bearer " + sim::make_executor_token("other", fw, ex, container)) ==
        jwt("Token signature does not match"));
  CHECK(challenge_for("Bearer " + forge(hs256, good_claims) + "AA") ==
        jwt("Token signature does not match"));

  const std::string header = "Failed to decode token header: ";
  CHECK(challenge_for("Bearer !!." + b64url(good_claims) + ".x") ==
        jwt(header + "Failed to base64url-decode: Invalid character '!'"));
  CHECK(challenge_for("Bearer " + forge("[]", good_claims)) ==
        jwt(header + "Failed to parse into JSON: Unexpected JSON type parsed"));
  CHECK(challenge_for("Bearer " + forge(R"({"typ":1,"alg":"HS256"})", good_claims)) ==
        jwt("Token 'typ' is not a string"));
  CHECK(challenge_for("Bearer " + forge(R"({"typ":"JWT"})", good_claims)) ==
        jwt("Failed to locate 'alg' in token JSON header"));
  CHECK(challenge_for("Bearer " + forge(R"({"alg":256})", good_claims)) ==
        jwt("Token 'alg' field is not a string"));
  CHECK(challenge_for("Bearer " + forge(R"({"alg":"ES256"})", good_claims)) ==
        jwt("Unsupported token algorithm: ES256"));
  CHECK(challenge_for("Bearer " + forge(R"({"alg":"HS256","crit":["x"]})", good_claims)) ==
        jwt("Token 'crit' field is unsupported"));
  CHECK(challenge_for("Bearer " + b64url(R"({"alg":"none"})") + "." + b64url(good_claims) + ".") ==
        jwt(R"(Token 'alg' value "none" does not match, expected "HS256")"));
  CHECK(challenge_for("Bearer " + forge(R"({"alg":"RS256"})", good_claims)) ==
        jwt(R"(Token 'alg' value "RS256" does not match, expected "HS256")"));

  const std::string payload = "Failed to decode token payload: ";
  CHECK(challenge_for("Bearer " + b64url(hs256) + ".*.x") ==
        jwt(payload + "Failed to base64url-decode: Invalid character '*'"));
  CHECK(challenge_for("Bearer " + forge(hs256, "\"claims\"")) ==
        jwt(payload + "Failed to parse into JSON: Unexpected JSON type parsed"));
  CHECK(challenge_for("Bearer " + forge(hs256, R"({"fid":"f","exp":"soon"})")) ==
        jwt("JSON payload 'exp' field is not a number"));
  CHECK(challenge_for("Bearer " + forge(hs256, R"({"fid":"f","exp":1700000000})")) ==
        jwt("Token has expired: exp(1700000000) < now(1800000000)"));
  CHECK(challenge_for("Bearer " + b64url(hs256) + "." + b64url(good_claims) + ".***") ==
        jwt("Failed to base64url-decode token signature: Invalid character '*'"));
  CHECK(challenge_for("Bearer " + forge(hs256, "{}")) == invalid_token("JWT claims missing"));
}

TEST_CASE("executor auth: a token that has not expired yet is fine",
          "[sim][executor_endpoint][auth]") {
  auth_agent a;
  const std::string claims = R"({"cid":")" + container + R"(","eid":")" + ex +
                             R"(","exp":1800000000,"fid":")" + fw + R"("})";
  const auto out = check(with_token("Bearer " + forge(hs256, claims)), a);
  CHECK(out.answer.status == 202);
  REQUIRE(out.claims);
  CHECK(out.claims->at("exp") == "1800000000");
}

TEST_CASE("executor auth: 401 comes first, before recovery and method",
          "[sim][executor_endpoint][auth]") {
  auth_agent a;
  a.view.reconnect_ready = false;
  request r;
  r.method = "GET";
  auto out = check(r, a);
  CHECK(out.answer.status == 401);
  CHECK(header_of(out.answer, "WWW-Authenticate") == realm);
  // Authenticated, the same request meets the recovery check.
  r.authorization = "Bearer " + sim::make_executor_token(secret, fw, ex, container);
  out = check(r, a);
  CHECK(out.answer.status == 503);
}

TEST_CASE("executor auth: a token for another executor is 403, after the lookups",
          "[sim][executor_endpoint][auth]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  const exec::Call call = GENERATE(subscribe_call(), update_call(), message_call());
  const std::string who = "Authenticated principal '{\"claims\":{\"cid\":\"";
  const auto answer = [&](const std::string& token) {
    auth_agent a;
    request r = call_request(type, call);
    r.authorization = "Bearer " + token;
    return check(r, a).answer;
  };

  auto a = answer(sim::make_executor_token(secret, "other-fw", ex, container));
  CHECK(a.status == 403);
  CHECK(a.body == who + container + "\",\"eid\":\"" + ex +
                      "\",\"fid\":\"other-fw\"}}' does not contain an 'fid' claim with the "
                      "framework ID " +
                      fw + ", which is set in the call");
  a = answer(sim::make_executor_token(secret, fw, "other-ex", container));
  CHECK(a.status == 403);
  CHECK(a.body == who + container + "\",\"eid\":\"other-ex\",\"fid\":\"" + fw +
                      "\"}}' does not contain an 'eid' claim with the executor ID " + ex +
                      ", which is set in the call");
  a = answer(sim::make_executor_token(secret, fw, ex, "old-container"));
  CHECK(a.status == 403);
  CHECK(a.body == who + "old-container\",\"eid\":\"" + ex + "\",\"fid\":\"" + fw +
                      "\"}}' does not contain a 'cid' claim with the correct active ContainerID");
  // Claims missing altogether read the same; values are JSON-escaped.
  a = answer(forge(hs256, R"({"fid":"a\"b"})"));
  CHECK(a.status == 403);
  CHECK(a.body ==
        "Authenticated principal '{\"claims\":{\"fid\":\"a\\\"b\"}}' does not contain "
        "an 'fid' claim with the framework ID " +
            fw + ", which is set in the call");

  // An unknown executor is still 400, whatever the token says.
  auth_agent unknown;
  unknown.executors.clear();
  request r = call_request(type, call);
  r.authorization = "Bearer " + sim::make_executor_token(secret, "x", "y", "z");
  CHECK(check(r, unknown).answer.body == "Executor cannot be found");
}

TEST_CASE("executor auth: HEARTBEAT needs a token but its claims are not checked",
          "[sim][executor_endpoint][auth]") {
  auth_agent a;
  request r = call_request(content_type::protobuf, heartbeat_call());
  CHECK(check(r, a).answer.status == 401);
  r.authorization = "Bearer " + sim::make_executor_token(secret, "f", "e", "c");
  CHECK(check(r, a).answer.status == 202);
}
