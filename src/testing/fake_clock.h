// FakeClock: time moves only when a test (or a SleepFor call) moves it. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <vector>

#include "aws/clock.h"

namespace ddbm::testing {

class FakeClock final : public aws::Clock {
 public:
  // Starts at 2015-08-30T12:36:00Z, the SigV4 suites' date, unless told otherwise.
  explicit FakeClock(WallTime start = WallTime(std::chrono::seconds(1440938160)))
      : wall_(start), steady_(SteadyTime(std::chrono::hours(1))) {}

  WallTime Now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  SteadyTime SteadyNow() const override {
    std::lock_guard lock(mu_);
    return steady_;
  }
  // Advances both clocks by `duration` at once and records the sleep; then tells the OnSleep
  // hook, if any, as if it had run while the caller slept.
  void SleepFor(std::chrono::nanoseconds duration) override {
    std::function<void()> hook;
    {
      std::lock_guard lock(mu_);
      sleeps_.push_back(duration);
      Advance(duration, lock);
      hook = on_sleep_;
    }
    if (hook) hook();
  }
  // Runs `hook` on the sleeping thread after every SleepFor: what other threads do meanwhile.
  void OnSleep(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    on_sleep_ = std::move(hook);
  }
  void Advance(std::chrono::nanoseconds duration) {
    std::lock_guard lock(mu_);
    Advance(duration, lock);
  }
  // Every duration passed to SleepFor so far, in order.
  std::vector<std::chrono::nanoseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  void Advance(std::chrono::nanoseconds d, const std::lock_guard<std::mutex>&) {
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    steady_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }

  mutable std::mutex mu_;
  WallTime wall_;
  SteadyTime steady_;
  std::vector<std::chrono::nanoseconds> sleeps_;
  std::function<void()> on_sleep_;
};

}  // namespace ddbm::testing
