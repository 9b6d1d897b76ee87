// lectern-rtmp-so-client: an RTMP client of remote shared objects (RTMP spec 7.1.3) for
// tests. It connects, then reads commands from stdin and prints every shared object event
// it receives as one JSON line on stdout. Built on lectern_shared (and the server's AMF/JSON
// conversion), not on the server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "amf_json.hpp"
#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/chunk_writer.hpp"
#include "lectern/shared/command.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "lectern/shared/handshake.hpp"

using namespace lectern::shared;
using nlohmann::json;

namespace {

struct options {
  int port = 1935;
  std::string app = "live";
  std::string token, name;
  bool amf3 = false;
  int max_seconds = 60;
};

void usage(FILE* to) {
  std::fprintf(
      to,
      "Usage: lectern-rtmp-so-client --port N [--app live] [--token T] [--name NAME]\n"
      "                              [--amf3] [--max-seconds N]\n\n"
      "Connects to rtmp://127.0.0.1:PORT/APP?token=T&name=NAME (objectEncoding 3 with\n"
      "--amf3: shared object messages of type 16 instead of 19), prints {\"event\":\"connected\"}\n"
      "and then one JSON line per shared object event received:\n"
      "  {\"so\":\"quiz\",\"type\":19,\"version\":3,\"persistent\":false,\"event\":\"change\",\n"
      "   \"name\":\"slot\",\"value\":…}   (events: use_success clear change remove success\n"
      "   status (code, level) send_message (handler, args))\n"
      "and {\"event\":\"closed\"} when the server closes the connection. Commands on stdin:\n"
      "  use SO [persistent] [VERSION]     release SO\n"
      "  set SO SLOT JSON                  remove SO SLOT\n"
      "  send SO HANDLER [JSON-ARRAY]      garbage SO (a malformed shared object message)\n"
      "  quit\n"
      "Ends at quit, end of input, when the server closes, or after --max-seconds (60).\n");
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--help" || a == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--port") {
      o.port = std::atoi(val().c_str());
    } else if (a == "--app") {
      o.app = val();
    } else if (a == "--token") {
      o.token = val();
    } else if (a == "--name") {
      o.name = val();
    } else if (a == "--amf3") {
      o.amf3 = true;
    } else if (a == "--max-seconds") {
      o.max_seconds = std::atoi(val().c_str());
    } else {
      std::fprintf(stderr, "lectern-rtmp-so-client: unknown option %s (try --help)\n", a.c_str());
      return false;
    }
  }
  return true;
}

/// Percent-encodes a query value.
std::string encode(std::string_view s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

void print(const json& j) {
  std::cout << j.dump() << std::endl;  // one line each, flushed: the test reads as we go
}

std::string event_name(rtmp::so_event_type t) {
  switch (t) {
    case rtmp::so_event_type::use:
      return "use";
    case rtmp::so_event_type::release:
      return "release";
    case rtmp::so_event_type::request_change:
      return "request_change";
    case rtmp::so_event_type::change:
      return "change";
    case rtmp::so_event_type::success:
      return "success";
    case rtmp::so_event_type::send_message:
      return "send_message";
    case rtmp::so_event_type::status:
      return "status";
    case rtmp::so_event_type::clear:
      return "clear";
    case rtmp::so_event_type::remove:
      return "remove";
    case rtmp::so_event_type::request_remove:
      return "request_remove";
    case rtmp::so_event_type::use_success:
      return "use_success";
  }
  return "unknown";
}

json to_json(const amf::value& v) {
  std::string why;
  auto j = lectern::server::amf_to_json(v, why);
  return j ? *j : json{{"$unconvertible", why}};
}

class client {
 public:
  client(int fd, const options& o) : fd_(fd), opt_(o) {}

  bool start() {
    bytes out;
    std::error_code ec;
    handshake_.start(out, ec);
    return !ec && send(out);
  }

  // Returns false when the connection should end.
  bool on_bytes(byte_view in) {
    pending_.insert(pending_.end(), in.begin(), in.end());
    std::error_code ec;
    if (!handshake_.done()) {
      bytes out;
      const std::size_t n = handshake_.put(pending_, out, ec);
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
      if (ec || !send(out)) return false;
      if (!handshake_.done()) return true;
      connect();
    }
    const std::size_t n = reader_.put(pending_, ec);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    for (rtmp::message m; reader_.next(m);) on_message(m);
    if (ec) {
      std::fprintf(stderr, "rtmp-so-client: chunk stream: %s\n", ec.message().c_str());
      return false;
    }
    if (auto ack = reader_.take_ack()) write(rtmp::make_acknowledgement(*ack));
    return true;
  }

  /// One stdin command; false for quit or a write failure.
  bool on_command(const std::string& line) {
    std::istringstream in(line);
    std::string verb, so;
    in >> verb >> so;
    if (verb.empty()) return true;
    if (verb == "quit") return false;
    rtmp::shared_object_message m;
    m.name = so;
    rtmp::so_event e;
    if (verb == "use") {
      e.type = rtmp::so_event_type::use;
      std::string word;
      while (in >> word) {
        if (word == "persistent") {
          m.flags = rtmp::k_so_flag_persistent;
        } else {
          m.version = static_cast<std::uint32_t>(std::stoul(word));
        }
      }
    } else if (verb == "release") {
      e.type = rtmp::so_event_type::release;
    } else if (verb == "set") {
      e.type = rtmp::so_event_type::request_change;
      in >> e.name;
      if (!json_rest(in, e.value)) return true;
    } else if (verb == "remove") {
      e.type = rtmp::so_event_type::request_remove;
      in >> e.name;
    } else if (verb == "send") {
      e.type = rtmp::so_event_type::send_message;
      std::string handler;
      in >> handler;
      e.values.emplace_back(handler);
      amf::value args = amf::strict_array{};
      if (!json_rest(in, args)) return true;
      if (auto* list = args.get_if<amf::strict_array>()) {
        for (auto& a : list->items) e.values.push_back(std::move(a));
      }
    } else if (verb == "garbage") {
      return garbage(so);
    } else {
      std::string what = "unknown command ";
      what += verb;
      print({{"event", "error"}, {"message", what}});
      return true;
    }
    m.events.push_back(std::move(e));
    return write(rtmp::make_shared_object(m, 0, opt_.amf3));
  }

 private:
  bool json_rest(std::istringstream& in, amf::value& out) {
    std::string rest;
    std::getline(in, rest);
    if (rest.find_first_not_of(' ') == std::string::npos) return true;
    const auto j = json::parse(rest, nullptr, false);
    if (j.is_discarded()) {
      std::string what = "not JSON: ";
      what += rest;
      print({{"event", "error"}, {"message", what}});
      return false;
    }
    out = lectern::server::json_to_amf(j);
    return true;
  }

  /// A shared object message whose event claims more bytes than the body has.
  bool garbage(const std::string& so) {
    rtmp::shared_object_message m;
    m.name = so;
    auto msg = rtmp::make_shared_object(m, 0, opt_.amf3);
    const std::uint8_t bad[] = {3, 0, 0, 0x40, 0};  // request_change, length 16384
    msg.payload.insert(msg.payload.end(), std::begin(bad), std::end(bad));
    return write(msg);
  }

  void connect() {
    rtmp::connect_command c;
    std::string app = opt_.app;
    app += "?token=";
    app += encode(opt_.token);
    if (!opt_.name.empty()) {
      app += "&name=";
      app += encode(opt_.name);
    }
    std::string tc_url = "rtmp://127.0.0.1:";
    tc_url += std::to_string(opt_.port);
    tc_url += "/";
    tc_url += app;
    c.app = app;
    c.tc_url = tc_url;
    c.flash_ver = "LNX 9,0,124,2";
    c.object_encoding = opt_.amf3 ? 3.0 : 0.0;
    write(rtmp::make_command(rtmp::to_command(c), 0));
  }

  void on_message(const rtmp::message& m) {
    const auto kind = m.kind();
    if (kind == rtmp::message_type::command_amf0 || kind == rtmp::message_type::command_amf3) {
      rtmp::command c;
      if (rtmp::parse_command(m, c)) return;
      rtmp::call_result r;
      if (c.transaction_id == 1 && !rtmp::parse_call_result(c, r)) {
        print({{"event", r.is_error ? "connect_failed" : "connected"}});
      }
      return;
    }
    if (kind != rtmp::message_type::shared_object_amf0 &&
        kind != rtmp::message_type::shared_object_amf3) {
      return;
    }
    rtmp::shared_object_message so;
    if (auto ec = rtmp::parse_shared_object(m, so)) {
      print({{"event", "malformed"}, {"message", ec.message()}});
      return;
    }
    for (const auto& e : so.events) print(describe(so, e, m.type));
  }

  static json describe(const rtmp::shared_object_message& so, const rtmp::so_event& e,
                       std::uint8_t type) {
    json j{{"so", so.name},
           {"type", type},
           {"version", so.version},
           {"persistent", so.persistent()},
           {"event", event_name(e.type)}};
    switch (e.type) {
      case rtmp::so_event_type::change:
        j["value"] = to_json(e.value);
        [[fallthrough]];
      case rtmp::so_event_type::success:
      case rtmp::so_event_type::remove:
        j["name"] = e.name;
        break;
      case rtmp::so_event_type::status:
        j["code"] = e.code;
        j["level"] = e.level;
        break;
      case rtmp::so_event_type::send_message: {
        j["handler"] = e.values.empty() ? json() : to_json(e.values.front());
        j["args"] = json::array();
        for (std::size_t i = 1; i < e.values.size(); ++i) j["args"].push_back(to_json(e.values[i]));
        break;
      }
      default:
        break;
    }
    return j;
  }

  bool send(byte_view b) {
    for (std::size_t off = 0; off < b.size();) {
      const ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  bool write(const rtmp::message& m) {
    bytes out;
    if (writer_.write(m, out)) return false;
    return send(out);
  }

  int fd_;
  const options& opt_;
  handshake::client handshake_;
  rtmp::chunk_reader reader_;
  rtmp::chunk_writer writer_;
  bytes pending_;
};

int dial(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only: a test tool
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) return 2;
  const int fd = dial(o.port);
  if (fd < 0) {
    std::fprintf(stderr, "lectern-rtmp-so-client: cannot connect to 127.0.0.1:%d: %s\n", o.port,
                 std::strerror(errno));
    return 1;
  }
  client c(fd, o);
  if (!c.start()) return 1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.max_seconds);
  std::string line_buf;
  bool input_open = true;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p[2] = {{fd, POLLIN, 0}, {input_open ? 0 : -1, POLLIN, 0}};
    if (::poll(p, 2, static_cast<int>(left)) < 0) break;
    if (p[0].revents != 0) {
      std::uint8_t buf[65536];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0 || !c.on_bytes(byte_view(buf, static_cast<std::size_t>(n)))) {
        print({{"event", "closed"}});
        break;
      }
    }
    if (p[1].revents != 0) {
      char buf[4096];
      const ssize_t n = ::read(0, buf, sizeof buf);
      if (n <= 0) break;  // end of input: done
      line_buf.append(buf, static_cast<std::size_t>(n));
      bool go_on = true;
      for (auto nl = line_buf.find('\n'); nl != std::string::npos && go_on;
           nl = line_buf.find('\n')) {
        go_on = c.on_command(line_buf.substr(0, nl));
        line_buf.erase(0, nl + 1);
      }
      if (!go_on) break;
    }
  }
  ::close(fd);
  return 0;
}
