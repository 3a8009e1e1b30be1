// Standard base64 (RFC 4648, alphabet "+/"), as Mesos uses for `bytes` in
// JSON and for HTTP basic authentication.
#ifndef MESOS_HTTP_DETAIL_BASE64_HPP
#define MESOS_HTTP_DETAIL_BASE64_HPP

#include <string>
#include <string_view>

namespace mesos_http::detail {

/// Appends the padded base64 form of `bytes` to `out`.
void base64_append(std::string& out, std::string_view bytes);

/// Decodes `text` into `out` (replacing it), as leniently as Mesos does:
/// padding is optional, ASCII whitespace is skipped, decoding stops at the
/// first '='. Any other byte outside the alphabet (including the URL-safe
/// '-' and '_') makes it return false.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace mesos_http::detail

#endif  // MESOS_HTTP_DETAIL_BASE64_HPP
