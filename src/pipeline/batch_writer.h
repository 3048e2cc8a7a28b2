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
#include "pipeline/dead_letter.h"
#include "pipeline/rate_limiter.h"

namespace ddbm::pipeline {

// A batch of writes for one table, within BatchWriteItem's limits (kMaxBatchRequests,
// kMaxBatchBytes). `keep_alive` owns the bytes the requests point into (a scanned page's body)
// for as long as the batch lives.
struct WriteBatch {
  std::vector<dynamodb::WriteRequest> requests;
  std::shared_ptr<const std::string> keep_alive;
};

inline constexpr size_t kMaxBatchRequests = 25;
// BatchWriteItem takes at most 16 MB; this leaves room for the request's own JSON around the
// items (table name, PutRequest/DeleteRequest wrappers).
inline constexpr size_t kMaxBatchBytes = size_t{15} << 20;

// Cuts `requests`, in order, into consecutive batches of at most kMaxBatchRequests requests and
// kMaxBatchBytes of request JSON (a request larger than that alone is a batch of its own, which
// the service then refuses as an item error). Every batch shares `keep_alive`.
std::vector<WriteBatch> CutIntoBatches(std::vector<dynamodb::WriteRequest> requests,
                                       const std::shared_ptr<const std::string>& keep_alive);

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
// (UnprocessedItems, or throttles the client retried) so the limiter adapts. Consumed capacity
// is asked for when `consumed_capacity` is true or a limiter needs it (counters->consumed_capacity
// stays unchanged otherwise). `stop` may be null; once it reads true, a send still waiting for
// the limiter or for the backoff before resending UnprocessedItems is not made, and what is
// left of the batch (all of it unless UnprocessedItems were being resent) comes back unwritten
// with a kCancelled error.
// Thread-safe.
std::optional<BatchFailure> WriteBatchFully(const dynamodb::DynamoDbClient& client,
                                            const std::string& table, WriteBatch batch,
                                            const aws::RetryPolicy& policy, WriteCounters* counters,
                                            RateLimiter* limiter = nullptr,
                                            bool consumed_capacity = true,
                                            const std::atomic<bool>* stop = nullptr);

// Errors the service raises for one request on its own (a ValidationException for that item, an
// item collection over 10 GB): the request is dead-lettered, the run goes on. Every other error
// ends a run with the work unacknowledged, so that a resume retries it; a target that keeps
// throttling past the retry budget is such an error, not a reason to dead-letter the table.
bool IsItemError(const aws::Error& error);

// Where WriteBatchOrDeadLetter sends what it cannot write. `dead_letters` null: item errors end
// the run like any other.
struct DeadLetterSink {
  DeadLetterFile* dead_letters = nullptr;
  std::atomic<uint64_t>* count = nullptr;  // incremented per dead-lettered request; may be null
};

// WriteBatchFully, then, when the service rejected the batch for an item error, isolates the
// culprits one request at a time and writes each to the dead-letter file with its reason.
// Returns an error only when the run must stop (the remainder is then unacknowledged), kCancelled
// when `stop` (as for WriteBatchFully) kept a send from being made. Thread-safe.
std::optional<aws::Error> WriteBatchOrDeadLetter(const dynamodb::DynamoDbClient& client,
                                                 const std::string& table, WriteBatch batch,
                                                 const aws::RetryPolicy& policy,
                                                 WriteCounters* counters, RateLimiter* limiter,
                                                 DeadLetterSink sink, bool consumed_capacity = true,
                                                 const std::atomic<bool>* stop = nullptr);

}  // namespace ddbm::pipeline
