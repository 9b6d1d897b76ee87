// Helpers shared by the AMF0 tests: decoding one value, golden vectors, ffmpeg's connect.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "lectern/shared/amf0.hpp"
#include "lectern/shared/error.hpp"
#include "test_util.hpp"

namespace lectern::shared::test::amf0_util {

// Decodes exactly one value.
inline std::error_code decode_one(byte_view in, amf::value& out, const amf::limits& lim = {}) {
  amf0::decoder d(in, lim);
  if (auto ec = d.next(out)) return ec;
  return d.done() ? std::error_code{} : error::amf_trailing_bytes;
}

inline std::error_code decode_error(std::string_view hex_text, const amf::limits& lim = {}) {
  std::vector<amf::value> out;
  return amf0::decode_all(hex(hex_text), out, lim);
}

inline bytes encoded(const amf::value& v) {
  bytes out;
  amf0::encode(v, out);
  return out;
}

inline amf::value obj(std::vector<amf::property> props, std::string class_name = {}) {
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
inline std::vector<golden> goldens() {
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

inline std::vector<amf::value> ffmpeg_connect_values() {
  return {"connect", 1.0,
          obj({{"app", "live"},
               {"type", "nonprivate"},
               {"flashVer", "FMLE/3.0 (compatible; Lavf59.27.100)"},
               {"tcUrl", "rtmp://127.0.0.1:1935/live"}})};
}

}  // namespace lectern::shared::test::amf0_util
