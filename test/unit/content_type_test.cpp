// Content type names, compared exactly as Mesos compares them.
#include <mesos_http/content_type.hpp>

#include <catch2/catch.hpp>

using mesos_http::content_type;

TEST_CASE("content types map to Mesos's exact media types", "[content_type]") {
  CHECK(media_type(content_type::json) == "application/json");
  CHECK(media_type(content_type::protobuf) == "application/x-protobuf");
  CHECK(mesos_http::content_type_from_media_type("application/json") == content_type::json);
  CHECK(mesos_http::content_type_from_media_type("application/x-protobuf") == content_type::protobuf);
  // Mesos refuses parameters and other spellings (415), so do we.
  CHECK_FALSE(mesos_http::content_type_from_media_type("application/json; charset=utf-8"));
  CHECK_FALSE(mesos_http::content_type_from_media_type("Application/JSON"));
  CHECK_FALSE(mesos_http::content_type_from_media_type("application/recordio"));
  CHECK_FALSE(mesos_http::content_type_from_media_type(""));
}

TEST_CASE("content types have short names for command lines", "[content_type]") {
  CHECK(mesos_http::to_string(content_type::json) == "json");
  CHECK(mesos_http::to_string(content_type::protobuf) == "protobuf");
  CHECK(mesos_http::parse_content_type("json") == content_type::json);
  CHECK(mesos_http::parse_content_type("protobuf") == content_type::protobuf);
  CHECK(mesos_http::parse_content_type("application/x-protobuf") == content_type::protobuf);
  CHECK_FALSE(mesos_http::parse_content_type("xml"));
}
