// Internals shared by the AMF0 and AMF3 codecs (not installed): the decode budget, reference
// table entries, the Flex externalizable classes, and the AMF3 reader that the AMF0 decoder
// continues with behind an AVM+ switch (AMF0 spec 3.1).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <system_error>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::amf::detail {

/// What amf::decoded_size() charges per value, and per object or ECMA array member on top of
/// its value (the name's std::string; the name's bytes are charged as read).
inline constexpr std::size_t k_value_cost = sizeof(amf::value);
inline constexpr std::size_t k_member_cost = sizeof(amf::property) - sizeof(amf::value);

/// The decoded bytes of one message, checked against limits::max_decoded_bytes. References
/// copy subtrees and AMF3 string references copy strings, so charging what is built, not
/// what is read, is what keeps a few bytes of references from asking for gigabytes. The
/// count is kept in an amf::decode_budget, the decoder's own or one shared with others; not
/// copyable, as it may point at its own.
class budget {
 public:
  budget(std::size_t max, amf::decode_budget* shared) noexcept
      : max_(max), used_(shared != nullptr ? shared : &own_) {}
  budget(const budget&) = delete;
  budget& operator=(const budget&) = delete;

  /// The count, to share with the AMF3 reader behind an AVM+ switch.
  amf::decode_budget* account() noexcept { return used_; }
  std::size_t used() const noexcept { return used_->used; }
  std::size_t remaining() const noexcept { return used_->used < max_ ? max_ - used_->used : 0; }
  bool can_afford(std::size_t n) const noexcept { return n <= remaining(); }
  std::error_code charge(std::size_t n) noexcept {
    if (!can_afford(n)) return error::limit_exceeded;
    used_->used += n;
    return {};
  }
  /// How many of `count` items of `each` bytes may be reserved now: a count from the wire
  /// allocates no more than the budget has left (the items are charged as they are read).
  std::size_t affordable(std::size_t count, std::size_t each) const noexcept {
    return std::min(count, remaining() / each);
  }

 private:
  std::size_t max_;
  amf::decode_budget own_;
  amf::decode_budget* used_;
};

/// A complex value in a reference table. A reference is resolved by decoding the value again
/// from `offset` with the tables frozen, instead of keeping a copy of every complex value
/// (which costs memory proportional to nodes x depth).
struct ref_entry {
  std::size_t offset = 0;  ///< absolute offset of the value's marker in the decoder's input
  std::size_t cost = 0;    ///< decoded bytes its decode charged; valid once complete
  bool complete = false;   ///< false while its members are decoded: a reference is a cycle
};

/// A Flex class that serializes itself (AMF3 spec 3.12, traits-ext) and that we can decode:
/// both write exactly one AMF3 value, kept as the object's single sealed member `member`
/// (the public property of the ActionScript class).
struct externalizable_class {
  std::string_view class_name;
  std::string_view member;
};
inline constexpr std::array<externalizable_class, 2> k_externalizable{{
    {"flex.messaging.io.ArrayCollection", "source"},
    {"flex.messaging.io.ObjectProxy", "object"},
}};

inline const externalizable_class* find_externalizable(std::string_view class_name) noexcept {
  for (const auto& c : k_externalizable)
    if (c.class_name == class_name) return &c;
  return nullptr;
}

}  // namespace lectern::shared::amf::detail

namespace lectern::shared::amf3::detail {

/// Decodes AMF3 values from one input with one set of reference tables. Cursors passed to
/// read() run over the same input, so positions are absolute offsets into it.
class reader {
 public:
  /// Charges `shared` if given (the AMF0 decoder's count, across its AVM+ switches).
  reader(byte_view data, const amf::limits& lim, amf::decode_budget* shared) noexcept;
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;

  /// Decodes the value at `in`, which is enclosed by `depth` containers.
  std::error_code read(byte_reader& in, std::size_t depth, amf::value& out);

  /// Between these calls a referenced value is being decoded again to copy it: the tables
  /// already hold every entry it defines, so they must not grow (the AMF0 decoder calls these
  /// when it copies an AMF0 value that contains AVM+ values).
  void begin_replay() noexcept { ++replay_; }
  void end_replay() noexcept { --replay_; }

 private:
  struct traits {
    std::string_view class_name;
    std::vector<std::string_view> members;
    bool dynamic = false;
    bool externalizable = false;
  };

  std::error_code read_vr(byte_reader& in, std::string_view& s);
  std::error_code read_string(byte_reader& in, std::string& s);
  std::error_code read_complex(byte_reader& in, std::uint8_t marker, std::size_t offset,
                               std::size_t before, std::size_t depth, amf::value& out);
  std::error_code copy_object(std::uint32_t index, std::size_t depth, amf::value& out);
  std::error_code read_body(byte_reader& in, std::uint8_t marker, std::uint32_t u,
                            std::size_t depth, amf::value& out);
  std::error_code read_text(byte_reader& in, std::uint32_t len, bool e4x, amf::value& out);
  std::error_code read_byte_array(byte_reader& in, std::uint32_t len, amf::value& out);
  template <typename T>
  std::error_code read_numbers(byte_reader& in, std::uint32_t count, amf::value& out);
  std::error_code read_items(byte_reader& in, std::uint32_t count, std::size_t depth,
                             std::vector<amf::value>& items);
  std::error_code read_pairs(byte_reader& in, std::size_t reserved, std::size_t depth,
                             std::vector<amf::property>& props);
  std::error_code read_array(byte_reader& in, std::uint32_t dense, std::size_t depth,
                             amf::value& out);
  std::error_code read_object(byte_reader& in, std::uint32_t u, std::size_t depth, amf::value& out);
  std::error_code find_traits(byte_reader& in, std::uint32_t u, traits& local,
                              const traits*& found);
  std::error_code read_traits(byte_reader& in, std::uint32_t u, traits& t);
  std::error_code read_members(byte_reader& in, const traits& t, std::size_t depth,
                               amf::object& obj);
  std::error_code read_externalizable(byte_reader& in, const traits& t, std::size_t depth,
                                      amf::object& obj);
  std::error_code read_vector_object(byte_reader& in, std::uint32_t count, std::size_t depth,
                                     amf::value& out);
  std::error_code read_dictionary(byte_reader& in, std::uint32_t count, std::size_t depth,
                                  amf::value& out);

  byte_view data_;
  amf::limits lim_;
  amf::detail::budget budget_;
  std::vector<std::string_view> strings_;  // views into data_
  std::deque<traits> traits_;              // deque: references stay valid while it grows
  std::vector<amf::detail::ref_entry> objects_;
  std::size_t replay_ = 0;
};

}  // namespace lectern::shared::amf3::detail
