#pragma once
// Every frame room_state sends is built here, serialized once, and shared by all its
// recipients (docs/control-protocol.md gives the shapes).

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "shared_object.hpp"

namespace lectern::server::frames {

using frame_ptr = std::shared_ptr<const std::string>;

frame_ptr serialize(const nlohmann::json& frame);

/// `id` is the request's id, or null when it had none (then the answer has no id either).
frame_ptr so_state(const shared_object& so);
frame_ptr so_change(const std::string& so, std::uint64_t version,
                    const std::vector<server::so_change>& changes);
frame_ptr so_result(const nlohmann::json& id, std::uint64_t version);
frame_ptr so_result_error(const nlohmann::json& id, std::string_view code,
                          std::string_view message);
frame_ptr so_message(const std::string& so, const std::string& handler, const nlohmann::json& args,
                     const std::string& from);

frame_ptr result(const nlohmann::json& id);
frame_ptr result_error(const nlohmann::json& id, std::string_view code, std::string_view message);
frame_ptr error(std::string_view code, std::string_view message);
frame_ptr pong(const nlohmann::json& id);

frame_ptr chat_private(const nlohmann::json& message);
frame_ptr speak_granted(const std::string& stream, const std::string& token);
frame_ptr kicked();
frame_ptr class_ended();
frame_ptr event(std::string_view code, const std::string& stream);

}  // namespace lectern::server::frames
