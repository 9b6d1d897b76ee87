#include "lectern/shared/amf_value.hpp"

#include <cmath>
#include <cstdio>

#include "amf_detail.hpp"

namespace lectern::shared::amf {
namespace {

template <typename Props>
auto find_in(Props& props, std::string_view name) noexcept -> decltype(&props.front().val) {
  for (auto& p : props)
    if (p.name == name) return &p.val;
  return nullptr;
}

void append_debug(std::string& out, const value& v, int depth);

void append_props(std::string& out, const std::vector<property>& props, int depth) {
  out += '{';
  for (std::size_t i = 0; i < props.size(); ++i) {
    if (i) out += ", ";
    out += props[i].name;
    out += ": ";
    append_debug(out, props[i].val, depth + 1);
  }
  out += '}';
}

void append_items(std::string& out, const std::vector<value>& items, int depth) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    append_debug(out, items[i], depth + 1);
  }
  out += ']';
}

template <typename T>
void append_numbers(std::string& out, const vector_of<T>& v) {
  out += "Vector[";
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    if (i) out += ", ";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v.items[i]));
    out += buf;
  }
  out += ']';
}

void append_debug(std::string& out, const value& v, int depth) {
  if (depth > 16) {  // the renderer is for logs: keep it short even for deep input
    out += "...";
    return;
  }
  struct visitor {
    std::string& out;
    int depth;
    void operator()(const undefined_t&) { out += "undefined"; }
    void operator()(const null_t&) { out += "null"; }
    void operator()(bool b) { out += b ? "true" : "false"; }
    void operator()(double d) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      out += buf;
    }
    void operator()(std::int32_t i) { out += std::to_string(i) + "i"; }
    void operator()(const std::string& s) { out += '\'' + s + '\''; }
    void operator()(const object& o) {
      if (!o.class_name.empty()) out += o.class_name + ' ';
      append_props(out, o.properties, depth);
    }
    void operator()(const ecma_array& a) {
      out += "ecma";
      append_props(out, a.properties, depth);
    }
    void operator()(const strict_array& a) { append_items(out, a.items, depth); }
    void operator()(const date& d) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "Date(%.17g)", d.millis);
      out += buf;
    }
    void operator()(const xml_document& x) {
      out += (x.e4x ? "XML(" : "XMLDocument(") + x.text + ')';
    }
    void operator()(const byte_array& b) {
      out += "ByteArray(" + std::to_string(b.data.size()) + " bytes)";
    }
    void operator()(const vector_int& x) { append_numbers(out, x); }
    void operator()(const vector_uint& x) { append_numbers(out, x); }
    void operator()(const vector_double& x) { append_numbers(out, x); }
    void operator()(const vector_object& x) {
      out += "Vector.<" + x.type_name + ">";
      append_items(out, x.items, depth);
    }
    void operator()(const dictionary& d) {
      out += "Dictionary{";
      for (std::size_t i = 0; i < d.entries.size(); ++i) {
        if (i) out += ", ";
        append_debug(out, d.entries[i].first, depth + 1);
        out += ": ";
        append_debug(out, d.entries[i].second, depth + 1);
      }
      out += '}';
    }
  };
  std::visit(visitor{out, depth}, v.v);
}

std::size_t members_size(const std::vector<property>& props) noexcept {
  std::size_t n = 0;
  for (const auto& p : props) n += detail::k_member_cost + p.name.size() + decoded_size(p.val);
  return n;
}

std::size_t items_size(const std::vector<value>& items) noexcept {
  std::size_t n = 0;
  for (const auto& item : items) n += decoded_size(item);
  return n;
}

// What the value holds besides its own sizeof(value).
struct payload_size {
  std::size_t operator()(const std::string& s) const noexcept { return s.size(); }
  std::size_t operator()(const object& o) const noexcept {
    return o.class_name.size() + members_size(o.properties);
  }
  std::size_t operator()(const ecma_array& a) const noexcept { return members_size(a.properties); }
  std::size_t operator()(const strict_array& a) const noexcept { return items_size(a.items); }
  std::size_t operator()(const xml_document& x) const noexcept { return x.text.size(); }
  std::size_t operator()(const byte_array& b) const noexcept { return b.data.size(); }
  template <typename T>
  std::size_t operator()(const vector_of<T>& x) const noexcept {
    return x.items.size() * sizeof(T);
  }
  std::size_t operator()(const vector_object& x) const noexcept {
    return x.type_name.size() + items_size(x.items);
  }
  std::size_t operator()(const dictionary& d) const noexcept {
    std::size_t n = 0;
    for (const auto& [k, v] : d.entries) n += decoded_size(k) + decoded_size(v);
    return n;
  }
  template <typename T>
  std::size_t operator()(const T&) const noexcept {  // undefined, null, bool, numbers, date
    return 0;
  }
};

}  // namespace

std::size_t decoded_size(const value& v) noexcept {
  return detail::k_value_cost + std::visit(payload_size{}, v.v);
}

const value* object::find(std::string_view name) const noexcept {
  return find_in(properties, name);
}
value* object::find(std::string_view name) noexcept {
  return find_in(properties, name);
}

object& object::set(std::string name, value v) {
  if (value* existing = find(name)) {
    *existing = std::move(v);
  } else {
    properties.push_back({std::move(name), std::move(v)});
  }
  return *this;
}

const value* ecma_array::find(std::string_view name) const noexcept {
  return find_in(properties, name);
}

std::optional<double> value::as_number() const noexcept {
  if (const auto* d = get_if<double>()) return *d;
  if (const auto* i = get_if<std::int32_t>()) return *i;
  return std::nullopt;
}

std::optional<std::string_view> value::as_string() const noexcept {
  if (const auto* s = get_if<std::string>()) return std::string_view(*s);
  return std::nullopt;
}

const std::vector<property>* value::properties() const noexcept {
  if (const auto* o = get_if<object>()) return &o->properties;
  if (const auto* a = get_if<ecma_array>()) return &a->properties;
  return nullptr;
}

const value* value::member(std::string_view name) const noexcept {
  if (const auto* o = get_if<object>()) return o->find(name);
  if (const auto* a = get_if<ecma_array>()) return a->find(name);
  return nullptr;
}

bool operator==(const value& a, const value& b) {
  // Numbers compare by bit pattern so NaN round-trips compare equal in tests.
  const auto* da = a.get_if<double>();
  const auto* db = b.get_if<double>();
  if (da && db) return std::bit_cast<std::uint64_t>(*da) == std::bit_cast<std::uint64_t>(*db);
  return a.v == b.v;
}
bool operator==(const property& a, const property& b) {
  return a.name == b.name && a.val == b.val;
}
bool operator==(const object& a, const object& b) {
  return a.class_name == b.class_name && a.properties == b.properties &&
         a.sealed_count == b.sealed_count && a.dynamic == b.dynamic;
}
bool operator==(const ecma_array& a, const ecma_array& b) {
  return a.properties == b.properties;
}
bool operator==(const strict_array& a, const strict_array& b) {
  return a.items == b.items;
}
bool operator==(const vector_object& a, const vector_object& b) {
  return a.type_name == b.type_name && a.items == b.items && a.fixed == b.fixed;
}
bool operator==(const dictionary& a, const dictionary& b) {
  return a.entries == b.entries && a.weak_keys == b.weak_keys;
}

std::string to_debug_string(const value& v) {
  std::string out;
  append_debug(out, v, 0);
  return out;
}

}  // namespace lectern::shared::amf
