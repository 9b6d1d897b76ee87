// Capture timestamps in H.264 SEI: what the teacher writes, the student must read back,
// whatever the framing, the value and the NAL units around it.
#include "lectern/shared/capture_time.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using namespace lectern::shared;
using bytes = std::vector<std::uint8_t>;

// A tiny access unit: SPS (7), PPS (8), IDR slice (5), in Annex B form.
const bytes k_annex_b_idr = {0,    0,    0,    1, 0x67, 0x42, 0xc0, 0x1e, 0,    0,    0,   1, 0x68,
                             0xce, 0x3c, 0x80, 0, 0,    1,    0x65, 0x88, 0x84, 0x00, 0x33};

bytes to_avcc(const std::vector<bytes>& nals) {
  bytes out;
  for (const auto& n : nals) {
    const auto len = static_cast<std::uint32_t>(n.size());
    out.insert(out.end(), {std::uint8_t(len >> 24), std::uint8_t(len >> 16), std::uint8_t(len >> 8),
                           std::uint8_t(len)});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

TEST(CaptureTime, RoundTripsInAnnexBBeforeTheFirstSlice) {
  const std::int64_t t = 1'795'000'123'456'789;
  const bytes framed = insert_sei(k_annex_b_idr, make_capture_time_sei(t), nal_framing::annex_b);
  EXPECT_EQ(find_capture_time(framed, nal_framing::annex_b), t);
  // SPS and PPS stay first; the SEI comes right before the IDR slice.
  const bytes prefix(k_annex_b_idr.begin(), k_annex_b_idr.begin() + 16);
  EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), framed.begin()));
  EXPECT_EQ(framed[20], 0x06);
  EXPECT_EQ(framed.back(), 0x33);
}

TEST(CaptureTime, RoundTripsInAvccWithValuesNeedingEmulationPrevention) {
  const bytes slice = {0x41, 0x9a, 0x02};
  for (std::int64_t t : {std::int64_t{0}, std::int64_t{1}, std::int64_t{0x0000000300000000},
                         std::int64_t{-5}, std::int64_t{1'795'000'000'000'000}}) {
    const bytes sei = make_capture_time_sei(t);
    for (std::size_t i = 2; i < sei.size(); ++i) {  // no 00 00 00/01/02 in the NAL unit
      ASSERT_FALSE(sei[i - 2] == 0 && sei[i - 1] == 0 && sei[i] <= 2) << "t=" << t;
    }
    const bytes framed = insert_sei(to_avcc({slice}), sei, nal_framing::avcc4);
    EXPECT_EQ(find_capture_time(framed, nal_framing::avcc4), t);
  }
}

TEST(CaptureTime, SkipsOtherUserDataAndOtherSeiMessages) {
  // x264 writes its own user-data SEI (another UUID) in the first frame; a recovery point
  // SEI (type 6) may share the NAL unit with ours.
  bytes other = {0x06, 0x05, 0x11};
  for (int i = 0; i < 17; ++i) other.push_back(std::uint8_t(0xa0 + i));  // UUID + 1 byte
  other.push_back(0x80);
  bytes two_messages = {0x06, 0x06, 0x01, 0x84};  // recovery_point, 1 byte
  const bytes ours = make_capture_time_sei(42);
  two_messages.insert(two_messages.end(), ours.begin() + 1, ours.end());
  const bytes slice = {0x41, 0x9a};
  EXPECT_EQ(find_capture_time(to_avcc({other, two_messages, slice}), nal_framing::avcc4), 42);
  EXPECT_EQ(find_capture_time(to_avcc({other, slice}), nal_framing::avcc4), std::nullopt);
}

TEST(CaptureTime, IgnoresTruncatedAndMalformedInput) {
  const bytes sei = make_capture_time_sei(7);
  const bytes framed = insert_sei(to_avcc({{0x41, 0x9a}}), sei, nal_framing::avcc4);
  for (std::size_t cut = 0; cut < 4 + sei.size(); ++cut) {  // the SEI itself cut short
    const std::span<const std::uint8_t> head(framed.data(), cut);
    EXPECT_EQ(find_capture_time(head, nal_framing::avcc4), std::nullopt) << cut;
  }
  EXPECT_EQ(find_capture_time(bytes{0, 0, 0, 1, 0x06, 0xff, 0xff}, nal_framing::annex_b),
            std::nullopt);
  EXPECT_EQ(find_capture_time(bytes{}, nal_framing::annex_b), std::nullopt);
}

TEST(CaptureTime, FrameWithoutSliceGetsTheSeiInFront) {
  const bytes framed = insert_sei(bytes{}, make_capture_time_sei(9), nal_framing::annex_b);
  EXPECT_EQ(find_capture_time(framed, nal_framing::annex_b), 9);
}

}  // namespace
