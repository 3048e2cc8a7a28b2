// Parallel scan, written once: ScanSegment reads one segment's pages under a rate limit,
// ForEachSegment spreads segments over threads, and ParallelScan combines the two for callers
// that only need every page of a table.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "aws/error.h"
#include "dynamodb/client.h"
#include "pipeline/rate_limiter.h"

namespace ddbm::pipeline {

// Updated as pages arrive; safe to read from any thread at any time.
struct ScanCounters {
  std::atomic<uint64_t> items{0};
  std::atomic<uint64_t> pages{0};
  std::atomic<double> read_capacity{0};
};

// Reads the segment `request` names (its segment, start key and ReturnConsumedCapacity are the
// caller's, except that under a `limiter` with a rate every Scan asks: the limiter settles its
// estimates against the figure) page after page, each within `limiter`'s budget (null or a
// limiter without a rate: unlimited), counts it
// in `counters`, then hands it to `on_page`. The page (and the item slices in it) is valid only
// during the call; its `body` may be kept. `stopping` is polled before each page and while a
// page waits for the limiter: once it returns true the call returns Ok (so it does when a
// stop cut a Scan's retries short). Returns the first error of a Scan or of `on_page`.
aws::Status ScanSegment(const dynamodb::DynamoDbClient& client, dynamodb::ScanRequest request,
                        RateLimiter* limiter, const std::function<bool()>& stopping,
                        ScanCounters* counters,
                        const std::function<aws::Status(const dynamodb::ItemPage&)>& on_page);

// The first error of several segment threads, and whether there was one. Thread-safe.
class FirstError {
 public:
  void Record(aws::Error error) {
    std::lock_guard lock(mu_);
    if (!error_) error_ = std::move(error);
    failed_.store(true);
  }
  bool failed() const { return failed_.load(); }
  // The error recorded first, if any; call once every thread is done.
  std::optional<aws::Error>& error() { return error_; }

 private:
  std::mutex mu_;
  std::optional<aws::Error> error_;  // guarded by mu_
  std::atomic<bool> failed_{false};
};

// Calls `read_segment` once for each of `segments`, taken in order by at most `parallelism`
// threads; a thread takes no further segment once `read_segment` returns false. Returns when
// every thread has finished.
void ForEachSegment(const std::vector<int>& segments, int parallelism,
                    const std::function<bool(int segment)>& read_segment);

// When a scan ends early: once either of two flags reads true (a null flag never does). Built
// implicitly from one flag, a run's stop (Ctrl-C); scans that run side by side add a flag they
// share, which each sets when it fails, so that the others do not read on for nothing. Cheap to
// copy; the flags must outlive it.
class ScanStop {
 public:
  ScanStop(const std::atomic<bool>* flag = nullptr) : first_(flag) {}  // NOLINT(runtime/explicit)
  ScanStop(const std::atomic<bool>* first, const std::atomic<bool>* second)
      : first_(first), second_(second) {}
  bool stopped() const {
    return (first_ != nullptr && first_->load()) || (second_ != nullptr && second_->load());
  }

 private:
  const std::atomic<bool>* first_ = nullptr;
  const std::atomic<bool>* second_ = nullptr;
};

// Called from the segment's thread, concurrently for different segments, with the page valid
// only during the call. A non-ok Status stops the whole scan.
using PageHandler = std::function<aws::Status(int segment, const dynamodb::ItemPage& page)>;

// Reads a whole table as `segments` parallel scan segments, handed out to at most `readers`
// threads (a thread takes the next segment when it has finished one), and hands every page to
// `on_page`. Memory holds one page per reader. `base` gives the table and read options,
// ReturnConsumedCapacity included (segment fields are set per thread; under a `limiter` with a
// rate every Scan asks, as in ScanSegment). Once `stop` reads stopped the readers end after their
// current page and take no further segment, and the call returns Ok: the caller tells an
// interrupted scan by its flags. Returns the first error.
aws::Status ParallelScan(const dynamodb::DynamoDbClient& client, const dynamodb::ScanRequest& base,
                         int segments, int readers, RateLimiter* limiter, ScanStop stop,
                         ScanCounters* counters, const PageHandler& on_page);

// Picks `count` distinct segments of `total` (clamped to 1..total), each set of that size equally
// likely for a random `seed`, in ascending order: a sample of segments that a later run with
// another seed draws anew, so repeated samples check different items.
std::vector<int> SampleSegments(int total, int count, uint64_t seed);

// As above, but reads only `chosen` of `total_segments` segments (for sampling), at most
// `readers` at a time.
aws::Status ParallelScanSegments(const dynamodb::DynamoDbClient& client,
                                 const dynamodb::ScanRequest& base, int total_segments,
                                 const std::vector<int>& chosen, int readers, RateLimiter* limiter,
                                 ScanStop stop, ScanCounters* counters, const PageHandler& on_page);

}  // namespace ddbm::pipeline
