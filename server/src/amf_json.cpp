#include "amf_json.hpp"

#include <cmath>
#include <type_traits>

namespace lectern::server {

namespace amf = shared::amf;
using nlohmann::json;

namespace {

constexpr std::string_view k_date_key = "$date";
// Beyond 2^53 a double no longer holds every integer: such numbers stay floating point.
constexpr double k_max_exact = 9007199254740992.0;

json number(double d) {
  if (!std::isfinite(d)) return nullptr;
  if (std::trunc(d) == d && std::fabs(d) <= k_max_exact) return static_cast<std::int64_t>(d);
  return d;
}

class to_json {
 public:
  to_json(const amf_json_limits& lim, std::string& why) : lim_(lim), why_(why) {}

  std::optional<json> convert(const amf::value& v, std::size_t depth) {
    return std::visit([&](const auto& x) { return one(x, depth); }, v.v);
  }

 private:
  std::optional<json> fail(std::string what) {
    if (why_.empty()) why_ = std::move(what);
    return std::nullopt;
  }

  bool enter(std::size_t depth, std::size_t elements) {
    if (depth >= lim_.max_depth) {
      std::string what = "nested deeper than ";
      what += std::to_string(lim_.max_depth);
      fail(std::move(what));
      return false;
    }
    if (elements > lim_.max_elements) {
      fail("a container has too many members");
      return false;
    }
    return true;
  }

  std::optional<json> text(const std::string& s) {
    if (s.size() > lim_.max_string) return fail("a string is too long");
    return json(s);
  }

  std::optional<json> members(const std::vector<amf::property>& props, std::size_t depth) {
    if (!enter(depth, props.size())) return std::nullopt;
    json out = json::object();
    for (const auto& p : props) {
      if (p.name.size() > lim_.max_string) return fail("a member name is too long");
      auto v = convert(p.val, depth + 1);
      if (!v) return std::nullopt;
      out[p.name] = std::move(*v);
    }
    return out;
  }

  template <typename Items>
  std::optional<json> items(const Items& list, std::size_t depth) {
    if (!enter(depth, list.size())) return std::nullopt;
    json out = json::array();
    for (const auto& item : list) {
      if constexpr (std::is_same_v<std::decay_t<decltype(item)>, amf::value>) {
        auto v = convert(item, depth + 1);
        if (!v) return std::nullopt;
        out.push_back(std::move(*v));
      } else if constexpr (std::is_same_v<std::decay_t<decltype(item)>, double>) {
        out.push_back(number(item));
      } else {
        out.push_back(item);
      }
    }
    return out;
  }

  std::optional<json> one(const amf::undefined_t&, std::size_t) { return json(nullptr); }
  std::optional<json> one(const amf::null_t&, std::size_t) { return json(nullptr); }
  std::optional<json> one(bool b, std::size_t) { return json(b); }
  std::optional<json> one(double d, std::size_t) { return number(d); }
  std::optional<json> one(std::int32_t i, std::size_t) { return json(i); }
  std::optional<json> one(const std::string& s, std::size_t) { return text(s); }
  std::optional<json> one(const amf::object& o, std::size_t d) { return members(o.properties, d); }
  std::optional<json> one(const amf::ecma_array& a, std::size_t d) {
    return members(a.properties, d);
  }
  std::optional<json> one(const amf::strict_array& a, std::size_t d) { return items(a.items, d); }
  std::optional<json> one(const amf::date& t, std::size_t) {
    return json{{k_date_key, number(t.millis)}};
  }
  std::optional<json> one(const amf::xml_document& x, std::size_t) { return text(x.text); }
  std::optional<json> one(const amf::byte_array&, std::size_t) {
    return fail("a ByteArray has no JSON form");
  }
  std::optional<json> one(const amf::dictionary&, std::size_t) {
    return fail("a Dictionary has no JSON form");
  }
  std::optional<json> one(const amf::vector_int& x, std::size_t d) { return items(x.items, d); }
  std::optional<json> one(const amf::vector_uint& x, std::size_t d) { return items(x.items, d); }
  std::optional<json> one(const amf::vector_double& x, std::size_t d) { return items(x.items, d); }
  std::optional<json> one(const amf::vector_object& x, std::size_t d) { return items(x.items, d); }

  const amf_json_limits& lim_;
  std::string& why_;
};

amf::value from_json(const json& j, const amf_json_limits& lim, std::size_t depth) {
  switch (j.type()) {
    case json::value_t::boolean:
      return amf::value(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return amf::value(j.get<double>());
    case json::value_t::string:
      return amf::value(j.get<std::string>());
    case json::value_t::object: {
      if (depth >= lim.max_depth) return amf::null_t{};
      if (j.size() == 1 && j.contains(k_date_key) && j[k_date_key].is_number()) {
        return amf::date{j[k_date_key].get<double>(), 0};
      }
      amf::object o;
      for (const auto& [k, v] : j.items()) o.set(k, from_json(v, lim, depth + 1));
      return o;
    }
    case json::value_t::array: {
      if (depth >= lim.max_depth) return amf::null_t{};
      amf::strict_array a;
      for (const auto& v : j) a.items.push_back(from_json(v, lim, depth + 1));
      return a;
    }
    default:
      return amf::null_t{};
  }
}

}  // namespace

std::optional<json> amf_to_json(const amf::value& v, std::string& why, const amf_json_limits& lim) {
  why.clear();
  return to_json(lim, why).convert(v, 0);
}

amf::value json_to_amf(const json& j, const amf_json_limits& lim) {
  return from_json(j, lim, 0);
}

}  // namespace lectern::server
