#include "rtmp_so_mapper.hpp"

#include <nlohmann/json.hpp>

#include "amf_json.hpp"

namespace lectern::server {

namespace rtmp = shared::rtmp;
using nlohmann::json;
using rtmp::so_event;
using rtmp::so_event_type;

namespace {

so_event event(so_event_type type, std::string name = {}) {
  so_event e;
  e.type = type;
  e.name = std::move(name);
  return e;
}

std::string_view status_code(std::string_view code, bool connect) {
  if (code == "forbidden") return k_so_no_write_access;
  if (code == "locked") return k_so_locked;
  if (code == "too_large") return k_so_too_large;
  if (code == "limit") return connect ? k_so_creation_failed : k_so_limit;
  return k_so_bad_request;
}

rtmp::shared_object_message header(const std::string& so, const json& frame, bool persistent) {
  rtmp::shared_object_message m;
  m.name = so;
  // The RTMP header has 32 bits; a temporary object's version (it starts at the time in ms)
  // is sent modulo 2^32. A client that offers it back at its next use gets the full state,
  // since no version the room keeps history for is that small.
  m.version = static_cast<std::uint32_t>(frame.value("version", std::uint64_t{0}));
  if (persistent) m.flags = rtmp::k_so_flag_persistent;
  return m;
}

/// A member of a frame by reference (no copy of a large state), null when absent; a null
/// iterates as nothing.
const json& member(const json& j, const char* key) {
  static const json k_none;
  const auto it = j.find(key);
  return it == j.end() ? k_none : *it;
}

so_event change_event(const std::string& slot, const json& value) {
  auto e = event(so_event_type::change, slot);
  e.value = json_to_amf(value);
  return e;
}

}  // namespace

rtmp::shared_object_message rtmp_so_mapper::status(std::string so, std::string_view code) {
  rtmp::shared_object_message m;
  m.name = std::move(so);
  auto e = event(so_event_type::status);
  e.code = std::string(code);
  e.level = "error";
  m.events.push_back(std::move(e));
  return m;
}

std::int64_t rtmp_so_mapper::track(request_kind kind, std::string so, std::string slot) {
  const auto id = next_id_++;
  pending_.emplace(id, pending{kind, std::move(so), std::move(slot)});
  while (pending_.size() > k_max_pending) pending_.erase(pending_.begin());
  return id;
}

rtmp_so_mapper::output rtmp_so_mapper::from_client(const rtmp::shared_object_message& m) {
  output out;
  for (const auto& e : m.events) from_event(m.name, m, e, out);
  return out;
}

void rtmp_so_mapper::from_event(const std::string& so, const rtmp::shared_object_message& m,
                                const so_event& e, output& out) {
  switch (e.type) {
    case so_event_type::use: {
      json req{{"op", "so.connect"},
               {"id", track(request_kind::connect, so)},
               {"so", so},
               {"persistent", m.persistent()}};
      if (m.version != 0) req["version"] = m.version;
      used_[so] = use_state{true, m.persistent()};
      out.frames.push_back(req.dump());
      return;
    }
    case so_event_type::release:
      used_.erase(so);
      out.frames.push_back(json{{"op", "so.close"}, {"so", so}}.dump());
      return;
    case so_event_type::request_change: {
      std::string why;
      auto value = amf_to_json(e.value, why);
      if (!value) {
        out.replies.push_back(status(so, k_so_bad_value));
        return;
      }
      out.frames.push_back(json{
          {"op", "so.set"},
          {"id", track(request_kind::set, so, e.name)},
          {"so", so},
          {"slot", e.name},
          {"value",
           std::move(*value)}}.dump());
      return;
    }
    case so_event_type::request_remove:
      out.frames.push_back(json{
          {"op", "so.delete"},
          {"id", track(request_kind::remove, so, e.name)},
          {"so", so},
          {"slot", e.name}}.dump());
      return;
    case so_event_type::send_message: {
      const auto handler = e.values.empty() ? std::nullopt : e.values.front().as_string();
      json args = json::array();
      std::string why;
      for (std::size_t i = 1; i < e.values.size() && handler; ++i) {
        auto v = amf_to_json(e.values[i], why);
        if (!v) break;
        args.push_back(std::move(*v));
      }
      if (!handler || !why.empty()) {
        out.replies.push_back(status(so, handler ? k_so_bad_value : k_so_bad_request));
        return;
      }
      out.frames.push_back(json{
          {"op", "so.send"},
          {"id", track(request_kind::send, so)},
          {"so", so},
          {"handler", std::string(*handler)},
          {"args",
           std::move(args)}}.dump());
      return;
    }
    default:
      // change, success, status, clear, remove and use_success go from server to client;
      // a client sending them (or an unknown type) is ignored, as FMS does.
      return;
  }
}

std::optional<rtmp::shared_object_message> rtmp_so_mapper::to_client(std::string_view frame) {
  const auto j = json::parse(frame, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto op = j.value("op", std::string());
  if (op == "so.result") {
    const auto it = j.contains("id") && j["id"].is_number_integer()
                        ? pending_.find(j["id"].get<std::int64_t>())
                        : pending_.end();
    if (it == pending_.end()) return std::nullopt;
    const pending p = std::move(it->second);
    pending_.erase(it);
    if (!j.value("ok", false)) {
      if (p.kind == request_kind::connect) used_.erase(p.so);
      return status(p.so,
                    status_code(j.value("code", std::string()), p.kind == request_kind::connect));
    }
    if (p.kind != request_kind::set && p.kind != request_kind::remove) return std::nullopt;
    const auto use = used_.find(p.so);
    auto m = header(p.so, j, use != used_.end() && use->second.persistent);
    m.events.push_back(event(so_event_type::success, p.slot));
    return m;
  }
  if (op != "so.state" && op != "so.change" && op != "so.message") return std::nullopt;
  const auto so = j.value("so", std::string());
  const auto use = used_.find(so);
  if (use == used_.end()) return std::nullopt;
  if (op == "so.state") use->second.persistent = j.value("persistent", false);
  auto m = header(so, j, use->second.persistent);
  if (op == "so.message") {
    auto e = event(so_event_type::send_message);
    e.values.emplace_back(j.value("handler", std::string()));
    const auto& args = member(j, "args");
    for (const auto& a : args) e.values.push_back(json_to_amf(a));
    m.events.push_back(std::move(e));
    return m;
  }
  if (use->second.awaiting) m.events.push_back(event(so_event_type::use_success));
  use->second.awaiting = false;
  if (op == "so.state") {
    m.events.push_back(event(so_event_type::clear));
    const auto& slots = member(j, "slots");
    for (const auto& [slot, value] : slots.items()) {
      m.events.push_back(change_event(slot, value));
    }
  } else {
    const auto& changes = member(j, "changes");
    for (const auto& c : changes) {
      const auto slot = c.value("slot", std::string());
      if (c.value("deleted", false)) {
        m.events.push_back(event(so_event_type::remove, slot));
      } else {
        m.events.push_back(change_event(slot, c.contains("value") ? c["value"] : json()));
      }
    }
  }
  if (m.events.empty()) return std::nullopt;
  return m;
}

}  // namespace lectern::server
