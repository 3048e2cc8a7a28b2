#include "pipeline/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ddbm::pipeline {
namespace {

using std::chrono::nanoseconds;

// Negative and non-finite unit counts count as 0.
double SanitizeUnits(double units) { return std::isfinite(units) && units > 0 ? units : 0; }

double Seconds(nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// Rounds up so that, once the wait has passed, the bucket holds at least what was needed.
nanoseconds WaitFor(double units, double rate) {
  return std::chrono::ceil<nanoseconds>(std::chrono::duration<double>(units / rate));
}

std::string FormatNumber(double value) {
  std::string s = std::to_string(value);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

aws::Error InvalidInput(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

}  // namespace

RateLimiter::RateLimiter(RateLimiterOptions options, aws::Clock* clock)
    : clock_(clock),
      unlimited_(!(std::isfinite(options.units_per_second) && options.units_per_second > 0)),
      adaptive_(options.adaptive),
      target_(unlimited_ ? 0 : options.units_per_second),
      burst_seconds_(std::isfinite(options.burst_seconds) ? std::max(0.0, options.burst_seconds)
                                                          : 0.0),
      floor_(target_ *
             std::clamp(std::isnan(options.min_fraction) ? 1.0 : options.min_fraction, 0.001, 1.0)),
      decrease_factor_(std::clamp(
          std::isnan(options.decrease_factor) ? 0.5 : options.decrease_factor, 0.05, 1.0)),
      recovery_per_second_(std::isfinite(options.recovery_per_second)
                               ? std::max(0.0, options.recovery_per_second)
                               : 0.0),
      throttle_window_(std::max(options.throttle_window, std::chrono::milliseconds(0))),
      rate_(target_),
      tokens_(target_ * burst_seconds_),
      last_refill_(clock->SteadyNow()),
      last_raise_(last_refill_),
      expected_units_(SanitizeUnits(options.first_request_units)) {}

void RateLimiter::RefillLocked(aws::Clock::SteadyTime now) {
  if (now <= last_refill_) return;
  const double added = rate_ * Seconds(now - last_refill_);
  // Debt is paid off first; only then does the bucket fill, up to its capacity.
  tokens_ = std::max(tokens_, std::min(CapacityLocked(), tokens_ + added));
  last_refill_ = now;
}

void RateLimiter::Acquire(double estimated_units) {
  const nanoseconds wait = Reserve(estimated_units);
  if (wait > nanoseconds::zero()) clock_->SleepFor(wait);
}

nanoseconds RateLimiter::Reserve(double estimated_units) {
  const double units = SanitizeUnits(estimated_units);
  std::lock_guard lock(mu_);
  ++stats_.acquires;
  stats_.spent_units += units;
  if (unlimited_) return nanoseconds::zero();

  RefillLocked(clock_->SteadyNow());
  // The request may go once the bucket holds its units, or a full bucket when it is larger than
  // the bucket. Units are taken now, so later callers queue behind this one.
  const double needed = std::min(units, CapacityLocked());
  const double deficit = needed - tokens_;
  tokens_ -= units;
  if (deficit <= 0) return nanoseconds::zero();
  const nanoseconds wait = WaitFor(deficit, rate_);
  stats_.waited += wait;
  return wait;
}

bool RateLimiter::AcquireUnlessStopped(double estimated_units,
                                       const std::function<bool()>& stopped) {
  const nanoseconds wait = Reserve(estimated_units);
  const aws::Clock::SteadyTime until = clock_->SteadyNow() + wait;
  for (nanoseconds left = wait; left > nanoseconds::zero(); left = until - clock_->SteadyNow()) {
    if (stopped()) {
      const double units = SanitizeUnits(estimated_units);
      std::lock_guard lock(mu_);
      stats_.spent_units -= units;
      stats_.waited -= left;
      if (!unlimited_) {
        RefillLocked(clock_->SteadyNow());
        RefundLocked(units);
      }
      return false;
    }
    clock_->SleepFor(std::min<nanoseconds>(left, kStopPollInterval));
  }
  return true;
}

bool PacedRequest::Acquire(const std::atomic<bool>* stop) {
  if (limiter_ == nullptr) return true;
  if (stop == nullptr) {
    limiter_->Acquire(estimate_);
  } else if (!limiter_->AcquireUnlessStopped(estimate_, [stop] { return stop->load(); })) {
    return false;
  }
  throttles_before_ = client_throttles_.load(std::memory_order_relaxed);
  return true;
}

void PacedRequest::Finish(bool answered, double consumed_units, bool unprocessed) {
  if (limiter_ == nullptr) return;
  limiter_->Settle(estimate_, answered ? consumed_units : 0);
  if (client_throttles_.load(std::memory_order_relaxed) != throttles_before_ ||
      (answered && unprocessed)) {
    limiter_->OnThrottle();
  } else if (answered) {
    limiter_->OnSuccess();
  }
}

void RateLimiter::Settle(double estimated_units, double actual_units) {
  const double delta = SanitizeUnits(actual_units) - SanitizeUnits(estimated_units);
  std::lock_guard lock(mu_);
  expected_units_ = SanitizeUnits(actual_units);
  stats_.spent_units += delta;
  if (unlimited_) return;
  RefillLocked(clock_->SteadyNow());
  if (delta < 0) {
    RefundLocked(-delta);
  } else {
    tokens_ -= delta;
  }
}

void RateLimiter::RefundLocked(double units) {
  const double before = tokens_;
  tokens_ = std::min(tokens_ + units, std::max(CapacityLocked(), before));
}

void RateLimiter::OnThrottle() {
  if (unlimited_ || !adaptive_) return;
  std::lock_guard lock(mu_);
  const aws::Clock::SteadyTime now = clock_->SteadyNow();
  if (last_counted_ && now - *last_counted_ < throttle_window_) return;
  RefillLocked(now);
  last_counted_ = now;
  last_raise_ = now;
  ++stats_.throttles_counted;
  rate_ = std::max(floor_, rate_ * decrease_factor_);
  // The service is saturated: saved-up burst would only be throttled again.
  tokens_ = std::min(tokens_, 0.0);
}

void RateLimiter::OnSuccess() {
  if (unlimited_ || !adaptive_) return;
  std::lock_guard lock(mu_);
  const aws::Clock::SteadyTime now = clock_->SteadyNow();
  if (now <= last_raise_) return;
  RefillLocked(now);
  const double seconds = Seconds(now - last_raise_);
  last_raise_ = now;
  rate_ = std::min(target_, rate_ + recovery_per_second_ * target_ * seconds);
}

double RateLimiter::current_rate() const {
  std::lock_guard lock(mu_);
  return rate_;
}

double RateLimiter::target_rate() const { return target_; }

double RateLimiter::available_units() const {
  if (unlimited_) return 0;
  std::lock_guard lock(mu_);
  const aws::Clock::SteadyTime now = clock_->SteadyNow();
  if (now <= last_refill_) return tokens_;
  const double added = rate_ * Seconds(now - last_refill_);
  return std::max(tokens_, std::min(CapacityLocked(), tokens_ + added));
}

RateLimiterStats RateLimiter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

double RateLimiter::ExpectedUnits() const {
  std::lock_guard lock(mu_);
  return expected_units_;
}

double EstimateReadUnits(size_t bytes, bool consistent_read) {
  constexpr size_t kReadUnitBytes = 4096;
  const size_t blocks = std::max<size_t>(1, (bytes + kReadUnitBytes - 1) / kReadUnitBytes);
  return static_cast<double>(blocks) * (consistent_read ? 1.0 : 0.5);
}

double EstimateItemReadUnits(std::span<const size_t> item_sizes, size_t keys_not_found,
                             bool consistent_read) {
  constexpr size_t kReadUnitBytes = 4096;
  size_t blocks = keys_not_found;
  for (const size_t size : item_sizes) {
    blocks += std::max<size_t>(1, (size + kReadUnitBytes - 1) / kReadUnitBytes);
  }
  return static_cast<double>(blocks) * (consistent_read ? 1.0 : 0.5);
}

double EstimateWriteUnits(std::span<const size_t> item_sizes) {
  constexpr size_t kWriteUnitBytes = 1024;
  double units = 0;
  for (const size_t size : item_sizes) {
    units +=
        static_cast<double>(std::max<size_t>(1, (size + kWriteUnitBytes - 1) / kWriteUnitBytes));
  }
  return units;
}

aws::Result<double> ResolveRate(std::optional<double> rate, std::optional<double> percent,
                                int64_t provisioned_units, std::string_view flag_prefix) {
  const std::string rate_flag = "--" + std::string(flag_prefix) + "-rate";
  const std::string percent_flag = "--" + std::string(flag_prefix) + "-percent";
  if (rate && percent) {
    return InvalidInput(rate_flag + " and " + percent_flag + " cannot be used together");
  }
  if (rate) {
    if (!std::isfinite(*rate) || *rate <= 0) {
      return InvalidInput(rate_flag +
                          " must be a positive number of capacity units per second (got " +
                          FormatNumber(*rate) + ")");
    }
    return *rate;
  }
  if (percent) {
    if (!std::isfinite(*percent) || *percent <= 0 || *percent > 100) {
      return InvalidInput(percent_flag + " must be more than 0 and at most 100 (got " +
                          FormatNumber(*percent) + ")");
    }
    if (provisioned_units <= 0) {
      return InvalidInput(percent_flag + " needs a provisioned table; use " + rate_flag +
                          " for on-demand tables");
    }
    return static_cast<double>(provisioned_units) * *percent / 100.0;
  }
  return 0.0;
}

}  // namespace ddbm::pipeline
