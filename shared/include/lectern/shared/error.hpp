// Errors of the shared protocol library: every malformed input maps to one of these values.
#pragma once

#include <system_error>

namespace lectern::shared {

/// Why a protocol operation failed. Values are grouped by module; add new ones at the end
/// of their group and give them a message in error.cpp.
enum class error {
  // general
  truncated = 1,   ///< input ended inside a value that must be complete
  limit_exceeded,  ///< a configured hard limit (size, count, depth) was passed
  // AMF0 / AMF3
  amf_unknown_marker = 100,
  amf_depth_exceeded,
  amf_string_too_long,
  amf_too_many_elements,
  amf_bad_reference,
  amf_bad_utf8,
  amf_unsupported_type,  ///< e.g. AMF0 movieclip/recordset, AMF3 externalizable of unknown class
  amf_integer_out_of_range,
  amf_trailing_bytes,
  // handshake
  handshake_bad_version = 200,
  handshake_bad_digest,
  handshake_bad_echo,
  handshake_crypto_failed,  ///< libcrypto failed to compute HMAC-SHA256
  // chunk stream
  chunk_no_previous_header = 300,  ///< fmt 1-3 chunk on a chunk stream that never had fmt 0
  chunk_bad_chunk_size,
  chunk_message_too_large,
  chunk_too_many_streams,
  chunk_length_changed,       ///< fmt 1/2 mid-message changed the message length
  chunk_bad_chunk_stream_id,  ///< writer: chunk stream id outside 2-65599 (5.3.1.1)
  chunk_too_much_partial,     ///< unfinished messages together exceed max_partial_bytes
  // messages
  message_malformed = 400,  ///< payload too short or fields inconsistent
  message_unknown_type,
  command_malformed,  ///< command name/transaction id missing or wrong type
  // FLV
  flv_bad_signature = 500,
  flv_bad_header,
  flv_bad_tag_type,
  flv_tag_too_large,
  flv_previous_size_mismatch,
  flv_bad_tag_header,
  flv_encrypted,    ///< tag has the Filter bit set (FLV spec E.4.1); not supported
  flv_bad_tag,      ///< tag header reserved bits or StreamID not zero (E.4.1)
  flv_unsupported,  ///< unknown codec, FourCC or E-RTMP signalling
};

/// The category of lectern::shared::error ("lectern.shared").
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace lectern::shared

template <>
struct std::is_error_code_enum<lectern::shared::error> : std::true_type {};
