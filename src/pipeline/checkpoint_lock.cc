#include "pipeline/checkpoint_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "aws/file_name.h"

namespace ddbm::pipeline {
namespace {

aws::Error LockError(const std::string& lock_path, const std::string& what, int err) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                          fmt::format("checkpoint lock {}: {} ({}); check the directory's "
                                      "permissions or choose another --checkpoint path",
                                      lock_path, what, std::strerror(err)));
}

// The pid the holder wrote, or 0 when there is none yet (it has locked but not yet written).
long HolderPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) return 0;
  long pid = 0;
  for (ssize_t i = 0; i < n && buffer[i] >= '0' && buffer[i] <= '9'; ++i) {
    pid = pid * 10 + (buffer[i] - '0');
    if (pid > 1'000'000'000) return 0;
  }
  return pid;
}

}  // namespace

std::string CheckpointLock::LockPathOf(const std::string& checkpoint) {
  const size_t slash = checkpoint.rfind('/');
  const size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  const std::string_view name = std::string_view(checkpoint).substr(name_start);
  // A name too long to take the suffix (a default name cut to fit, plus ".copy") is cut further,
  // and told from others cut alike by a hash of the whole.
  return checkpoint.substr(0, name_start) + aws::FitFileName("", name, ".lock");
}

aws::Result<CheckpointLock> CheckpointLock::Acquire(const std::string& checkpoint) {
  const std::string path = LockPathOf(checkpoint);
  // A holder removes the file before it lets go of the lock: a lock taken on a file no longer at
  // the path is worthless, and taking it again finds the file there now. Each round follows
  // another run's release, so this ends.
  for (;;) {
    // O_NOFOLLOW: the file is written, so a symbolic link planted in its place must not lead
    // there.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      const int err = errno;
      return LockError(
          path, err == ELOOP ? "is a symbolic link; remove it" : "cannot create or open it", err);
    }
    int locked;
    do {
      locked = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (locked != 0 && errno == EINTR);
    if (locked != 0) {
      const int err = errno;
      const long pid = err == EWOULDBLOCK ? HolderPid(fd) : 0;
      ::close(fd);
      if (err != EWOULDBLOCK) return LockError(path, "cannot lock it", err);
      return aws::Error::Make(
          aws::ErrorKind::kInvalidInput,
          fmt::format("checkpoint {} is in use by another ddbmigrate run{}; wait for it to end or "
                      "stop it, then run again",
                      checkpoint, pid > 0 ? fmt::format(" (process {})", pid) : std::string()));
    }
    struct stat held {};
    struct stat there {};
    if (::fstat(fd, &held) != 0) {
      const int err = errno;
      ::close(fd);
      return LockError(path, "cannot check it", err);
    }
    if (::lstat(path.c_str(), &there) != 0 || held.st_dev != there.st_dev ||
        held.st_ino != there.st_ino) {
      ::close(fd);  // removed by the holder that let go of it: take the one there now
      continue;
    }
    // The pid is a courtesy for the message above: a failure to record it does not stop the
    // run. Written over the last holder's, then cut to length, so that it is never empty.
    const std::string pid = fmt::format("{}\n", static_cast<long>(::getpid()));
    if (::pwrite(fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size())) {
      [[maybe_unused]] const int cut = ::ftruncate(fd, static_cast<off_t>(pid.size()));
    }
    return CheckpointLock(fd, path);
  }
}

CheckpointLock::CheckpointLock(CheckpointLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

CheckpointLock& CheckpointLock::operator=(CheckpointLock&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

CheckpointLock::~CheckpointLock() { Release(); }

void CheckpointLock::Release() {
  if (fd_ < 0) return;
  // Removed while still locked (see Acquire); closing the only descriptor of the open file then
  // releases the lock.
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace ddbm::pipeline
