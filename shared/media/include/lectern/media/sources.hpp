// The capture sources a classroom client offers, as source_specs: camera, microphone,
// screen, media file and the synthetic test source, plus device discovery.
#pragma once

#include <string>
#include <vector>

#include "lectern/media/source.hpp"

namespace lectern::media {

/// A V4L2 camera (`device` e.g. /dev/video0) asked for this size and rate; the camera may
/// deliver something else, the pipeline scales and drops to the configured output.
source_spec camera_source(const std::string& device, int width, int height, int fps);
/// A microphone: "pulse:NAME" / "alsa:NAME" / a bare name (PulseAudio; "default" if empty).
source_spec microphone_source(const std::string& device, int sample_rate, int channels);
/// The X11 screen (`display` e.g. ":0.0", or $DISPLAY when empty) at `fps`.
source_spec screen_source(const std::string& display, int fps);
/// One stream of a media file, played at its own speed as if live.
source_spec file_source(const std::string& path, AVMediaType type, bool loop);
/// lavfi testsrc2 (a moving pattern with a clock) at the configured size and rate.
source_spec test_video_source(int width, int height, int fps);
/// lavfi sine tone (440 Hz, a beep every second) at `sample_rate`.
source_spec test_audio_source(int sample_rate);
/// lavfi silence, used when no microphone can be opened.
source_spec silent_audio_source(int sample_rate);

/// One capture device as the system names it.
struct device_info {
  std::string kind;  ///< "camera", "microphone", "screen"
  std::string name;  ///< what to pass to --camera / --mic / --screen
  std::string description;
};

/// Cameras (/dev/video*, capture-capable ones), PulseAudio/ALSA sources and the X display.
std::vector<device_info> list_devices();

/// The first capture-capable /dev/video* node, or "" when the machine has no camera.
std::string default_camera();

}  // namespace lectern::media
