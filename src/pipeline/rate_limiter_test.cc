// The rate limiter: steady rates, debt, settling, adaptation to throttles, and the estimate and
// flag helpers. Time is a FakeClock throughout; nothing here really sleeps.
#include "pipeline/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "testing/fake_clock.h"

namespace ddbm::pipeline {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::FakeClock;

RateLimiterOptions Fixed(double rate, double burst_seconds = 1.0) {
  RateLimiterOptions options;
  options.units_per_second = rate;
  options.burst_seconds = burst_seconds;
  options.adaptive = false;
  return options;
}

RateLimiterOptions Adaptive(double rate) {
  RateLimiterOptions options;
  options.units_per_second = rate;
  return options;
}

nanoseconds Sum(const std::vector<nanoseconds>& sleeps) {
  nanoseconds total{0};
  for (const nanoseconds s : sleeps) total += s;
  return total;
}

double SecondsOf(nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// ---------------------------------------------------------------------------------------------
// Steady rate

TEST(RateLimiterTest, HoldsAFixedRateOverAMinute) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  const auto start = clock.SteadyNow();
  double spent = 0;
  while (clock.SteadyNow() - start < seconds(60)) {
    limiter.Acquire(10);
    spent += 10;
  }
  // A full bucket (100 units) at once, then 100 units every second.
  EXPECT_GE(spent, 6090);
  EXPECT_LE(spent, 6110);

  const std::vector<nanoseconds> sleeps = clock.sleeps();
  EXPECT_EQ(Sum(sleeps), clock.SteadyNow() - start);
  EXPECT_NEAR(SecondsOf(Sum(sleeps)), 60.0, 0.1);
  EXPECT_NEAR(static_cast<double>(sleeps.size()), 600, 1);
  for (const nanoseconds s : sleeps) {
    EXPECT_GE(s, milliseconds(99));
    EXPECT_LE(s, milliseconds(101));
  }
  const RateLimiterStats stats = limiter.stats();
  EXPECT_EQ(stats.waited, Sum(sleeps));
  EXPECT_DOUBLE_EQ(stats.spent_units, spent);
  EXPECT_EQ(stats.acquires, static_cast<uint64_t>(spent / 10));
}

TEST(RateLimiterTest, MixedRequestSizesAverageOut) {
  FakeClock clock;
  RateLimiter limiter(Fixed(50, 2.0), &clock);
  const auto start = clock.SteadyNow();
  double spent = 0;
  const double sizes[] = {3, 17, 0.5, 40, 9};
  for (int i = 0; clock.SteadyNow() - start < seconds(60); ++i) {
    const double units = sizes[i % 5];
    limiter.Acquire(units);
    spent += units;
  }
  // 100 units of burst, then 50 units a second; the last request may overshoot by its size.
  EXPECT_GE(spent, 100 + 3000 - 40);
  EXPECT_LE(spent, 100 + 3000 + 40);
  EXPECT_EQ(Sum(clock.sleeps()), clock.SteadyNow() - start);
}

TEST(RateLimiterTest, IdleTimeRefillsOnlyUpToTheBurst) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100, 2.0), &clock);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 200);
  limiter.Acquire(200);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 0);
  clock.Advance(milliseconds(500));
  EXPECT_NEAR(limiter.available_units(), 50, 1e-9);
  clock.Advance(seconds(3600));
  EXPECT_DOUBLE_EQ(limiter.available_units(), 200);
  limiter.Acquire(200);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(RateLimiterTest, ZeroBurstSpacesRequestsBySize) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100, 0.0), &clock);
  limiter.Acquire(10);  // nothing owed yet: goes at once, 10 units in debt
  limiter.Acquire(10);
  limiter.Acquire(30);
  limiter.Acquire(10);
  const std::vector<nanoseconds> sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 3u);
  EXPECT_NEAR(SecondsOf(sleeps[0]), 0.1, 1e-6);
  EXPECT_NEAR(SecondsOf(sleeps[1]), 0.1, 1e-6);
  EXPECT_NEAR(SecondsOf(sleeps[2]), 0.3, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Debt

TEST(RateLimiterTest, LargeRequestGoesAtOnceAndTheNextPaysTheDebt) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  limiter.Acquire(500);
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_DOUBLE_EQ(limiter.available_units(), -400);

  // Another large request waits for the debt and a full bucket: 5 s.
  limiter.Acquire(500);
  ASSERT_EQ(clock.sleeps().size(), 1u);
  EXPECT_NEAR(SecondsOf(clock.sleeps()[0]), 5.0, 1e-6);
}

TEST(RateLimiterTest, SmallRequestAfterDebtWaitsForDebtAndItsOwnUnits) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  limiter.Acquire(500);
  limiter.Acquire(10);
  ASSERT_EQ(clock.sleeps().size(), 1u);
  EXPECT_NEAR(SecondsOf(clock.sleeps()[0]), 4.1, 1e-6);
}

TEST(RateLimiterTest, LargeRequestWaitsForAFullBucketNotForItsWholeSize) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  limiter.Acquire(100);  // empties the bucket
  limiter.Acquire(500);  // never fits: waits for a full bucket (1 s), not for 5 s
  ASSERT_EQ(clock.sleeps().size(), 1u);
  EXPECT_NEAR(SecondsOf(clock.sleeps()[0]), 1.0, 1e-6);
  EXPECT_NEAR(limiter.available_units(), -400, 1e-6);
}

TEST(RateLimiterTest, ReserveReturnsTheWaitWithoutSleeping) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  EXPECT_EQ(limiter.Reserve(100), nanoseconds::zero());
  EXPECT_EQ(limiter.Reserve(20), milliseconds(200));
  // Reserved units are taken at once: the next caller queues behind.
  EXPECT_EQ(limiter.Reserve(20), milliseconds(400));
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_EQ(limiter.stats().waited, milliseconds(600));
}

TEST(RateLimiterTest, AcquireUnlessStoppedWaitsInSlicesWhileNotStopped) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  auto never = [] { return false; };
  EXPECT_TRUE(limiter.AcquireUnlessStopped(100, never));
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_TRUE(limiter.AcquireUnlessStopped(25, never));  // 250 ms: two full slices and the rest
  EXPECT_EQ(clock.sleeps(),
            (std::vector<nanoseconds>{milliseconds(100), milliseconds(100), milliseconds(50)}));
}

TEST(RateLimiterTest, AcquireUnlessStoppedGivesTheUnitsBackWhenStoppedWhileWaiting) {
  FakeClock clock;
  RateLimiter limiter(Fixed(10), &clock);
  limiter.Acquire(10);
  // A wait for a full bucket (1 s); the stop comes at the third look, after two slices.
  int looks = 0;
  EXPECT_FALSE(limiter.AcquireUnlessStopped(50, [&] { return ++looks > 2; }));
  EXPECT_EQ(clock.sleeps().size(), 2u);
  EXPECT_NEAR(limiter.available_units(), 2, 1e-9);  // 0.2 s of refill, nothing spent
  EXPECT_DOUBLE_EQ(limiter.stats().spent_units, 10);
  EXPECT_EQ(limiter.stats().waited, milliseconds(200));  // only the wait that happened
  // Stopped before it starts: no wait at all, still nothing spent.
  auto always = [] { return true; };
  EXPECT_FALSE(limiter.AcquireUnlessStopped(50, always));
  EXPECT_EQ(clock.sleeps().size(), 2u);
  // A request that needs no wait still goes.
  EXPECT_TRUE(limiter.AcquireUnlessStopped(1, always));
  EXPECT_DOUBLE_EQ(limiter.stats().spent_units, 11);
}

// ---------------------------------------------------------------------------------------------
// Settle

TEST(RateLimiterTest, SettleChargesWhatTheRequestReallyCost) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  limiter.Acquire(50);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 50);
  limiter.Settle(50, 80);  // cost more than estimated
  EXPECT_DOUBLE_EQ(limiter.available_units(), 20);
  limiter.Settle(10, 5);  // cost less
  EXPECT_DOUBLE_EQ(limiter.available_units(), 25);
  limiter.Settle(50, 50);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 25);
  EXPECT_DOUBLE_EQ(limiter.stats().spent_units, 50 + 30 - 5);
}

TEST(RateLimiterTest, ExpectedUnitsStartAtTheFirstGuessAndFollowTheAnswers) {
  FakeClock clock;
  RateLimiterOptions options = Fixed(10);
  options.first_request_units = 30;
  RateLimiter limiter(options, &clock);
  EXPECT_DOUBLE_EQ(limiter.ExpectedUnits(), 30);
  // A first wave of three requests at the guess, before any answer: the bucket holds 10, so the
  // first goes 20 units into debt and the others each wait for that debt and a full bucket (3 s).
  for (int i = 0; i < 3; ++i) limiter.Acquire(limiter.ExpectedUnits());
  EXPECT_DOUBLE_EQ(SecondsOf(Sum(clock.sleeps())), 6.0);
  limiter.Settle(30, 12.5);
  EXPECT_DOUBLE_EQ(limiter.ExpectedUnits(), 12.5);
  limiter.Settle(30, -1);  // nonsense counts as 0
  EXPECT_DOUBLE_EQ(limiter.ExpectedUnits(), 0);
}

TEST(RateLimiterTest, SettleCanPutTheBucketInDebt) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  limiter.Acquire(100);
  limiter.Settle(100, 150);
  EXPECT_DOUBLE_EQ(limiter.available_units(), -50);
  limiter.Acquire(10);
  ASSERT_EQ(clock.sleeps().size(), 1u);
  EXPECT_NEAR(SecondsOf(clock.sleeps()[0]), 0.6, 1e-6);
}

TEST(RateLimiterTest, RefundNeverOverfillsTheBucket) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  limiter.Acquire(30);
  limiter.Settle(30, 0);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 100);
  limiter.Settle(500, 0);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 100);
}

TEST(RateLimiterTest, NonsenseUnitsCountAsZero) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  limiter.Acquire(-5);
  limiter.Acquire(std::numeric_limits<double>::quiet_NaN());
  EXPECT_DOUBLE_EQ(limiter.available_units(), 100);
  limiter.Acquire(40);
  limiter.Settle(40, std::numeric_limits<double>::infinity());  // actual counts as 0: refund 40
  EXPECT_DOUBLE_EQ(limiter.available_units(), 100);
  limiter.Settle(-3, 10);  // estimate counts as 0: charge 10
  EXPECT_DOUBLE_EQ(limiter.available_units(), 90);
  EXPECT_TRUE(clock.sleeps().empty());
}

// ---------------------------------------------------------------------------------------------
// Unlimited

TEST(RateLimiterTest, UnlimitedNeverSleeps) {
  FakeClock clock;
  RateLimiter limiter(Adaptive(0), &clock);
  EXPECT_TRUE(limiter.unlimited());
  for (int i = 0; i < 10000; ++i) {
    limiter.Acquire(1e6);
    limiter.Settle(1e6, 2e6);
  }
  limiter.OnThrottle();
  limiter.OnSuccess();
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_EQ(limiter.Reserve(1e9), nanoseconds::zero());
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 0);
  EXPECT_DOUBLE_EQ(limiter.target_rate(), 0);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 0);
  EXPECT_EQ(limiter.stats().throttles_counted, 0u);
  EXPECT_EQ(limiter.stats().waited, nanoseconds::zero());
}

TEST(RateLimiterTest, NonPositiveOrNonFiniteRatesAreUnlimited) {
  FakeClock clock;
  for (const double rate : {0.0, -10.0, std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::quiet_NaN()}) {
    SCOPED_TRACE(rate);
    RateLimiter limiter(Fixed(rate), &clock);
    EXPECT_TRUE(limiter.unlimited());
    limiter.Acquire(1e9);
  }
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_FALSE(RateLimiter(Fixed(0.01), &clock).unlimited());
}

// ---------------------------------------------------------------------------------------------
// Adaptation

TEST(RateLimiterTest, ThrottleHalvesTheRateDownToTheFloor) {
  FakeClock clock;
  RateLimiterOptions options = Adaptive(100);
  options.min_fraction = 0.2;
  RateLimiter limiter(options, &clock);
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 100);

  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 50);
  clock.Advance(seconds(1));
  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 25);
  clock.Advance(seconds(1));
  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 20);  // not 12.5
  clock.Advance(seconds(1));
  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 20);
  EXPECT_DOUBLE_EQ(limiter.target_rate(), 100);
  EXPECT_EQ(limiter.stats().throttles_counted, 4u);
}

TEST(RateLimiterTest, ThrottlesWithinOneWindowCountOnce) {
  FakeClock clock;
  RateLimiter limiter(Adaptive(100), &clock);
  limiter.OnThrottle();
  limiter.OnThrottle();
  clock.Advance(milliseconds(500));
  limiter.OnThrottle();
  clock.Advance(milliseconds(499));
  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 50);
  EXPECT_EQ(limiter.stats().throttles_counted, 1u);
  clock.Advance(milliseconds(1));  // one window after the counted throttle
  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 25);
  EXPECT_EQ(limiter.stats().throttles_counted, 2u);
}

TEST(RateLimiterTest, ThrottlesFromManyThreadsAtOnceCountOnce) {
  FakeClock clock;
  RateLimiter limiter(Adaptive(100), &clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) limiter.OnThrottle();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 50);
  EXPECT_EQ(limiter.stats().throttles_counted, 1u);
}

TEST(RateLimiterTest, ThrottleForfeitsSavedBurstAndShrinksTheBucket) {
  FakeClock clock;
  RateLimiter limiter(Adaptive(100), &clock);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 100);
  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.available_units(), 0);
  limiter.Acquire(10);  // at 50 units/s
  ASSERT_EQ(clock.sleeps().size(), 1u);
  EXPECT_NEAR(SecondsOf(clock.sleeps()[0]), 0.2, 1e-6);
  clock.Advance(seconds(600));
  EXPECT_DOUBLE_EQ(limiter.available_units(), 50);  // one second of the current rate
}

TEST(RateLimiterTest, ThrottleKeepsDebt) {
  FakeClock clock;
  RateLimiter limiter(Adaptive(100), &clock);
  limiter.Acquire(300);
  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.available_units(), -200);
  limiter.Acquire(10);  // 210 units at 50 units/s
  ASSERT_EQ(clock.sleeps().size(), 1u);
  EXPECT_NEAR(SecondsOf(clock.sleeps()[0]), 4.2, 1e-6);
}

TEST(RateLimiterTest, SuccessRecoversToTheTargetAndNoFurther) {
  FakeClock clock;
  RateLimiter limiter(Adaptive(100), &clock);
  limiter.OnSuccess();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 100);

  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 50);
  limiter.OnSuccess();  // no time has passed since the throttle
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 50);
  clock.Advance(seconds(1));
  limiter.OnSuccess();
  EXPECT_NEAR(limiter.current_rate(), 55, 1e-9);  // +5% of the target per second
  clock.Advance(milliseconds(500));
  limiter.OnSuccess();
  clock.Advance(milliseconds(1500));
  limiter.OnSuccess();
  EXPECT_NEAR(limiter.current_rate(), 65, 1e-9);
  clock.Advance(seconds(6));
  limiter.OnSuccess();
  EXPECT_NEAR(limiter.current_rate(), 95, 1e-9);
  clock.Advance(seconds(100));
  limiter.OnSuccess();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 100);
  clock.Advance(seconds(100));
  limiter.OnSuccess();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 100);
}

TEST(RateLimiterTest, TimeAtTheTargetIsNotBankedForLaterRecovery) {
  FakeClock clock;
  RateLimiter limiter(Adaptive(100), &clock);
  clock.Advance(seconds(3600));
  limiter.OnThrottle();
  limiter.OnSuccess();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 50);
}

TEST(RateLimiterTest, RecoveredRateRefillsFaster) {
  FakeClock clock;
  RateLimiter limiter(Adaptive(100), &clock);
  limiter.OnThrottle();  // 50 units/s, empty bucket
  clock.Advance(seconds(10));
  limiter.OnSuccess();  // the 10 s refilled at 50 units/s; now back at 100 units/s
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 100);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 50);
  clock.Advance(milliseconds(250));
  EXPECT_NEAR(limiter.available_units(), 75, 1e-9);
}

TEST(RateLimiterTest, NotAdaptiveIgnoresThrottles) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  limiter.OnThrottle();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 100);
  EXPECT_DOUBLE_EQ(limiter.available_units(), 100);
  EXPECT_EQ(limiter.stats().throttles_counted, 0u);
}

// ---------------------------------------------------------------------------------------------
// Threads

TEST(RateLimiterTest, ConcurrentSpendingLosesNoUpdates) {
  FakeClock clock;
  // A bucket large enough that nobody waits: the clock never moves, so the balance is exact.
  RateLimiter limiter(Fixed(1e6), &clock);
  constexpr int kThreads = 4;
  constexpr int kRounds = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        limiter.Acquire(1);
        limiter.Settle(1, 2);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_DOUBLE_EQ(limiter.available_units(), 1e6 - 2.0 * kThreads * kRounds);
  const RateLimiterStats stats = limiter.stats();
  EXPECT_DOUBLE_EQ(stats.spent_units, 2.0 * kThreads * kRounds);
  EXPECT_EQ(stats.acquires, static_cast<uint64_t>(kThreads * kRounds));
}

TEST(RateLimiterTest, ConcurrentWaitersShareTheRate) {
  FakeClock clock;
  RateLimiter limiter(Fixed(100), &clock);
  const auto start = clock.SteadyNow();
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) limiter.Acquire(10);
    });
  }
  for (std::thread& t : threads) t.join();

  // Concurrent FakeClock sleeps add up, so elapsed time depends on the interleaving; the totals
  // and the invariants below do not.
  const RateLimiterStats stats = limiter.stats();
  const nanoseconds elapsed = clock.SteadyNow() - start;
  EXPECT_DOUBLE_EQ(stats.spent_units, 2000);
  EXPECT_EQ(stats.acquires, static_cast<uint64_t>(kThreads * kRounds));
  EXPECT_EQ(stats.waited, Sum(clock.sleeps()));
  EXPECT_EQ(elapsed, Sum(clock.sleeps()));
  // Never more than the burst plus the rate over the time that passed ...
  EXPECT_GE(SecondsOf(elapsed), (2000.0 - 100.0) / 100.0 - 1e-6);
  EXPECT_GE(limiter.available_units(), -1e-6);
  EXPECT_LE(limiter.available_units(), 100);
  // ... and no waiter queues behind more than the other three threads' requests.
  EXPECT_LE(SecondsOf(elapsed), kThreads * kRounds * 0.4 + 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Estimates

TEST(EstimateReadUnitsTest, RoundsUpTo4KBAndHalvesEventualReads) {
  EXPECT_DOUBLE_EQ(EstimateReadUnits(0, false), 0.5);
  EXPECT_DOUBLE_EQ(EstimateReadUnits(0, true), 1);
  EXPECT_DOUBLE_EQ(EstimateReadUnits(1, true), 1);
  EXPECT_DOUBLE_EQ(EstimateReadUnits(4096, true), 1);
  EXPECT_DOUBLE_EQ(EstimateReadUnits(4096, false), 0.5);
  EXPECT_DOUBLE_EQ(EstimateReadUnits(4097, true), 2);
  EXPECT_DOUBLE_EQ(EstimateReadUnits(4097, false), 1);
  EXPECT_DOUBLE_EQ(EstimateReadUnits(1 << 20, false), 128);  // a full 1 MB Scan page
  EXPECT_DOUBLE_EQ(EstimateReadUnits(1 << 20, true), 256);
}

TEST(EstimateItemReadUnitsTest, RoundsEachItemUpTo4KBAndCountsKeysNotFound) {
  EXPECT_DOUBLE_EQ(EstimateItemReadUnits({}, 0, true), 0);
  EXPECT_DOUBLE_EQ(EstimateItemReadUnits({}, 3, true), 3);
  EXPECT_DOUBLE_EQ(EstimateItemReadUnits({}, 3, false), 1.5);
  const std::vector<size_t> sizes = {0, 100, 4096, 4097, 400000};
  EXPECT_DOUBLE_EQ(EstimateItemReadUnits(sizes, 0, true), 1 + 1 + 1 + 2 + 98);
  EXPECT_DOUBLE_EQ(EstimateItemReadUnits(sizes, 2, false), (1 + 1 + 1 + 2 + 98 + 2) * 0.5);
}

TEST(EstimateWriteUnitsTest, RoundsEachItemUpTo1KB) {
  EXPECT_DOUBLE_EQ(EstimateWriteUnits({}), 0);
  const std::vector<size_t> tiny = {0, 1};
  EXPECT_DOUBLE_EQ(EstimateWriteUnits(tiny), 2);
  const std::vector<size_t> edges = {1024, 1025};
  EXPECT_DOUBLE_EQ(EstimateWriteUnits(edges), 1 + 2);
  const std::vector<size_t> mixed = {100, 2048, 400000};
  EXPECT_DOUBLE_EQ(EstimateWriteUnits(mixed), 1 + 2 + 391);
  const std::vector<size_t> batch(25, 300);
  EXPECT_DOUBLE_EQ(EstimateWriteUnits(batch), 25);
}

// ---------------------------------------------------------------------------------------------
// ResolveRate

TEST(ResolveRateTest, NeitherFlagMeansUnlimited) {
  auto r = ResolveRate(std::nullopt, std::nullopt, 1000, "read");
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(*r, 0);
}

TEST(ResolveRateTest, RateIsTakenAsGivenOnAnyTable) {
  auto provisioned = ResolveRate(250, std::nullopt, 1000, "read");
  ASSERT_TRUE(provisioned.ok());
  EXPECT_DOUBLE_EQ(*provisioned, 250);
  auto on_demand = ResolveRate(0.5, std::nullopt, 0, "write");
  ASSERT_TRUE(on_demand.ok());
  EXPECT_DOUBLE_EQ(*on_demand, 0.5);
}

TEST(ResolveRateTest, PercentIsOfTheProvisionedCapacity) {
  auto half = ResolveRate(std::nullopt, 50, 1000, "read");
  ASSERT_TRUE(half.ok());
  EXPECT_DOUBLE_EQ(*half, 500);
  auto all = ResolveRate(std::nullopt, 100, 40, "write");
  ASSERT_TRUE(all.ok());
  EXPECT_DOUBLE_EQ(*all, 40);
  auto fraction = ResolveRate(std::nullopt, 12.5, 40, "write");
  ASSERT_TRUE(fraction.ok());
  EXPECT_DOUBLE_EQ(*fraction, 5);
}

TEST(ResolveRateTest, PercentOnAnOnDemandTableIsAnError) {
  auto read = ResolveRate(std::nullopt, 50, 0, "read");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_EQ(read.error().message,
            "--read-percent needs a provisioned table; use --read-rate for on-demand tables");
  auto write = ResolveRate(std::nullopt, 50, 0, "write");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().message,
            "--write-percent needs a provisioned table; use --write-rate for on-demand tables");
}

TEST(ResolveRateTest, BothFlagsAreAnError) {
  auto r = ResolveRate(100, 50, 1000, "read");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_EQ(r.error().message, "--read-rate and --read-percent cannot be used together");
}

TEST(ResolveRateTest, BadRatesAreErrors) {
  for (const double rate : {0.0, -1.0, std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::quiet_NaN()}) {
    SCOPED_TRACE(rate);
    auto r = ResolveRate(rate, std::nullopt, 1000, "write");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, aws::ErrorKind::kInvalidInput);
    EXPECT_EQ(r.error().message.rfind("--write-rate must be a positive number", 0), 0u)
        << r.error().message;
  }
  auto negative = ResolveRate(-2.5, std::nullopt, 1000, "write");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().message,
            "--write-rate must be a positive number of capacity units per second (got -2.5)");
}

TEST(ResolveRateTest, BadPercentsAreErrors) {
  for (const double percent : {0.0, -5.0, 100.5, 150.0, std::numeric_limits<double>::quiet_NaN()}) {
    SCOPED_TRACE(percent);
    auto r = ResolveRate(std::nullopt, percent, 1000, "read");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, aws::ErrorKind::kInvalidInput);
    EXPECT_EQ(r.error().message.rfind("--read-percent must be more than 0 and at most 100", 0), 0u)
        << r.error().message;
  }
  auto over = ResolveRate(std::nullopt, 150, 1000, "read");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message, "--read-percent must be more than 0 and at most 100 (got 150)");
}

}  // namespace
}  // namespace ddbm::pipeline
