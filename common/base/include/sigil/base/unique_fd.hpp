#pragma once
// An owned POSIX file descriptor: closed on destruction, or now with close(), which reports
// whether the close (which may flush) succeeded.
//
// Thread-safety: one owner.

#include <unistd.h>

#include <utility>

namespace sigil {

class UniqueFd {
 public:
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const noexcept { return fd_; }
  bool close() noexcept { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

}  // namespace sigil
