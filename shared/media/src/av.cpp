// Allocation helpers and the AVERROR error category.
#include "lectern/media/av.hpp"

#include <new>

#include "lectern/media/av_error.hpp"

namespace lectern::media {

frame_ptr make_frame() {
  frame_ptr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

packet_ptr make_packet() {
  packet_ptr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

std::string av_error_text(int averror) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(averror, buf, sizeof buf) < 0) return "FFmpeg error " + std::to_string(averror);
  return buf;
}

namespace {
class av_error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ffmpeg"; }
  std::string message(int averror) const override { return av_error_text(averror); }
};
}  // namespace

const std::error_category& av_category() noexcept {
  static const av_error_category category;
  return category;
}

}  // namespace lectern::media
