// Parsing lectern-teacher's options: a small table of flags, each with its setter.
#include "options.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace lectern::teacher {

namespace {

bool to_int(std::string_view s, int lo, int hi, int& out) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool to_size(std::string_view s, int& w, int& h) {
  const auto x = s.find('x');
  return x != std::string_view::npos && to_int(s.substr(0, x), 16, 7680, w) &&
         to_int(s.substr(x + 1), 16, 4320, h) && w % 2 == 0 && h % 2 == 0;
}

struct flag {
  std::string_view name;
  bool takes_value;
  // Returns "" when the value is fine, otherwise what a valid value looks like.
  std::function<std::string(teacher_options&, std::string_view)> set;
};

// A long name: in a unity build the alias reaches the files compiled after this one.
using opts = teacher_options;

flag text(std::string_view name, std::string opts::*field) {
  return {name, true, [field](opts& t, std::string_view v) {
            t.*field = v;
            return std::string();
          }};
}

flag on(std::string_view name, bool opts::*field, bool value = true) {
  return {name, false, [field, value](opts& t, std::string_view) {
            t.*field = value;
            return std::string();
          }};
}

// A whole number in [lo, hi] stored where `at` says (nested fields and optionals too).
template <class At>
flag number(std::string_view name, int lo, int hi, At at) {
  return {name, true, [lo, hi, at](opts& t, std::string_view v) {
            int n = 0;
            if (!to_int(v, lo, hi, n)) {
              return "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
            }
            at(t) = n;
            return std::string();
          }};
}

const std::vector<flag>& flags() {
  static const std::vector<flag> table = {
      text("--server", &opts::server),
      text("--room", &opts::room),
      text("--token", &opts::token),
      text("--name", &opts::name),
      {"--size", true,
       [](opts& t, std::string_view v) {
         return to_size(v, t.video.width, t.video.height) ? std::string()
                                                          : "WIDTHxHEIGHT, even, e.g. 640x360";
       }},
      number("--fps", 1, 120, [](opts& t) -> int& { return t.video.fps; }),
      number("--keyint", 1, 1200, [](opts& t) -> std::optional<int>& { return t.keyint_frames; }),
      number("--video-bitrate", 50, 50000, [](opts& t) -> int& { return t.video.bitrate_kbps; }),
      number("--quality", 0, 51, [](opts& t) -> std::optional<int>& { return t.video.quality; }),
      text("--preset", &opts::preset),
      number("--audio-bitrate", 16, 512, [](opts& t) -> int& { return t.audio.bitrate_kbps; }),
      number("--channels", 1, 2, [](opts& t) -> int& { return t.audio.channels; }),
      number("--sample-rate", 8000, 96000, [](opts& t) -> int& { return t.audio.sample_rate; }),
      text("--camera", &opts::camera),
      text("--mic", &opts::mic),
      on("--no-denoise", &opts::denoise, false),
      on("--no-echo-cancel", &opts::echo_cancel, false),
      on("--screen", &opts::screen),
      text("--screen-display", &opts::screen_display),
      number("--screen-fps", 1, 60, [](opts& t) -> int& { return t.screen_fps; }),
      number("--screen-bitrate", 50, 50000, [](opts& t) -> int& { return t.screen_bitrate_kbps; }),
      text("--file", &opts::file),
      on("--loop", &opts::loop),
      on("--test-source", &opts::test_source),
      on("--list-devices", &opts::list_devices),
      on("--headless", &opts::headless),
      number("--duration", 1, 86400 * 7, [](opts& t) -> double& { return t.duration_s; }),
      text("--stats", &opts::stats_path),
      text("--screenshot", &opts::screenshot),
      on("--help", &opts::help),
      on("-h", &opts::help),
  };
  return table;
}

const flag* find_flag(std::string_view name) {
  for (const auto& f : flags()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// LECTERN_VIDEO_BITRATE for --video-bitrate: every option is also an environment variable
// (design.md); the command line wins over the environment.
bool apply_environment(teacher_options& out, std::string& error) {
  for (const auto& f : flags()) {
    if (f.name.size() < 3 || f.name == "--help" || f.name == "--list-devices") continue;
    std::string var = "LECTERN_";
    for (const char c : f.name.substr(2))
      var += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    const char* value = std::getenv(var.c_str());
    if (value == nullptr || *value == 0) continue;
    const std::string_view v = value;
    if (!f.takes_value && v != "1" && v != "true") continue;
    if (auto what = f.set(out, v); !what.empty()) {
      error = "bad value '" + std::string(v) + "' in " + var + ": expected " + what;
      return false;
    }
  }
  return true;
}

}  // namespace

bool parse_options(int argc, char** argv, teacher_options& out, std::string& error) {
  if (!apply_environment(out, error)) return false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool inline_value = false;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      inline_value = true;
    }
    if (arg.empty() || arg[0] != '-') {
      if (!out.join_link.empty()) {
        error = "more than one join link given ('" + out.join_link + "' and '" + std::string(arg) +
                "')";
        return false;
      }
      out.join_link = arg;
      continue;
    }
    const flag* f = find_flag(arg);
    if (f == nullptr) {
      error = "unknown option '" + std::string(arg) + "' (try --help)";
      return false;
    }
    if (f->takes_value && !inline_value) {
      if (i + 1 >= argc) {
        error = std::string(arg) + " needs a value (try --help)";
        return false;
      }
      value = argv[++i];
    }
    if (auto what = f->set(out, value); !what.empty()) {
      error =
          "bad value '" + std::string(value) + "' for " + std::string(arg) + ": expected " + what;
      return false;
    }
  }
  if (out.help || out.list_devices) return true;
  if (out.join_link.empty() && (out.server.empty() || out.room.empty() || out.token.empty())) {
    error =
        "say where to join: a teacher join link (http://HOST:PORT/join/ROOM?token=T) or "
        "--server URL --room ID --token TOKEN (try --help)";
    return false;
  }
  out.video.keyint_frames = out.keyint_frames.value_or(2 * out.video.fps);
  out.video.preset = out.preset;
  if (out.headless && out.stats_path.empty()) out.stats_path = "-";
  return true;
}

std::string usage() {
  return R"(Usage: lectern-teacher JOIN_LINK [options]
       lectern-teacher --server URL --room ID --token TOKEN [options]
       lectern-teacher --list-devices

Goes live in a Lectern classroom: captures camera, microphone (and optionally the screen),
encodes H.264 + AAC and publishes over RTMP to the room's stream; runs the class (start/end,
roster, hands, chat, speak grants) over the control channel. Opens a window unless
--headless.

Joining:
  JOIN_LINK             teacher join link http://HOST:PORT/join/ROOM?token=TOKEN
  --server URL          the server's HTTP base URL (http://host:8080, or host[:port])
  --room ID             room id
  --token TOKEN         the room's teacher token
  --name NAME           display name in the roster (default Teacher)

Sources (default: first camera and PulseAudio's default microphone; without a camera
the test pattern, with a notice):
  --camera DEV          V4L2 camera, e.g. /dev/video0
  --mic DEV             microphone: NAME (PulseAudio), pulse:NAME or alsa:NAME (hw:0)
  --no-denoise          no noise suppression on the microphone (default: FFmpeg afftdn)
  --no-echo-cancel      no echo cancellation of a called-on student played through the
                        speakers (default: libspeexdsp, at --sample-rate 48000)
  --screen              also share the X11 screen as live/ROOM-screen
  --screen-display D    X display to grab (default $DISPLAY)
  --screen-fps N        screen frame rate (default 10)
  --screen-bitrate K    screen bitrate cap in kbit/s (default 1500)
  --file PATH           publish a media file as live, in real time
  --loop                with --file: start again at the end
  --test-source         FFmpeg test pattern and tone instead of camera and microphone
  --list-devices        list cameras, microphones and the screen, then exit

Encoding (Flash Camera.setMode/setQuality/setKeyFrameInterval):
  --size WxH            picture size (default 640x360; e.g. 320x240, 1280x720)
  --fps N               frame rate (default 30)
  --keyint FRAMES       keyframe interval in frames (default 2 s worth)
  --video-bitrate K     video bitrate cap in kbit/s (VBV; default 800)
  --quality Q           CRF 0..51 (lower is better) under the cap; default: the cap
  --preset P            libx264 preset (default veryfast)
  --audio-bitrate K     AAC bitrate in kbit/s (default 96)
  --channels N          1 or 2 (default 2)
  --sample-rate HZ      default 48000

Running:
  --headless            no window: JSON events and stats on stdout, commands on stdin
                        (start, end, chat TEXT, grant PID, revoke PID, mute PID,
                        unmute PID, kick PID, lower PID, buffer MS, camera on|off,
                        mic on|off, screen on|off, quit)
  --duration S          stop after S seconds
  --stats FILE          stats as JSON lines, once a second ("-": stdout; the default
                        with --headless)
  --screenshot FILE     with a window: save its pixels as PNG after --duration, then exit
  --help                this text

Every option is also an environment variable: LECTERN_ and the name in capitals with _
for - (LECTERN_SERVER, LECTERN_TOKEN, LECTERN_VIDEO_BITRATE, LECTERN_HEADLESS=1, ...);
the command line wins.

Exit status: 0 after a normal end, 1 when joining or publishing cannot start (the
message says why), 2 for a bad command line.
)";
}

}  // namespace lectern::teacher
