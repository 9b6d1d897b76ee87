// Joining, starting and stopping the teacher's parts.
#include "teacher_app.hpp"

#include <cctype>
#include <iostream>

#include "lectern/client/join_link.hpp"
#include "media_setup.hpp"

namespace lectern::teacher {

namespace {
client::result<client::join_info> validate(const teacher_options& o) {
  auto link = o.join_link.empty() ? client::make_join_link(o.server, o.room, o.token)
                                  : client::parse_join_link(o.join_link);
  if (!link) return link.error();
  client::blocking_api_client api;
  auto join = api.validate(link.value());
  if (!join) return join;
  if (join->role != "teacher") {
    return client::client_error{client::error_kind::unauthorized,
                                "this is a " + join->role + " token for room " +
                                    std::to_string(join->room.id) +
                                    ": lectern-teacher needs the room's teacher join link"};
  }
  return join;
}
std::string percent_encode(const std::string& s) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}
}  // namespace

teacher_app::teacher_app(const teacher_options& options, std::FILE* event_stream)
    : options_(options), events_(event_stream), work_(io_.get_executor()) {}

teacher_app::~teacher_app() {
  stop();
  classroom_.reset();  // on this thread, after the io thread ended (control_channel's rule)
}

int teacher_app::create(const teacher_options& options, std::unique_ptr<teacher_app>& out) {
  auto join = validate(options);
  if (!join) {
    std::cerr << "lectern-teacher: " << join.error().message << "\n";
    return 1;
  }
  std::unique_ptr<teacher_app> app(new teacher_app(options, options.headless ? stdout : nullptr));
  app->join_ = join.value();
  std::string notices, message;
  auto pipeline = main_stream_options(options, app->join_.rtmp_url, notices);
  if (!options.headless) {
    pipeline.on_preview = [raw = app.get()](const AVFrame& f) { raw->preview_.put(f); };
  }
  const auto ec = open_main_pipeline(std::move(pipeline), app->main_, message, notices);
  std::cerr << notices;
  if (ec) {
    std::cerr << "lectern-teacher: cannot start capture: " << message << "\n";
    return 1;
  }
  client::control_options control;
  // The server joins a connection whose URL has the token at once and then needs the name
  // in the URL too (control-protocol.md "Joining"); the client library's hello comes later.
  control.ws_url = app->join_.ws_url + "&name=" + percent_encode(options.name);
  control.name = options.name;
  app->classroom_ =
      std::make_unique<classroom>(app->io_, control, app->events_,
                                  [raw = app.get()](const std::string& p, const std::string& s) {
                                    raw->speaker_changed(p, s);
                                  });
  out = std::move(app);
  return 0;
}

void teacher_app::start() {
  started_ = std::chrono::steady_clock::now();
  classroom_->start();
  io_thread_ = std::thread([this] { io_.run(); });
  main_->start();
  events_.emit({{"event", "publishing"}, {"stream", join_.stream}, {"room", join_.room.id}});
  if (options_.screen) {
    std::string error;
    if (!set_screen_sharing(true, error)) std::cerr << "lectern-teacher: " << error << "\n";
  }
}

void teacher_app::stop() {
  if (main_) main_->stop();
  {
    std::lock_guard lock(screen_mutex_);
    if (screen_) screen_->stop();
  }
  if (classroom_) classroom_->stop();
  work_.reset();
  if (io_thread_.joinable()) io_thread_.join();
}

bool teacher_app::screen_sharing() const {
  std::lock_guard lock(screen_mutex_);
  return screen_ != nullptr;
}

bool teacher_app::set_screen_sharing(bool on, std::string& error) {
  std::lock_guard lock(screen_mutex_);
  if (!on) {
    screen_.reset();  // stops it: players see the screen stream end
    screen_stats_ = {};
    events_.emit({{"event", "screen"}, {"sharing", false}});
    return true;
  }
  if (screen_) return true;
  auto o = screen_stream_options(options_, screen_url(join_.rtmp_url));
  if (auto ec = media::publish_pipeline::open(std::move(o), screen_, error)) {
    error = "cannot share the screen: " + error;
    return false;
  }
  screen_->start();
  const auto q = join_.stream.find('?');
  events_.emit(
      {{"event", "screen"}, {"sharing", true}, {"stream", join_.stream.substr(0, q) + "-screen"}});
  return true;
}

nlohmann::json teacher_app::stats_line() {
  nlohmann::json j = main_stats_.take(*main_);
  j["event"] = "stats";
  j["t"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::lock_guard lock(screen_mutex_);
  if (screen_) j["screen"] = screen_stats_.take(*screen_);
  return j;
}

bool teacher_app::switch_devices(const std::string& camera, const std::string& mic,
                                 std::string& error) {
  teacher_options o = options_;
  if (!camera.empty()) o.camera = camera;
  if (!mic.empty()) o.mic = mic;
  o.test_source = o.test_source && camera.empty() && mic.empty();
  std::string notices;
  auto pipeline = main_stream_options(o, join_.rtmp_url, notices);
  pipeline.on_preview = main_->options().on_preview;
  main_->stop();  // the devices may be exclusive (V4L2): close before opening again
  std::unique_ptr<media::publish_pipeline> next;
  if (auto ec = media::publish_pipeline::open(std::move(pipeline), next, error)) {
    auto again = main_->options();
    if (!media::publish_pipeline::open(std::move(again), next, notices)) next->start();
    if (next) main_ = std::move(next);
    return false;
  }
  main_ = std::move(next);
  main_->start();
  options_ = o;
  main_stats_ = {};
  return true;
}

bool teacher_app::finished() {
  return main_->stats().finished;
}

void teacher_app::speaker_changed(const std::string& participant, const std::string& stream) {
  // Playing the called-on student's stream needs the student helper's player
  // (shared/media player*); until it is merged the teacher only reports the grant.
  static_cast<void>(participant);
  static_cast<void>(stream);
}

}  // namespace lectern::teacher
