#include "amf_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace lectern::server {
namespace {

namespace amf = shared::amf;
using nlohmann::json;

json to_json(const amf::value& v) {
  std::string why;
  auto j = amf_to_json(v, why);
  EXPECT_TRUE(j.has_value()) << why;
  return j.value_or(json("<refused>"));
}

TEST(AmfJson, ScalarsBecomeJsonScalars) {
  EXPECT_EQ(to_json(amf::value(3.0)), json(3));
  EXPECT_TRUE(to_json(amf::value(3.0)).is_number_integer());
  EXPECT_EQ(to_json(amf::value(2.5)), json(2.5));
  EXPECT_EQ(to_json(amf::value(-7, nullptr)), json(-7));
  EXPECT_EQ(to_json(amf::value(true)), json(true));
  EXPECT_EQ(to_json(amf::value("héllo")), json("héllo"));
  EXPECT_TRUE(to_json(amf::null_t{}).is_null());
  EXPECT_TRUE(to_json(amf::undefined_t{}).is_null());
  EXPECT_TRUE(to_json(amf::value(std::nan(""))).is_null());
  EXPECT_TRUE(to_json(amf::value(std::numeric_limits<double>::infinity())).is_null());
  // Beyond 2^53 a double is not an exact integer: it stays a floating-point number.
  EXPECT_TRUE(to_json(amf::value(1e300)).is_number_float());
}

TEST(AmfJson, ContainersKeepTheirShape) {
  amf::object typed;
  typed.class_name = "com.example.Answer";
  typed.set("q", "q1").set("choice", 2.0);
  amf::ecma_array ecma;
  ecma.properties.push_back({"n", amf::value(1.0)});
  amf::strict_array list;
  list.items = {amf::value(1.0), amf::value("two"), amf::value(ecma)};
  amf::object outer;
  outer.set("answer", typed).set("list", list).set("ints", amf::vector_int{{1, -2}, false});
  outer.set("doubles", amf::vector_double{{0.5}, false});
  outer.set("objs", amf::vector_object{"", {amf::value(false)}, false});
  EXPECT_EQ(to_json(outer), json::parse(R"({"answer":{"q":"q1","choice":2},
      "list":[1,"two",{"n":1}],"ints":[1,-2],"doubles":[0.5],"objs":[false]})"));
}

TEST(AmfJson, DatesAndXml) {
  EXPECT_EQ(to_json(amf::date{1700000000123.0, 0}), json({{"$date", 1700000000123}}));
  EXPECT_EQ(to_json(amf::xml_document{"<a/>", false}), json("<a/>"));
  // And a {"$date": ms} object comes back as a date.
  const auto back = json_to_amf(json({{"$date", 1700000000123}}));
  ASSERT_TRUE(back.is<amf::date>());
  EXPECT_EQ(back.get_if<amf::date>()->millis, 1700000000123.0);
}

TEST(AmfJson, ValuesWithoutJsonFormAreRefusedWithAReason) {
  std::string why;
  EXPECT_FALSE(amf_to_json(amf::byte_array{{1, 2}}, why));
  EXPECT_NE(why.find("ByteArray"), std::string::npos);
  amf::object o;
  o.set("d", amf::dictionary{});
  EXPECT_FALSE(amf_to_json(o, why));
  EXPECT_NE(why.find("Dictionary"), std::string::npos);
}

TEST(AmfJson, LimitsAreEnforced) {
  amf_json_limits lim;
  lim.max_depth = 4;
  lim.max_string = 8;
  lim.max_elements = 3;
  std::string why;
  amf::value v = amf::value(1.0);
  for (int i = 0; i < 4; ++i) v = amf::strict_array{{v}};
  EXPECT_TRUE(amf_to_json(v, why, lim)) << why;
  v = amf::strict_array{{v}};
  EXPECT_FALSE(amf_to_json(v, why, lim));
  EXPECT_NE(why.find("nested"), std::string::npos);

  EXPECT_FALSE(amf_to_json(amf::value("123456789"), why, lim));
  EXPECT_TRUE(amf_to_json(amf::value("12345678"), why, lim));
  amf::strict_array four{{amf::value(1.0), amf::value(2.0), amf::value(3.0), amf::value(4.0)}};
  EXPECT_FALSE(amf_to_json(four, why, lim));
  amf::object long_name;
  long_name.set("a-long-member-name", 1.0);
  EXPECT_FALSE(amf_to_json(long_name, why, lim));
}

TEST(AmfJson, JsonBecomesAmf0FriendlyValues) {
  const auto v = json_to_amf(json::parse(R"({"n":3,"u":18446744073709551615,"f":0.25,
      "s":"x","b":false,"z":null,"a":[1,{"k":"v"}]})"));
  ASSERT_TRUE(v.is<amf::object>());
  const auto& o = *v.get_if<amf::object>();
  EXPECT_TRUE(o.class_name.empty());
  ASSERT_NE(o.find("n"), nullptr);
  EXPECT_TRUE(o.find("n")->is<double>());  // AMF0 has no integer type
  EXPECT_EQ(*o.find("n")->as_number(), 3.0);
  EXPECT_TRUE(o.find("u")->is<double>());
  EXPECT_EQ(*o.find("f")->as_number(), 0.25);
  EXPECT_EQ(*o.find("s")->as_string(), "x");
  EXPECT_EQ(*o.find("b"), amf::value(false));
  EXPECT_TRUE(o.find("z")->is<amf::null_t>());
  ASSERT_TRUE(o.find("a")->is<amf::strict_array>());
  const auto& a = o.find("a")->get_if<amf::strict_array>()->items;
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(*a[1].member("k")->as_string(), "v");
}

TEST(AmfJson, RoundTripKeepsJsonValues) {
  const auto j = json::parse(R"({"q":["a","b"],"n":-12,"x":1.5,"ok":true,"none":null,
      "nested":{"deep":{"deeper":[[]]}}})");
  std::string why;
  EXPECT_EQ(amf_to_json(json_to_amf(j), why), j);
}

TEST(AmfJson, JsonDeeperThanTheLimitIsCutToNull) {
  amf_json_limits lim;
  lim.max_depth = 2;
  const auto v = json_to_amf(json::parse("[[[1]]]"), lim);
  std::string why;
  EXPECT_EQ(amf_to_json(v, why), json::parse("[[null]]"));
}

}  // namespace
}  // namespace lectern::server
