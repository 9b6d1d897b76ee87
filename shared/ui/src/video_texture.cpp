#include "lectern/ui/video_texture.hpp"

#include <SDL.h>
#include <imgui.h>

#include <algorithm>

namespace lectern::ui {

void frame_mailbox::put(const AVFrame& f) {
  media::frame_ptr copy = media::make_frame();
  if (av_frame_ref(copy.get(), &f) < 0) return;  // out of memory: skip this preview frame
  std::lock_guard lock(mutex_);
  frame_ = std::move(copy);
}

media::frame_ptr frame_mailbox::take() {
  std::lock_guard lock(mutex_);
  return std::move(frame_);
}

video_texture::~video_texture() {
  if (texture_ != nullptr) SDL_DestroyTexture(texture_);
}

void video_texture::update(const AVFrame& in) {
  const AVFrame* f = &in;
  if (in.format != AV_PIX_FMT_YUV420P) {
    sws_.reset(sws_getCachedContext(sws_.release(), in.width, in.height,
                                    static_cast<AVPixelFormat>(in.format), in.width, in.height,
                                    AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!sws_) return;
    if (!converted_ || converted_->width != in.width || converted_->height != in.height) {
      converted_ = media::make_frame();
      converted_->width = in.width;
      converted_->height = in.height;
      converted_->format = AV_PIX_FMT_YUV420P;
      if (av_frame_get_buffer(converted_.get(), 0) < 0) return;
    }
    sws_scale(sws_.get(), in.data, in.linesize, 0, in.height, converted_->data,
              converted_->linesize);
    f = converted_.get();
  }
  if (texture_ == nullptr || width_ != f->width || height_ != f->height) {
    if (texture_ != nullptr) SDL_DestroyTexture(texture_);
    texture_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING,
                                 f->width, f->height);
    width_ = f->width;
    height_ = f->height;
  }
  if (texture_ == nullptr) return;
  SDL_UpdateYUVTexture(texture_, nullptr, f->data[0], f->linesize[0], f->data[1], f->linesize[1],
                       f->data[2], f->linesize[2]);
}

void video_texture::draw(float width, float height, const char* placeholder) const {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(origin, {origin.x + width, origin.y + height}, IM_COL32(10, 10, 12, 255));
  if (texture_ == nullptr || width_ == 0 || height_ == 0) {
    const ImVec2 text = ImGui::CalcTextSize(placeholder);
    draw->AddText({origin.x + (width - text.x) / 2, origin.y + (height - text.y) / 2},
                  IM_COL32(160, 160, 170, 255), placeholder);
    ImGui::Dummy({width, height});
    return;
  }
  const float scale =
      std::min(width / static_cast<float>(width_), height / static_cast<float>(height_));
  const ImVec2 size{width_ * scale, height_ * scale};
  ImGui::SetCursorScreenPos({origin.x + (width - size.x) / 2, origin.y + (height - size.y) / 2});
  ImGui::Image(static_cast<ImTextureID>(texture_), size);
  ImGui::SetCursorScreenPos(origin);
  ImGui::Dummy({width, height});
}

}  // namespace lectern::ui
