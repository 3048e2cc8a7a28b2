#include "pipeline/batch_writer.h"

namespace ddbm::pipeline {

std::optional<BatchFailure> WriteBatchFully(const dynamodb::DynamoDbClient& client,
                                            const std::string& table, WriteBatch batch,
                                            const aws::RetryPolicy& policy,
                                            WriteCounters* counters) {
  aws::RetryState state(policy);
  for (;;) {
    aws::Result<dynamodb::BatchWriteItemResult> result =
        client.BatchWriteItem(table, batch.requests, /*return_consumed_capacity=*/true);
    // Request-level errors were already retried inside the client; they are final here.
    if (!result.ok()) return BatchFailure{std::move(result).error(), std::move(batch)};
    counters->batches.fetch_add(1, std::memory_order_relaxed);
    counters->consumed_capacity.fetch_add(result->consumed_capacity, std::memory_order_relaxed);
    const size_t sent = batch.requests.size();
    const size_t unprocessed = result->unprocessed.size();
    counters->items_written.fetch_add(sent - std::min(sent, unprocessed),
                                      std::memory_order_relaxed);
    if (unprocessed == 0) return std::nullopt;
    // The service accepted the request but not all of its writes: that is throttling.
    aws::Error error;
    error.kind = aws::ErrorKind::kService;
    error.service = "dynamodb";
    error.operation = "BatchWriteItem";
    error.code = "ProvisionedThroughputExceededException";
    error.message = std::to_string(unprocessed) + " of " + std::to_string(sent) +
                    " writes returned as UnprocessedItems";
    if (unprocessed < sent) state.NoteProgress();
    // The unprocessed requests are slices of this answer, which now keeps them alive.
    batch.requests = std::move(result->unprocessed);
    batch.keep_alive = std::move(result->body);
    if (!state.ShouldRetry(error)) {
      error.message += "; retry budget spent";
      return BatchFailure{std::move(error), std::move(batch)};
    }
    counters->unprocessed_resent.fetch_add(unprocessed, std::memory_order_relaxed);
    state.Wait(error);
  }
}

}  // namespace ddbm::pipeline
