#pragma once
// One RTMP connection's remote shared objects (RTMP spec 7.1.3) as control-channel frames
// (docs/control-protocol.md, "Shared objects over RTMP"): client events become so.* requests
// for the room, and the room's answers for the objects the client uses become events.
// No I/O, no threads: the caller serializes calls.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lectern/shared/data_message.hpp"

namespace lectern::server {

/// Status codes (level "error") sent to an RTMP client whose request was refused.
inline constexpr std::string_view k_so_no_write_access = "SharedObject.NoWriteAccess";
inline constexpr std::string_view k_so_locked = "SharedObject.Locked";
inline constexpr std::string_view k_so_too_large = "SharedObject.TooLarge";
inline constexpr std::string_view k_so_creation_failed = "SharedObject.ObjectCreationFailed";
inline constexpr std::string_view k_so_limit = "SharedObject.LimitReached";
inline constexpr std::string_view k_so_bad_request = "SharedObject.BadRequest";
inline constexpr std::string_view k_so_bad_value = "SharedObject.BadValue";
inline constexpr std::string_view k_so_no_access = "SharedObject.NoAccess";

/// Translates between one RTMP client's shared object messages and room frames.
class rtmp_so_mapper {
 public:
  /// What one client message becomes.
  struct output {
    std::vector<std::string> frames;  ///< JSON requests for the room, in order
    /// Answers the mapper gives itself (a value with no JSON form), to send to the client.
    std::vector<shared::rtmp::shared_object_message> replies;
  };

  /// Requests whose answer is still awaited; past it the oldest is forgotten (connect and
  /// send are only answered when refused, so their entries would otherwise pile up).
  static constexpr std::size_t k_max_pending = 256;

  output from_client(const shared::rtmp::shared_object_message& m);
  /// The message a room frame means to this client, if any: frames for objects it does not
  /// use, and classroom frames, mean nothing over RTMP.
  std::optional<shared::rtmp::shared_object_message> to_client(std::string_view frame);

  bool uses(std::string_view so) const { return used_.find(so) != used_.end(); }

  /// A status-only message (level "error") on object `so`.
  static shared::rtmp::shared_object_message status(std::string so, std::string_view code);

 private:
  enum class request_kind { connect, set, remove, send };
  struct pending {
    request_kind kind = request_kind::connect;
    std::string so;
    std::string slot;
  };
  struct use_state {
    bool awaiting = true;  ///< the connect's answer (state or change) is due: use_success
    /// The header flag of every message on the object: as the client asked at use until
    /// so.state tells what the object is (the first use decided it).
    bool persistent = false;
  };

  std::int64_t track(request_kind kind, std::string so, std::string slot = {});
  void from_event(const std::string& so, const shared::rtmp::shared_object_message& m,
                  const shared::rtmp::so_event& e, output& out);

  std::map<std::string, use_state, std::less<>> used_;
  std::map<std::int64_t, pending> pending_;
  std::int64_t next_id_ = 1;
};

}  // namespace lectern::server
