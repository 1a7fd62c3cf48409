#pragma once
// sigil::Result<T>: a [[nodiscard]] value-or-Error whose API is the subset of C++23
// std::expected that Sigil uses, so it can become `std::expected<T, Error>` later.
//
//   Result<int> parse(std::string_view s);
//   auto r = parse("42");
//   if (!r) return sigil::unexpected(std::move(r).error());
//   use(*r);
//
// SIGIL_TRY(var, expr) unwraps or returns the error from the enclosing function.
//
// Thread-safety: plain value types.

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "sigil/base/error.hpp"

namespace sigil {

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E e) : error_(std::move(e)) {}
  E& error() & { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

inline Unexpected<Error> unexpected(Error e) { return Unexpected<Error>(std::move(e)); }
inline Unexpected<Error> fail(Errc code, std::string message, std::string detail = {}) {
  return Unexpected<Error>(make_error(code, std::move(message), std::move(detail)));
}

namespace detail {
[[noreturn]] void bad_result_access(const Error& e) noexcept;
}

template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT(google-explicit-constructor)
  template <class U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, Result> &&
             !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, Unexpected<Error>>)
  Result(U&& u) : v_(std::in_place_index<0>, T(std::forward<U>(u))) {}  // NOLINT
  Result(Unexpected<Error> e) : v_(std::in_place_index<1>, std::move(e).error()) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  T&& value() && { check(); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  template <class U>
  T value_or(U&& u) const& { return has_value() ? std::get<0>(v_) : T(std::forward<U>(u)); }

  Error& error() & { return std::get<1>(v_); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  void check() const {
    if (!has_value()) detail::bad_result_access(std::get<1>(v_));
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  Result() = default;
  Result(Unexpected<Error> e) : err_(std::move(e).error()), ok_(false) {}  // NOLINT
  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const {
    if (!ok_) detail::bad_result_access(err_);
  }
  Error& error() & { return err_; }
  const Error& error() const& { return err_; }
  Error&& error() && { return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

}  // namespace sigil

#define SIGIL_CONCAT_INNER_(a, b) a##b
#define SIGIL_CONCAT_(a, b) SIGIL_CONCAT_INNER_(a, b)

// SIGIL_TRY(auto x, f());  — declares x from the value, or returns the error.
#define SIGIL_TRY(decl, expr) SIGIL_TRY_IMPL_(SIGIL_CONCAT_(sigil_try_, __LINE__), decl, expr)
#define SIGIL_TRY_IMPL_(tmp, decl, expr)                     \
  auto tmp = (expr);                                         \
  if (!tmp) return ::sigil::unexpected(std::move(tmp).error()); \
  decl = std::move(tmp).value()

// SIGIL_TRY_VOID(f());  — returns the error of a Result<void>.
#define SIGIL_TRY_VOID(expr)                                                       \
  do {                                                                             \
    auto sigil_try_void_ = (expr);                                                 \
    if (!sigil_try_void_) return ::sigil::unexpected(std::move(sigil_try_void_).error()); \
  } while (0)

// Invariants. Never use on anything a request can influence.
#define SIGIL_CHECK(cond)                                                               \
  do {                                                                                  \
    if (!(cond)) ::sigil::detail::check_failed(#cond, __FILE__, __LINE__);              \
  } while (0)
#ifdef NDEBUG
#define SIGIL_ASSERT(cond) ((void)0)
#else
#define SIGIL_ASSERT(cond) SIGIL_CHECK(cond)
#endif

namespace sigil::detail {
[[noreturn]] void check_failed(const char* cond, const char* file, int line) noexcept;
}
