// lectern-rtmp-capture: a throwaway single-connection RTMP listener that records the exact
// bytes a real client (the ffmpeg CLI, rtmpdump) sends, answering just enough for it to
// publish or play. Its captures are the golden vectors under tests/data/sessions/.
// It is a test tool built on lectern_shared, not the server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/chunk_writer.hpp"
#include "lectern/shared/command.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "lectern/shared/flv_reader.hpp"
#include "lectern/shared/handshake.hpp"

using namespace lectern::shared;

namespace {

struct options {
  int port = 0;
  std::string client_out, server_out, serve_flv;
  int max_seconds = 30;
};

void usage(FILE* to) {
  std::fprintf(
      to,
      "Usage: lectern-rtmp-capture --client-out FILE [--server-out FILE] [--port N]\n"
      "                            [--serve-flv FILE] [--max-seconds N]\n\n"
      "Listens on 127.0.0.1:PORT (0: any free port, printed), accepts one RTMP connection,\n"
      "answers connect/createStream/publish/play, and writes every byte the client sent to\n"
      "--client-out (and every byte it answered to --server-out). A player is sent the tags\n"
      "of --serve-flv, then NetStream.Play.Stop. Ends when the client disconnects or after\n"
      "--max-seconds (default 30).\n");
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--help" || a == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--port")
      o.port = std::atoi(val().c_str());
    else if (a == "--client-out")
      o.client_out = val();
    else if (a == "--server-out")
      o.server_out = val();
    else if (a == "--serve-flv")
      o.serve_flv = val();
    else if (a == "--max-seconds")
      o.max_seconds = std::atoi(val().c_str());
    else {
      std::fprintf(stderr, "lectern-rtmp-capture: unknown option %s (try --help)\n", a.c_str());
      return false;
    }
  }
  if (o.client_out.empty()) {
    std::fprintf(stderr, "lectern-rtmp-capture: --client-out is required\n");
    return false;
  }
  return true;
}

amf::value status(std::string_view level, std::string_view code, std::string_view description) {
  amf::object info;
  info.set("level", std::string(level)).set("code", std::string(code));
  info.set("description", std::string(description));
  return info;
}

class session {
 public:
  session(int fd, const options& o)
      : fd_(fd), opt_(o), client_log_(o.client_out, std::ios::binary) {
    if (!o.server_out.empty()) server_log_.open(o.server_out, std::ios::binary);
  }

  // Returns false when the connection should end.
  bool on_bytes(byte_view in) {
    client_log_.write(reinterpret_cast<const char*>(in.data()),
                      static_cast<std::streamsize>(in.size()));
    pending_.insert(pending_.end(), in.begin(), in.end());
    std::error_code ec;
    if (!handshake_.done()) {
      bytes out;
      const std::size_t n = handshake_.put(pending_, out, ec);
      send(out);
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
      if (ec) return fail("handshake", ec);
      if (!handshake_.done()) return true;
      std::fprintf(stderr, "capture: handshake done (%s, scheme %d)\n",
                   handshake_.used_digest() ? "digest" : "simple", handshake_.scheme());
    }
    const std::size_t n = reader_.put(pending_, ec);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    for (rtmp::message m; reader_.next(m);)
      if (!on_message(m)) return false;
    if (ec) return fail("chunk stream", ec);
    if (auto ack = reader_.take_ack()) write(rtmp::make_acknowledgement(*ack));
    return true;
  }

 private:
  bool fail(const char* what, std::error_code ec) {
    std::fprintf(stderr, "capture: %s failed: %s\n", what, ec.message().c_str());
    return false;
  }

  void send(byte_view b) {
    if (b.empty()) return;
    server_log_.write(reinterpret_cast<const char*>(b.data()),
                      static_cast<std::streamsize>(b.size()));
    for (std::size_t off = 0; off < b.size();) {
      const ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  void write(const rtmp::message& m) {
    bytes out;
    if (auto ec = writer_.write(m, out)) {
      fail("writing a message", ec);
      return;
    }
    send(out);
  }

  void reply(double txn, amf::value obj, amf::value info, std::uint32_t sid = 0) {
    rtmp::command c{std::string(rtmp::k_cmd_result), txn, std::move(obj), {std::move(info)}};
    write(rtmp::make_command(c, sid));
  }

  void on_status(std::uint32_t sid, std::string_view code, std::string_view description) {
    rtmp::command c{std::string(rtmp::k_cmd_on_status),
                    0,
                    amf::null_t{},
                    {status(rtmp::k_level_status, code, description)}};
    write(rtmp::make_command(c, sid));
  }

  bool on_message(const rtmp::message& m) {
    if (m.kind() != rtmp::message_type::command_amf0 &&
        m.kind() != rtmp::message_type::command_amf3)
      return true;
    rtmp::command c;
    if (auto ec = rtmp::parse_command(m, c)) return fail("command", ec);
    std::fprintf(stderr, "capture: command %s\n", c.name.c_str());
    if (c.name == rtmp::k_cmd_connect) {
      write(rtmp::make_window_ack_size(2500000));
      write(rtmp::make_set_peer_bandwidth(2500000, rtmp::peer_bandwidth_limit::dynamic));
      write(rtmp::make_set_chunk_size(4096));
      writer_.set_chunk_size(4096);
      amf::object props;
      props.set("fmsVer", std::string(rtmp::k_fms_version))
          .set("capabilities", 31.0)
          .set("mode", 1.0);
      amf::value info =
          status(rtmp::k_level_status, rtmp::k_connect_success, "Connection succeeded.");
      info.get_if<amf::object>()->set("objectEncoding", 0.0);
      reply(c.transaction_id, props, info);
    } else if (c.name == rtmp::k_cmd_create_stream) {
      reply(c.transaction_id, amf::null_t{}, 1.0);
    } else if (c.name == rtmp::k_cmd_publish) {
      on_status(m.stream_id, rtmp::k_publish_start, "Publishing.");
    } else if (c.name == rtmp::k_cmd_play) {
      play(m.stream_id);
    } else if (c.transaction_id > 0 && c.name != rtmp::k_cmd_delete_stream) {
      reply(c.transaction_id, amf::null_t{}, amf::undefined_t{});
    }
    return true;
  }

  void play(std::uint32_t sid) {
    write(rtmp::make_user_control(rtmp::stream_begin{sid}));
    on_status(sid, rtmp::k_play_reset, "Playing and resetting.");
    on_status(sid, rtmp::k_play_start, "Started playing.");
    write(rtmp::make_sample_access(false, false, sid));
    if (!opt_.serve_flv.empty()) serve(sid);
    write(rtmp::make_user_control(rtmp::stream_eof{sid}));
    on_status(sid, rtmp::k_play_stop, "Stopped playing.");
  }

  void serve(std::uint32_t sid) {
    std::ifstream in(opt_.serve_flv, std::ios::binary);
    const bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    flv::reader r;
    std::error_code ec;
    for (byte_view rest(file); !rest.empty() && !ec;) {
      rest = rest.subspan(r.put(rest, ec));
      if (!r.has_tag()) continue;
      const flv::tag& t = r.current();
      rtmp::message m;
      m.type = static_cast<std::uint8_t>(
          t.type == flv::tag_type::script ? 18 : static_cast<int>(t.type));
      m.chunk_stream_id = t.type == flv::tag_type::audio   ? rtmp::k_csid_audio
                          : t.type == flv::tag_type::video ? rtmp::k_csid_video
                                                           : rtmp::k_csid_data;
      m.stream_id = sid;
      m.timestamp = t.timestamp;
      m.payload.assign(t.data.begin(), t.data.end());
      write(m);
    }
    if (ec) fail("--serve-flv", ec);
  }

  int fd_;
  const options& opt_;
  std::ofstream client_log_, server_log_;
  handshake::server handshake_{
      handshake::server_options{.epoch = 0, .random = handshake::system_random}};
  rtmp::chunk_reader reader_;
  rtmp::chunk_writer writer_;
  bytes pending_;
};

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) return 2;
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only: a test tool
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  const int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 1) != 0) {
    std::fprintf(stderr, "lectern-rtmp-capture: cannot listen on 127.0.0.1:%d: %s\n", o.port,
                 std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.max_seconds);
  auto ms_left = [&] {
    return static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now())
               .count()));
  };
  pollfd p{lfd, POLLIN, 0};
  if (::poll(&p, 1, ms_left()) <= 0) {
    std::fprintf(stderr, "capture: no client connected\n");
    return 1;
  }
  const int fd = ::accept(lfd, nullptr, nullptr);
  session s(fd, o);
  std::uint8_t buf[65536];
  for (;;) {
    pollfd q{fd, POLLIN, 0};
    if (::poll(&q, 1, ms_left()) <= 0) {
      std::fprintf(stderr, "capture: time limit reached\n");
      break;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      std::fprintf(stderr, "capture: client closed the connection\n");
      break;
    }
    if (!s.on_bytes(byte_view(buf, static_cast<std::size_t>(n)))) break;
  }
  ::close(fd);
  ::close(lfd);
  return 0;
}
