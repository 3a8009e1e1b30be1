#include "support/http_messages.hpp"

#include <fstream>
#include <iterator>
#include <sstream>

namespace mesos_http::test {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 9110 tchar.
bool is_tchar(char c) {
  if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// Visible characters, SP, HTAB and obs-text: what a field value may hold.
bool is_field_text(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && u != '\t') return false;
    if (u == 0x7f) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_http_version(std::string_view s) {
  return s.size() == 8 && s.substr(0, 7) == "HTTP/1." && is_digit(s[7]);
}

bool is_response_line(std::string_view line) {
  return line.size() >= 5 && line.substr(0, 5) == "HTTP/";
}

class splitter {
 public:
  explicit splitter(std::string_view data) : data_(data) {}

  split_result run() {
    while (pos_ < data_.size() && result_.ok()) {
      http_message msg;
      msg.begin = pos_;
      if (!message(msg)) break;
      msg.end = pos_;
      const bool stop = msg.truncated;
      result_.messages.push_back(std::move(msg));
      if (stop) break;  // the data ended inside that message
    }
    return std::move(result_);
  }

 private:
  enum class line_status { ok, incomplete, error };

  bool fail(std::size_t offset, std::string what) {
    result_.error = std::move(what) + " (at byte " + std::to_string(offset) + ")";
    result_.error_offset = offset;
    return false;
  }

  // Reads one CRLF-terminated line at pos_ into `line` (without the CRLF)
  // and advances pos_ past it.
  line_status read_line(std::string_view& line) {
    const std::size_t lf = data_.find('\n', pos_);
    if (lf == std::string_view::npos) {
      // No complete line: a CR anywhere but at the very end is malformed.
      const std::size_t cr = data_.find('\r', pos_);
      if (cr != std::string_view::npos && cr + 1 != data_.size()) {
        fail(cr, "CR not followed by LF");
        return line_status::error;
      }
      return line_status::incomplete;
    }
    if (lf == pos_ || data_[lf - 1] != '\r') {
      fail(lf, "bare LF (lines must end with CRLF)");
      return line_status::error;
    }
    line = data_.substr(pos_, lf - 1 - pos_);
    const std::size_t cr = line.find('\r');
    if (cr != std::string_view::npos) {
      fail(pos_ + cr, "CR not followed by LF");
      return line_status::error;
    }
    pos_ = lf + 1;
    return line_status::ok;
  }

  bool start_line(http_message& msg) {
    const std::size_t at = pos_;
    std::string_view line;
    switch (read_line(line)) {
      case line_status::error: return false;
      case line_status::incomplete: return fail(at, "data ends inside the start line");
      case line_status::ok: break;
    }
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return fail(at, "start line needs three parts");
    const std::string_view a = line.substr(0, sp1);
    const std::string_view b = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view c = line.substr(sp2 + 1);
    if (is_response_line(line)) {
      if (!is_http_version(a)) return fail(at, "bad HTTP version in status line");
      if (b.size() != 3 || !is_digit(b[0]) || !is_digit(b[1]) || !is_digit(b[2]) || b[0] == '0')
        return fail(at + sp1 + 1, "bad status code");
      if (!is_field_text(c)) return fail(at + sp2 + 1, "bad reason phrase");
    } else {
      if (!is_token(a)) return fail(at, "bad request method");
      if (b.empty() || !is_field_text(b) || b.find_first_of(" \t") != std::string_view::npos)
        return fail(at + sp1 + 1, "bad request target");
      if (!is_http_version(c)) return fail(at + sp2 + 1, "bad HTTP version in request line");
    }
    msg.start_line = std::string(line);
    return true;
  }

  // Header or trailer fields up to and including the empty line. Returns
  // false on error; sets `incomplete` if the data ended first.
  bool fields(std::vector<http_header>& out, bool& incomplete) {
    incomplete = false;
    for (;;) {
      const std::size_t at = pos_;
      std::string_view line;
      switch (read_line(line)) {
        case line_status::error: return false;
        case line_status::incomplete: incomplete = true; return true;
        case line_status::ok: break;
      }
      if (line.empty()) return true;
      if (line.front() == ' ' || line.front() == '\t')
        return fail(at, "obsolete line folding");
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return fail(at, "header line without ':'");
      const std::string_view name = line.substr(0, colon);
      if (!is_token(name)) return fail(at, "bad header name");
      const std::string_view value = trim_ows(line.substr(colon + 1));
      if (!is_field_text(value)) return fail(at + colon + 1, "bad header value");
      out.push_back({std::string(name), std::string(value)});
    }
  }

  bool message(http_message& msg) {
    if (!start_line(msg)) return false;
    bool incomplete = false;
    const std::size_t headers_at = pos_;
    if (!fields(msg.headers, incomplete)) return false;
    if (incomplete) return fail(headers_at, "data ends inside the header section");
    return body(msg);
  }

  bool body(http_message& msg) {
    const std::size_t at = pos_;
    const int status = msg.status();
    if (status >= 0 && (status < 200 || status == 204 || status == 304)) {
      msg.framing = body_framing::none;
      return true;
    }

    const std::size_t te_count = msg.header_count("Transfer-Encoding");
    const std::size_t cl_count = msg.header_count("Content-Length");
    if (te_count > 1) return fail(at, "more than one Transfer-Encoding header");
    if (te_count == 1 && cl_count > 0)
      return fail(at, "both Transfer-Encoding and Content-Length");
    if (te_count == 1) {
      if (!iequals(*msg.header("Transfer-Encoding"), "chunked"))
        return fail(at, "unsupported Transfer-Encoding (only \"chunked\")");
      msg.framing = body_framing::chunked;
      return chunked(msg);
    }
    if (cl_count > 0) {
      std::optional<std::size_t> length;
      for (const auto& h : msg.headers) {
        if (!iequals(h.name, "Content-Length")) continue;
        if (h.value.empty() || h.value.size() > 15) return fail(at, "bad Content-Length");
        std::size_t n = 0;
        for (char c : h.value) {
          if (!is_digit(c)) return fail(at, "bad Content-Length");
          n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        if (length && *length != n) return fail(at, "conflicting Content-Length headers");
        length = n;
      }
      msg.framing = body_framing::content_length;
      const std::size_t available = data_.size() - pos_;
      const std::size_t take = *length < available ? *length : available;
      msg.body.assign(data_.substr(pos_, take));
      pos_ += take;
      msg.truncated = take < *length;
      return true;
    }
    if (msg.is_request()) {
      msg.framing = body_framing::none;
      return true;
    }
    msg.framing = body_framing::until_eof;
    msg.body.assign(data_.substr(pos_));
    pos_ = data_.size();
    return true;
  }

  // Checks that the rest of the data is a valid prefix of a chunk-size line.
  bool partial_size_line(std::size_t at) {
    std::string_view rest = data_.substr(at);
    if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
    std::size_t digits = 0;
    while (digits < rest.size() && hex_value(rest[digits]) >= 0) ++digits;
    if (digits == rest.size()) return true;
    if (digits > 0 && rest[digits] == ';' && is_field_text(rest.substr(digits))) return true;
    return fail(at, "bad chunk size line");
  }

  bool chunked(http_message& msg) {
    for (;;) {
      const std::size_t at = pos_;
      if (pos_ == data_.size()) {  // cut exactly between two chunks
        msg.truncated = true;
        return true;
      }
      std::string_view line;
      switch (read_line(line)) {
        case line_status::error: return false;
        case line_status::incomplete:
          msg.truncated = true;
          return partial_size_line(at);
        case line_status::ok: break;
      }
      // chunk-size [ ";" chunk-ext ]
      std::string_view size_text = line.substr(0, line.find(';'));
      if (size_text.empty() || size_text.size() > 15)
        return fail(at, "bad chunk size line");
      std::size_t size = 0;
      for (char c : size_text) {
        const int v = hex_value(c);
        if (v < 0) return fail(at, "bad chunk size line");
        size = size * 16 + static_cast<std::size_t>(v);
      }
      if (size_text.size() < line.size() && !is_field_text(line.substr(size_text.size())))
        return fail(at, "bad chunk extension");

      if (size == 0) {
        bool incomplete = false;
        std::vector<http_header> trailers;
        if (!fields(trailers, incomplete)) return false;
        if (incomplete) {
          msg.truncated = true;
          return true;
        }
        msg.chunked_terminated = true;
        return true;
      }

      msg.chunk_sizes.push_back(size);
      const std::size_t available = data_.size() - pos_;
      if (available < size) {  // cut inside the chunk data
        msg.body.append(data_.substr(pos_));
        pos_ = data_.size();
        msg.truncated = true;
        return true;
      }
      msg.body.append(data_.substr(pos_, size));
      pos_ += size;
      const std::string_view crlf = data_.substr(pos_, 2);
      if (crlf == "\r\n") {
        pos_ += 2;
        continue;
      }
      if (crlf.empty() || crlf == "\r") {  // cut inside the CRLF after data
        pos_ = data_.size();
        msg.truncated = true;
        return true;
      }
      return fail(pos_, "chunk data not followed by CRLF");
    }
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  split_result result_;
};

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool http_message::is_response() const { return is_response_line(start_line); }

int http_message::status() const {
  if (!is_response() || start_line.size() < 12) return -1;
  for (std::size_t i = 9; i < 12; ++i)
    if (!is_digit(start_line[i])) return -1;
  return (start_line[9] - '0') * 100 + (start_line[10] - '0') * 10 + (start_line[11] - '0');
}

std::string_view http_message::method() const {
  if (is_response()) return {};
  std::string_view line = start_line;
  return line.substr(0, line.find(' '));
}

std::string_view http_message::target() const {
  if (is_response()) return {};
  std::string_view line = start_line;
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  return line.substr(sp1 + 1, sp2 - sp1 - 1);
}

std::optional<std::string_view> http_message::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

std::size_t http_message::header_count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& h : headers)
    if (iequals(h.name, name)) ++n;
  return n;
}

split_result split_http_messages(std::string_view data) { return splitter(data).run(); }

std::optional<std::string> read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buf.str();
}

}  // namespace mesos_http::test
