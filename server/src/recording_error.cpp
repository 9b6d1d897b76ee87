#include "recording_error.hpp"

#include <string>

namespace lectern::server {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lectern.recording"; }

  std::string message(int v) const override {
    switch (static_cast<recording_error>(v)) {
      case recording_error::busy:
        return "recording file is in use (being recorded or finalized)";
      case recording_error::closed:
        return "recorder is closed or failed earlier";
      case recording_error::not_media:
        return "only audio and video messages can be recorded";
      case recording_error::bad_metadata:
        return "metadata is not an AMF object or ECMA array";
      case recording_error::timestamp_overflow:
        return "recording timestamp passed 2^32 ms";
      case recording_error::file_replaced:
        return "recording file was replaced while being finalized";
      case recording_error::queue_full:
        return "finalizer queue is full";
      case recording_error::stopped:
        return "finalizer is shutting down";
      case recording_error::not_a_file:
        return "not a regular file";
    }
    return "unknown recording error";
  }
};

}  // namespace

const std::error_category& recording_category() noexcept {
  static const category c;  // immutable; function-local to avoid init-order issues
  return c;
}

}  // namespace lectern::server
