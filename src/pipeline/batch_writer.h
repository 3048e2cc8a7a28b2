// WriteBatch: writes one batch with BatchWriteItem until every request is acknowledged, sending
// UnprocessedItems again through the one retry policy (backoff with jitter, never dropped).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aws/retry.h"
#include "dynamodb/client.h"
#include "pipeline/rate_limiter.h"

namespace ddbm::pipeline {

// A batch of at most 25 writes for one table. `keep_alive` owns the bytes the requests point
// into (a scanned page's body) for as long as the batch lives.
struct WriteBatch {
  std::vector<dynamodb::WriteRequest> requests;
  std::shared_ptr<const std::string> keep_alive;
};

// Counters shared by every writer thread (relaxed atomics; read for progress and summaries).
struct WriteCounters {
  std::atomic<uint64_t> items_written{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> unprocessed_resent{0};  // requests sent again after UnprocessedItems
  std::atomic<double> consumed_capacity{0};
};

// What is left of a batch when its writes could not all be acknowledged.
struct BatchFailure {
  aws::Error error;
  WriteBatch remaining;  // the requests not acknowledged, still valid (keep_alive kept)
};

// Sends `batch` to `table` until all of it is written. Returns the unwritten remainder when the
// retry budget runs out or an error is final. When `limiter` is set, every send first acquires
// its estimated write units, settles them against ConsumedCapacity, and reports throttling
// (UnprocessedItems, or throttles the client retried) so the limiter adapts. Thread-safe.
std::optional<BatchFailure> WriteBatchFully(const dynamodb::DynamoDbClient& client,
                                            const std::string& table, WriteBatch batch,
                                            const aws::RetryPolicy& policy, WriteCounters* counters,
                                            RateLimiter* limiter = nullptr);

}  // namespace ddbm::pipeline
