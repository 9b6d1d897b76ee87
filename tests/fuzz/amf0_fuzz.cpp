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
  lim.max_decoded_bytes = 1 << 20;
  return lim;
}

// The budget must have charged exactly what was built, and what was built must fit in it.
void check_budget(const std::vector<amf::value>& values, const amf::decode_budget& budget,
                  const amf::limits& lim) {
  std::size_t size = 0;
  for (const auto& v : values) size += amf::decoded_size(v);
  if (size != budget.used || size > lim.max_decoded_bytes) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const amf::limits lim = fuzz_limits();
  std::vector<amf::value> first;
  amf::decode_budget budget;
  if (amf0::decode_all(byte_view(data, size), first, lim, budget)) return 0;
  check_budget(first, budget, lim);

  bytes once;
  amf0::encode_all(first, once);
  std::vector<amf::value> second;
  // The budget charges the tree that was built, whatever its encoding, so our own encoding of
  // a tree that met the limits meets them too, at the same cost (an AMF3 integer that comes
  // back as a number is a value all the same).
  amf::decode_budget again;
  if (amf0::decode_all(once, second, lim, again)) std::abort();
  check_budget(second, again, lim);
  if (again.used != budget.used) std::abort();
  // An AMF3 integer outside AMF3-only containers comes back as an AMF0 number.
  if (!amf::fuzz::same(first, second, true)) std::abort();

  // After that one widening the encoding is a fixed point.
  bytes twice;
  amf0::encode_all(second, twice);
  if (twice != once) std::abort();
  return 0;
}
