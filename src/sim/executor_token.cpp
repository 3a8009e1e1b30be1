// HS256 tokens for executors. The checks and their order follow libprocess's
// JWT::parse(token, secret); base64url decoding follows stout's lenient
// decoder (whitespace skipped, stops at '=', other bytes outside the
// alphabet refused), JSON errors picojson's words (endpoint_json.hpp).
#include "sim/executor_token.hpp"

#include "sim/endpoint_json.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <limits>
#include <vector>

namespace mesos_http::sim::detail {

namespace {

using json = nlohmann::json;

constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t bits = 0;
  int held = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    held += 8;
    while (held >= 6) {
      held -= 6;
      out.push_back(url_alphabet[(bits >> held) & 0x3F]);
    }
  }
  if (held > 0) out.push_back(url_alphabet[(bits << (6 - held)) & 0x3F]);
  return out;
}

// Returns false and sets `bad` to the refused character.
bool base64url_decode(std::string_view text, std::string& out, char& bad) {
  out.clear();
  std::uint32_t bits = 0;
  int held = 0;
  for (char c : text) {
    if (c == '=') break;
    const auto u = static_cast<unsigned char>(c);
    if (u == ' ' || (u >= '\t' && u <= '\r')) continue;
    const std::size_t value = url_alphabet.find(c);
    if (value == std::string_view::npos) {
      bad = c;
      return false;
    }
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>((bits >> held) & 0xFF));
    }
  }
  return true;
}

std::string json_string(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out.push_back(hex[u >> 4]);
          out.push_back(hex[u & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "\"";
}

std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &size) == nullptr) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

// Same length and same bytes, looking at every byte.
bool same_bytes(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// base64url, then a JSON object; the error in libprocess's words.
std::optional<std::string> decode_part(std::string_view part, json& object) {
  std::string text;
  char bad = 0;
  if (!base64url_decode(part, text, bad)) {
    return std::string("Failed to base64url-decode: Invalid character '") + bad + "'";
  }
  if (auto syntax = json_parse_error(text)) return "Failed to parse into JSON: " + *syntax;
  object = json::parse(text);
  if (!object.is_object())
    return std::string("Failed to parse into JSON: Unexpected JSON type parsed");
  return std::nullopt;
}

std::optional<std::string> check_header(std::string_view part) {
  json header;
  if (auto e = decode_part(part, header)) return "Failed to decode token header: " + *e;
  if (header.contains("typ") && !header["typ"].is_string()) return "Token 'typ' is not a string";
  if (!header.contains("alg")) return "Failed to locate 'alg' in token JSON header";
  if (!header["alg"].is_string()) return "Token 'alg' field is not a string";
  const std::string alg = header["alg"].get<std::string>();
  if (alg != "none" && alg != "HS256" && alg != "RS256") {
    return "Unsupported token algorithm: " + alg;
  }
  if (header.contains("crit")) return "Token 'crit' field is unsupported";
  if (alg != "HS256") return "Token 'alg' value \"" + alg + "\" does not match, expected \"HS256\"";
  return std::nullopt;
}

std::optional<std::string> check_payload(std::string_view part, std::int64_t now, json& payload) {
  if (auto e = decode_part(part, payload)) return "Failed to decode token payload: " + *e;
  if (!payload.contains("exp")) return std::nullopt;
  const json& exp_value = payload["exp"];
  if (!exp_value.is_number()) return "JSON payload 'exp' field is not a number";
  std::int64_t exp = 0;
  if (exp_value.is_number_float()) {
    const double d = exp_value.get<double>();
    constexpr double limit = 9.2e18;
    exp = d >= limit    ? std::numeric_limits<std::int64_t>::max()
          : d <= -limit ? std::numeric_limits<std::int64_t>::min()
                        : static_cast<std::int64_t>(d);
  } else if (exp_value.is_number_unsigned() &&
             exp_value.get<std::uint64_t>() >
                 static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    exp = std::numeric_limits<std::int64_t>::max();
  } else {
    exp = exp_value.get<std::int64_t>();
  }
  if (exp < now) {
    return "Token has expired: exp(" + std::to_string(exp) + ") < now(" + std::to_string(now) + ")";
  }
  return std::nullopt;
}

}  // namespace

std::string make_jwt(std::string_view secret, const std::map<std::string, std::string>& claims) {
  std::string payload = "{";
  for (const auto& [key, value] : claims) {
    if (payload.size() > 1) payload += ",";
    payload += json_string(key) + ":" + json_string(value);
  }
  payload += "}";
  const std::string signed_part =
      base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload);
  const auto mac = hmac_sha256(secret, signed_part);
  return signed_part + "." + base64url(mac ? *mac : std::string());
}

jwt_verdict verify_jwt(std::string_view token, std::string_view secret, std::int64_t now) {
  jwt_verdict out;
  const auto refuse = [&out](const std::string& why) {
    out.description = "Invalid JWT: " + why;
    return out;
  };

  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3) {
    return refuse("Expected 3 components in token, got " + std::to_string(parts.size()));
  }
  if (auto e = check_header(parts[0])) return refuse(*e);
  json payload;
  if (auto e = check_payload(parts[1], now, payload)) return refuse(*e);

  std::string signature;
  char bad = 0;
  if (!base64url_decode(parts[2], signature, bad)) {
    return refuse(std::string("Failed to base64url-decode token signature: Invalid character '") +
                  bad + "'");
  }
  const std::string signed_part = std::string(parts[0]) + "." + std::string(parts[1]);
  const auto mac = hmac_sha256(secret, signed_part);
  if (!mac) return refuse("Failed to generate HMAC signature");
  if (!same_bytes(*mac, signature)) return refuse("Token signature does not match");

  if (payload.empty()) {
    out.description = "JWT claims missing";
    return out;
  }
  std::map<std::string, std::string> claims;
  for (const auto& [key, value] : payload.items()) {
    claims[key] = value.is_string() ? value.get<std::string>()
                                    : value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  out.claims = std::move(claims);
  return out;
}

std::string claims_text(const std::map<std::string, std::string>& claims) {
  std::string out = "{\"claims\":{";
  bool first = true;
  for (const auto& [key, value] : claims) {
    if (!first) out += ",";
    first = false;
    out += json_string(key) + ":" + json_string(value);
  }
  return out + "}}";
}

}  // namespace mesos_http::sim::detail
