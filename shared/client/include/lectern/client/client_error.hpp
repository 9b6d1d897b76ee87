// Errors of the control-API client: a kind a program can branch on and a sentence a user
// can read (which server, which room, what to do).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace lectern::client {

/// What went wrong, coarse enough for a GUI to pick an icon or a retry policy.
enum class error_kind {
  bad_link,      ///< the join link or --server/--room/--token is malformed
  unsupported,   ///< well-formed but not supported yet (https)
  unreachable,   ///< DNS failure, connection refused, network down
  timeout,       ///< connect or request deadline passed
  not_found,     ///< the room does not exist (HTTP 404)
  unauthorized,  ///< wrong or expired token (HTTP 401)
  bad_reply,     ///< the server answered something we do not understand
  http_error,    ///< any other HTTP error status
};

/// One failure: its kind and a complete, human-readable message.
struct client_error {
  error_kind kind;
  std::string message;
};

/// A value or a client_error (C++20 has no std::expected yet).
template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  result(client_error error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const client_error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, client_error> v_;
};

}  // namespace lectern::client
