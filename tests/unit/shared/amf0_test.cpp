// AMF0 golden vectors (AMF0 spec, Adobe 2007, and bytes captured from ffmpeg), round trips,
// references and the AVM+ switch. Limits and malformed input: amf0_limits_test.cpp.
#include <gtest/gtest.h>

#include "amf0_test_util.hpp"

namespace lectern::shared {
namespace {

using namespace test::amf0_util;
using test::hex;
using test::to_hex;

TEST(amf0_decode, golden_vectors) {
  for (const auto& g : goldens()) {
    amf::value v;
    ASSERT_FALSE(decode_one(hex(g.hex), v)) << g.name;
    EXPECT_EQ(v, g.value) << g.name;
  }
}

TEST(amf0_encode, golden_vectors) {
  for (const auto& g : goldens()) EXPECT_EQ(to_hex(encoded(g.value)), to_hex(hex(g.hex))) << g.name;
}

TEST(amf0_decode, ffmpeg_connect_command) {
  std::vector<amf::value> values;
  ASSERT_FALSE(amf0::decode_all(hex(k_ffmpeg_connect), values));
  EXPECT_EQ(values, ffmpeg_connect_values());
  EXPECT_EQ(*values[2].member("tcUrl")->as_string(), "rtmp://127.0.0.1:1935/live");
}

TEST(amf0_encode, ffmpeg_connect_command) {
  bytes out;
  const auto values = ffmpeg_connect_values();
  amf0::encode_all(values, out);
  EXPECT_EQ(to_hex(out), to_hex(hex(k_ffmpeg_connect)));
}

TEST(amf0_decode, boolean_is_true_for_any_nonzero_byte) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("01 02"), v));
  EXPECT_EQ(v, amf::value(true));
}

TEST(amf0_decode, long_string) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("0c 00 00 00 02 68 69"), v));
  EXPECT_EQ(v, amf::value("hi"));
}

TEST(amf0_decode, unsupported_marker_decodes_as_undefined) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("0d"), v));
  EXPECT_EQ(v, amf::value(amf::undefined_t{}));
}

TEST(amf0_decode, movieclip_and_recordset_are_unsupported) {
  EXPECT_EQ(decode_error("04"), error::amf_unsupported_type);
  EXPECT_EQ(decode_error("0e"), error::amf_unsupported_type);
}

TEST(amf0_decode, unknown_markers_are_rejected) {
  EXPECT_EQ(decode_error("12"), error::amf_unknown_marker);
  EXPECT_EQ(decode_error("ff"), error::amf_unknown_marker);
  EXPECT_EQ(decode_error("09"), error::amf_unknown_marker);  // object-end outside an object
  EXPECT_EQ(decode_error("03 00 01 61 09"), error::amf_unknown_marker);
}

TEST(amf0_decode, ecma_array_count_is_only_a_hint) {
  amf::value v;
  // Count 0 with two members, as some encoders write it, and count 5 with one.
  ASSERT_FALSE(decode_one(hex("08 00 00 00 00 00 01 61 05 00 01 62 06 00 00 09"), v));
  EXPECT_EQ(v, amf::value(amf::ecma_array{{{"a", amf::null_t{}}, {"b", amf::undefined_t{}}}}));
  ASSERT_FALSE(decode_one(hex("08 00 00 00 05 00 01 61 05 00 00 09"), v));
  EXPECT_EQ(v, amf::value(amf::ecma_array{{{"a", amf::null_t{}}}}));
}

TEST(amf0_encode, ecma_array_writes_the_true_count) {
  const bytes out = encoded(amf::ecma_array{{{"a", 1}, {"b", 2}, {"c", 3}}});
  EXPECT_EQ(to_hex(bytes(out.begin(), out.begin() + 5)), to_hex(hex("08 00 00 00 03")));
}

TEST(amf0_decode, member_with_empty_name_is_kept) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("03 00 00 05 00 00 09"), v));
  EXPECT_EQ(v, obj({{"", amf::null_t{}}}));
  EXPECT_EQ(to_hex(encoded(v)), to_hex(hex("03 00 00 05 00 00 09")));
}

TEST(amf0_decode, invalid_utf8_is_kept_as_bytes) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("02 00 03 c3 28 ff"), v));
  EXPECT_EQ(v, amf::value(std::string("\xc3\x28\xff")));
}

TEST(amf0_decode, reference_copies_an_earlier_object) {
  amf::value v;
  // [ {a: 1}, ref 1 ]: the strict array is entry 0, the object entry 1 (AMF0 spec 2.9).
  ASSERT_FALSE(decode_one(
      hex("0a 00 00 00 02 03 00 01 61 00 3f f0 00 00 00 00 00 00 00 00 09 07 00 01"), v));
  const amf::value inner = obj({{"a", 1}});
  EXPECT_EQ(v, amf::value(amf::strict_array{{inner, inner}}));
}

TEST(amf0_decode, reference_to_a_value_earlier_in_the_message) {
  std::vector<amf::value> values;
  ASSERT_FALSE(amf0::decode_all(hex("03 00 01 61 02 00 01 78 00 00 09 07 00 00"), values));
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], values[1]);
}

TEST(amf0_decode, references_are_scoped_to_one_decoder) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("03 00 00 09"), v));
  EXPECT_EQ(decode_error("07 00 00"), error::amf_bad_reference);
}

TEST(amf0_decode, bad_references_are_rejected) {
  EXPECT_EQ(decode_error("0a 00 00 00 01 07 00 01"), error::amf_bad_reference);  // out of range
  // An object that refers to itself is a cycle, which a value tree cannot hold.
  EXPECT_EQ(decode_error("03 00 01 73 07 00 00 00 00 09"), error::amf_bad_reference);
  // Only complex values enter the table: strings do not.
  EXPECT_EQ(decode_error("02 00 01 61 07 00 00"), error::amf_bad_reference);
}

TEST(amf0_decode, avmplus_switch_decodes_one_amf3_value) {
  std::vector<amf::value> values;
  ASSERT_FALSE(amf0::decode_all(hex("11 04 05 11 06 05 68 69 11 0c 05 01 02"), values));
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], amf::value(5, nullptr));
  EXPECT_EQ(values[1], amf::value("hi"));
  EXPECT_EQ(values[2], amf::value(amf::byte_array{{1, 2}}));
}

TEST(amf0_decode, avmplus_value_inside_an_amf0_object) {
  amf::value v;
  ASSERT_FALSE(decode_one(hex("03 00 01 62 11 0c 03 ff 00 00 09"), v));
  EXPECT_EQ(v, obj({{"b", amf::byte_array{{0xff}}}}));
}

TEST(amf0_decode, avmplus_values_of_one_message_share_amf3_tables) {
  std::vector<amf::value> values;
  // The second AMF3 string is a reference to the first one's table entry.
  ASSERT_FALSE(amf0::decode_all(hex("11 06 05 68 69 11 06 00"), values));
  EXPECT_EQ(values, (std::vector<amf::value>{"hi", "hi"}));
}

TEST(amf0_decode, reference_to_an_object_holding_avmplus_values) {
  std::vector<amf::value> values;
  // {s: AMF3 "hi"}, ref 0, then AMF3 string ref 0: copying the object must not add "hi" to
  // the AMF3 string table a second time.
  ASSERT_FALSE(
      amf0::decode_all(hex("03 00 01 73 11 06 05 68 69 00 00 09 07 00 00 11 06 00"), values));
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], obj({{"s", "hi"}}));
  EXPECT_EQ(values[1], values[0]);
  EXPECT_EQ(values[2], amf::value("hi"));
  EXPECT_EQ(decode_error("03 00 01 73 11 06 05 68 69 00 00 09 07 00 00 11 06 02"),
            error::amf_bad_reference);
}

TEST(amf0_encode, int32_is_written_as_a_number) {
  EXPECT_EQ(to_hex(encoded(amf::value(3, nullptr))), to_hex(hex("00 40 08 00 00 00 00 00 00")));
}

TEST(amf0_encode, long_string_above_65535_bytes) {
  const bytes short_enc = encoded(std::string(65535, 'a'));
  EXPECT_EQ(to_hex(bytes(short_enc.begin(), short_enc.begin() + 3)), to_hex(hex("02 ff ff")));
  const bytes long_enc = encoded(std::string(65536, 'a'));
  EXPECT_EQ(to_hex(bytes(long_enc.begin(), long_enc.begin() + 5)), to_hex(hex("0c 00 01 00 00")));
  amf::value back;
  ASSERT_FALSE(decode_one(long_enc, back));
  EXPECT_EQ(back, amf::value(std::string(65536, 'a')));
}

TEST(amf0_encode, amf3_only_types_go_behind_the_avmplus_marker) {
  EXPECT_EQ(to_hex(encoded(amf::byte_array{{1, 2}})), to_hex(hex("11 0c 05 01 02")));
  EXPECT_EQ(to_hex(encoded(amf::vector_int{{1}, false})), to_hex(hex("11 0d 03 00 00 00 00 01")));
  EXPECT_EQ(to_hex(encoded(amf::xml_document{"<a/>", true})), to_hex(hex("11 0b 09 3c 61 2f 3e")));
  amf::dictionary d;
  d.entries.push_back({amf::value(1, nullptr), "v"});
  EXPECT_EQ(to_hex(encoded(d)), to_hex(hex("11 11 03 00 04 01 06 03 76")));
  // Only the AMF3-only member switches; the object around it stays AMF0.
  EXPECT_EQ(to_hex(encoded(obj({{"b", amf::byte_array{{0xff}}}}))),
            to_hex(hex("03 00 01 62 11 0c 03 ff 00 00 09")));
}

TEST(amf0_encode, objects_with_amf3_traits_go_behind_the_avmplus_marker) {
  amf::object o;
  o.class_name = "Foo";
  o.properties = {{"x", amf::value(1, nullptr)}};
  o.sealed_count = 1;
  o.dynamic = false;
  EXPECT_EQ(to_hex(encoded(o)), to_hex(hex("11 0a 13 07 46 6f 6f 03 78 04 01")));
  amf::value back;
  ASSERT_FALSE(decode_one(encoded(o), back));
  EXPECT_EQ(back, amf::value(o));
}

TEST(amf0_encode, names_longer_than_a_u16_go_behind_the_avmplus_marker) {
  const std::string name(70000, 'n');
  const amf::value v = obj({{name, 1}});
  const bytes out = encoded(v);
  EXPECT_EQ(out[0], 0x11);
  amf::value back;
  ASSERT_FALSE(decode_one(out, back));
  EXPECT_EQ(back, v);
}

TEST(amf0_encode, encode_all_shares_amf3_tables_and_encode_does_not) {
  amf::object sealed;
  sealed.class_name = "T";
  sealed.properties = {{"s", "x"}};
  sealed.sealed_count = 1;
  sealed.dynamic = false;
  const std::vector<amf::value> values{sealed, sealed};
  bytes all;
  amf0::encode_all(values, all);
  // The second object refers to the first one's traits (01) and to "x" (04: string ref 2).
  EXPECT_EQ(to_hex(all), to_hex(hex("11 0a 13 03 54 03 73 06 03 78 11 0a 01 06 04")));
  std::vector<amf::value> back;
  ASSERT_FALSE(amf0::decode_all(all, back));
  EXPECT_EQ(back, values);
  bytes one = encoded(sealed);
  EXPECT_EQ(to_hex(one), to_hex(hex("11 0a 13 03 54 03 73 06 03 78")));
}

TEST(amf0_encode, round_trip_of_every_type) {
  amf::object typed;
  typed.class_name = "com.example.Point";
  typed.properties = {{"x", 1.5}, {"y", -2.0}};
  const std::vector<amf::value> values{
      1.5,
      true,
      "text",
      std::string(70000, 'L'),
      obj({{"o", obj({{"p", amf::null_t{}}})}}),
      amf::null_t{},
      amf::undefined_t{},
      amf::ecma_array{{{"k", "v"}, {"0", 3}}},
      amf::strict_array{{1, "two", amf::strict_array{{}}}},
      amf::date{1.5e12, 60},
      amf::xml_document{"<r/>", false},
      typed,
      amf::byte_array{{0, 1, 2}},
      amf::vector_double{{0.5, -0.0}, true},
      amf::xml_document{"<e4x/>", true},
      amf::vector_object{"*", {amf::value(7, nullptr), "s"}, false}};
  bytes out;
  amf0::encode_all(values, out);
  std::vector<amf::value> back;
  ASSERT_FALSE(amf0::decode_all(out, back));
  EXPECT_EQ(back, values);
}

// --- hard limits -----------------------------------------------------------------------------

}  // namespace
}  // namespace lectern::shared
