// The publisher's input: an FLV file read once into memory, its tags ready to send.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::bench {

/// One audio or video tag. The payload is immutable and shared: looping and every send
/// reuse the same bytes.
struct media_tag {
  shared::rtmp::message_type type = shared::rtmp::message_type::video;
  std::uint32_t timestamp = 0;  ///< ms from the file's first audio/video tag
  shared::shared_bytes payload;
  std::uint64_t fingerprint = 0;  ///< see send_log.hpp
};

/// An FLV file's audio and video tags and its onMetaData.
struct media_file {
  std::vector<media_tag> tags;
  std::optional<shared::amf::value> metadata;  ///< the onMetaData object, if the file has one
  /// Length of one pass for --loop: last timestamp plus one frame interval (ms).
  std::uint32_t loop_ms = 0;
  std::uint64_t payload_bytes = 0;

  /// Reads `path`. On failure `detail` says why in words.
  static std::error_code load(const std::string& path, media_file& out, std::string& detail);
};

}  // namespace lectern::bench
