#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lectern::server {

/// What a client asks to do, as the RTMP commands name it.
struct access_request {
  std::string_view app;     ///< "live"
  std::string_view stream;  ///< stream name without its query
  std::string_view query;   ///< the stream's "?token=…" query (or the connect URL's)
  std::string_view peer;    ///< remote address, for logs and rate limits
};

/// The authorizer's answer.
struct access_decision {
  bool allowed = false;
  /// Who the client is (e.g. a room's teacher token): the same principal may take over a
  /// stale publication of the same stream.
  std::string principal;
  /// Why not, shown to the user in the NetStatus description.
  std::string reason;
  /// The classroom the stream belongs to (0: none, e.g. --open) and the client's role in
  /// it ("teacher", "student", "speaker"), for attendance, kicks and the live state.
  std::int64_t room_id = 0;
  std::string role;
  /// The control-channel participant this client said it is ("participant=p7" in the
  /// query), so a kick closes its RTMP connections too. Empty when not given.
  std::string participant;
  /// Record this publication (the room has recording on).
  bool record = false;
};

/// Decides who may publish and play: room tokens (classroom_authorizer) or, with --open,
/// anyone (open_authorizer).
class authorizer {
 public:
  virtual ~authorizer() = default;
  virtual access_decision publish(const access_request& r) = 0;
  virtual access_decision play(const access_request& r) = 0;
};

/// --open: anyone may publish and play any app/name.
class open_authorizer final : public authorizer {
 public:
  access_decision publish(const access_request&) override { return allow(); }
  access_decision play(const access_request&) override { return allow(); }

 private:
  static access_decision allow() {
    access_decision d;
    d.allowed = true;
    return d;
  }
};

}  // namespace lectern::server
