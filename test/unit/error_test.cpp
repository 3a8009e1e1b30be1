// The error category and diagnostics.
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <catch2/catch.hpp>

#include <set>

using mesos_http::error;

TEST_CASE("every error value has its own message in the mesos_http category", "[error]") {
  std::set<std::string> messages;
  int count = 0;
  for (int v = static_cast<int>(error::recordio_empty_length);
       v <= static_cast<int>(error::stopped); ++v, ++count) {
    boost::system::error_code ec = static_cast<error>(v);
    CHECK(ec.category() == mesos_http::error_category());
    CHECK(std::string(ec.category().name()) == "mesos_http");
    CHECK(ec.message().find("unknown") == std::string::npos);
    messages.insert(ec.message());
  }
  CHECK(messages.size() == static_cast<std::size_t>(count));
  boost::system::error_code none;
  CHECK_FALSE(none);
  CHECK(boost::system::error_code(error::malformed_json) == error::malformed_json);
  CHECK(boost::system::error_code(error::malformed_json) != error::malformed_protobuf);
}

TEST_CASE("diagnostics hold details and clear completely", "[error]") {
  mesos_http::diagnostics diag;
  CHECK(diag.empty());
  diag.set_message("bad record");
  diag.set_byte_offset(42);
  diag.set_http_status(400);
  diag.set_body_excerpt(std::string(2000, 'x'));
  CHECK(diag.body_excerpt().size() == mesos_http::diagnostics::max_excerpt);
  CHECK(diag.to_string() == "bad record (HTTP 400) (at byte 42)");
  diag.clear();
  CHECK(diag.empty());
  CHECK(diag.to_string().empty());
}
