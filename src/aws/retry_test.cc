// The retry policy: which errors are retried, how long the waits are, when the budget ends.
#include "aws/retry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "testing/fake_clock.h"

namespace ddbm::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::FakeClock;

Error ServiceError(int status, std::string code) {
  Error e;
  e.kind = ErrorKind::kService;
  e.http_status = status;
  e.code = std::move(code);
  e.message = "test";
  return e;
}

// ---------------------------------------------------------------------------------------------
// ClassifyError

TEST(ClassifyErrorTest, ThrottleCodesAreThrottled) {
  for (const char* code :
       {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
        "Throttling", "ThrottledException", "RequestThrottled", "RequestThrottledException",
        "LimitExceededException", "TooManyRequestsException", "SlowDown"}) {
    SCOPED_TRACE(code);
    const Error e = ServiceError(400, code);
    EXPECT_EQ(ClassifyError(e), RetryClass::kThrottled);
    EXPECT_TRUE(IsThrottle(e));
  }
}

TEST(ClassifyErrorTest, Http429IsThrottledWhateverTheCode) {
  EXPECT_EQ(ClassifyError(ServiceError(429, "")), RetryClass::kThrottled);
  EXPECT_EQ(ClassifyError(ServiceError(429, "SomethingElse")), RetryClass::kThrottled);
  EXPECT_TRUE(IsThrottle(ServiceError(429, "")));
}

TEST(ClassifyErrorTest, ServerErrorsAreTransient) {
  EXPECT_EQ(ClassifyError(ServiceError(500, "InternalServerError")), RetryClass::kTransient);
  EXPECT_EQ(ClassifyError(ServiceError(500, "")), RetryClass::kTransient);
  EXPECT_EQ(ClassifyError(ServiceError(503, "ServiceUnavailable")), RetryClass::kTransient);
  EXPECT_EQ(ClassifyError(ServiceError(503, "")), RetryClass::kTransient);
  EXPECT_FALSE(IsThrottle(ServiceError(503, "ServiceUnavailable")));
  // Codes that are transient even with a 4xx status.
  EXPECT_EQ(ClassifyError(ServiceError(400, "RequestTimeoutException")), RetryClass::kTransient);
  EXPECT_EQ(ClassifyError(ServiceError(400, "TransactionInProgressException")),
            RetryClass::kTransient);
  EXPECT_EQ(ClassifyError(ServiceError(400, "IDPCommunicationError")), RetryClass::kTransient);
}

TEST(ClassifyErrorTest, TransportAndCorruptionAreTransient) {
  EXPECT_EQ(ClassifyError(Error::Make(ErrorKind::kTransport, "connection reset")),
            RetryClass::kTransient);
  EXPECT_EQ(ClassifyError(Error::Make(ErrorKind::kCorruption, "crc mismatch")),
            RetryClass::kTransient);
  // A CRC failure arrives on a 200 answer: still transient.
  Error corrupt = Error::Make(ErrorKind::kCorruption, "crc mismatch");
  corrupt.http_status = 200;
  EXPECT_EQ(ClassifyError(corrupt), RetryClass::kTransient);
}

TEST(ClassifyErrorTest, ClientErrorsAreFinal) {
  EXPECT_EQ(ClassifyError(ServiceError(400, "ValidationException")), RetryClass::kFinal);
  EXPECT_EQ(ClassifyError(ServiceError(400, "ResourceNotFoundException")), RetryClass::kFinal);
  EXPECT_EQ(ClassifyError(ServiceError(400, "ConditionalCheckFailedException")),
            RetryClass::kFinal);
  EXPECT_EQ(ClassifyError(ServiceError(403, "AccessDeniedException")), RetryClass::kFinal);
  EXPECT_EQ(ClassifyError(ServiceError(413, "RequestEntityTooLarge")), RetryClass::kFinal);
  EXPECT_FALSE(IsThrottle(ServiceError(400, "ValidationException")));
}

TEST(ClassifyErrorTest, NonServiceKindsAreFinal) {
  for (ErrorKind kind : {ErrorKind::kInvalidInput, ErrorKind::kCredentials, ErrorKind::kConfig,
                         ErrorKind::kCancelled, ErrorKind::kInternal}) {
    SCOPED_TRACE(ErrorKindName(kind));
    EXPECT_EQ(ClassifyError(Error::Make(kind, "x")), RetryClass::kFinal);
  }
  // Even when such an error happens to carry a throttle-like code or a 5xx status.
  Error e = Error::Make(ErrorKind::kInvalidInput, "bad flag");
  e.http_status = 503;
  EXPECT_EQ(ClassifyError(e), RetryClass::kFinal);
}

// ---------------------------------------------------------------------------------------------
// RetryPolicy::Backoff

RetryOptions Options(milliseconds base, milliseconds cap, int multiplier = 4) {
  RetryOptions o;
  o.base_delay = base;
  o.max_delay = cap;
  o.throttle_base_multiplier = multiplier;
  return o;
}

// The largest of `samples` waits for retry `retry`, checking each lies within [0, ceiling].
nanoseconds MaxBackoff(const RetryPolicy& policy, int retry, const Error& error,
                       nanoseconds ceiling, int samples = 400) {
  nanoseconds max{0};
  for (int i = 0; i < samples; ++i) {
    const nanoseconds wait = policy.Backoff(retry, error);
    EXPECT_GE(wait.count(), 0) << "retry " << retry;
    EXPECT_LE(wait, ceiling) << "retry " << retry;
    max = std::max(max, wait);
  }
  return max;
}

TEST(BackoffTest, FullJitterWithinExponentialCeiling) {
  FakeClock clock;
  const RetryPolicy policy(Options(milliseconds(25), milliseconds(20'000)), &clock, 7);
  const Error error = ServiceError(500, "InternalServerError");
  for (int retry = 1; retry <= 14; ++retry) {
    SCOPED_TRACE(retry);
    const nanoseconds ceiling =
        std::min<nanoseconds>(milliseconds(25) * (int64_t{1} << (retry - 1)), seconds(20));
    const nanoseconds max = MaxBackoff(policy, retry, error, ceiling);
    // Full jitter spreads over the whole range: across 400 draws some come near the top.
    EXPECT_GT(max, ceiling * 3 / 4);
  }
}

TEST(BackoffTest, JitterReachesLowValues) {
  FakeClock clock;
  const RetryPolicy policy(Options(milliseconds(1000), milliseconds(1000)), &clock, 3);
  const Error error = ServiceError(500, "");
  nanoseconds min = seconds(10);
  for (int i = 0; i < 400; ++i) min = std::min(min, policy.Backoff(1, error));
  EXPECT_LT(min, milliseconds(100));  // full jitter, not "equal jitter"
}

TEST(BackoffTest, ThrottlesUseLargerBase) {
  FakeClock clock;
  const RetryPolicy policy(Options(milliseconds(25), milliseconds(20'000), 4), &clock, 11);
  const Error throttle = ServiceError(400, "ProvisionedThroughputExceededException");
  // Retry 1: ceiling 4 * 25 ms; retry 3: 4 * 25 * 4 ms.
  EXPECT_GT(MaxBackoff(policy, 1, throttle, milliseconds(100)), milliseconds(75));
  EXPECT_GT(MaxBackoff(policy, 3, throttle, milliseconds(400)), milliseconds(300));
  // Not a throttle: the plain base.
  MaxBackoff(policy, 1, ServiceError(500, ""), milliseconds(25));
}

TEST(BackoffTest, ThrottleMultiplierBelowOneIsIgnored) {
  FakeClock clock;
  const RetryPolicy policy(Options(milliseconds(25), milliseconds(20'000), 0), &clock, 1);
  MaxBackoff(policy, 1, ServiceError(429, ""), milliseconds(25));
}

TEST(BackoffTest, RetryAfterIsAFloor) {
  FakeClock clock;
  const RetryPolicy policy(Options(milliseconds(25), milliseconds(20'000)), &clock, 5);
  Error error = ServiceError(503, "ServiceUnavailable");
  error.retry_after = milliseconds(3000);
  for (int retry : {1, 2, 5, 20}) {
    for (int i = 0; i < 50; ++i) {
      const nanoseconds wait = policy.Backoff(retry, error);
      EXPECT_GE(wait, milliseconds(3000));
      EXPECT_LE(wait, milliseconds(20'000));
    }
  }
  // Retry-After wins even above the cap: the service said so.
  error.retry_after = milliseconds(60'000);
  EXPECT_EQ(policy.Backoff(1, error), milliseconds(60'000));
  // Up to a limit.
  error.retry_after = seconds(86'400);
  EXPECT_EQ(policy.Backoff(1, error), RetryOptions{}.max_retry_after);
}

TEST(BackoffTest, NoOverflowAtHugeRetryNumbers) {
  FakeClock clock;
  const RetryPolicy policy(Options(milliseconds(25), milliseconds(20'000)), &clock, 9);
  for (const Error& error : {ServiceError(500, ""), ServiceError(400, "ThrottlingException")}) {
    for (int retry : {30, 62, 63, 64, 65, 100, 1000, 1'000'000}) {
      SCOPED_TRACE(retry);
      const nanoseconds max = MaxBackoff(policy, retry, error, seconds(20), 100);
      EXPECT_GT(max, seconds(10));
    }
  }
}

TEST(BackoffTest, ZeroBaseMeansNoWait) {
  FakeClock clock;
  const RetryPolicy policy(Options(milliseconds(0), milliseconds(20'000)), &clock);
  EXPECT_EQ(policy.Backoff(1000, ServiceError(500, "")), nanoseconds(0));
}

// ---------------------------------------------------------------------------------------------
// RetryState

TEST(RetryStateTest, AttemptBudget) {
  FakeClock clock;
  RetryOptions o;
  o.max_attempts = 3;
  o.throttles_count_toward_attempts = true;
  const RetryPolicy policy(o, &clock);
  RetryState state(policy);
  const Error error = ServiceError(400, "ThrottlingException");
  EXPECT_EQ(state.attempts(), 1);
  ASSERT_TRUE(state.ShouldRetry(error));
  state.Wait(error);
  EXPECT_EQ(state.attempts(), 2);
  ASSERT_TRUE(state.ShouldRetry(error));
  state.Wait(error);
  EXPECT_EQ(state.attempts(), 3);
  EXPECT_FALSE(state.ShouldRetry(error));
  EXPECT_EQ(state.throttles(), 2);
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

TEST(RetryStateTest, ThrottlesAreBoundedByTimeNotAttemptsByDefault) {
  FakeClock clock;
  RetryOptions o;
  o.max_attempts = 3;
  o.max_elapsed = std::chrono::seconds(60);
  const RetryPolicy policy(o, &clock);
  RetryState state(policy);
  const Error throttle = ServiceError(400, "ProvisionedThroughputExceededException");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(state.ShouldRetry(throttle)) << i;
    state.Wait(throttle);
  }
  // A non-throttle error has the attempt budget the throttles did not use.
  const Error error = ServiceError(500, "InternalServerError");
  ASSERT_TRUE(state.ShouldRetry(error));
  state.Wait(error);
  ASSERT_TRUE(state.ShouldRetry(error));
  state.Wait(error);
  EXPECT_FALSE(state.ShouldRetry(error));  // three attempts failed with it
  // And throttles stop once the time budget is spent.
  clock.Advance(std::chrono::seconds(61));
  EXPECT_FALSE(state.ShouldRetry(throttle));
}

TEST(RetryStateTest, SingleAttemptNeverRetries) {
  FakeClock clock;
  RetryOptions o;
  o.max_attempts = 1;
  const RetryPolicy policy(o, &clock);
  RetryState state(policy);
  EXPECT_FALSE(state.ShouldRetry(ServiceError(500, "")));
}

TEST(RetryStateTest, FinalErrorsAreNeverRetried) {
  FakeClock clock;
  const RetryPolicy policy(RetryOptions{}, &clock);
  RetryState state(policy);
  EXPECT_FALSE(state.ShouldRetry(ServiceError(400, "ValidationException")));
  EXPECT_FALSE(state.ShouldRetry(Error::Make(ErrorKind::kInvalidInput, "x")));
}

TEST(RetryStateTest, ElapsedBudget) {
  FakeClock clock;
  RetryOptions o;
  o.max_attempts = 0;  // unlimited: only time bounds the retries
  o.max_elapsed = milliseconds(1000);
  const RetryPolicy policy(o, &clock);
  RetryState state(policy);
  const Error error = ServiceError(500, "");
  EXPECT_TRUE(state.ShouldRetry(error));
  clock.Advance(milliseconds(999));
  EXPECT_TRUE(state.ShouldRetry(error));
  clock.Advance(milliseconds(1));
  EXPECT_FALSE(state.ShouldRetry(error));
}

TEST(RetryStateTest, ElapsedBudgetCountsTheWaits) {
  FakeClock clock;
  RetryOptions o;
  o.max_attempts = 0;
  o.max_elapsed = milliseconds(1000);
  o.max_delay = milliseconds(100);
  const RetryPolicy policy(o, &clock);
  RetryState state(policy);
  Error error = ServiceError(503, "");
  error.retry_after = milliseconds(400);  // every wait is exactly 400 ms
  int waits = 0;
  while (state.ShouldRetry(error)) {
    state.Wait(error);
    ++waits;
    ASSERT_LT(waits, 100);
  }
  // Retries are granted after the attempts at 0, 400 and 800 ms; after the one at 1200 ms the
  // budget is spent.
  EXPECT_EQ(waits, 3);
  EXPECT_EQ(state.attempts(), 4);
  EXPECT_EQ(clock.sleeps(), std::vector<nanoseconds>(3, milliseconds(400)));
}

TEST(RetryStateTest, UnlimitedBudgetKeepsGoing) {
  FakeClock clock;
  RetryOptions o;
  o.max_attempts = 0;
  o.max_elapsed = milliseconds(0);
  const RetryPolicy policy(o, &clock);
  RetryState state(policy);
  const Error error = ServiceError(500, "");
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(state.ShouldRetry(error));
    state.Wait(error);
  }
  EXPECT_EQ(state.attempts(), 501);
}

// The outage window: past max_attempts, transient errors go on being retried for a while, but
// only once the service has answered.
RetryOptions WindowOptions() {
  RetryOptions o;
  o.max_attempts = 3;
  o.outage_window = seconds(60);
  return o;
}

TEST(RetryStateTest, OutageWindowNeedsAServiceThatAnsweredBefore) {
  FakeClock clock;
  const RetryPolicy policy(WindowOptions(), &clock);
  const Error reset = Error::Make(ErrorKind::kTransport, "connection reset");
  RetryState unknown(policy);  // no `answered` at all
  unknown.Wait(reset);
  unknown.Wait(reset);
  EXPECT_FALSE(unknown.InOutageWindow(reset));
  EXPECT_FALSE(unknown.ShouldRetry(reset));
  const std::atomic<bool> never{false};
  RetryState state(policy, &never);
  state.Wait(reset);
  state.Wait(reset);
  EXPECT_FALSE(state.ShouldRetry(reset));
}

TEST(RetryStateTest, OutageWindowRetriesTransientErrorsUntilItCloses) {
  FakeClock clock;
  const RetryPolicy policy(WindowOptions(), &clock);
  const std::atomic<bool> answered{true};
  const auto start = clock.SteadyNow();
  RetryState state(policy, &answered);
  const Error unavailable = ServiceError(503, "ServiceUnavailable");
  state.Wait(unavailable);
  EXPECT_FALSE(state.InOutageWindow(unavailable));  // attempts left: not the window's doing
  state.Wait(unavailable);
  ASSERT_EQ(state.attempts(), 3);
  EXPECT_TRUE(state.InOutageWindow(unavailable));
  EXPECT_TRUE(state.ShouldRetry(unavailable));
  // Final errors stay final, and the window is counted from the first attempt, waits included.
  EXPECT_FALSE(state.ShouldRetry(ServiceError(400, "ValidationException")));
  clock.Advance(start + seconds(60) - milliseconds(1) - clock.SteadyNow());
  EXPECT_TRUE(state.ShouldRetry(unavailable));
  clock.Advance(milliseconds(1));
  EXPECT_FALSE(state.InOutageWindow(unavailable));
  EXPECT_FALSE(state.ShouldRetry(unavailable));
  // Progress opens it again.
  state.NoteProgress();
  EXPECT_TRUE(state.ShouldRetry(unavailable));
}

TEST(RetryStateTest, OutageWindowIsCountedFromTheLastThrottle) {
  FakeClock clock;
  RetryOptions o = WindowOptions();
  o.max_delay = seconds(1);  // waits that never fill the window by themselves
  const RetryPolicy policy(o, &clock);
  const std::atomic<bool> answered{true};
  RetryState state(policy, &answered);
  const Error throttle = ServiceError(400, "ThrottlingException");
  const Error unavailable = ServiceError(503, "ServiceUnavailable");
  // Throttled for longer than the window: the 5xx that follows still has its attempts and the
  // whole window.
  for (int i = 0; i < 40; ++i) {
    clock.Advance(seconds(10));
    state.Wait(throttle);
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(state.ShouldRetry(unavailable)) << i;
    EXPECT_FALSE(state.InOutageWindow(unavailable)) << i;
    state.Wait(unavailable);
  }
  EXPECT_TRUE(state.InOutageWindow(unavailable));
  clock.Advance(seconds(60));
  EXPECT_FALSE(state.ShouldRetry(unavailable));
}

TEST(RetryStateTest, AWaitGrantedOnlyByTheWindowEndsWithIt) {
  FakeClock clock;
  const RetryPolicy policy(WindowOptions(), &clock);
  const std::atomic<bool> answered{true};
  const auto start = clock.SteadyNow();
  RetryState state(policy, &answered);
  Error unavailable = ServiceError(503, "ServiceUnavailable");
  unavailable.retry_after = seconds(300);
  state.Wait(unavailable);  // attempts left: the whole Retry-After
  EXPECT_GE(clock.SteadyNow() - start, seconds(300));
  // A fresh state, out of attempts at 59 s into its window: it sleeps the second left, not 300.
  RetryState late(policy, &answered);
  const Error reset = Error::Make(ErrorKind::kTransport, "connection reset");
  late.Wait(reset);
  late.Wait(reset);
  clock.Advance(late.window_started() + seconds(59) - clock.SteadyNow());
  ASSERT_TRUE(late.ShouldRetry(unavailable));
  const auto before = clock.SteadyNow();
  late.Wait(unavailable);
  EXPECT_EQ(clock.SteadyNow() - before, seconds(1));
  EXPECT_FALSE(late.ShouldRetry(unavailable));
}

TEST(RetryStateTest, AThrottleOpensTheWindowOnceItsWaitIsOver) {
  FakeClock clock;
  const RetryPolicy policy(WindowOptions(), &clock);
  const std::atomic<bool> answered{true};
  RetryState state(policy, &answered);
  const Error unavailable = ServiceError(503, "ServiceUnavailable");
  state.Wait(unavailable);
  state.Wait(unavailable);
  // Out of attempts; a throttle asks for two minutes, longer than the window.
  Error throttle = ServiceError(400, "ThrottlingException");
  throttle.retry_after = seconds(120);
  ASSERT_TRUE(state.ShouldRetry(throttle));
  state.Wait(throttle);
  EXPECT_TRUE(state.InOutageWindow(unavailable));
  EXPECT_EQ(state.window_started(), clock.SteadyNow());
}

TEST(RetryStateTest, AWaitMayBeCutShortToRetryAtOnce) {
  FakeClock clock;
  const RetryPolicy policy(RetryOptions{}, &clock);
  Error error = ServiceError(503, "ServiceUnavailable");
  error.retry_after = seconds(30);
  RetryState state(policy);
  int asked = 0;
  EXPECT_TRUE(state.WaitUnless(
      error, [&] { return ++asked == 3 ? RetryState::Cut::kRetryNow : RetryState::Cut::kWaitOn; }));
  EXPECT_EQ(clock.sleeps().size(), 2u);
  EXPECT_EQ(state.attempts(), 2);
}

TEST(RetryStateTest, OutageWindowLeavesThrottlesCountedAttemptsAlone) {
  FakeClock clock;
  RetryOptions o = WindowOptions();
  o.throttles_count_toward_attempts = true;
  const RetryPolicy policy(o, &clock);
  const std::atomic<bool> answered{true};
  RetryState state(policy, &answered);
  const Error throttle = ServiceError(400, "ThrottlingException");
  state.Wait(throttle);
  state.Wait(throttle);
  EXPECT_FALSE(state.InOutageWindow(throttle));
  EXPECT_FALSE(state.ShouldRetry(throttle));
  // Without a window, a service that answered still gets max_attempts only.
  const RetryPolicy attempts_only(RetryOptions{.max_attempts = 3}, &clock);
  RetryState other(attempts_only, &answered);
  const Error error = ServiceError(500, "InternalServerError");
  other.Wait(error);
  other.Wait(error);
  EXPECT_FALSE(other.ShouldRetry(error));
}

TEST(RetryStateTest, AWaitThatMayBeStoppedPollsAndEndsEarly) {
  FakeClock clock;
  const RetryPolicy policy(RetryOptions{}, &clock);
  Error error = ServiceError(400, "ThrottlingException");
  error.retry_after = seconds(2);  // the wait is at least 2 s
  RetryState state(policy);
  int asked = 0;
  EXPECT_FALSE(state.WaitUnlessStopped(error, [&] { return ++asked == 4; }));
  // Three slices of the poll interval were slept before the fourth question said stop.
  ASSERT_EQ(clock.sleeps().size(), 3u);
  for (nanoseconds slept : clock.sleeps()) EXPECT_EQ(slept, RetryState::kStopPollInterval);
  EXPECT_EQ(state.attempts(), 2);
  EXPECT_EQ(state.throttles(), 1);

  // Never stopped: the whole wait is slept, in slices.
  RetryState other(policy);
  const auto before = clock.SteadyNow();
  EXPECT_TRUE(other.WaitUnlessStopped(error, [] { return false; }));
  EXPECT_GE(clock.SteadyNow() - before, seconds(2));
}

TEST(RetryStateTest, BackoffGrowsThenNoteProgressResetsIt) {
  FakeClock clock;
  RetryOptions o;
  o.max_attempts = 0;
  o.max_elapsed = milliseconds(0);
  o.base_delay = milliseconds(10);
  o.max_delay = milliseconds(100'000);
  const RetryPolicy policy(o, &clock, 42);
  const Error error = ServiceError(500, "");
  RetryState state(policy);
  for (int i = 0; i < 8; ++i) state.Wait(error);
  // Each wait respects the ceiling of its retry number: 10 ms * 2^(n-1).
  std::vector<nanoseconds> sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 8u);
  for (size_t i = 0; i < sleeps.size(); ++i) {
    EXPECT_LE(sleeps[i], milliseconds(10) * (int64_t{1} << i)) << i;
  }
  // ... and reaches it: over many states, the longest n-th wait passes the (n-1)-th ceiling.
  std::vector<nanoseconds> longest(8);
  for (int s = 0; s < 200; ++s) {
    FakeClock other_clock;
    const RetryPolicy other(o, &other_clock, 1000 + s);
    RetryState fresh(other);
    for (int i = 0; i < 8; ++i) fresh.Wait(error);
    for (size_t i = 0; i < 8; ++i) longest[i] = std::max(longest[i], other_clock.sleeps()[i]);
  }
  EXPECT_GT(longest[0], milliseconds(5));
  for (size_t i = 1; i < 8; ++i) EXPECT_GT(longest[i], milliseconds(10) * (int64_t{1} << (i - 1)));
  state.NoteProgress();
  for (int i = 0; i < 50; ++i) {
    state.Wait(error);
    state.NoteProgress();
  }
  sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 58u);
  for (size_t i = 8; i < sleeps.size(); ++i) EXPECT_LE(sleeps[i], milliseconds(10)) << i;
  // Progress keeps the attempt count.
  EXPECT_EQ(state.attempts(), 59);
}

// ---------------------------------------------------------------------------------------------
// RunWithRetry

TEST(RunWithRetryTest, StopsOnSuccess) {
  FakeClock clock;
  const RetryPolicy policy(RetryOptions{}, &clock);
  int calls = 0;
  std::vector<std::string> retried;
  Result<int> result = RunWithRetry<int>(
      policy,
      [&]() -> Result<int> {
        ++calls;
        if (calls == 1) return ServiceError(400, "ThrottlingException");
        if (calls == 2) return Error::Make(ErrorKind::kTransport, "reset");
        return 42;
      },
      [&](const Error& e, const RetryState&) {
        retried.push_back(e.code.empty() ? e.message : e.code);
      });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(retried, (std::vector<std::string>{"ThrottlingException", "reset"}));
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

TEST(RunWithRetryTest, FirstSuccessDoesNotSleep) {
  FakeClock clock;
  const RetryPolicy policy(RetryOptions{}, &clock);
  int calls = 0;
  Result<std::string> result = RunWithRetry<std::string>(policy, [&]() -> Result<std::string> {
    ++calls;
    return std::string("ok");
  });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(RunWithRetryTest, StopsOnFinalError) {
  FakeClock clock;
  const RetryPolicy policy(RetryOptions{}, &clock);
  int calls = 0;
  int retries = 0;
  Result<int> result = RunWithRetry<int>(
      policy,
      [&]() -> Result<int> {
        ++calls;
        if (calls == 1) return ServiceError(500, "InternalServerError");
        return ServiceError(400, "ValidationException");
      },
      [&](const Error&, const RetryState&) { ++retries; });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "ValidationException");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(retries, 1);
  EXPECT_EQ(clock.sleeps().size(), 1u);
}

TEST(RunWithRetryTest, ThrottlesAreRetriedForAsLongAsTheyLastByDefault) {
  FakeClock clock;
  const RetryPolicy policy(RetryOptions{}, &clock);
  const auto start = clock.SteadyNow();
  int calls = 0;
  Result<int> result = RunWithRetry<int>(policy, [&]() -> Result<int> {
    // A day of throttling (the waits cap at 20 s, so thousands of attempts), then success.
    if (clock.SteadyNow() - start < std::chrono::hours(24)) {
      ++calls;
      return ServiceError(400, "ProvisionedThroughputExceededException");
    }
    return 7;
  });
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(*result, 7);
  EXPECT_GT(calls, 1000);
}

TEST(RunWithRetryTest, AStopEndsTheWaitAndReturnsTheLastErrorAsCancelled) {
  FakeClock clock;
  const RetryPolicy policy(RetryOptions{}, &clock);
  std::atomic<bool> stop{false};
  int calls = 0;
  Result<int> result = RunWithRetry<int>(
      policy,
      [&]() -> Result<int> {
        if (++calls == 3) stop.store(true);
        Error e = ServiceError(400, "ThrottlingException");
        e.message = "Rate exceeded";
        e.request_id = "R" + std::to_string(calls);
        return e;
      },
      nullptr, RetrySignals{.stop = &stop});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(calls, 3);  // no attempt after the stop
  EXPECT_EQ(result.error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(result.error().code, "ThrottlingException");
  EXPECT_EQ(result.error().request_id, "R3");
  EXPECT_EQ(result.error().message, "stopped while waiting to retry after: Rate exceeded");
}

TEST(RunWithRetryTest, ExhaustionReturnsLastError) {
  FakeClock clock;
  RetryOptions o;
  o.max_attempts = 4;
  const RetryPolicy policy(o, &clock);
  int calls = 0;
  Result<int> result = RunWithRetry<int>(policy, [&]() -> Result<int> {
    ++calls;
    Error e = ServiceError(500, "InternalServerError");
    e.message = "attempt " + std::to_string(calls);
    return e;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(result.error().message, "attempt 4");
  EXPECT_EQ(clock.sleeps().size(), 3u);
}

}  // namespace
}  // namespace ddbm::aws
