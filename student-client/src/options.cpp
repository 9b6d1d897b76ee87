// Command-line parsing and --help for lectern-student.
#include "options.hpp"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace lectern::student {

namespace {

constexpr std::string_view k_help =
    R"(lectern-student: join a Lectern class, watch and listen, speak when called on

usage: lectern-student [OPTIONS] JOIN_LINK
       lectern-student [OPTIONS] --server URL --room ID --token TOKEN [--name NAME]

joining:
  JOIN_LINK, --link URL   a student join link, http://HOST:8080/join/ROOM?token=TOKEN
  --server URL            the server's HTTP base URL (http://HOST:8080), with --room, --token
  --room ID               the room's numeric id
  --token TOKEN           the room's student token
  --name NAME             your name in the roster (default "Student")

playback:
  --buffer-ms N           hold N ms of media before playing (default: the room's
                          recommended buffer; 0 = lowest latency, stalls on any jitter)
  --buffer auto|N         auto: measure arrival jitter and hold the smallest buffer that
                          would have avoided stalls, adapting as the network changes
  --audio-only            ask the server for no video (poor links)
  --no-screen             do not play the teacher's screen share
  --no-audio              play audio to no device (windows without a sound card)
  --rtmp-via HOST:PORT    connect RTMP through HOST:PORT instead of the server's address (an
                          SSH tunnel, or lectern-impair-proxy in tests)

speaking when the teacher calls on you:
  --test-source           publish a test pattern and tone instead of camera and mic
  --camera DEV            camera device (default /dev/video0)
  --microphone DEV        ALSA/Pulse microphone (default "default")
  --auto-consent          accept a speak grant without asking (headless)

headless mode:
  --headless              no window, no sound card: one JSON stats line per second and
                          events as JSON lines; stdin commands:
                            hand up | hand down | chat TEXT | buffer N|auto | speak | quit
  --stats FILE            stats lines to FILE instead of stdout
  --duration S            exit after S seconds

window mode:
  --screenshot FILE       save the window as a PNG after --screenshot-after S (default 4)
                          seconds, then exit
  --help                  this text

exit status: 0 done, 1 could not join (the message says why), 2 bad command line
)";

bool parse_number(std::string_view text, double& out) {
  char* end = nullptr;
  const std::string s(text);
  out = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0' && out >= 0;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "lectern-student: %s (see --help)\n", message.c_str());
  return 2;
}

}  // namespace

std::optional<options> parse_options(int argc, char** argv, int& exit_code) {
  options o;
  exit_code = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      std::fwrite(k_help.data(), 1, k_help.size(), stdout);
      return std::nullopt;
    }
    if (arg == "--headless")
      o.headless = true;
    else if (arg == "--auto-consent")
      o.auto_consent = true;
    else if (arg == "--audio-only")
      o.audio_only = true;
    else if (arg == "--no-screen")
      o.no_screen = true;
    else if (arg == "--no-audio")
      o.no_audio = true;
    else if (arg == "--test-source")
      o.test_source = true;
    else if (!arg.starts_with("--") && o.link.empty())
      o.link = std::string(arg);
    else if (!value(v)) {
      exit_code = fail("unknown option or missing value: " + std::string(arg));
      return std::nullopt;
    } else if (arg == "--link")
      o.link = v;
    else if (arg == "--server")
      o.server = v;
    else if (arg == "--room")
      o.room = v;
    else if (arg == "--token")
      o.token = v;
    else if (arg == "--name")
      o.name = v;
    else if (arg == "--stats")
      o.stats_file = v;
    else if (arg == "--screenshot")
      o.screenshot = v;
    else if (arg == "--rtmp-via")
      o.rtmp_via = v;
    else if (arg == "--camera")
      o.camera = v;
    else if (arg == "--microphone")
      o.microphone = v;
    else if (arg == "--buffer-ms" || arg == "--buffer") {
      o.buffer = media::buffer_setting::parse(v);
      if (!o.buffer || (arg == "--buffer-ms" && o.buffer->automatic)) {
        exit_code = fail(std::string(arg) + " takes 0 to 60000 ms" +
                         (arg == "--buffer" ? " or auto" : "") + ", not '" + v + "'");
        return std::nullopt;
      }
    } else if (arg == "--duration" || arg == "--screenshot-after") {
      double d = 0;
      if (!parse_number(v, d)) {
        exit_code = fail(std::string(arg) + " takes a number of seconds, not '" + v + "'");
        return std::nullopt;
      }
      (arg == "--duration" ? o.duration_s : o.screenshot_after_s) = d;
    } else {
      exit_code = fail("unknown option " + std::string(arg));
      return std::nullopt;
    }
  }
  if (o.link.empty() && (o.server.empty() || o.room.empty() || o.token.empty())) {
    exit_code = fail("give a join link, or --server, --room and --token");
    return std::nullopt;
  }
  return o;
}

}  // namespace lectern::student
