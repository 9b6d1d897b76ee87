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
class decoder {
 public:
  explicit decoder(byte_view data, const amf::limits& lim = {}) noexcept;
  ~decoder();
  decoder(const decoder&) = delete;
  decoder& operator=(const decoder&) = delete;

  bool done() const noexcept;
  std::size_t position() const noexcept;
  std::error_code next(amf::value& out);

  /// Shares an external node budget (used by the AMF0 decoder across an AVM+ switch).
  void share_node_count(std::size_t* nodes) noexcept;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

std::error_code decode_all(byte_view data, std::vector<amf::value>& out,
                           const amf::limits& lim = {});

/// Encodes values into one AMF3 stream, emitting string, object and trait references for
/// repeats, as Flash Player does.
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
