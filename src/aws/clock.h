// Clock: the one source of time and sleep. SigV4 dates, backoff, rate limiting and credential
// expiry all read it, so tests swap in testing/fake_clock.h and never sleep.
#pragma once

#include <chrono>
#include <cstdint>

namespace ddbm::aws {

class Clock {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using SteadyTime = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  // Wall-clock time: for request signing and credential expiration. Thread-safe.
  virtual WallTime Now() const = 0;
  // Monotonic time: for deadlines, rates and elapsed durations. Thread-safe.
  virtual SteadyTime SteadyNow() const = 0;
  // Blocks the calling thread for `duration` (a fake clock advances instead). Thread-safe.
  virtual void SleepFor(std::chrono::nanoseconds duration) = 0;

  // The process-wide real clock. Never null; lives for the whole process.
  static Clock* Real();
};

// Whole seconds since the Unix epoch (rounded down).
inline int64_t EpochSeconds(Clock::WallTime time) {
  return std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
}

}  // namespace ddbm::aws
