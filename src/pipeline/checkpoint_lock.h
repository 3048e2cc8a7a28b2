// CheckpointLock: keeps a second ddbmigrate run off a checkpoint that a live run is using.
#pragma once

#include <string>
#include <utility>

#include "aws/error.h"

namespace ddbm::pipeline {

// An exclusive flock(2) on a lock file beside the checkpoint ("<checkpoint>.lock", see
// LockPathOf), held from Acquire until the object is destroyed or the process ends, however it
// ends: the kernel releases a dead process's lock, so kill -9 leaves no stale lock. The lock file
// is created with mode 0600 and holds the holder's pid, for the message that refuses another
// run. It is removed on release (by the holder, while it still holds the lock; a taker checks
// that the file it locked is still the one at the path, and starts again if not, so two runs
// never hold locks on two different files). One left behind by a killed run locks nothing: the
// next run takes it.
//
// Advisory: it keeps ddbmigrate runs apart, not other programs. The descriptor is
// close-on-exec, so that child processes (a --transform command) do not hold the lock after
// their parent is gone. Within one process a second Acquire of the same checkpoint is refused
// too (flock locks belong to an open file, not to a process). Thread-compatible.
class CheckpointLock {
 public:
  // Where the lock of `checkpoint` lives: "<checkpoint>.lock"; when that name would be longer
  // than a file name may be (255 bytes), the checkpoint's name cut and followed by 16 hex digits
  // of its hash, then ".lock", in the same directory.
  static std::string LockPathOf(const std::string& checkpoint);

  // Takes the lock of `checkpoint` without waiting. Errors are kInvalidInput, one line: another
  // run holds it ("checkpoint X is in use by another ddbmigrate run (process N); wait for it to
  // end or stop it, then run again"), or the lock file cannot be created or locked (naming it
  // and the reason). REQUIRES: the checkpoint's directory exists, and the process does not
  // change its working directory while it holds the lock of a relative path.
  static aws::Result<CheckpointLock> Acquire(const std::string& checkpoint);

  CheckpointLock(CheckpointLock&& other) noexcept;
  CheckpointLock& operator=(CheckpointLock&& other) noexcept;
  CheckpointLock(const CheckpointLock&) = delete;
  CheckpointLock& operator=(const CheckpointLock&) = delete;
  ~CheckpointLock();  // removes the lock file and releases the lock

 private:
  CheckpointLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void Release();

  int fd_ = -1;
  std::string path_;  // the lock file's
};

}  // namespace ddbm::pipeline
