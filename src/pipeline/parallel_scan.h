// ParallelScan: reads a whole table as `segments` parallel scan segments, one thread each, and
// hands every page to a callback. Pages are streamed: memory holds one page per segment.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "aws/error.h"
#include "dynamodb/client.h"
#include "pipeline/rate_limiter.h"

namespace ddbm::pipeline {

struct ScanCounters {
  std::atomic<uint64_t> items{0};
  std::atomic<uint64_t> pages{0};
  std::atomic<double> read_capacity{0};
};

// Called from the segment's thread, concurrently for different segments. The page (and the
// item slices in it) is valid only during the call. A non-ok Status stops the whole scan.
using PageHandler = std::function<aws::Status(int segment, const dynamodb::ItemPage& page)>;

// `base` gives the table and read options (its segment fields are set per thread, and
// ReturnConsumedCapacity is always asked for). `limiter` may be null (unlimited); `stop` may be
// null, else once it reads true the segments stop after their current page and the call
// returns Ok: the caller tells an interrupted scan by its flag. Returns the first error.
aws::Status ParallelScan(const dynamodb::DynamoDbClient& client, const dynamodb::ScanRequest& base,
                         int segments, RateLimiter* limiter, const std::atomic<bool>* stop,
                         ScanCounters* counters, const PageHandler& on_page);

// As above, but reads only `chosen` of `total_segments` segments (for sampling), at most
// `parallelism` at a time.
aws::Status ParallelScanSegments(const dynamodb::DynamoDbClient& client,
                                 const dynamodb::ScanRequest& base, int total_segments,
                                 const std::vector<int>& chosen, int parallelism,
                                 RateLimiter* limiter, const std::atomic<bool>* stop,
                                 ScanCounters* counters, const PageHandler& on_page);

}  // namespace ddbm::pipeline
