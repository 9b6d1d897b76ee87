// AMF0 decoding of hostile input: every hard limit (depth, counts, string length, the decoded
// memory budget), reference bombs, truncation at every byte offset and wrong markers.
#include <gtest/gtest.h>

#include <cstdio>

#include "amf0_test_util.hpp"

namespace lectern::shared {
namespace {

using namespace test::amf0_util;
using test::hex;
using test::to_hex;

TEST(amf0_decode, depth_bomb_fails_at_the_depth_limit) {
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

std::error_code decode_charged(const bytes& in, std::vector<amf::value>& out,
                               const amf::limits& lim = {}) {
  return test::decode_charged_with(
      [](const bytes& b, std::vector<amf::value>& o, const amf::limits& l,
         amf::decode_budget& budget) { return amf0::decode_all(b, o, l, budget); },
      in, out, lim);
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
