// Fuzz target for the capture-timestamp SEI reader (lectern/shared/capture_time.hpp): any
// bytes, read as Annex B and as AVCC; and a timestamp inserted into them must read back
// when the input holds no SEI NAL unit of its own before the first slice.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "lectern/shared/capture_time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lectern::shared;
  const std::span<const std::uint8_t> in(data, size);
  (void)find_capture_time(in, nal_framing::annex_b);
  (void)find_capture_time(in, nal_framing::avcc4);
  std::int64_t t = 0;
  for (std::size_t i = 0; i < size && i < 8; ++i) t = t << 8 | data[i];
  // The inserted SEI must survive whatever surrounds it in AVCC framing, where NAL units
  // cannot run into each other; a well-formed earlier SEI may win, so only check presence.
  const auto framed = insert_sei(in, make_capture_time_sei(t), nal_framing::avcc4);
  if (!find_capture_time(framed, nal_framing::avcc4)) std::abort();
  return 0;
}
