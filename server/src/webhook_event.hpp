// What a webhook delivery carries, without I/O: the target URL, the event body built once per
// event, and the HMAC-SHA256 signature a receiver checks (docs/webhooks.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lectern::server {

/// The event types lectern-server emits.
inline constexpr std::string_view k_event_class_started = "class.started";
inline constexpr std::string_view k_event_class_ended = "class.ended";
inline constexpr std::string_view k_event_participant_joined = "participant.joined";
inline constexpr std::string_view k_event_participant_left = "participant.left";
inline constexpr std::string_view k_event_recording_ready = "recording.ready";

/// A parsed http:// or https:// webhook URL.
struct webhook_url {
  bool tls = false;
  std::string host;  ///< a name or an address, IPv6 without brackets
  std::uint16_t port = 0;
  std::string target;  ///< path and query, at least "/"

  /// The URL back as text, e.g. "https://hooks.example.com:8443/lectern?x=1".
  std::string to_string() const;
  /// "host" or "host:port" as the Host header wants it (brackets around IPv6).
  std::string host_header() const;

  friend bool operator==(const webhook_url&, const webhook_url&) = default;
};

/// Parses "http[s]://HOST[:PORT][/PATH[?QUERY]]". Rejects other schemes, credentials in the
/// URL, fragments, spaces and control characters; on failure returns nullopt and sets `error`.
std::optional<webhook_url> parse_webhook_url(std::string_view text, std::string& error);

/// One event as it is delivered to every URL; built once and shared by the deliveries.
struct webhook_event {
  std::string id;    ///< "evt_" and 32 hex digits, unique; also X-Lectern-Delivery
  std::string type;  ///< e.g. "class.started"; also X-Lectern-Event
  std::string body;  ///< {"id","type","created_at" (Unix ms),"data"} as compact JSON
};

/// Builds the event for `type` with `data`, created at `now`, with a fresh random id.
webhook_event make_webhook_event(std::string_view type, nlohmann::json data,
                                 std::chrono::system_clock::time_point now);

/// "sha256=" and the lowercase hex HMAC-SHA256 of `timestamp + "." + body` keyed by `secret`:
/// the X-Lectern-Signature header for a delivery sent at Unix time `timestamp` (seconds).
std::string webhook_signature(std::string_view secret, std::int64_t timestamp,
                              std::string_view body);

}  // namespace lectern::server
