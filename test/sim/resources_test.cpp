#include "sim/resources.hpp"

#include <catch2/catch.hpp>

namespace v1 = mesos::v1;
using namespace mesos_http::sim::detail;

namespace {

resource_list parse(const std::string& text) {
  std::string error;
  auto parsed = parse_resources(text, &error);
  INFO(error);
  REQUIRE(parsed);
  return *parsed;
}

}  // namespace

TEST_CASE("resources: parse the agent text form", "[sim][resources]") {
  auto r = parse("cpus:4;mem:8192;disk:10000;ports:[31000-32000]");
  REQUIRE(r.size() == 4);
  CHECK(r[0].name() == "cpus");
  CHECK(r[0].type() == v1::Value::SCALAR);
  CHECK(r[0].scalar().value() == 4.0);
  CHECK(r[0].reservations_size() == 0);
  CHECK(r[3].type() == v1::Value::RANGES);
  REQUIRE(r[3].ranges().range_size() == 1);
  CHECK(r[3].ranges().range(0).begin() == 31000);
  CHECK(r[3].ranges().range(0).end() == 32000);
  CHECK(to_string(r) == "cpus:4; mem:8192; disk:10000; ports:[31000-32000]");
}

TEST_CASE("resources: reservations, sets and repeated names", "[sim][resources]") {
  auto r = parse("cpus:2;cpus(ops):1.5;zones:{b,a};cpus:1");
  REQUIRE(r.size() == 3);
  CHECK(r[0].scalar().value() == 3.0);  // both unreserved cpus entries added up
  REQUIRE(r[1].reservations_size() == 1);
  CHECK(r[1].reservations(0).role() == "ops");
  CHECK(r[1].reservations(0).type() == v1::Resource::ReservationInfo::STATIC);
  CHECK(reservation_role(r[1]) == "ops");
  CHECK(reservation_role(r[0]) == "*");
  REQUIRE(r[2].set().item_size() == 2);
  CHECK(r[2].set().item(0) == "a");
  CHECK(allocatable_to(r[1], "ops"));
  CHECK(allocatable_to(r[1], "ops/team"));
  CHECK_FALSE(allocatable_to(r[1], "opsx"));
  CHECK(allocatable_to(r[0], "anything"));
}

TEST_CASE("resources: bad text is refused", "[sim][resources]") {
  std::string error;
  CHECK_FALSE(parse_resources("cpus", &error));
  CHECK_FALSE(error.empty());
  CHECK_FALSE(parse_resources("cpus:abc"));
  CHECK_FALSE(parse_resources("cpus:-1"));
  CHECK_FALSE(parse_resources("ports:[10-x]"));
  CHECK_FALSE(parse_resources("ports:[20-10]"));
  CHECK_FALSE(parse_resources("cpus(-bad):1"));
  CHECK_FALSE(parse_resources("cpus:inf"));
  CHECK(parse_resources(""));
}

TEST_CASE("resources: scalar arithmetic keeps three decimals", "[sim][resources]") {
  auto have = parse("cpus:1");
  for (int i = 0; i < 10; ++i) REQUIRE(subtract(have, parse("cpus:0.1")));
  CHECK(have.empty());  // exactly zero, no floating residue
  auto sum = parse("cpus:0.0001");
  CHECK(sum.empty());  // rounds to zero
  CHECK(round_scalar(0.1 + 0.2) == 0.3);
}

TEST_CASE("resources: contains and subtract for scalars, ranges and sets", "[sim][resources]") {
  auto have = parse("cpus:4;mem:100;ports:[1000-1009,2000-2001];zones:{a,b,c}");
  CHECK(contains(have, parse("cpus:4;ports:[1002-1003];zones:{a,c}")));
  CHECK_FALSE(contains(have, parse("cpus:4.001")));
  CHECK_FALSE(contains(have, parse("ports:[1009-2000]")));
  CHECK_FALSE(contains(have, parse("zones:{d}")));
  CHECK_FALSE(contains(have, parse("gpus:1")));
  CHECK_FALSE(contains(have, parse("cpus(ops):1")));  // reserved is another kind

  REQUIRE(subtract(have, parse("cpus:1.5;ports:[1002-1003,2000-2001];zones:{b}")));
  CHECK(scalar_sum(have, "cpus") == 2.5);
  CHECK(to_string(have) == "cpus:2.5; mem:100; ports:[1000-1001, 1004-1009]; zones:{a, c}");

  auto before = have;
  CHECK_FALSE(subtract(have, parse("mem:101")));
  CHECK(to_string(have) == to_string(before));  // unchanged on failure

  add(have, parse("ports:[1002-1003];zones:{b}"));
  CHECK(to_string(have) == "cpus:2.5; mem:100; ports:[1000-1009]; zones:{a, b, c}");
}

TEST_CASE("resources: validation of what frameworks send", "[sim][resources]") {
  v1::Resource r;
  r.set_name("cpus");
  r.set_type(v1::Value::SCALAR);
  CHECK(validate_resource(r) == std::optional<std::string>("Invalid scalar resource"));
  r.mutable_scalar()->set_value(-1);
  CHECK(validate_resource(r) == std::optional<std::string>("Invalid scalar resource: value < 0"));
  r.mutable_scalar()->set_value(1);
  CHECK_FALSE(validate_resource(r));
  r.set_name("");
  CHECK(validate_resource(r) == std::optional<std::string>("Empty resource name"));

  v1::Resource ports;
  ports.set_name("ports");
  ports.set_type(v1::Value::RANGES);
  auto* a = ports.mutable_ranges()->add_range();
  a->set_begin(10);
  a->set_end(20);
  auto* b = ports.mutable_ranges()->add_range();
  b->set_begin(15);
  b->set_end(30);
  CHECK(validate_resource(ports) ==
        std::optional<std::string>("Invalid ranges resource: overlapping ranges"));

  v1::Resource set;
  set.set_name("zones");
  set.set_type(v1::Value::SET);
  set.mutable_set()->add_item("a");
  set.mutable_set()->add_item("a");
  CHECK(validate_resource(set) ==
        std::optional<std::string>("Invalid set resource: duplicated elements"));
}

TEST_CASE("resources: both reservation formats and the framework view", "[sim][resources]") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  v1::Resource old_style;
  old_style.set_name("disk");
  old_style.set_type(v1::Value::SCALAR);
  old_style.mutable_scalar()->set_value(10);
  old_style.set_role("ops");
  old_style.mutable_reservation()->set_principal("me");
  old_style.mutable_allocation_info()->set_role("ops");
  v1::Resource c = canonical(old_style);
  CHECK_FALSE(c.has_role());
  CHECK_FALSE(c.has_allocation_info());
  REQUIRE(c.reservations_size() == 1);
  CHECK(c.reservations(0).type() == v1::Resource::ReservationInfo::DYNAMIC);
  CHECK(c.reservations(0).principal() == "me");
  CHECK(is_dynamically_reserved(c));
  CHECK(pop_reservation(c).reservations_size() == 0);

  std::string role = "ops";
  v1::Resource pre = framework_format(c, false, &role);
  CHECK(pre.role() == "ops");
  CHECK(pre.reservation().principal() == "me");
  CHECK(pre.reservations_size() == 0);
  CHECK(pre.allocation_info().role() == "ops");
  v1::Resource post = framework_format(c, true, nullptr);
  CHECK_FALSE(post.has_role());
  CHECK(post.reservations_size() == 1);
  CHECK_FALSE(post.has_allocation_info());

  auto unreserved = parse("cpus:1");
  CHECK(framework_format(unreserved[0], false, nullptr).role() == "*");
#pragma GCC diagnostic pop
}

TEST_CASE("resources: role names", "[sim][resources]") {
  CHECK_FALSE(validate_role("*"));
  CHECK_FALSE(validate_role("a/b"));
  CHECK(validate_role(""));
  CHECK(validate_role("a//b"));
  CHECK(validate_role("a/*"));
  CHECK(validate_role("-a"));
  CHECK(validate_role("a b"));
  CHECK(validate_role("/a"));
  CHECK(validate_role(".."));
}

TEST_CASE("resources: agent attributes", "[sim][resources]") {
  CHECK(parse_attribute("rack", "r1").type() == v1::Value::TEXT);
  CHECK(parse_attribute("rack", "r1").text().value() == "r1");
  CHECK(parse_attribute("gen", "3").type() == v1::Value::SCALAR);
  CHECK(parse_attribute("ids", "[1-3]").type() == v1::Value::RANGES);
  CHECK(parse_attribute("zones", "{a,b}").set().item_size() == 2);
}
