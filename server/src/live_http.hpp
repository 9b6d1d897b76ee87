// Live playback over HTTP: GET /live/{ROOM}.flv as HTTP-FLV, or as WS-FLV with an Upgrade.
#pragma once

#include "flv_player.hpp"
#include "http_router.hpp"

namespace lectern::server {

struct api_context;
struct server_context;

/// The /live/{name}.flv route (docs/api.md, "Live playback over HTTP"): the same token rules
/// as an RTMP play (a room's token, a public room, --open), or an admin (the panel's
/// preview); at most --max-http-players at once; each request becomes an flv_player.
class live_http {
 public:
  live_http(server_context& relay, api_context& api) : relay_(relay), api_(api) {}

  void register_routes(http_router& r);
  const http_player_counters& counters() const noexcept { return counters_; }

 private:
  boost::asio::awaitable<std::optional<http::message_generator>> serve(
      request_context& ctx, boost::beast::tcp_stream& stream);
  boost::asio::awaitable<std::optional<access_decision>> authorize(request_context& ctx,
                                                                   const std::string& name,
                                                                   std::string& refusal);

  server_context& relay_;
  api_context& api_;
  http_player_counters counters_;
};

}  // namespace lectern::server
