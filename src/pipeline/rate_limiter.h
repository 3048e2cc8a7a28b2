// RateLimiter: keeps the capacity units a copy consumes on one table side under what the user
// allowed, fed by DynamoDB's ConsumedCapacity and adaptive to throttling.
//
// A token bucket in capacity units. Callers Acquire an estimate before each request, then Settle
// the estimate against the ConsumedCapacity the answer reported. The bucket may go into debt: a
// request larger than the bucket waits for a full bucket, goes through, and the requests after it
// pay the debt off. Waiting is first come, first served: each Acquire reserves its units at once
// and sleeps (on the Clock) until its turn.
//
// Adaptive mode (on by default): a throttle from the service halves the current rate (never
// below min_fraction of the target), at most once per throttle_window so that a burst of
// throttles from many threads counts once; time without throttles, as reported through
// OnSuccess, brings the rate back toward the target linearly.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>

#include "aws/clock.h"
#include "aws/error.h"

namespace ddbm::pipeline {

struct RateLimiterOptions {
  // The target rate in capacity units per second. 0 (or anything not positive and finite) means
  // unlimited: no limiter at all, Acquire never waits and throttles do not adapt anything (the
  // retry policy's backoff still applies).
  double units_per_second = 0;
  // Bucket capacity, in seconds of the current rate: how much unused allowance may be saved up
  // and spent at once. 0 means no burst: requests are spaced exactly by their size / rate.
  double burst_seconds = 1.0;
  // Cut the rate on throttles and recover it on success.
  bool adaptive = true;
  // The adaptive rate never drops below this fraction of the target. Clamped to [0.001, 1].
  double min_fraction = 0.05;
  // Each counted throttle multiplies the current rate by this. Clamped to [0.05, 1].
  double decrease_factor = 0.5;
  // Fraction of the target regained per second without a counted throttle.
  double recovery_per_second = 0.05;
  // Throttles within this long after a counted one are not counted again.
  std::chrono::milliseconds throttle_window{1000};
  // What ExpectedUnits answers before any request has been settled: the caller's guess for the
  // first requests (for a scan, a page by the table's description; see ScanPageReadUnits). 0
  // lets the first wave of requests go without waiting.
  double first_request_units = 0;
};

// Running totals, for progress lines and summaries.
struct RateLimiterStats {
  double spent_units = 0;              // estimates acquired, corrected by every Settle
  uint64_t acquires = 0;               // calls to Acquire / Reserve
  std::chrono::nanoseconds waited{0};  // sum of the waits Acquire / Reserve imposed
  uint64_t throttles_counted = 0;  // throttles that cut the rate (not those ignored in a window)
};

// Thread-safe: every method may be called from any number of threads at once; many segment or
// writer threads share one limiter per table side. Units are capacity units (RCU or WCU; one
// limiter never mixes them), rates are units per second.
class RateLimiter {
 public:
  // `clock` must outlive the limiter; all time reading and sleeping goes through it.
  RateLimiter(RateLimiterOptions options, aws::Clock* clock);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Blocks (through the clock) until `estimated_units` may be spent, and spends them. A request
  // larger than the bucket waits for a full bucket and then puts the bucket into debt, so it is
  // never starved. Never waits when unlimited.
  void Acquire(double estimated_units);
  // As Acquire, but returns the wait instead of sleeping: the units are spent (reserved) at once
  // and the caller must not send the request before the returned time has passed. For callers
  // that sleep in slices to stay cancellable. Zero when no wait is needed.
  std::chrono::nanoseconds Reserve(double estimated_units);
  // As Acquire, but while it waits it asks `stopped` every kStopPollInterval (on the clock):
  // once true, the units and the wait left go back and it returns false, and the caller must
  // not send the request. Returns true when the units were spent (at once when no wait was
  // needed, whatever `stopped` says). `stopped` is called on the caller's thread.
  bool AcquireUnlessStopped(double estimated_units, const std::function<bool()>& stopped);
  static constexpr std::chrono::milliseconds kStopPollInterval{100};
  // After the answer: corrects the bucket by (actual - estimated), from ConsumedCapacity. A
  // refund never fills the bucket beyond its capacity. Callers whose answer carried no
  // ConsumedCapacity should not call it. Negative or non-finite values count as 0.
  void Settle(double estimated_units, double actual_units);

  // The service throttled a request (e.g. ProvisionedThroughputExceededException). Multiplies
  // the current rate by decrease_factor (floor: min_fraction * target) and forfeits any saved
  // burst, unless a throttle was already counted within throttle_window. No-op when unlimited or
  // not adaptive.
  void OnThrottle();
  // A request succeeded. Raises the current rate by recovery_per_second * target for every
  // second since the last counted throttle or the last raise, up to the target. No-op when
  // unlimited or not adaptive.
  void OnSuccess();

  double current_rate() const;  // units/s now; 0 when unlimited
  double target_rate() const;   // units/s asked for; 0 when unlimited
  bool unlimited() const { return unlimited_; }
  // Units that may be spent now without waiting; negative while in debt. 0 when unlimited.
  double available_units() const;
  RateLimiterStats stats() const;
  // The units the latest settled request actually consumed (options.first_request_units before
  // any): the estimate for a request whose cost is like the others', such as the next Scan page
  // of any segment of one table.
  double ExpectedUnits() const;

 private:
  double CapacityLocked() const { return rate_ * burst_seconds_; }
  void RefillLocked(aws::Clock::SteadyTime now);
  // Gives `units` back to the bucket, never filling it beyond its capacity.
  void RefundLocked(double units);

  aws::Clock* const clock_;
  const bool unlimited_;
  const bool adaptive_;
  const double target_;
  const double burst_seconds_;
  const double floor_;
  const double decrease_factor_;
  const double recovery_per_second_;
  const std::chrono::nanoseconds throttle_window_;

  mutable std::mutex mu_;
  double rate_;                                         // guarded by mu_
  double tokens_;                                       // guarded by mu_; negative while in debt
  aws::Clock::SteadyTime last_refill_;                  // guarded by mu_
  aws::Clock::SteadyTime last_raise_;                   // guarded by mu_
  std::optional<aws::Clock::SteadyTime> last_counted_;  // guarded by mu_
  RateLimiterStats stats_;                              // guarded by mu_
  double expected_units_;                               // guarded by mu_
};

// Read capacity units a Scan or Query page will likely consume: the page's item sizes are summed
// and rounded up to 4 KB once; one RCU per 4 KB for strongly consistent reads, half for eventually
// consistent ones. An empty page still costs one 4 KB unit.
double EstimateReadUnits(size_t bytes, bool consistent_read);
// Read capacity units a BatchGetItem (or a run of GetItem) will likely consume: each item found
// rounded up to 4 KB, at least one unit, and one unit for each of `keys_not_found`; halved for
// eventually consistent reads.
double EstimateItemReadUnits(std::span<const size_t> item_sizes, size_t keys_not_found,
                             bool consistent_read);
// Write capacity units a BatchWriteItem (or a run of PutItem) will likely consume: each item
// rounded up to 1 KB, at least one WCU per item. 0 for no items.
double EstimateWriteUnits(std::span<const size_t> item_sizes);

// `limiter`, or null when it is unlimited: callers pass null for "no limit", as a limiter also
// makes every request ask for ConsumedCapacity (AskConsumedCapacity).
inline RateLimiter* IfLimited(RateLimiter& limiter) {
  return limiter.unlimited() ? nullptr : &limiter;
}

// Whether a request should ask for ReturnConsumedCapacity: when the caller wants the figure, and
// always when a limiter settles its estimates against it. `limiter` may be null.
inline bool AskConsumedCapacity(bool wanted, const RateLimiter* limiter) {
  return wanted || limiter != nullptr;
}

// One batch request paced by a limiter, the same for writes and reads: Acquire spends its
// estimate before it is sent; Finish settles the bucket against what the answer says it consumed,
// then slows the rate when the request was throttled, by a retry inside the client
// (`client_throttles` moved since Acquire) or by items or keys handed back unprocessed, and
// speeds it up after an answer that was not. With a null limiter both do nothing. One object per
// attempt, used by one thread; `client_throttles` must outlive it.
class PacedRequest {
 public:
  PacedRequest(RateLimiter* limiter, const std::atomic<uint64_t>& client_throttles,
               double estimated_units)
      : limiter_(limiter), client_throttles_(client_throttles), estimate_(estimated_units) {}

  // Waits for the limiter; with `stop` (may be null) a wait ends once it reads true, and then
  // returns false: the request must not be sent.
  bool Acquire(const std::atomic<bool>* stop);
  // `answered`: the request got an answer (false: it failed); `consumed_units`: what it consumed
  // (0 when unknown); `unprocessed`: the answer handed some items or keys back.
  void Finish(bool answered, double consumed_units, bool unprocessed);

 private:
  RateLimiter* const limiter_;
  const std::atomic<uint64_t>& client_throttles_;
  const double estimate_;
  uint64_t throttles_before_ = 0;
};

// Resolves a --<prefix>-rate / --<prefix>-percent pair into units per second, given the table's
// provisioned capacity on that side (0 for on-demand). `flag_prefix` is "read" or "write" and only
// shapes the messages. Neither flag set: 0 (unlimited). Errors (kInvalidInput): both set; a rate
// that is not positive and finite; a percent outside (0, 100]; a percent on an on-demand table.
aws::Result<double> ResolveRate(std::optional<double> rate, std::optional<double> percent,
                                int64_t provisioned_units, std::string_view flag_prefix);

}  // namespace ddbm::pipeline
