// An HTTP/1.1 response parser that hands body bytes straight to a sink.
//
// Beast's `basic_parser` does the framing (status line, headers, chunked or
// Content-Length bodies); this subclass keeps only what a Mesos client reads
// and, for the never-ending SUBSCRIBE stream, forwards every body fragment as
// it is decoded, so memory stays bounded by the RecordIO decoder's limit
// rather than by the stream's length. Other answers are small: their body is
// kept up to a cap (the rest is counted and dropped) for diagnostics.
#ifndef MESOS_HTTP_IO_RESPONSE_PARSER_HPP
#define MESOS_HTTP_IO_RESPONSE_PARSER_HPP

#include "detail/subscription_fsm.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>

#include <functional>
#include <string_view>

namespace mesos_http::io {

class response_parser : public boost::beast::http::basic_parser<false> {
 public:
  /// Receives body bytes of a streamed answer; returns false to stop parsing.
  using body_sink = std::function<bool(std::string_view)>;

  /// Longest body kept for a non-streamed answer.
  static constexpr std::size_t max_kept_body = 4096;

  /// Parses one answer into `head`, which it clears first (its strings keep
  /// their capacity, so a reused head costs no allocation per answer).
  explicit response_parser(detail::http_response_head& head) : head_(head) {
    head_.status = 0;
    head_.content_type.clear();
    head_.location.clear();
    head_.stream_id.clear();
    head_.body.clear();
    eager(true);
    body_limit(boost::none);  // the event stream never ends; records are bounded instead
  }

  /// Streams the body of a 200 answer to `sink` instead of keeping it.
  void stream_ok_body(body_sink sink) { sink_ = std::move(sink); }

  detail::http_response_head& head() noexcept { return head_; }
  bool streaming() const noexcept { return streaming_; }
  /// True when the sink asked to stop.
  bool stopped_by_sink() const noexcept { return sink_stopped_; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                       boost::beast::string_view, int, boost::beast::error_code& ec) override {
    ec = boost::beast::http::error::bad_method;  // never used for responses
  }

  void on_response_impl(int code, boost::beast::string_view, int,
                        boost::beast::error_code&) override {
    head_.status = static_cast<unsigned>(code);
  }

  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_text,
                     boost::beast::string_view value, boost::beast::error_code&) override {
    using boost::beast::http::field;
    if (name == field::content_type) {
      head_.content_type.assign(value.data(), value.size());
    } else if (name == field::location) {
      head_.location.assign(value.data(), value.size());
    } else if (name == field::unknown && boost::beast::iequals(name_text, "Mesos-Stream-Id")) {
      head_.stream_id.assign(value.data(), value.size());
    }
  }

  void on_header_impl(boost::beast::error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::beast::error_code&) override {
    streaming_ = head_.status == 200 && sink_ != nullptr;
  }

  std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override {
    return take(body, ec);
  }

  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                            boost::beast::error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 boost::beast::error_code& ec) override {
    return take(body, ec);
  }

  void on_finish_impl(boost::beast::error_code&) override {}

  std::size_t take(boost::beast::string_view body, boost::beast::error_code& ec) {
    if (streaming_) {
      if (!sink_(std::string_view(body.data(), body.size()))) {
        sink_stopped_ = true;
        ec = boost::beast::http::error::end_of_stream;
      }
    } else if (head_.body.size() < max_kept_body) {
      head_.body.append(body.data(), std::min(body.size(), max_kept_body - head_.body.size()));
    }
    return body.size();
  }

  detail::http_response_head& head_;
  body_sink sink_;
  bool streaming_ = false;
  bool sink_stopped_ = false;
};

}  // namespace mesos_http::io

#endif  // MESOS_HTTP_IO_RESPONSE_PARSER_HPP
