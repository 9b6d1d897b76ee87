#pragma once

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
};

/// Decides who may publish and play. The classroom layer supplies rooms and tokens; until
/// then the server has an allow-all policy (--open) and a refuse-all one.
class authorizer {
 public:
  virtual ~authorizer() = default;
  virtual access_decision publish(const access_request& r) = 0;
  virtual access_decision play(const access_request& r) = 0;
};

/// --open: anyone may publish and play any app/name.
class open_authorizer final : public authorizer {
 public:
  access_decision publish(const access_request&) override { return {true, {}, {}}; }
  access_decision play(const access_request&) override { return {true, {}, {}}; }
};

/// Without --open and without classrooms, nothing may be published or played.
class closed_authorizer final : public authorizer {
 public:
  access_decision publish(const access_request&) override {
    return {false, {}, std::string(k_reason)};
  }
  access_decision play(const access_request&) override {
    return {false, {}, std::string(k_reason)};
  }

 private:
  static constexpr std::string_view k_reason =
      "This server has no rooms or tokens configured yet; start lectern-server with --open "
      "to run an auth-free relay.";
};

}  // namespace lectern::server
