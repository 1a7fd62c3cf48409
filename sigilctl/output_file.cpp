#include "output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <iostream>

namespace sigil::ctl {

Result<void> write_new_file(const std::string& path, std::string_view data, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return fail(Errc::kInvalidArgument, "cannot create " + path + " (it must not exist yet)");
  }
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || written != data.size()) {
    ::unlink(path.c_str());
    return fail(Errc::kUnavailable, "cannot write " + path);
  }
  return {};
}

Result<std::string> read_passphrase_stdin() {
  std::string passphrase;
  std::getline(std::cin, passphrase);
  if (!passphrase.empty() && passphrase.back() == '\r') passphrase.pop_back();
  if (passphrase.empty()) return fail(Errc::kInvalidArgument, "no passphrase on standard input");
  return passphrase;
}

}  // namespace sigil::ctl
