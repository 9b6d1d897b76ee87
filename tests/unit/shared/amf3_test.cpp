// AMF3 golden vectors (AMF3 spec, Adobe 2013), reference tables, externalizable Flex classes,
// every hard limit, and truncation at every byte offset.
#include "lectern/shared/amf3.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "lectern/shared/error.hpp"

namespace lectern::shared {
namespace {

using test::hex;
using test::to_hex;

std::error_code decode_one(byte_view in, amf::value& out, const amf::limits& lim = {}) {
  amf3::decoder d(in, lim);
  if (auto ec = d.next(out)) return ec;
  return d.done() ? std::error_code{} : error::amf_trailing_bytes;
}

std::error_code decode_error(std::string_view hex_text, const amf::limits& lim = {}) {
  std::vector<amf::value> out;
  return amf3::decode_all(hex(hex_text), out, lim);
}

bytes encoded(const amf::value& v) {
  bytes out;
  amf3::encode(v, out);
  return out;
}

amf::value i(std::int32_t n) {
  return amf::value(n, nullptr);
}

amf::value obj(std::string class_name, std::vector<amf::property> props, std::size_t sealed,
               bool dynamic) {
  amf::object o;
  o.class_name = std::move(class_name);
  o.properties = std::move(props);
  o.sealed_count = sealed;
  o.dynamic = dynamic;
  return o;
}

constexpr const char* k_array_collection =
    "43 66 6c 65 78 2e 6d 65 73 73 61 67 69 6e 67 2e 69 6f 2e 41 72 72 61 79 43 6f 6c 6c 65 63 "
    "74 69 6f 6e ";
constexpr const char* k_object_proxy =
    "3b 66 6c 65 78 2e 6d 65 73 73 61 67 69 6e 67 2e 69 6f 2e 4f 62 6a 65 63 74 50 72 6f 78 79 ";

struct golden {
  std::string name;
  std::string hex;
  amf::value value;
};

// Canonical encodings: decode(hex) == value and encode(value) == hex.
std::vector<golden> goldens() {
  amf::dictionary dict;
  dict.entries = {{"k", i(1)}, {i(2), "v"}};
  const amf::value foo1 = obj("Foo", {{"x", i(1)}}, 1, false);
  const amf::value foo2 = obj("Foo", {{"x", i(2)}}, 1, false);
  return {
      {"undefined", "00", amf::undefined_t{}},
      {"null", "01", amf::null_t{}},
      {"false", "02", false},
      {"true", "03", true},
      // U29 (AMF3 spec 1.3.1) at each length boundary, and 29-bit sign extension (3.6).
      {"int_0", "04 00", i(0)},
      {"int_127", "04 7f", i(127)},
      {"int_128", "04 81 00", i(128)},
      {"int_16383", "04 ff 7f", i(16383)},
      {"int_16384", "04 81 80 00", i(16384)},
      {"int_2097151", "04 ff ff 7f", i(2097151)},
      {"int_2097152", "04 80 c0 80 00", i(2097152)},
      {"int_max", "04 bf ff ff ff", i(amf3::k_int_max)},
      {"int_min", "04 c0 80 80 00", i(amf3::k_int_min)},
      {"int_minus_1", "04 ff ff ff ff", i(-1)},
      {"double", "05 3f f8 00 00 00 00 00 00", 1.5},
      {"string", "06 0b 68 65 6c 6c 6f", "hello"},
      {"empty_string", "06 01", ""},
      {"xml_document", "07 09 3c 61 2f 3e", amf::xml_document{"<a/>", false}},
      {"xml", "0b 09 3c 61 2f 3e", amf::xml_document{"<a/>", true}},
      {"date", "08 01 42 78 bc fe 56 80 00 00", amf::date{1700000000000.0, 0}},
      {"strict_array", "09 07 01 04 01 04 02 04 03", amf::strict_array{{i(1), i(2), i(3)}}},
      {"ecma_array", "09 01 03 61 04 01 01", amf::ecma_array{{{"a", i(1)}}}},
      {"anonymous_object", "0a 0b 01 03 61 04 01 01", obj("", {{"a", i(1)}}, 0, true)},
      {"sealed_object", "0a 23 07 46 6f 6f 03 78 03 79 04 01 04 02",
       obj("Foo", {{"x", i(1)}, {"y", i(2)}}, 2, false)},
      {"sealed_and_dynamic", "0a 1b 07 46 6f 6f 03 78 04 01 03 7a 04 03 01",
       obj("Foo", {{"x", i(1)}, {"z", i(3)}}, 1, true)},
      {"byte_array", "0c 07 01 02 03", amf::byte_array{{1, 2, 3}}},
      {"vector_int", "0d 05 00 00 00 00 01 ff ff ff ff", amf::vector_int{{1, -1}, false}},
      {"vector_uint", "0e 03 01 ff ff ff ff", amf::vector_uint{{4294967295u}, true}},
      {"vector_double", "0f 03 00 3f f0 00 00 00 00 00 00", amf::vector_double{{1.0}, false}},
      {"vector_object", "10 05 00 03 2a 06 03 61 04 01",
       amf::vector_object{"*", {"a", i(1)}, false}},
      {"dictionary", "11 05 00 06 03 6b 04 01 04 02 06 03 76", dict},
      // References the encoder emits (strings by value, traits by class and members).
      {"string_reference", "09 07 01 06 05 61 62 06 00 06 01", amf::strict_array{{"ab", "ab", ""}}},
      {"traits_reference", "09 05 01 0a 13 07 46 6f 6f 03 78 04 01 0a 01 04 02",
       amf::strict_array{{foo1, foo2}}},
      // Externalizable Flex wrappers (AMF3 spec 3.12, traits-ext).
      {"array_collection", std::string("0a 07 ") + k_array_collection + "09 03 01 04 01",
       obj("flex.messaging.io.ArrayCollection", {{"source", amf::strict_array{{i(1)}}}}, 1, false)},
      {"object_proxy", std::string("0a 07 ") + k_object_proxy + "0a 0b 01 03 61 04 01 01",
       obj("flex.messaging.io.ObjectProxy", {{"object", obj("", {{"a", i(1)}}, 0, true)}}, 1,
           false)},
  };
}

TEST(amf3_decode, golden_vectors) {
  for (const auto& g : goldens()) {
    amf::value v;
    ASSERT_FALSE(decode_one(hex(g.hex), v)) << g.name;
    EXPECT_EQ(v, g.value) << g.name;
  }
}

TEST(amf3_encode, golden_vectors) {
  for (const auto& g : goldens()) EXPECT_EQ(to_hex(encoded(g.value)), to_hex(hex(g.hex))) << g.name;
}

TEST(amf3_decode, empty_string_never_enters_the_table) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("09 07 01 06 01 06 05 61 62 06 00"), v));
  EXPECT_EQ(v, amf::value(amf::strict_array{{"", "ab", "ab"}}));
}

TEST(amf3_decode, object_table_references) {
  amf::value v;
  // [d, ref 1]: the array is entry 0 and the date entry 1.
  ASSERT_FALSE(decode_one(hex("09 05 01 08 01 42 78 bc fe 56 80 00 00 08 02"), v));
  const amf::value d = amf::date{1700000000000.0, 0};
  EXPECT_EQ(v, amf::value(amf::strict_array{{d, d}}));
  ASSERT_FALSE(decode_one(hex("09 05 01 0a 0b 01 03 61 04 01 01 0a 02"), v));
  const amf::value o = obj("", {{"a", i(1)}}, 0, true);
  EXPECT_EQ(v, amf::value(amf::strict_array{{o, o}}));
  ASSERT_FALSE(decode_one(hex("09 05 01 0c 03 07 0c 02"), v));
  EXPECT_EQ(v, amf::value(amf::strict_array{{amf::byte_array{{7}}, amf::byte_array{{7}}}}));
}

TEST(amf3_decode, references_span_the_values_of_one_decoder) {
  std::vector<amf::value> values;
  ASSERT_FALSE(amf3::decode_all(hex("06 05 61 62 09 03 01 01 06 00 09 00"), values));
  ASSERT_EQ(values.size(), 4u);
  EXPECT_EQ(values[2], amf::value("ab"));
  EXPECT_EQ(values[3], values[1]);
}

TEST(amf3_decode, array_with_both_parts_is_an_ecma_array) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("09 05 03 61 04 01 01 06 03 62 06 03 63"), v));
  EXPECT_EQ(v, amf::value(amf::ecma_array{{{"a", i(1)}, {"0", "b"}, {"1", "c"}}}));
}

TEST(amf3_decode, externalizable_traits_by_reference) {
  amf::value v;
  ASSERT_FALSE(decode_one(
      hex(std::string("09 05 01 0a 07 ") + k_array_collection + "09 01 01 0a 01 09 01 01"), v));
  const amf::value ac =
      obj("flex.messaging.io.ArrayCollection", {{"source", amf::strict_array{}}}, 1, false);
  EXPECT_EQ(v, amf::value(amf::strict_array{{ac, ac}}));
}

TEST(amf3_decode, unknown_externalizable_class_is_unsupported) {
  EXPECT_EQ(decode_error("0a 07 07 46 6f 6f 00 00 00 01"), error::amf_unsupported_type);
}

TEST(amf3_decode, date_ignores_the_unused_header_bits) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("08 03 42 78 bc fe 56 80 00 00"), v));
  EXPECT_EQ(v, amf::value(amf::date{1700000000000.0, 0}));
}

TEST(amf3_decode, bad_references_are_rejected) {
  EXPECT_EQ(decode_error("06 00"), error::amf_bad_reference);  // string table empty
  EXPECT_EQ(decode_error("06 05 61 62 06 02"), error::amf_bad_reference);
  EXPECT_EQ(decode_error("0a 00"), error::amf_bad_reference);  // object table empty
  EXPECT_EQ(decode_error("08 00"), error::amf_bad_reference);
  EXPECT_EQ(decode_error("0a 01"), error::amf_bad_reference);  // traits table empty
  EXPECT_EQ(decode_error("0a 0b 01 01 0a 05"), error::amf_bad_reference);
  // An array that contains itself is a cycle, which a value tree cannot hold.
  EXPECT_EQ(decode_error("09 03 01 09 00"), error::amf_bad_reference);
  EXPECT_EQ(decode_error("0a 0b 01 03 73 0a 00 01"), error::amf_bad_reference);
}

TEST(amf3_decode, unknown_markers_are_rejected) {
  EXPECT_EQ(decode_error("12"), error::amf_unknown_marker);
  EXPECT_EQ(decode_error("ff"), error::amf_unknown_marker);
  EXPECT_EQ(decode_error("09 03 01 20"), error::amf_unknown_marker);
}

TEST(amf3_decode, invalid_utf8_is_kept_as_bytes) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("06 07 c3 28 ff"), v));
  EXPECT_EQ(v, amf::value(std::string("\xc3\x28\xff")));
}

TEST(amf3_encode, integers_outside_29_bits_become_doubles) {
  EXPECT_EQ(to_hex(encoded(i(amf3::k_int_max + 1))), to_hex(hex("05 41 b0 00 00 00 00 00 00")));
  EXPECT_EQ(to_hex(encoded(i(amf3::k_int_min - 1))), to_hex(hex("05 c1 b0 00 00 01 00 00 00")));
  EXPECT_EQ(to_hex(encoded(i(std::numeric_limits<std::int32_t>::max()))),
            to_hex(hex("05 41 df ff ff ff c0 00 00")));
  // A double stays a double even when integral, so that decode(encode(v)) == v.
  EXPECT_EQ(to_hex(encoded(3.0)), to_hex(hex("05 40 08 00 00 00 00 00 00")));
}

TEST(amf3_encode, ecma_array_is_associative_only_and_skips_empty_names) {
  EXPECT_EQ(to_hex(encoded(amf::ecma_array{{{"a", i(1)}, {"0", "b"}}})),
            to_hex(hex("09 01 03 61 04 01 03 30 06 03 62 01")));
  EXPECT_EQ(to_hex(encoded(amf::ecma_array{{{"", i(1)}, {"a", i(2)}}})),
            to_hex(hex("09 01 03 61 04 02 01")));
  EXPECT_EQ(to_hex(encoded(obj("", {{"", amf::null_t{}}, {"b", amf::null_t{}}}, 0, true))),
            to_hex(hex("0a 0b 01 03 62 01 01")));
}

TEST(amf3_encode, non_dynamic_object_sends_every_member_as_sealed) {
  const bytes out = encoded(obj("", {{"a", amf::null_t{}}, {"b", amf::null_t{}}}, 0, false));
  EXPECT_EQ(to_hex(out), to_hex(hex("0a 23 01 03 61 03 62 01 01")));
  amf::value back;
  ASSERT_FALSE(decode_one(out, back));
  EXPECT_EQ(back, obj("", {{"a", amf::null_t{}}, {"b", amf::null_t{}}}, 2, false));
}

TEST(amf3_encode, flex_class_name_alone_does_not_make_an_externalizable) {
  const amf::value v = obj("flex.messaging.io.ArrayCollection", {{"x", i(1)}}, 0, true);
  const bytes out = encoded(v);
  EXPECT_EQ(to_hex(bytes(out.begin(), out.begin() + 3)), to_hex(hex("0a 0b 43")));
  amf::value back;
  ASSERT_FALSE(decode_one(out, back));
  EXPECT_EQ(back, v);
}

TEST(amf3_encode, one_encoder_shares_tables_across_calls) {
  amf3::encoder e;
  bytes out;
  e.encode("ab", out);
  e.encode("ab", out);
  EXPECT_EQ(to_hex(out), to_hex(hex("06 05 61 62 06 00")));
  bytes fresh;
  amf3::encode("ab", fresh);
  amf3::encode("ab", fresh);
  EXPECT_EQ(to_hex(fresh), to_hex(hex("06 05 61 62 06 05 61 62")));
}

TEST(amf3_encode, round_trip_of_every_type) {
  amf::dictionary dict;
  dict.weak_keys = true;
  dict.entries = {{obj("", {}, 0, true), amf::strict_array{}}, {1.5, amf::null_t{}}};
  const amf::value point = obj("P", {{"x", 1.0}, {"y", 2.0}}, 2, false);
  const std::vector<amf::value> values{
      amf::undefined_t{},
      amf::null_t{},
      true,
      false,
      i(-5),
      1e300,
      "repeat",
      "repeat",
      std::string(20000, 'L'),
      amf::xml_document{"<a/>", false},
      amf::xml_document{"<b/>", true},
      amf::date{-1.0, 0},
      amf::strict_array{{point, point, "repeat"}},
      amf::ecma_array{{{"k", point}, {"repeat", i(7)}}},
      obj("Q", {{"s", "repeat"}, {"d", amf::byte_array{{9}}}}, 1, true),
      amf::byte_array{bytes(300, 0xAB)},
      amf::vector_int{{amf3::k_int_min, -1}, true},
      amf::vector_uint{{0, 4294967295u}, false},
      amf::vector_double{{-0.0, 1e-300}, false},
      amf::vector_object{"P", {point, amf::null_t{}}, true},
      dict,
      obj("flex.messaging.io.ObjectProxy", {{"object", point}}, 1, false)};
  amf3::encoder e;
  bytes out;
  for (const auto& v : values) e.encode(v, out);
  std::vector<amf::value> back;
  ASSERT_FALSE(amf3::decode_all(out, back));
  EXPECT_EQ(back, values);
}

// --- hard limits -----------------------------------------------------------------------------

TEST(amf3_decode, depth_bomb_fails_without_recursing) {
  std::string arrays;
  for (int n = 0; n < 100000; ++n) arrays += "090301";
  EXPECT_EQ(decode_error(arrays + "01"), error::amf_depth_exceeded);
  std::string objects;
  for (int n = 0; n < 100000; ++n) objects += "0a0b010361";
  EXPECT_EQ(decode_error(objects), error::amf_depth_exceeded);
}

TEST(amf3_decode, depth_limit_is_exact) {
  amf::limits lim;
  lim.max_depth = 3;
  EXPECT_FALSE(decode_error("09 03 01 09 03 01 09 03 01 01", lim));
  EXPECT_EQ(decode_error("09 03 01 09 03 01 09 03 01 09 03 01 01", lim), error::amf_depth_exceeded);
  // Vector.<Object> and Dictionary hold values, so they are levels too.
  EXPECT_EQ(decode_error("10 03 00 01 11 03 00 01 09 03 01 09 03 01 01", lim),
            error::amf_depth_exceeded);
  // A copy made by a reference counts at the depth where it lands: [[[null]], [ref]] where
  // the reference is to the inner [null] (entry 2), then to [[null]] (entry 1).
  EXPECT_FALSE(decode_error("09 05 01 09 03 01 09 03 01 01 09 03 01 09 04", lim));
  EXPECT_EQ(decode_error("09 05 01 09 03 01 09 03 01 01 09 03 01 09 02", lim),
            error::amf_depth_exceeded);
}

TEST(amf3_decode, huge_counts_in_a_tiny_input_fail_cheaply) {
  EXPECT_EQ(decode_error("09 bf ff ff ff 01"), error::amf_too_many_elements);
  EXPECT_EQ(decode_error("0d bf ff ff ff 00"), error::amf_too_many_elements);
  EXPECT_EQ(decode_error("10 bf ff ff ff 00 01"), error::amf_too_many_elements);
  EXPECT_EQ(decode_error("11 bf ff ff ff 00"), error::amf_too_many_elements);
  EXPECT_EQ(decode_error("0a bf ff ff f3 01"), error::amf_too_many_elements);  // 2^24 sealed
  // Even when the limit allows the count, nothing is reserved from it: the input ends first.
  amf::limits lim;
  lim.max_elements = std::size_t{1} << 30;
  EXPECT_EQ(decode_error("09 bf ff ff ff 01", lim), error::truncated);
  EXPECT_EQ(decode_error("0d bf ff ff ff 00", lim), error::truncated);
  EXPECT_EQ(decode_error("0f bf ff ff ff 00", lim), error::truncated);
  EXPECT_EQ(decode_error("10 bf ff ff ff 00 01", lim), error::truncated);
  EXPECT_EQ(decode_error("11 bf ff ff ff 00", lim), error::truncated);
  EXPECT_EQ(decode_error("0a bf ff ff f3 01", lim), error::truncated);
}

TEST(amf3_decode, element_limit_applies_to_every_container) {
  amf::limits lim;
  lim.max_elements = 2;
  EXPECT_FALSE(decode_error("09 05 01 01 01", lim));
  EXPECT_EQ(decode_error("09 07 01 01 01 01", lim), error::amf_too_many_elements);
  EXPECT_EQ(decode_error("09 05 03 61 01 01 01 01", lim), error::amf_too_many_elements);
  EXPECT_FALSE(decode_error("0a 0b 01 03 61 01 03 62 01 01", lim));
  EXPECT_EQ(decode_error("0a 0b 01 03 61 01 03 62 01 03 63 01 01", lim),
            error::amf_too_many_elements);
  EXPECT_EQ(decode_error("0a 33 01 03 61 03 62 03 63 01 01 01", lim), error::amf_too_many_elements);
  EXPECT_EQ(decode_error("0a 2b 01 03 61 03 62 01 01 03 63 01 01", lim),
            error::amf_too_many_elements);
  EXPECT_EQ(decode_error("0d 07 00 00 00 00 01 00 00 00 02 00 00 00 03", lim),
            error::amf_too_many_elements);
  EXPECT_EQ(decode_error("11 07 00 01 01 01 01 01 01", lim), error::amf_too_many_elements);
}

TEST(amf3_decode, length_limit_applies_to_strings_xml_and_byte_arrays) {
  EXPECT_EQ(decode_error("06 bf ff ff ff"), error::amf_string_too_long);
  EXPECT_EQ(decode_error("07 bf ff ff ff"), error::amf_string_too_long);
  EXPECT_EQ(decode_error("0c bf ff ff ff"), error::amf_string_too_long);
  amf::limits lim;
  lim.max_string = 2;
  EXPECT_FALSE(decode_error("06 05 61 62", lim));
  EXPECT_EQ(decode_error("06 07 61 62 63", lim), error::amf_string_too_long);
  EXPECT_EQ(decode_error("0b 07 61 62 63", lim), error::amf_string_too_long);
  EXPECT_EQ(decode_error("0c 07 01 02 03", lim), error::amf_string_too_long);
  EXPECT_EQ(decode_error("0a 13 07 61 62 63", lim), error::amf_string_too_long);  // class name
  EXPECT_EQ(decode_error("06 09 61"), error::truncated);
}

constexpr std::size_t k_value = sizeof(amf::value);
constexpr std::size_t k_member = sizeof(amf::property) - sizeof(amf::value);

std::error_code decode_charged(const bytes& in, std::vector<amf::value>& out,
                               const amf::limits& lim = {}) {
  return test::decode_charged_with(
      [](const bytes& b, std::vector<amf::value>& o, const amf::limits& l,
         amf::decode_budget& budget) { return amf3::decode_all(b, o, l, budget); },
      in, out, lim);
}

TEST(amf3_decode, budget_charges_exactly_the_decoded_size) {
  std::vector<amf::value> out;
  for (const auto& g : goldens()) EXPECT_FALSE(decode_charged(hex(g.hex), out)) << g.name;
  // String, object and trait references; an array with both parts, whose dense items become
  // members "0" to "10" (names of one and two digits).
  EXPECT_FALSE(decode_charged(hex("09 05 01 0a 0b 01 03 61 06 03 62 01 0a 02"), out));
  EXPECT_FALSE(decode_charged(
      hex("09 17 03 61 06 00 01 01 01 01 01 01 01 01 01 01 01 01  0a 13 01 00 04 01  0a 01 06 00"),
      out));
}

TEST(amf3_decode, memory_budget_is_exact) {
  amf::limits lim;
  lim.max_decoded_bytes = 3 * k_value;
  EXPECT_FALSE(decode_error("09 05 01 01 01", lim));
  EXPECT_EQ(decode_error("09 07 01 01 01 01", lim), error::limit_exceeded);
  EXPECT_EQ(decode_error("01 01 01 01", lim), error::limit_exceeded);
  // [a: "b", null]: two values and a member of one-byte name, plus the array's null item
  // moved to member "0".
  lim.max_decoded_bytes = 3 * k_value + 2 * k_member + 3;
  EXPECT_FALSE(decode_error("09 03 03 61 06 03 62 01 01", lim));
  --lim.max_decoded_bytes;
  EXPECT_EQ(decode_error("09 03 03 61 06 03 62 01 01", lim), error::limit_exceeded);
}

TEST(amf3_decode, reference_explosion_hits_the_memory_budget) {
  // [a0 = [null], a1 = [a0, a0], a2 = [a1, a1], ...]: a(k) is object entry k + 1, so a(k)
  // refers to entry k twice; 60 small arrays describe 2^60 nodes.
  std::string text = "09 79 01 09 03 01 01";
  for (int k = 1; k < 60; ++k) {
    char ref[4];
    std::snprintf(ref, sizeof ref, "%02x", k << 1);
    text += std::string(" 09 05 01 09 ") + ref + " 09 " + ref;
  }
  EXPECT_EQ(decode_error(text), error::limit_exceeded);
}

TEST(amf3_decode, string_references_are_charged_by_size) {
  // A 6400-byte string, then 1000 references to it: 6.5 MB of copies in 14 KB.
  std::string text = "09 8f 53 01 06 e4 01" + std::string(2 * 6400, '6');
  for (int n = 0; n < 1000; ++n) text += " 06 00";
  std::vector<amf::value> out;
  EXPECT_FALSE(decode_charged(hex(text), out));
  amf::limits lim;
  lim.max_decoded_bytes = k_value + 1001 * (k_value + 6400) - 1;
  EXPECT_EQ(decode_error(text, lim), error::limit_exceeded);
}

TEST(amf3_decode, trait_member_names_are_charged_by_size) {
  // Objects sharing traits whose one sealed member has a 6400-byte name: every object copies it.
  std::string text = "09 8f 53 01 0a 13 01 e4 01" + std::string(2 * 6400, '6') + "01";
  for (int n = 0; n < 1000; ++n) text += " 0a 01 01";
  std::vector<amf::value> out;
  EXPECT_FALSE(decode_charged(hex(text), out));
  amf::limits lim;
  lim.max_decoded_bytes = k_value + 1001 * (2 * k_value + k_member + 6400) - 1;
  EXPECT_EQ(decode_error(text, lim), error::limit_exceeded);
}

TEST(amf3_decode, decoders_can_share_one_budget) {
  const bytes part = hex("09 05 01 06 05 78 79 01");  // ["xy", null]
  amf::limits lim;
  lim.max_decoded_bytes = 2 * (3 * k_value + 2);
  amf::decode_budget budget;
  std::vector<amf::value> out;
  EXPECT_FALSE(amf3::decode_all(part, out, lim, budget));
  EXPECT_EQ(budget.used, 3 * k_value + 2);
  amf::value v;
  amf3::decoder d(part, lim, budget);
  EXPECT_FALSE(d.next(v));
  EXPECT_EQ(budget.used, lim.max_decoded_bytes);
  EXPECT_EQ(amf3::decode_all(part, out, lim, budget), error::limit_exceeded);
  EXPECT_FALSE(amf3::decode_all(part, out, lim));
}

// --- malformed input -------------------------------------------------------------------------

void expect_truncation_errors(const bytes& whole, const std::string& what) {
  for (std::size_t n = 0; n < whole.size(); ++n) {
    amf::value v;
    amf3::decoder d(byte_view(whole).first(n));
    ASSERT_EQ(d.next(v), error::truncated) << what << ": prefix of " << n << " bytes";
  }
}

TEST(amf3_decode, truncation_at_every_offset_is_an_error) {
  for (const auto& g : goldens()) expect_truncation_errors(hex(g.hex), g.name);
  const amf::value point = obj("P", {{"x", 1.0}, {"y", i(2)}}, 1, true);
  amf::dictionary dict;
  dict.entries = {{point, "v"}};
  const amf::value rich = amf::strict_array{
      {point, point, "s", "s", amf::ecma_array{{{"k", amf::date{1.0, 0}}}},
       amf::vector_object{"P", {point}, false}, dict, amf::vector_double{{1.0, 2.0}, false},
       obj("flex.messaging.io.ArrayCollection", {{"source", amf::strict_array{{point}}}}, 1,
           false)}};
  expect_truncation_errors(encoded(rich), "rich array");
  expect_truncation_errors(hex("09 05 01 0a 0b 01 03 61 04 01 01 0a 02"), "object reference");
}

TEST(amf3_decode, every_single_byte_input_is_handled) {
  for (int b = 0; b < 256; ++b) {
    const bytes in{static_cast<std::uint8_t>(b)};
    std::vector<amf::value> out;
    const auto ec = amf3::decode_all(in, out);
    if (b <= 0x03) {
      EXPECT_FALSE(ec) << b;
    } else {
      EXPECT_TRUE(ec == error::truncated || ec == error::amf_unknown_marker) << b;
    }
  }
}

}  // namespace
}  // namespace lectern::shared
