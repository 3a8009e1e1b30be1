#include <mesos_http/url.hpp>

#include <cstddef>
#include <vector>

namespace mesos_http {

namespace {

constexpr auto npos = std::string_view::npos;

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

// The input goes into a log line: escape what is not printable and cut what
// is long, so a hostile Location header cannot forge or flood log output.
std::string quoted(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  constexpr std::size_t max_shown = 200;
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < max_shown; ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      out += s[i];
    } else {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  if (s.size() > max_shown) out += "...";
  return out + "'";
}

// One character of a printable-ASCII URL; everything else must have been
// percent-encoded by the sender.
std::string check_chars(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u == ' ' || u == '\t') return "space at offset " + std::to_string(i);
    if (u < 0x20 || u == 0x7f) return "control character at offset " + std::to_string(i);
    if (u >= 0x80) return "non-ASCII byte at offset " + std::to_string(i);
  }
  return {};
}

// RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) before the first
// ':' and before any '/', '?' or '#'. Returns the length of the scheme, 0 if
// `s` does not start with one.
std::size_t scheme_length(std::string_view s) noexcept {
  if (s.empty() || !is_alpha(s[0])) return 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') return i;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 0;
}

bool valid_ipv4(std::string_view s) noexcept {
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == npos ? npos : dot - start);
    if (part.empty() || part.size() > 3) return false;
    unsigned value = 0;
    for (char c : part) {
      if (!is_digit(c)) return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255 || ++parts > 4) return false;
    if (dot == npos) return parts == 4;
    start = dot + 1;
  }
}

// Counts the 16-bit groups of one side of "::" (or of a whole address);
// a dotted IPv4 tail counts as two groups.
bool ipv6_groups(std::string_view s, bool allow_ipv4_tail, int& groups) noexcept {
  groups = 0;
  if (s.empty()) return true;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = s.find(':', start);
    std::string_view group = s.substr(start, colon == npos ? npos : colon - start);
    if (colon == npos && allow_ipv4_tail && group.find('.') != npos) {
      if (!valid_ipv4(group)) return false;
      groups += 2;
      return true;
    }
    if (group.empty() || group.size() > 4) return false;
    for (char c : group) {
      if (!is_hex(c)) return false;
    }
    ++groups;
    if (colon == npos) return true;
    start = colon + 1;
  }
}

bool valid_ipv6(std::string_view s) noexcept {
  std::size_t gap = s.find("::");
  int before = 0;
  int after = 0;
  if (gap == npos) return ipv6_groups(s, true, before) && before == 8;
  if (s.find("::", gap + 1) != npos) return false;  // also catches ":::"
  return ipv6_groups(s.substr(0, gap), false, before) &&
         ipv6_groups(s.substr(gap + 2), true, after) && before + after <= 7;
}

// Host names go to the resolver as they are, so only what DNS (and /etc/hosts
// practice, hence '_') allows is accepted; percent-encoded names are refused.
std::string check_host_name(std::string_view host) {
  std::size_t label = 0;
  for (std::size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '.') {
      if (label == 0) return "empty label in host " + quoted(host);
      label = 0;
    } else if (is_alpha(c) || is_digit(c) || c == '-' || c == '_') {
      ++label;
    } else {
      return "invalid character " + quoted(std::string_view(&host[i], 1)) + " in host " +
             quoted(host);
    }
  }
  return {};
}

std::string check_port(std::string_view text, std::uint16_t& port) {
  if (text.empty()) return "empty port after ':'";
  if (text.size() > 5) return "port " + quoted(text) + " is out of range (1-65535)";
  unsigned value = 0;
  for (char c : text) {
    if (!is_digit(c)) return "invalid port " + quoted(text);
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0) return "port 0 is not allowed";
  if (value > 65535) return "port " + quoted(text) + " is out of range (1-65535)";
  port = static_cast<std::uint16_t>(value);
  return {};
}

// Path + query of the request line from what follows the authority (which
// starts with '/', '?', '#' or is empty).
std::string make_target(std::string_view rest) {
  rest = rest.substr(0, rest.find('#'));
  if (rest.empty()) return "/";
  if (rest[0] == '?') return "/" + std::string(rest);
  return std::string(rest);
}

// Parses "authority[/path][?query][#fragment]" (the part after "scheme://").
// `why` is set on failure.
std::optional<url> parse_after_scheme(bool tls, std::string_view rest, std::string& why) {
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == npos ? std::string_view() : rest.substr(end);

  if (authority.find('@') != npos) {
    why = "user information ('user:password@') is not supported";
    return std::nullopt;
  }
  if (authority.empty()) {
    why = "missing host";
    return std::nullopt;
  }

  url out;
  out.tls = tls;
  out.port = default_port(tls);
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == npos) {
      why = "'[' of an IPv6 host is not closed";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    if (!valid_ipv6(host)) {
      why = "invalid IPv6 address " + quoted(host);
      return std::nullopt;
    }
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        why = "unexpected " + quoted(after) + " after the IPv6 host";
        return std::nullopt;
      }
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) {
      why = "missing host";
      if (port_text.find(':') != npos) why += " (an IPv6 host goes in brackets: [::1])";
      return std::nullopt;
    }
    why = check_host_name(host);
    if (!why.empty()) return std::nullopt;
  }
  if (has_port) {
    why = check_port(port_text, out.port);
    if (!why.empty()) return std::nullopt;
  }
  out.host = lowered(host);
  out.target = make_target(tail);
  return out;
}

std::optional<url> parse_absolute(std::string_view text, std::string& why) {
  std::size_t length = scheme_length(text);
  if (length == 0) {
    why = "no scheme (expected http:// or https://)";
    return std::nullopt;
  }
  std::string scheme = lowered(text.substr(0, length));
  if (scheme != "http" && scheme != "https") {
    why = "scheme " + quoted(text.substr(0, length)) + " is not http or https";
    return std::nullopt;
  }
  std::string_view rest = text.substr(length + 1);
  if (!starts_with(rest, "//")) {
    why = "expected '//' after '" + scheme + ":'";
    return std::nullopt;
  }
  return parse_after_scheme(scheme == "https", rest.substr(2), why);
}

// RFC 3986 5.2.4, on a path that starts with '/'.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  auto drop_last_segment = [&out] {
    std::size_t slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (starts_with(in, "../")) {
      in.remove_prefix(3);
    } else if (starts_with(in, "./") || starts_with(in, "/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (starts_with(in, "/../")) {
      in.remove_prefix(3);
      drop_last_segment();
    } else if (in == "/..") {
      in = "/";
      drop_last_segment();
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      std::size_t end = in.find('/', in[0] == '/' ? 1 : 0);
      out.append(in.substr(0, end));
      in.remove_prefix(end == npos ? in.size() : end);
    }
  }
  return out.empty() ? "/" : out;
}

std::string normalise_target(std::string_view target) {
  std::size_t query = target.find('?');
  std::string out = remove_dot_segments(target.substr(0, query));
  if (query != npos) out.append(target.substr(query));
  return out;
}

std::string_view path_of(const url& u) noexcept {
  std::string_view target = u.target;
  return target.substr(0, target.find('?'));
}

std::optional<url> resolve(const url& base, std::string_view location, std::string& why) {
  if (location.empty()) {
    why = "it is empty";
    return std::nullopt;
  }
  why = check_chars(location);
  if (!why.empty()) return std::nullopt;

  std::optional<url> out;
  if (starts_with(location, "//")) {
    out = parse_after_scheme(base.tls, location.substr(2), why);
  } else if (scheme_length(location) != 0) {
    out = parse_absolute(location, why);
  } else {
    // Same server; only the target changes.
    out = base;
    std::string_view ref = location.substr(0, location.find('#'));
    if (ref.empty()) {
      // "#fragment" alone names the base itself.
    } else if (ref[0] == '/') {
      out->target = std::string(ref);
    } else if (ref[0] == '?') {
      out->target = std::string(path_of(base)) + std::string(ref);
    } else {
      std::string_view path = path_of(base);
      out->target = std::string(path.substr(0, path.rfind('/') + 1)) + std::string(ref);
    }
  }
  if (out) out->target = normalise_target(out->target);
  return out;
}

}  // namespace

std::string url::scheme() const { return tls ? "https" : "http"; }

std::string url::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

std::string url::host_header() const {
  if (port != default_port(tls)) return authority();
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string url::to_string() const { return scheme() + "://" + authority() + target; }

std::optional<url> parse_url(std::string_view text, boost::system::error_code& ec,
                             diagnostics& diag) {
  ec.clear();
  diag.clear();
  std::string why = check_chars(text);
  std::optional<url> out;
  if (why.empty()) out = parse_absolute(text, why);
  if (!out) {
    ec = error::invalid_url;
    diag.set_message("invalid URL " + quoted(text) + ": " + why);
  }
  return out;
}

std::optional<url> resolve_location(const url& base, std::string_view location,
                                    boost::system::error_code& ec, diagnostics& diag) {
  ec.clear();
  diag.clear();
  // Header values carry no surrounding whitespace by definition (RFC 9110
  // 5.5), but a lenient parser may hand it over.
  while (!location.empty() && (location.front() == ' ' || location.front() == '\t')) {
    location.remove_prefix(1);
  }
  while (!location.empty() && (location.back() == ' ' || location.back() == '\t')) {
    location.remove_suffix(1);
  }
  std::string why;
  std::optional<url> out = resolve(base, location, why);
  if (!out) {
    ec = error::invalid_url;
    diag.set_message("invalid Location " + quoted(location) + " in a redirect from " +
                     base.to_string() + ": " + why);
  }
  return out;
}

url endpoint_url(const url& base, std::string_view api_path) {
  std::string api(api_path);
  if (api.empty() || api[0] != '/') api.insert(api.begin(), '/');

  std::string_view prefix = path_of(base);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);

  url out = base;
  if (prefix.size() >= api.size() && prefix.substr(prefix.size() - api.size()) == api) {
    out.target = std::string(prefix);
  } else {
    out.target = std::string(prefix) + api;
  }
  return out;
}

}  // namespace mesos_http
