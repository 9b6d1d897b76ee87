#include "room_state_frames.hpp"

namespace lectern::server::frames {

using json = nlohmann::json;

namespace {

json with_id(json frame, const json& id) {
  if (!id.is_null()) frame["id"] = id;
  return frame;
}

}  // namespace

frame_ptr serialize(const json& frame) {
  // Strings were checked as UTF-8 when parsed; `replace` keeps a bad byte from ever
  // turning into an exception on the data path.
  return std::make_shared<const std::string>(
      frame.dump(-1, ' ', false, json::error_handler_t::replace));
}

frame_ptr so_state(const shared_object& so) {
  json slots = json::object();
  for (const auto& [name, entry] : so.slots()) slots[name] = *entry.value;
  return serialize({{"op", "so.state"},
                    {"so", so.name()},
                    {"version", so.version()},
                    {"persistent", so.persistent()},
                    {"slots", std::move(slots)}});
}

frame_ptr so_change(const std::string& so, std::uint64_t version,
                    const std::vector<server::so_change>& changes) {
  json list = json::array();
  for (const auto& change : changes) {
    if (change.value) {
      list.push_back({{"slot", change.slot}, {"value", *change.value}});
    } else {
      list.push_back({{"slot", change.slot}, {"deleted", true}});
    }
  }
  return serialize(
      {{"op", "so.change"}, {"so", so}, {"version", version}, {"changes", std::move(list)}});
}

frame_ptr so_result(const json& id, std::uint64_t version) {
  return serialize(with_id({{"op", "so.result"}, {"ok", true}, {"version", version}}, id));
}

frame_ptr so_result_error(const json& id, std::string_view code, std::string_view message) {
  return serialize(
      with_id({{"op", "so.result"}, {"ok", false}, {"code", code}, {"message", message}}, id));
}

frame_ptr so_message(const std::string& so, const std::string& handler, const json& args,
                     const std::string& from) {
  return serialize(
      {{"op", "so.message"}, {"so", so}, {"handler", handler}, {"args", args}, {"from", from}});
}

frame_ptr result(const json& id) {
  return serialize(with_id({{"op", "result"}, {"ok", true}}, id));
}

frame_ptr result_error(const json& id, std::string_view code, std::string_view message) {
  return serialize(
      with_id({{"op", "result"}, {"ok", false}, {"code", code}, {"message", message}}, id));
}

frame_ptr error(std::string_view code, std::string_view message) {
  return serialize({{"op", "error"}, {"code", code}, {"message", message}});
}

frame_ptr pong(const json& id) {
  return serialize(with_id({{"op", "pong"}}, id));
}

frame_ptr chat_private(const json& message) {
  json frame = message;
  frame["op"] = "chat.private";
  return serialize(frame);
}

frame_ptr speak_granted(const std::string& stream, const std::string& token) {
  return serialize({{"op", "speak.granted"}, {"stream", stream}, {"publish_token", token}});
}

frame_ptr kicked() {
  return serialize({{"op", "kicked"}});
}

frame_ptr class_ended() {
  return serialize({{"op", "class.ended"}});
}

frame_ptr event(std::string_view code, const std::string& stream) {
  return serialize({{"op", "event"}, {"code", code}, {"stream", stream}});
}

}  // namespace lectern::server::frames
