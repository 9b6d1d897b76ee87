#include "lectern/shared/error.hpp"

#include <string>

namespace lectern::shared {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lectern.shared"; }

  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::truncated:
        return "input ended in the middle of a value";
      case error::limit_exceeded:
        return "a configured limit was exceeded";
      case error::amf_unknown_marker:
        return "AMF: unknown type marker";
      case error::amf_depth_exceeded:
        return "AMF: values nested too deeply";
      case error::amf_string_too_long:
        return "AMF: string longer than the limit";
      case error::amf_too_many_elements:
        return "AMF: too many elements";
      case error::amf_bad_reference:
        return "AMF: reference to an unknown entry";
      case error::amf_bad_utf8:
        return "AMF: string is not valid UTF-8";
      case error::amf_unsupported_type:
        return "AMF: type that cannot be decoded";
      case error::amf_integer_out_of_range:
        return "AMF: integer out of range";
      case error::amf_trailing_bytes:
        return "AMF: bytes left after the last value";
      case error::handshake_bad_version:
        return "handshake: unsupported RTMP version";
      case error::handshake_bad_digest:
        return "handshake: digest does not verify";
      case error::handshake_bad_echo:
        return "handshake: peer did not echo our random bytes";
      case error::handshake_crypto_failed:
        return "handshake: HMAC-SHA256 computation failed";
      case error::chunk_no_previous_header:
        return "chunk stream: compressed header without a previous full header";
      case error::chunk_bad_chunk_size:
        return "chunk stream: chunk size out of range";
      case error::chunk_message_too_large:
        return "chunk stream: message larger than the limit";
      case error::chunk_too_many_streams:
        return "chunk stream: too many chunk streams";
      case error::chunk_length_changed:
        return "chunk stream: message header changed in the middle of a message";
      case error::chunk_bad_chunk_stream_id:
        return "chunk stream: chunk stream id must be 2 to 65599";
      case error::chunk_too_much_partial:
        return "chunk stream: too many bytes in unfinished messages";
      case error::message_malformed:
        return "message: payload is malformed";
      case error::message_unknown_type:
        return "message: unknown message type";
      case error::command_malformed:
        return "message: command has no name or transaction id";
      case error::flv_bad_signature:
        return "FLV: file does not start with 'FLV'";
      case error::flv_bad_header:
        return "FLV: bad file header";
      case error::flv_bad_tag_type:
        return "FLV: unknown tag type";
      case error::flv_tag_too_large:
        return "FLV: tag larger than the limit";
      case error::flv_previous_size_mismatch:
        return "FLV: PreviousTagSize does not match";
      case error::flv_bad_tag_header:
        return "FLV: audio/video tag header is malformed";
      case error::flv_encrypted:
        return "FLV: encrypted tags are not supported";
      case error::flv_bad_tag:
        return "FLV: tag reserved bits or stream id are not zero";
      case error::flv_unsupported:
        return "FLV: unsupported codec or enhanced RTMP signalling";
    }
    return "lectern.shared error " + std::to_string(ev);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;  // immutable; function-local static is the std idiom
  return instance;
}

}  // namespace lectern::shared
