// Source specs for each kind of capture input, and device discovery.
#include "lectern/media/sources.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

extern "C" {
#include <libavdevice/avdevice.h>
}

namespace lectern::media {

namespace {
std::string size_text(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

// A /dev/video* node that can capture: UVC cameras expose a second node for metadata only.
bool is_capture_node(const std::string& path, std::string& card) {
  const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK);
  if (fd < 0) return false;
  v4l2_capability cap{};
  const bool ok = ::ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0;
  ::close(fd);
  if (!ok) return false;
  const auto caps =
      (cap.capabilities & V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities;
  card = reinterpret_cast<const char*>(cap.card);
  return (caps & V4L2_CAP_VIDEO_CAPTURE) != 0;
}

std::vector<std::string> video_nodes() {
  std::vector<std::string> nodes;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec)) {
    const auto name = e.path().filename().string();
    if (name.rfind("video", 0) == 0) nodes.push_back(e.path().string());
  }
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

void add_audio_sources(const char* format, std::vector<device_info>& out) {
  const AVInputFormat* f = av_find_input_format(format);
  if (f == nullptr) return;
  AVDeviceInfoList* list = nullptr;
  if (avdevice_list_input_sources(f, nullptr, nullptr, &list) >= 0 && list != nullptr) {
    for (int i = 0; i < list->nb_devices; ++i) {
      const AVDeviceInfo* d = list->devices[i];
      if (d->device_name == nullptr) continue;
      out.push_back({"microphone", std::string(format) + ":" + d->device_name,
                     d->device_description != nullptr ? d->device_description : ""});
    }
  }
  avdevice_free_list_devices(&list);
}
}  // namespace

source_spec camera_source(const std::string& device, int width, int height, int fps) {
  source_spec s;
  s.label = "camera " + device;
  s.format = "v4l2";
  s.url = device;
  s.options = {{"video_size", size_text(width, height)},
               {"framerate", std::to_string(fps)},
               {"thread_queue_size", "64"}};
  return s;
}

source_spec microphone_source(const std::string& device, int sample_rate, int channels) {
  source_spec s;
  s.type = AVMEDIA_TYPE_AUDIO;
  s.format = "pulse";
  s.url = device.empty() ? "default" : device;
  if (const auto colon = s.url.find(':');
      colon != std::string::npos &&
      (s.url.rfind("pulse:", 0) == 0 || s.url.rfind("alsa:", 0) == 0)) {
    s.format = s.url.substr(0, colon);
    s.url = s.url.substr(colon + 1);
  }
  s.label = "microphone " + s.format + ":" + s.url;
  s.options = {{"sample_rate", std::to_string(sample_rate)},
               {"channels", std::to_string(channels)}};
  if (s.format == "pulse") s.options["fragment_size"] = "1920";  // ~10 ms: low latency
  return s;
}

source_spec screen_source(const std::string& display, int fps) {
  source_spec s;
  const char* env = std::getenv("DISPLAY");
  s.url = !display.empty() ? display : (env != nullptr ? env : ":0.0");
  s.label = "screen " + s.url;
  s.format = "x11grab";
  s.options = {{"framerate", std::to_string(fps)}, {"draw_mouse", "1"}};
  return s;
}

source_spec file_source(const std::string& path, AVMediaType type, bool loop) {
  source_spec s;
  s.label = "file " + path;
  s.url = path;
  s.type = type;
  s.pace = true;
  s.loop = loop;
  return s;
}

source_spec test_video_source(int width, int height, int fps) {
  source_spec s;
  s.label = "test pattern";
  s.format = "lavfi";
  s.url = "testsrc2=size=" + size_text(width, height) + ":rate=" + std::to_string(fps);
  s.pace = true;
  return s;
}

source_spec test_audio_source(int sample_rate) {
  source_spec s;
  s.label = "test tone";
  s.format = "lavfi";
  s.type = AVMEDIA_TYPE_AUDIO;
  // 1024-sample frames (one AAC frame) keep the pacing granularity near 21 ms.
  s.url = "sine=frequency=440:beep_factor=2:samples_per_frame=1024:sample_rate=" +
          std::to_string(sample_rate);
  s.pace = true;
  return s;
}

source_spec silent_audio_source(int sample_rate) {
  source_spec s = test_audio_source(sample_rate);
  s.label = "silence";
  s.url = "anullsrc=channel_layout=mono:nb_samples=1024:sample_rate=" + std::to_string(sample_rate);
  return s;
}

std::string default_camera() {
  for (const auto& node : video_nodes()) {
    std::string card;
    if (is_capture_node(node, card)) return node;
  }
  return {};
}

std::vector<device_info> list_devices() {
  avdevice_register_all();
  std::vector<device_info> out;
  for (const auto& node : video_nodes()) {
    std::string card;
    if (is_capture_node(node, card)) out.push_back({"camera", node, card});
  }
  add_audio_sources("pulse", out);
  add_audio_sources("alsa", out);
  if (const char* display = std::getenv("DISPLAY"); display != nullptr && *display != 0) {
    out.push_back({"screen", display, "X11 display (--screen)"});
  }
  return out;
}

}  // namespace lectern::media
