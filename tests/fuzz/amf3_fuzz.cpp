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
  amf::decode_budget budget;
  if (amf3::decode_all(byte_view(data, size), first, lim, budget)) return 0;
  check_budget(first, budget, lim);

  const bytes once = encode_stream(first);
  std::vector<amf::value> second;
  // The budget charges the tree that was built, whatever its encoding, so our encoding of a
  // tree that met the limits meets them too, at the same cost.
  amf::decode_budget again;
  if (amf3::decode_all(once, second, lim, again)) std::abort();
  check_budget(second, again, lim);
  if (again.used != budget.used) std::abort();
  if (!amf::fuzz::same(first, second, false)) std::abort();
  if (encode_stream(second) != once) std::abort();
  return 0;
}
