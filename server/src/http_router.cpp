#include "http_router.hpp"

#include <algorithm>
#include <stdexcept>

#include "http_util.hpp"

namespace lectern::server {
namespace {

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string_view param_name(std::string_view segment) {
  return segment.substr(1, segment.size() - 2);
}

}  // namespace

std::optional<std::vector<std::string>> http_router::split_path(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return std::nullopt;
  std::vector<std::string> out;
  if (raw_path == "/") return out;
  raw_path.remove_prefix(1);
  while (true) {
    const auto at = raw_path.find('/');
    // Decoding per segment keeps an encoded "%2F" inside its segment instead of splitting.
    auto segment = percent_decode(raw_path.substr(0, at));
    if (!segment) return std::nullopt;
    out.push_back(std::move(*segment));
    if (at == std::string_view::npos) return out;
    raw_path.remove_prefix(at + 1);
  }
}

void http_router::add(http::verb method, std::string pattern, http_handler handler) {
  route r{method, std::move(pattern), {}, std::move(handler), {}, {}};
  add_route(std::move(r));
}

void http_router::add_websocket(std::string pattern, ws_handler handler) {
  route r{http::verb::get, std::move(pattern), {}, {}, std::move(handler), {}};
  add_route(std::move(r));
}

void http_router::add_takeover(std::string pattern, takeover_handler handler) {
  route r{http::verb::get, std::move(pattern), {}, {}, {}, std::move(handler)};
  add_route(std::move(r));
}

void http_router::add_route(route r) {
  auto segments = split_path(r.pattern);
  if (!segments) throw std::invalid_argument("route pattern must start with '/': " + r.pattern);
  for (const auto& s : *segments) {
    if (s.find_first_of("{}") != std::string::npos && !is_param(s)) {
      throw std::invalid_argument("bad parameter segment in route pattern " + r.pattern);
    }
  }
  r.segments = std::move(*segments);
  for (const auto& other : routes_) {
    if (other.method == r.method && other.segments == r.segments) {
      throw std::invalid_argument("route registered twice: " + r.pattern);
    }
  }
  routes_.push_back(std::move(r));
}

bool http_router::matches(const route& r, const std::vector<std::string>& segments) {
  if (r.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (is_param(r.segments[i])) {
      if (segments[i].empty()) return false;
    } else if (r.segments[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

bool http_router::more_specific(const route& a, const route& b) {
  for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    const bool a_param = is_param(a.segments[i]);
    const bool b_param = is_param(b.segments[i]);
    if (a_param != b_param) return !a_param;
  }
  return false;
}

http_router::match_result http_router::match(http::verb method, std::string_view raw_path) const {
  match_result out;
  const auto segments = split_path(raw_path);
  if (!segments) {
    out.what = match_result::kind::bad_path;
    return out;
  }
  const auto wanted = method == http::verb::head ? http::verb::get : method;
  const route* best = nullptr;
  std::vector<http::verb> allowed;
  for (const auto& r : routes_) {
    if (!matches(r, *segments)) continue;
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) {
      allowed.push_back(r.method);
    }
    if (r.method != wanted) continue;
    if (!best || more_specific(r, *best)) best = &r;
  }
  if (!best) {
    if (allowed.empty()) return out;
    if (std::find(allowed.begin(), allowed.end(), http::verb::get) != allowed.end()) {
      allowed.push_back(http::verb::head);
    }
    out.what = match_result::kind::method_not_allowed;
    for (const auto v : allowed) {
      if (!out.allow.empty()) out.allow += ", ";
      out.allow += http::to_string(v);
    }
    return out;
  }
  out.what = match_result::kind::found;
  out.pattern = best->pattern;
  if (best->takeover) {
    out.takeover = &best->takeover;
  } else if (best->websocket) {
    out.websocket = &best->websocket;
  } else {
    out.handler = &best->handler;
  }
  for (std::size_t i = 0; i < segments->size(); ++i) {
    if (is_param(best->segments[i])) {
      out.params.emplace_back(std::string(param_name(best->segments[i])), (*segments)[i]);
    }
  }
  return out;
}

}  // namespace lectern::server
