// Fuzzes the AMF0 decoder, AMF3 behind AVM+ switches included: no input may crash it, hang it
// or make it allocate without bound, and whatever decodes must survive encode -> decode.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "amf_fuzz_equal.hpp"
#include "lectern/shared/amf0.hpp"

namespace {

using namespace lectern::shared;

// Below the defaults so that inputs which expand through references stay fast to run; the
// code paths are the same.
amf::limits fuzz_limits() {
  amf::limits lim;
  lim.max_nodes = 1 << 15;
  return lim;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const amf::limits lim = fuzz_limits();
  std::vector<amf::value> first;
  if (amf0::decode_all(byte_view(data, size), first, lim)) return 0;

  bytes once;
  amf0::encode_all(first, once);
  std::vector<amf::value> second;
  // Our own encoding of a tree that met the limits meets them too: it has no AMF0 or AMF3
  // object references, which is the only way the two decodes' costs can differ.
  if (amf0::decode_all(once, second, lim)) std::abort();
  // An AMF3 integer outside AMF3-only containers comes back as an AMF0 number.
  if (!amf::fuzz::same(first, second, true)) std::abort();

  // After that one widening the encoding is a fixed point.
  bytes twice;
  amf0::encode_all(second, twice);
  if (twice != once) std::abort();
  return 0;
}
