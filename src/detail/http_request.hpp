// HTTP/1.1 POST requests to a Mesos API endpoint, formatted by hand.
//
// Every request this library sends has the same shape, so a few appends are
// cheaper than Beast's serializer and let many calls be written in one
// buffer (pipelining).
#ifndef MESOS_HTTP_DETAIL_HTTP_REQUEST_HPP
#define MESOS_HTTP_DETAIL_HTTP_REQUEST_HPP

#include <mesos_http/content_type.hpp>
#include <mesos_http/url.hpp>

#include <charconv>
#include <string>
#include <string_view>

namespace mesos_http::detail {

struct post_headers {
  content_type content = content_type::protobuf;
  bool accept = false;             ///< send `Accept` (SUBSCRIBE only)
  std::string_view stream_id;      ///< Mesos-Stream-Id, "" for none
  std::string_view authorization;  ///< Authorization value, "" for none
  std::string_view user_agent;
  std::string_view host;  ///< Host value; `to.host_header()` when ""
};

/// Appends the request line and every header but Content-Length: the part
/// that is the same for every call of one write.
inline void append_post_head(std::string& out, const url& to, const post_headers& h) {
  out.append("POST ").append(to.target).append(" HTTP/1.1\r\nHost: ");
  if (h.host.empty()) {
    out.append(to.host_header());
  } else {
    out.append(h.host);
  }
  out.append("\r\nContent-Type: ");
  out.append(media_type(h.content)).append("\r\n");
  if (h.accept) out.append("Accept: ").append(media_type(h.content)).append("\r\n");
  if (!h.stream_id.empty()) out.append("Mesos-Stream-Id: ").append(h.stream_id).append("\r\n");
  if (!h.authorization.empty())
    out.append("Authorization: ").append(h.authorization).append("\r\n");
  if (!h.user_agent.empty()) out.append("User-Agent: ").append(h.user_agent).append("\r\n");
}

/// Appends Content-Length, the blank line and `body`.
inline void append_post_body(std::string& out, std::string_view body) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body.size());
  (void)ec;  // 24 digits hold any size_t
  out.append("Content-Length: ").append(digits, end).append("\r\n\r\n");
  out.append(body);
}

/// Appends `POST target` with `body` to `out`.
inline void append_post(std::string& out, const url& to, const post_headers& h,
                        std::string_view body) {
  append_post_head(out, to, h);
  append_post_body(out, body);
}

}  // namespace mesos_http::detail

#endif  // MESOS_HTTP_DETAIL_HTTP_REQUEST_HPP
