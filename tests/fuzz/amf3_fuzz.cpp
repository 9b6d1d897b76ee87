// Fuzzes the AMF3 decoder: no input may crash it, hang it or make it allocate without bound,
// and whatever decodes must survive encode -> decode unchanged.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "amf_fuzz_equal.hpp"
#include "lectern/shared/amf3.hpp"

namespace {

using namespace lectern::shared;

// Below the defaults so that inputs which expand through references stay fast to run; the
// code paths are the same.
amf::limits fuzz_limits() {
  amf::limits lim;
  lim.max_nodes = 1 << 15;
  return lim;
}

bytes encode_stream(const std::vector<amf::value>& values) {
  bytes out;
  amf3::encoder e;  // one stream, as decode_all reads one: string and traits tables shared
  for (const auto& v : values) e.encode(v, out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const amf::limits lim = fuzz_limits();
  std::vector<amf::value> first;
  if (amf3::decode_all(byte_view(data, size), first, lim)) return 0;

  const bytes once = encode_stream(first);
  std::vector<amf::value> second;
  // Our encoding has no object references, so it costs no more of the limits than the input.
  if (amf3::decode_all(once, second, lim)) std::abort();
  if (!amf::fuzz::same(first, second, false)) std::abort();
  if (encode_stream(second) != once) std::abort();
  return 0;
}
