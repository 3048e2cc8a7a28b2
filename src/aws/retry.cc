#include "aws/retry.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <random>
#include <string_view>

namespace ddbm::aws {
namespace {

// LimitExceededException is what DynamoDB Streams answers when GetRecords is called too often on
// a shard (and DynamoDB when too many control-plane operations run at once): both mean "later".
constexpr std::array<std::string_view, 10> kThrottleCodes = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "LimitExceededException",
    "TooManyRequestsException",
    "SlowDown",
};

// Codes that arrive with a 4xx status yet are worth retrying (IDPCommunicationError: STS could
// not reach a web identity's OIDC provider).
constexpr std::array<std::string_view, 7> kTransientCodes = {
    "InternalServerError",   "InternalFailure",         "ServiceUnavailable",
    "RequestTimeout",        "RequestTimeoutException", "TransactionInProgressException",
    "IDPCommunicationError",
};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& codes, std::string_view code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// Uniform double in [0, 1): a per-thread generator, seeded from the policy seed and a counter,
// so concurrent callers do not contend and a fixed seed gives a reproducible sequence per thread.
double Uniform01(uint64_t seed) {
  static std::atomic<uint64_t> next_stream{0};
  thread_local uint64_t thread_seed = 0;
  thread_local std::mt19937_64 rng;
  thread_local bool seeded = false;
  if (!seeded || thread_seed != seed) {
    rng.seed(seed ^ (0x9e3779b97f4a7c15ULL * (next_stream.fetch_add(1) + 1)));
    thread_seed = seed;
    seeded = true;
  }
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

bool IsThrottle(const Error& error) {
  return error.http_status == 429 || Contains(kThrottleCodes, error.code);
}

RetryClass ClassifyError(const Error& error) {
  switch (error.kind) {
    case ErrorKind::kTransport:
    case ErrorKind::kCorruption:
      return RetryClass::kTransient;
    case ErrorKind::kService:
      break;
    default:
      return RetryClass::kFinal;
  }
  if (IsThrottle(error)) return RetryClass::kThrottled;
  if (error.http_status >= 500 || Contains(kTransientCodes, error.code)) {
    return RetryClass::kTransient;
  }
  return RetryClass::kFinal;
}

RetryPolicy::RetryPolicy(RetryOptions options, Clock* clock, uint64_t seed)
    : options_(options), clock_(clock), seed_(seed) {}

std::chrono::nanoseconds RetryPolicy::Backoff(int retry, const Error& error) const {
  using std::chrono::nanoseconds;
  nanoseconds base = options_.base_delay;
  if (IsThrottle(error)) base *= std::max(1, options_.throttle_base_multiplier);
  const nanoseconds cap = options_.max_delay;
  // base * 2^(retry-1), saturating at the cap without overflowing.
  nanoseconds ceiling = base;
  for (int i = 1; i < retry && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  auto wait = nanoseconds(static_cast<int64_t>(Uniform01(seed_) * ceiling.count()));
  if (error.retry_after) {
    const nanoseconds asked = std::min<nanoseconds>(*error.retry_after, options_.max_retry_after);
    wait = std::max<nanoseconds>(wait, asked);
  }
  return wait;
}

RetryState::RetryState(const RetryPolicy& policy, const std::atomic<bool>* answered)
    : policy_(policy),
      answered_(answered),
      start_(policy.clock()->SteadyNow()),
      window_start_(start_) {}

bool RetryState::AttemptsSpent(const Error& error) const {
  const RetryOptions& o = policy_.options();
  if (o.max_attempts <= 0) return false;
  if (o.throttles_count_toward_attempts) return attempts_ >= o.max_attempts;
  // Throttles do not count: only the attempts that failed otherwise, this one included.
  return !IsThrottle(error) && attempts_ - throttles_ >= o.max_attempts;
}

bool RetryState::InOutageWindow(const Error& error) const {
  const RetryOptions& o = policy_.options();
  return ClassifyError(error) == RetryClass::kTransient && AttemptsSpent(error) &&
         o.outage_window.count() > 0 && answered_ != nullptr &&
         answered_->load(std::memory_order_relaxed) &&
         policy_.clock()->SteadyNow() - window_start_ < o.outage_window;
}

bool RetryState::ShouldRetry(const Error& error) const {
  if (ClassifyError(error) == RetryClass::kFinal) return false;
  const RetryOptions& o = policy_.options();
  if (AttemptsSpent(error) && !InOutageWindow(error)) return false;
  if (o.max_elapsed.count() > 0 && policy_.clock()->SteadyNow() - start_ >= o.max_elapsed) {
    return false;
  }
  return true;
}

void RetryState::NoteProgress() {
  consecutive_ = 0;
  window_start_ = policy_.clock()->SteadyNow();
}

void RetryState::CountRetry(const Error& error) {
  ++consecutive_;
  ++attempts_;
  if (IsThrottle(error)) ++throttles_;
}

std::chrono::nanoseconds RetryState::NextWait(const Error& error) const {
  std::chrono::nanoseconds wait = policy_.Backoff(consecutive_ + 1, error);
  // Past the attempts only the window grants retries: no sleeping past its end (a Retry-After
  // may ask for minutes), even when it closed since ShouldRetry asked.
  if (AttemptsSpent(error) && policy_.options().outage_window.count() > 0) {
    const auto left =
        window_start_ + policy_.options().outage_window - policy_.clock()->SteadyNow();
    wait =
        std::max(std::chrono::nanoseconds::zero(), std::min<std::chrono::nanoseconds>(wait, left));
  }
  return wait;
}

void RetryState::WaitEnded(const Error& error) {
  // A throttle is an answer: an outage, if any, is counted from after the wait it asked for.
  if (IsThrottle(error)) window_start_ = policy_.clock()->SteadyNow();
}

void RetryState::Wait(const Error& error) {
  const std::chrono::nanoseconds wait = NextWait(error);
  CountRetry(error);
  policy_.clock()->SleepFor(wait);
  WaitEnded(error);
}

bool RetryState::WaitUnless(const Error& error, const std::function<Cut()>& cut) {
  const std::chrono::nanoseconds wait = NextWait(error);
  CountRetry(error);
  Clock* clock = policy_.clock();
  const Clock::SteadyTime until = clock->SteadyNow() + wait;
  for (std::chrono::nanoseconds left = until - clock->SteadyNow();
       left > std::chrono::nanoseconds::zero(); left = until - clock->SteadyNow()) {
    switch (cut()) {
      case Cut::kGiveUp:
        return false;
      case Cut::kRetryNow:
        WaitEnded(error);
        return true;
      case Cut::kWaitOn:
        break;
    }
    clock->SleepFor(std::min<std::chrono::nanoseconds>(left, kStopPollInterval));
  }
  WaitEnded(error);
  return cut() != Cut::kGiveUp;
}

bool RetryState::WaitUnlessStopped(const Error& error, const std::function<bool()>& stopped) {
  return WaitUnless(error, [&] { return stopped() ? Cut::kGiveUp : Cut::kWaitOn; });
}

bool RetryState::WaitUnlessStopped(const Error& error, const std::atomic<bool>* stop) {
  if (stop == nullptr) {
    Wait(error);
    return true;
  }
  return WaitUnlessStopped(error, [stop] { return stop->load(std::memory_order_relaxed); });
}

}  // namespace ddbm::aws
