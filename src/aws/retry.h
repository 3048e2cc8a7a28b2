// The one retry policy: which errors are worth another attempt, and how long to wait first.
//
// Throttling (ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded,
// HTTP 429 ...), 5xx answers, transport failures and corrupt answers are retryable; everything
// else is final. Waits are capped exponential backoff with full jitter, never shorter than a
// Retry-After the service sent. Both request retries and the re-sending of UnprocessedItems go
// through RetryState, so there is exactly one place that decides.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "aws/clock.h"
#include "aws/error.h"

namespace ddbm::aws {

enum class RetryClass {
  kFinal,      // Not worth retrying: the same request would fail the same way.
  kThrottled,  // The service asked us to slow down.
  kTransient,  // 5xx, connection trouble, corrupt answer: likely to work next time.
};

RetryClass ClassifyError(const Error& error);
bool IsThrottle(const Error& error);

struct RetryOptions {
  // Attempts in all, the first included; 0 means no limit. Throttled attempts count only when
  // throttles_count_toward_attempts.
  int max_attempts = 10;
  std::chrono::milliseconds base_delay{25};
  std::chrono::milliseconds max_delay{20'000};
  // No new attempt starts once this much time has passed since the first; 0 means no limit.
  // Unlimited by default: transient errors are bounded by max_attempts and outage_window, and
  // throttles, which slow a run down but never fail it, by nothing (a stop flag ends their
  // waits, see ServiceClientConfig::stop).
  std::chrono::milliseconds max_elapsed{0};
  // A Retry-After longer than max_delay is honoured up to this (a misbehaving proxy must not
  // put a run to sleep for a day).
  std::chrono::milliseconds max_retry_after{300'000};
  // Throttles get a larger base: the service is saying it is overloaded.
  int throttle_base_multiplier = 4;
  // Throttling slows a run down, it does not fail it: by default throttles are bounded only by
  // max_elapsed (unlimited), not by max_attempts. Set when the user bounded attempts explicitly.
  bool throttles_count_toward_attempts = false;
  // Rides out outages: a transient error that has used up max_attempts is still retried while
  // less than this has passed since the operation's first attempt (or its last throttle or
  // progress, both answers from the service), but
  // only when the service has answered this client before (RetryState's `answered`), so that a
  // wrong endpoint or a dead network at start-up still fails after max_attempts. 0: attempts
  // only.
  std::chrono::milliseconds outage_window{0};
};

struct RetryCounters;

class RetryPolicy {
 public:
  // `clock` must outlive the policy. `seed` makes the jitter reproducible in tests.
  RetryPolicy(RetryOptions options, Clock* clock, uint64_t seed = 0);

  const RetryOptions& options() const { return options_; }
  Clock* clock() const { return clock_; }

  // The wait before retry number `retry` (1 for the first retry): uniform in
  // [0, min(max_delay, base * 2^(retry-1))], raised to error.retry_after (at most
  // max_retry_after) when that is longer.
  // Thread-safe.
  std::chrono::nanoseconds Backoff(int retry, const Error& error) const;

 private:
  RetryOptions options_;
  Clock* clock_;
  uint64_t seed_;
};

// One operation's walk through the policy. Not thread-safe; one per logical operation.
//
//   RetryState state(policy);
//   for (;;) {
//     auto r = attempt();
//     if (r.ok() || !state.ShouldRetry(r.error())) return r;
//     state.Wait(r.error());
//   }
class RetryState {
 public:
  // `answered` may be null (never answered); when set, it must outlive the state and read true
  // once the service has answered one of the client's requests (see outage_window).
  explicit RetryState(const RetryPolicy& policy, const std::atomic<bool>* answered = nullptr);

  // True when `error` is retryable and the attempt and time budgets allow another attempt.
  bool ShouldRetry(const Error& error) const;
  // True when the attempts are spent but the outage window grants another one: `error` is
  // transient, the service answered before and the window has time left (max_elapsed, which
  // ShouldRetry also asks, is not looked at).
  bool InOutageWindow(const Error& error) const;
  // Sleeps (on the policy's clock) for the backoff of the next retry, and counts it.
  void Wait(const Error& error);
  // How a wait before a retry may end early.
  enum class Cut { kWaitOn, kRetryNow, kGiveUp };
  // As Wait, but asks `cut` every kStopPollInterval of the wait: kRetryNow ends the wait and
  // returns true, kGiveUp returns false at once (the retry is then counted all the same; the
  // caller gives up). `cut` is asked once more when the wait ends on its own.
  bool WaitUnless(const Error& error, const std::function<Cut()>& cut);
  // As WaitUnless, with `stopped` answering true for kGiveUp.
  bool WaitUnlessStopped(const Error& error, const std::function<bool()>& stopped);
  // The same for a stop flag; a null `stop` is never stopped (the wait is a plain Wait).
  bool WaitUnlessStopped(const Error& error, const std::atomic<bool>* stop);
  static constexpr std::chrono::milliseconds kStopPollInterval{100};
  // Resets the backoff exponent after progress (e.g. part of a batch was accepted), keeping the
  // attempt count: progress proves the service is alive, so the next wait starts short again,
  // and the outage window starts again.
  void NoteProgress();

  int attempts() const { return attempts_; }            // attempts made so far, the first included
  Clock::SteadyTime started() const { return start_; }  // when the first attempt began
  int throttles() const { return throttles_; }
  // Where the outage window counts from: the first attempt, or the last throttle or progress.
  Clock::SteadyTime window_started() const { return window_start_; }

 private:
  // Whether `error` may not be retried for want of attempts (max_attempts counts throttles only
  // when throttles_count_toward_attempts).
  bool AttemptsSpent(const Error& error) const;
  // The backoff before the next retry (number consecutive_ + 1), cut to what is left of the
  // outage window when the attempts are spent. Asked before CountRetry.
  std::chrono::nanoseconds NextWait(const Error& error) const;
  void CountRetry(const Error& error);  // the bookkeeping of Wait and WaitUnless
  void WaitEnded(const Error& error);   // ... and what they note once the wait is over

  const RetryPolicy& policy_;
  const std::atomic<bool>* answered_;
  Clock::SteadyTime start_;
  Clock::SteadyTime window_start_;
  int attempts_ = 1;
  int consecutive_ = 0;
  int throttles_ = 0;
};

// What the calls of one client share, read by each call's retries. Any pointer may be null;
// each must outlive the calls that read it.
struct RetrySignals {
  // Once it reads true (a stop was asked for), a wait before a retry ends and the call gives up.
  const std::atomic<bool>* stop = nullptr;
  // RetryState's `answered`: opens RetryOptions::outage_window.
  const std::atomic<bool>* answered = nullptr;
  // Moves when the service answers again during an outage: a call whose retry only the outage
  // window granted stops waiting and retries as soon as it sees it move.
  const std::atomic<uint64_t>* recoveries = nullptr;
};

// Runs `attempt` until it succeeds, fails finally, or the budget is spent; returns its last
// result. `on_retry`, when set, is told of every error that is about to be retried, with the
// state that granted the retry. Once signals.stop reads true, a wait before a retry ends and the
// last error is returned as kCancelled (code, status and request id kept, the message saying
// so).
template <class T>
Result<T> RunWithRetry(
    const RetryPolicy& policy, const std::function<Result<T>()>& attempt,
    const std::function<void(const Error&, const RetryState&)>& on_retry = nullptr,
    const RetrySignals& signals = {}) {
  RetryState state(policy, signals.answered);
  for (;;) {
    // Before the attempt: a recovery while it is in flight cuts the wait after it short.
    const uint64_t recoveries_seen =
        signals.recoveries != nullptr ? signals.recoveries->load(std::memory_order_relaxed) : 0;
    Result<T> result = attempt();
    if (result.ok() || !state.ShouldRetry(result.error())) return result;
    if (on_retry) on_retry(result.error(), state);
    const bool in_window = signals.recoveries != nullptr && state.InOutageWindow(result.error());
    if (signals.stop == nullptr && !in_window) {
      state.Wait(result.error());  // nothing can end this wait early
      continue;
    }
    const bool waited = state.WaitUnless(result.error(), [&] {
      if (signals.stop != nullptr && signals.stop->load(std::memory_order_relaxed)) {
        return RetryState::Cut::kGiveUp;
      }
      if (in_window && signals.recoveries->load(std::memory_order_relaxed) != recoveries_seen) {
        return RetryState::Cut::kRetryNow;
      }
      return RetryState::Cut::kWaitOn;
    });
    if (!waited) {
      Error cancelled = std::move(result).error();
      cancelled.kind = ErrorKind::kCancelled;
      cancelled.message = "stopped while waiting to retry after: " + cancelled.message;
      return cancelled;
    }
  }
}

}  // namespace ddbm::aws
