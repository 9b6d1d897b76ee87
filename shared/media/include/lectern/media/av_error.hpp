// AVERROR codes as std::error_code, so that media pipelines return errors as values
// (style.md rule 8) and a message can say what FFmpeg said ("Connection refused",
// "Invalid data found when processing input").
#pragma once

#include <string>
#include <system_error>

namespace lectern::media {

/// The category of FFmpeg's negative AVERROR values; message() is av_strerror's text.
const std::error_category& av_category() noexcept;

/// An error_code for an AVERROR value (negative, as FFmpeg returns it).
inline std::error_code make_av_error(int averror) noexcept {
  return {averror, av_category()};
}

/// True for the two values a send/receive loop treats as "not now" rather than failure.
inline bool is_again_or_eof(int averror) noexcept;

/// av_strerror's text for an AVERROR value.
std::string av_error_text(int averror);

}  // namespace lectern::media

extern "C" {
#include <libavutil/error.h>
}

namespace lectern::media {
inline bool is_again_or_eof(int averror) noexcept {
  return averror == AVERROR(EAGAIN) || averror == AVERROR_EOF;
}
}  // namespace lectern::media
