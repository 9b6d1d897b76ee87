// AMF0 golden vectors (AMF0 spec, Adobe 2007, and bytes captured from ffmpeg), round trips,
// references, the AVM+ switch, every hard limit, and truncation at every byte offset.
#include "lectern/shared/amf0.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "lectern/shared/error.hpp"

namespace lectern::shared {
namespace {

using test::hex;
using test::to_hex;

// Decodes exactly one value.
std::error_code decode_one(byte_view in, amf::value& out, const amf::limits& lim = {}) {
  amf0::decoder d(in, lim);
  if (auto ec = d.next(out)) return ec;
  return d.done() ? std::error_code{} : error::amf_trailing_bytes;
}

std::error_code decode_error(std::string_view hex_text, const amf::limits& lim = {}) {
  std::vector<amf::value> out;
  return amf0::decode_all(hex(hex_text), out, lim);
}

bytes encoded(const amf::value& v) {
  bytes out;
  amf0::encode(v, out);
  return out;
}

amf::value obj(std::vector<amf::property> props, std::string class_name = {}) {
  amf::object o;
  o.class_name = std::move(class_name);
  o.properties = std::move(props);
  return o;
}

struct golden {
  const char* name;
  const char* hex;
  amf::value value;
};

// Canonical encodings: decode(hex) == value and encode(value) == hex.
std::vector<golden> goldens() {
  return {
      {"number", "00 3f f8 00 00 00 00 00 00", 1.5},
      {"negative_zero", "00 80 00 00 00 00 00 00 00", -0.0},
      {"true", "01 01", true},
      {"false", "01 00", false},
      {"string", "02 00 05 68 65 6c 6c 6f", "hello"},
      {"empty_string", "02 00 00", ""},
      {"object", "03 00 01 61 00 3f f0 00 00 00 00 00 00 00 01 62 02 00 01 78 00 00 09",
       obj({{"a", 1}, {"b", "x"}})},
      {"empty_object", "03 00 00 09", obj({})},
      {"null", "05", amf::null_t{}},
      {"undefined", "06", amf::undefined_t{}},
      {"ecma_array", "08 00 00 00 01 00 01 6b 05 00 00 09",
       amf::ecma_array{{{"k", amf::null_t{}}}}},
      {"strict_array", "0a 00 00 00 02 01 01 02 00 01 7a", amf::strict_array{{true, "z"}}},
      {"date", "0b 42 78 bc fe 56 80 00 00 ff c4", amf::date{1700000000000.0, -60}},
      {"xml_document", "0f 00 00 00 04 3c 61 2f 3e", amf::xml_document{"<a/>", false}},
      {"typed_object", "10 00 03 46 6f 6f 00 01 78 00 40 00 00 00 00 00 00 00 00 00 09",
       obj({{"x", 2}}, "Foo")},
      {"nested", "03 00 01 6c 0a 00 00 00 01 03 00 00 09 00 00 09",
       obj({{"l", amf::strict_array{{obj({})}}}})},
  };
}

// The connect command ffmpeg 5.1 (Lavf59.27.100) sends when publishing to
// rtmp://127.0.0.1:1935/live/key, written out by hand from AMF0 spec 2.4/2.2/2.5; identical
// to the bytes captured from ffmpeg 5.1.9 (tests/fuzz/corpus/amf0/connect_command.bin).
constexpr const char* k_ffmpeg_connect =
    "02 00 07 63 6f 6e 6e 65 63 74"                                      // "connect"
    "00 3f f0 00 00 00 00 00 00"                                         // transaction id 1.0
    "03"                                                                 // command object
    "00 03 61 70 70 02 00 04 6c 69 76 65"                                // app: "live"
    "00 04 74 79 70 65 02 00 0a 6e 6f 6e 70 72 69 76 61 74 65"           // type: "nonprivate"
    "00 08 66 6c 61 73 68 56 65 72 02 00 24"                             // flashVer: (36 bytes)
    "46 4d 4c 45 2f 33 2e 30 20 28 63 6f 6d 70 61 74 69 62 6c 65 3b 20"  // FMLE/3.0 (compatible;
    "4c 61 76 66 35 39 2e 32 37 2e 31 30 30 29"                          //  Lavf59.27.100)
    "00 05 74 63 55 72 6c 02 00 1a"                                      // tcUrl: (26 bytes)
    "72 74 6d 70 3a 2f 2f 31 32 37 2e 30 2e 30 2e 31 3a 31 39 33 35 2f 6c 69 76 65"
    "00 00 09";  // object end

std::vector<amf::value> ffmpeg_connect_values() {
  return {"connect", 1.0,
          obj({{"app", "live"},
               {"type", "nonprivate"},
               {"flashVer", "FMLE/3.0 (compatible; Lavf59.27.100)"},
               {"tcUrl", "rtmp://127.0.0.1:1935/live"}})};
}

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

TEST(amf0_decode, depth_bomb_fails_without_recursing) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "0a00000001";
  text += "05";
  EXPECT_EQ(decode_error(text), error::amf_depth_exceeded);
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "03 00 01 61";
  EXPECT_EQ(decode_error(objects), error::amf_depth_exceeded);
}

TEST(amf0_decode, depth_limit_is_exact) {
  amf::limits lim;
  lim.max_depth = 4;
  auto nested = [](int n) {
    std::string t;
    for (int i = 0; i < n; ++i) t += "0a 00 00 00 01 ";
    return t + "05";
  };
  EXPECT_FALSE(decode_error(nested(4), lim));
  EXPECT_EQ(decode_error(nested(5), lim), error::amf_depth_exceeded);
  // An AVM+ switch continues at the same depth: AMF3 array inside four AMF0 arrays.
  EXPECT_EQ(decode_error("0a000000010a000000010a000000010a00000001 11 09 03 01 01", lim),
            error::amf_depth_exceeded);
}

TEST(amf0_decode, huge_count_in_a_tiny_input_fails_cheaply) {
  EXPECT_EQ(decode_error("0a ff ff ff ff 05"), error::amf_too_many_elements);
  // Even when the limit allows the count, nothing is reserved from it: the input ends first.
  amf::limits lim;
  lim.max_elements = 0xFFFFFFFF;
  EXPECT_EQ(decode_error("0a ff ff ff ff 05", lim), error::truncated);
}

TEST(amf0_decode, element_limit_applies_to_every_container) {
  amf::limits lim;
  lim.max_elements = 2;
  EXPECT_FALSE(decode_error("0a 00 00 00 02 05 05", lim));
  EXPECT_EQ(decode_error("0a 00 00 00 03 05 05 05", lim), error::amf_too_many_elements);
  EXPECT_FALSE(decode_error("03 00 01 61 05 00 01 62 05 00 00 09", lim));
  EXPECT_EQ(decode_error("03 00 01 61 05 00 01 62 05 00 01 63 05 00 00 09", lim),
            error::amf_too_many_elements);
  EXPECT_EQ(decode_error("08 00 00 00 00 00 01 61 05 00 01 62 05 00 01 63 05 00 00 09", lim),
            error::amf_too_many_elements);
}

TEST(amf0_decode, string_length_limit) {
  amf::limits lim;
  lim.max_string = 4;
  EXPECT_FALSE(decode_error("02 00 04 61 62 63 64", lim));
  EXPECT_EQ(decode_error("02 00 05 61 62 63 64 65", lim), error::amf_string_too_long);
  EXPECT_EQ(decode_error("03 00 05 61 62 63 64 65 05 00 00 09", lim), error::amf_string_too_long);
  EXPECT_EQ(decode_error("0f 00 00 00 05 61 62 63 64 65", lim), error::amf_string_too_long);
  // A 4 GB long string in 5 bytes fails on the limit, not on an allocation.
  EXPECT_EQ(decode_error("0c ff ff ff ff"), error::amf_string_too_long);
  EXPECT_EQ(decode_error("02 00 05 61"), error::truncated);
}

constexpr std::size_t k_value = sizeof(amf::value);
constexpr std::size_t k_member = sizeof(amf::property) - sizeof(amf::value);

// Decodes with a budget of our own and checks that it charged exactly decoded_size(): the
// budget measures the tree that was built, whatever the encoding and however many references.
std::error_code decode_charged(const bytes& in, std::vector<amf::value>& out,
                               const amf::limits& lim = {}) {
  amf::decode_budget budget;
  const auto ec = amf0::decode_all(in, out, lim, budget);
  if (ec) return ec;
  std::size_t size = 0;
  for (const auto& v : out) size += amf::decoded_size(v);
  EXPECT_EQ(budget.used, size) << to_hex(in);
  EXPECT_LE(size, lim.max_decoded_bytes);
  return ec;
}

TEST(amf_decoded_size, is_what_the_tree_holds) {
  EXPECT_EQ(amf::decoded_size(amf::null_t{}), k_value);
  EXPECT_EQ(amf::decoded_size(1.5), k_value);
  EXPECT_EQ(amf::decoded_size("hello"), k_value + 5);
  EXPECT_EQ(amf::decoded_size(obj({{"ab", amf::null_t{}}}, "Foo")), 2 * k_value + k_member + 5);
  EXPECT_EQ(amf::decoded_size(amf::ecma_array{{{"k", "xy"}}}), 2 * k_value + k_member + 3);
  EXPECT_EQ(amf::decoded_size(amf::strict_array{{true, "z"}}), 3 * k_value + 1);
  EXPECT_EQ(amf::decoded_size(amf::xml_document{"<a/>", false}), k_value + 4);
  EXPECT_EQ(amf::decoded_size(amf::byte_array{{1, 2, 3}}), k_value + 3);
  EXPECT_EQ(amf::decoded_size(amf::vector_double{{1.0, 2.0}, false}), k_value + 16);
  EXPECT_EQ(amf::decoded_size(amf::vector_int{{1, 2, 3}, false}), k_value + 12);
  EXPECT_EQ(amf::decoded_size(amf::vector_object{"T", {1, 2}, false}), 3 * k_value + 1);
  amf::dictionary d;
  d.entries = {{"k", 1}};
  EXPECT_EQ(amf::decoded_size(d), 3 * k_value + 1);
  // A member is the property that holds it: its value and the name's std::string.
  EXPECT_EQ(k_value + k_member, sizeof(amf::property));
}

TEST(amf0_decode, budget_charges_exactly_the_decoded_size) {
  std::vector<amf::value> out;
  for (const auto& g : goldens()) EXPECT_FALSE(decode_charged(hex(g.hex), out)) << g.name;
  EXPECT_FALSE(decode_charged(hex(k_ffmpeg_connect), out));
  // AMF0 references; AVM+ values with AMF3 string, object and trait references and an AMF3
  // array with both parts (its dense items become members "0", "1", ...); an AMF0 reference
  // to an object holding an AVM+ value.
  EXPECT_FALSE(decode_charged(
      hex("0a 00 00 00 03 03 00 01 61 02 00 02 78 79 00 00 09 07 00 01 07 00 01"), out));
  EXPECT_FALSE(decode_charged(hex("11 09 05 03 61 06 05 78 79 01 04 07 01  11 09 03 01 09 00"
                                  " 11 0a 13 01 03 62 04 05  11 0a 01 04 06  11 06 02"),
                              out));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[4], amf::value("xy"));
  EXPECT_FALSE(
      decode_charged(hex("03 00 01 6f 11 0a 0b 01 03 61 06 03 62 01 00 00 09 07 00 00"), out));
}

TEST(amf0_decode, memory_budget_is_exact) {
  amf::limits lim;
  lim.max_decoded_bytes = 3 * k_value;
  EXPECT_FALSE(decode_error("0a 00 00 00 02 05 05", lim));
  EXPECT_EQ(decode_error("0a 00 00 00 03 05 05 05", lim), error::limit_exceeded);
  EXPECT_EQ(decode_error("05 05 05 05", lim), error::limit_exceeded);  // one message
  // {ab: "xyz"}: two values, a member, 2 + 3 bytes of name and string.
  lim.max_decoded_bytes = 2 * k_value + k_member + 5;
  EXPECT_FALSE(decode_error("03 00 02 'ab' 02 00 03 'xyz' 00 00 09", lim));
  --lim.max_decoded_bytes;
  EXPECT_EQ(decode_error("03 00 02 'ab' 02 00 03 'xyz' 00 00 09", lim), error::limit_exceeded);
}

TEST(amf0_decode, reference_explosion_hits_the_memory_budget) {
  // v0 = [null]; v(k) = [ref v(k-1), ref v(k-1)]: 60 small values describe 2^60 values.
  std::string text = "0a 00 00 00 01 05";
  for (int k = 1; k < 60; ++k) {
    char ref[8];
    std::snprintf(ref, sizeof ref, "07%04x", k - 1);
    text += std::string(" 0a 00 00 00 02 ") + ref + ref;
  }
  EXPECT_EQ(decode_error(text), error::limit_exceeded);
}

TEST(amf0_decode, references_to_long_strings_are_charged_by_size) {
  // {s: 64 KB string} then 100 references to it: 101 copies, 6.6 MB.
  const std::size_t copy = 2 * k_value + k_member + 1 + 65536;
  std::string text = "03 00 01 73 0c 00 01 00 00" + std::string(2 * 65536, '6') + "00 00 09";
  for (int i = 0; i < 100; ++i) text += " 07 00 00";
  amf::limits lim;
  lim.max_decoded_bytes = 101 * copy - 1;
  EXPECT_EQ(decode_error(text, lim), error::limit_exceeded);
  lim.max_decoded_bytes = 101 * copy;
  std::vector<amf::value> out;
  EXPECT_FALSE(decode_charged(hex(text), out, lim));
}

// The reviewer's reference bomb (AMF0 spec 2.9): one strict array [obj, a1, ..., a_levels]
// where obj has 64 members named "" holding null and a_k = [ref a_(k-1), ref a_(k-1)], so
// a_levels holds 2^levels copies of obj in 5 + 196 + 11 * levels bytes.
std::string reference_bomb(int levels) {
  char head[16];
  std::snprintf(head, sizeof head, "0a %08x 03", levels + 1);
  std::string text = head;
  for (int i = 0; i < 64; ++i) text += " 00 00 05";
  text += " 00 00 09";
  for (int k = 1; k <= levels; ++k) {
    char ref[16];
    std::snprintf(ref, sizeof ref, "07%04x", k);  // the outer array is entry 0, obj entry 1
    text += std::string(" 0a 00 00 00 02 ") + ref + " " + ref;
  }
  return text;
}

TEST(amf0_decode, command_reference_bomb_hits_the_memory_budget) {
  // A 325-byte type 20 command ("x", 1, null, bomb) that counted 133,000 values against a
  // budget of values and decoded to ~15 MB: 112 bytes per member and 80 per value were free.
  const bytes body = hex("02 00 01 'x' 00 3f f0 00 00 00 00 00 00 05" + reference_bomb(10));
  ASSERT_EQ(body.size(), 325u);
  std::vector<amf::value> out;
  EXPECT_EQ(amf0::decode_all(body, out), error::limit_exceeded);
  // Smaller bombs decode while they fit, and what they build stays within the budget.
  std::size_t decoded = 0;
  int level = 0;
  for (; !decode_charged(hex(reference_bomb(level)), out); ++level)
    decoded = amf::decoded_size(out[0]);
  EXPECT_EQ(level, 10);  // level 9 is 2^10 - 1 copies of obj: 7.4 MB
  EXPECT_GT(decoded, std::size_t{7} << 20);
  // A budget one byte short of what a bomb builds fails it.
  amf::limits lim;
  lim.max_decoded_bytes = decoded - 1;
  EXPECT_EQ(decode_error(reference_bomb(level - 1), lim), error::limit_exceeded);
}

TEST(amf0_decode, decoders_can_share_one_budget) {
  // Two parts of one message decoded apart (as shared object events are) charge one budget.
  const bytes part = hex(reference_bomb(2));
  std::vector<amf::value> out;
  ASSERT_FALSE(amf0::decode_all(part, out));
  const std::size_t one = amf::decoded_size(out[0]);
  amf::limits lim;
  lim.max_decoded_bytes = 2 * one;
  amf::decode_budget budget;
  amf::value v;
  amf0::decoder a(part, lim, budget);
  EXPECT_FALSE(a.next(v));
  EXPECT_EQ(budget.used, one);
  amf0::decoder b(part, lim, budget);
  EXPECT_FALSE(b.next(v));
  EXPECT_EQ(budget.used, 2 * one);
  const bytes null = hex("05");
  amf0::decoder c(null, lim, budget);
  EXPECT_EQ(c.next(v), error::limit_exceeded);
  // decode_all too; a decoder without one has a fresh budget.
  EXPECT_EQ(amf0::decode_all(part, out, lim, budget), error::limit_exceeded);
  EXPECT_FALSE(amf0::decode_all(part, out, lim));
}

// --- malformed input -------------------------------------------------------------------------

// Every proper prefix of one value must fail with `truncated`.
void expect_truncation_errors(const bytes& whole, const std::string& what) {
  for (std::size_t n = 0; n < whole.size(); ++n) {
    amf::value v;
    amf0::decoder d(byte_view(whole).first(n));
    ASSERT_EQ(d.next(v), error::truncated) << what << ": prefix of " << n << " bytes";
  }
}

TEST(amf0_decode, truncation_at_every_offset_is_an_error) {
  for (const auto& g : goldens()) expect_truncation_errors(hex(g.hex), g.name);
  expect_truncation_errors(hex("0c 00 00 00 02 68 69"), "long string");
  expect_truncation_errors(hex("0a 00 00 00 02 03 00 00 09 07 00 01"), "reference");
  amf::object typed;
  typed.class_name = "T";
  typed.properties = {{"d", amf::date{1.0, 0}}, {"x", amf::xml_document{"<x/>", false}}};
  const amf::value rich = obj({{"n", 1.5},
                               {"b", false},
                               {"s", std::string(300, 's')},
                               {"e", amf::ecma_array{{{"k", amf::null_t{}}}}},
                               {"a", amf::strict_array{{amf::undefined_t{}, typed}}},
                               {"v", amf::byte_array{{1, 2, 3}}},
                               {"o", amf::vector_object{"T", {typed, typed}, false}}});
  expect_truncation_errors(encoded(rich), "rich object");
  const bytes connect = hex(k_ffmpeg_connect);
  for (std::size_t n = 0; n < connect.size(); ++n) {
    amf0::decoder d(byte_view(connect).first(n));
    std::error_code ec;
    for (int i = 0; i < 3 && !ec; ++i) {
      amf::value v;
      ec = d.next(v);
    }
    ASSERT_EQ(ec, error::truncated) << "prefix of " << n << " bytes";
  }
}

TEST(amf0_decode, wrong_marker_at_every_value_position_is_an_error) {
  const bytes connect = hex(k_ffmpeg_connect);
  // Offsets of markers in the connect command: the three values and the four member values.
  for (std::size_t at : {0u, 10u, 19u, 25u, 38u, 61u, 107u}) {
    for (std::uint8_t bad : {std::uint8_t{0x04}, std::uint8_t{0x09}, std::uint8_t{0x0e},
                             std::uint8_t{0x12}, std::uint8_t{0xff}}) {
      bytes b = connect;
      b[at] = bad;
      std::vector<amf::value> out;
      EXPECT_TRUE(amf0::decode_all(b, out)) << "marker " << int(bad) << " at " << at;
    }
  }
}

}  // namespace
}  // namespace lectern::shared
