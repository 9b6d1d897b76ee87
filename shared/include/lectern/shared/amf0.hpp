// AMF0 encoding and decoding (AMF0 spec, Adobe 2007), with the AVM+ switch to AMF3.
#pragma once

#include <memory>
#include <span>
#include <system_error>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"

namespace lectern::shared::amf0 {

/// Decodes the consecutive AMF0 values of one message body. Reference tables (AMF0 0x07,
/// and the AMF3 tables behind each AVM+ switch) are scoped to one decoder, i.e. one message.
/// The unsupported marker (0x0D) decodes as undefined; movieclip (0x04) and recordset (0x0E)
/// are error::amf_unsupported_type. An ECMA array's count is ignored (encoders send wrong
/// ones): members run to object-end. Limits and strings behave as in amf3::decoder.
class decoder {
 public:
  explicit decoder(byte_view data, const amf::limits& lim = {}) noexcept;
  /// Charges `budget` instead of a budget of its own, for the values of one message that are
  /// decoded apart (each shared object event has its own AMF0 data and reference table).
  decoder(byte_view data, const amf::limits& lim, amf::decode_budget& budget) noexcept;
  ~decoder();
  decoder(const decoder&) = delete;
  decoder& operator=(const decoder&) = delete;

  /// True when every byte has been consumed.
  bool done() const noexcept;
  std::size_t position() const noexcept;
  /// Decodes the next value. On error `out` is unspecified and the decoder must not be reused.
  std::error_code next(amf::value& out);

 private:
  struct state;
  std::unique_ptr<state> state_;
};

/// Decodes every value in `data`; fails if any value is malformed.
std::error_code decode_all(byte_view data, std::vector<amf::value>& out,
                           const amf::limits& lim = {});
/// As above, charging `budget` (see decoder).
std::error_code decode_all(byte_view data, std::vector<amf::value>& out, const amf::limits& lim,
                           amf::decode_budget& budget);

/// Appends the AMF0 encoding of `v`. Strings longer than 65535 bytes become long strings;
/// AMF3-only types (ByteArray, vectors, dictionary, AMF3 integer inside them) are written
/// behind the AVM+ marker (0x11), as are E4X XML, objects with AMF3 trait information
/// (sealed_count > 0 or !dynamic) and names longer than 65535 bytes. An std::int32_t is
/// written as an AMF0 number.
void encode(const amf::value& v, bytes& out);

/// Appends the encodings of all `values` in order.
void encode_all(std::span<const amf::value> values, bytes& out);

}  // namespace lectern::shared::amf0
