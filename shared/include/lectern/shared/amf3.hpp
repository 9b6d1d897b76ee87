// AMF3 encoding and decoding (AMF3 spec, Adobe 2008) with string, object and trait
// reference tables.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"

namespace lectern::shared::amf3 {

/// Decodes consecutive AMF3 values sharing one set of reference tables.
/// - An array whose associative part is empty is an amf::strict_array; any other is an
///   amf::ecma_array: the associative pairs, then the dense items named "0", "1", ...
/// - Of externalizable classes only flex.messaging.io.ArrayCollection and ObjectProxy can be
///   read: an amf::object of that class whose one sealed member ("source", "object") holds the
///   wrapped value. Any other is error::amf_unsupported_type.
/// - A reference yields a copy of its value (a cycle is error::amf_bad_reference), charged in
///   full against limits::max_decoded_bytes before it is made; a string reference is charged
///   its length.
/// - String bytes are kept as they are, without UTF-8 validation.
class decoder {
 public:
  explicit decoder(byte_view data, const amf::limits& lim = {}) noexcept;
  /// Charges `budget` instead of a budget of its own, for the values of one message that are
  /// decoded apart.
  decoder(byte_view data, const amf::limits& lim, amf::decode_budget& budget) noexcept;
  ~decoder();
  decoder(const decoder&) = delete;
  decoder& operator=(const decoder&) = delete;

  bool done() const noexcept;
  std::size_t position() const noexcept;
  std::error_code next(amf::value& out);

 private:
  struct state;
  std::unique_ptr<state> state_;
};

std::error_code decode_all(byte_view data, std::vector<amf::value>& out,
                           const amf::limits& lim = {});
/// As above, charging `budget` (see decoder).
std::error_code decode_all(byte_view data, std::vector<amf::value>& out, const amf::limits& lim,
                           amf::decode_budget& budget);

/// Encodes values into one AMF3 stream, emitting string and trait references for repeats, as
/// Flash Player does.
/// - Objects are never sent by reference: with value semantics two equal objects are two
///   objects, and one reference would alias them on the receiver.
/// - An amf::ecma_array is sent as an associative part only; members named "" are skipped
///   (the empty name ends the list), as are empty-named dynamic members of objects.
/// - An object is externalized only in the shape decoder gives a Flex wrapper; a non-dynamic
///   object with members past sealed_count sends them all as sealed members.
/// - Integers outside [k_int_min, k_int_max] are sent as doubles.
class encoder {
 public:
  encoder();
  ~encoder();
  encoder(const encoder&) = delete;
  encoder& operator=(const encoder&) = delete;

  void encode(const amf::value& v, bytes& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Encodes one value with fresh reference tables.
void encode(const amf::value& v, bytes& out);

/// Largest and smallest values of the AMF3 29-bit integer (U29, AMF3 spec 1.3.1).
inline constexpr std::int32_t k_int_max = (1 << 28) - 1;
inline constexpr std::int32_t k_int_min = -(1 << 28);

}  // namespace lectern::shared::amf3
