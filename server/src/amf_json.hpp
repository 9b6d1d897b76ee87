#pragma once
// AMF values (RTMP shared objects, RTMP spec 7.1.3) to and from the JSON values of the
// control channel (docs/control-protocol.md), so that RTMP and WebSocket clients share one
// store. No I/O; bounded depth and sizes.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "lectern/shared/amf_value.hpp"

namespace lectern::server {

/// Bounds of one conversion (the control channel's own limits: JSON depth 32, 64 KiB frames).
struct amf_json_limits {
  std::size_t max_depth = 32;          ///< containers nested in one value
  std::size_t max_string = 64 * 1024;  ///< bytes of one string or member name
  std::size_t max_elements = 4096;     ///< members or items of one container
};

/// AMF → JSON: numbers and AMF3 integers → number (whole numbers as JSON integers), bool,
/// string, null and undefined → null, object (typed ones lose their class name) and ECMA
/// array → object, strict array and Vector.<…> → array, date → {"$date": ms}, XML → its text.
/// A NaN or infinite number → null (JSON has none). ByteArray and Dictionary cannot be
/// carried: nullopt, with `why` set, as for breaking a limit.
std::optional<nlohmann::json> amf_to_json(const shared::amf::value& v, std::string& why,
                                          const amf_json_limits& lim = {});

/// JSON → AMF as AMF0 understands it: integers as numbers, objects as anonymous objects,
/// arrays as strict arrays, {"$date": ms} (that one member, a number) as a date. JSON from
/// the room is already bounded; containers deeper than max_depth become null.
shared::amf::value json_to_amf(const nlohmann::json& j, const amf_json_limits& lim = {});

}  // namespace lectern::server
