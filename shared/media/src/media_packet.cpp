// codec_params: an owned copy of AVCodecParameters.
#include "lectern/media/media_packet.hpp"

#include <new>

namespace lectern::media {

codec_params::codec_params(const AVCodecParameters& p) : params_(avcodec_parameters_alloc()) {
  if (params_ == nullptr || avcodec_parameters_copy(params_, &p) < 0) {
    avcodec_parameters_free(&params_);
    throw std::bad_alloc();
  }
}

codec_params::~codec_params() {
  avcodec_parameters_free(&params_);
}

}  // namespace lectern::media
