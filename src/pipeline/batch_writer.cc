#include "pipeline/batch_writer.h"

namespace ddbm::pipeline {

std::vector<WriteBatch> CutIntoBatches(std::vector<dynamodb::WriteRequest> requests,
                                       const std::shared_ptr<const std::string>& keep_alive) {
  std::vector<WriteBatch> batches;
  if (requests.size() <= kMaxBatchRequests) {
    size_t bytes = 0;
    for (const dynamodb::WriteRequest& r : requests) bytes += r.json.size();
    if (bytes <= kMaxBatchBytes) {  // the common case: one batch, no copy of the requests
      if (!requests.empty()) batches.push_back({std::move(requests), keep_alive});
      return batches;
    }
  }
  batches.reserve(requests.size() / kMaxBatchRequests + 1);
  size_t bytes = 0;
  for (const dynamodb::WriteRequest& r : requests) {
    if (batches.empty() || batches.back().requests.size() == kMaxBatchRequests ||
        (bytes + r.json.size() > kMaxBatchBytes && !batches.back().requests.empty())) {
      batches.push_back({{}, keep_alive});
      batches.back().requests.reserve(kMaxBatchRequests);
      bytes = 0;
    }
    batches.back().requests.push_back(r);
    bytes += r.json.size();
  }
  return batches;
}

std::optional<BatchFailure> WriteBatchFully(const dynamodb::DynamoDbClient& client,
                                            const std::string& table, WriteBatch batch,
                                            const aws::RetryPolicy& policy, WriteCounters* counters,
                                            RateLimiter* limiter, bool consumed_capacity,
                                            const std::atomic<bool>* stop) {
  aws::RetryState state(policy);
  const std::atomic<uint64_t>& client_throttles = client.service_client().counters().throttles;
  for (;;) {
    double estimate = 0;
    if (limiter != nullptr) {
      std::vector<size_t> sizes;
      sizes.reserve(batch.requests.size());
      for (const auto& r : batch.requests) sizes.push_back(r.json.size());
      estimate = EstimateWriteUnits(sizes);
    }
    PacedRequest paced(limiter, client_throttles, estimate);
    if (!paced.Acquire(stop)) {
      return BatchFailure{aws::Error::Make(aws::ErrorKind::kCancelled,
                                           "stopped while waiting for the write rate limit"),
                          std::move(batch)};
    }
    aws::Result<dynamodb::BatchWriteItemResult> result = client.BatchWriteItem(
        table, batch.requests, AskConsumedCapacity(consumed_capacity, limiter));
    paced.Finish(result.ok(), result.ok() ? result->consumed_capacity : 0,
                 result.ok() && !result->unprocessed.empty());
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
      error.AddAdvice("retry budget spent");
      return BatchFailure{std::move(error), std::move(batch)};
    }
    // The resends of UnprocessedItems have no time limit: a stop must be able to end them.
    if (!state.WaitUnlessStopped(error, stop)) {
      return BatchFailure{
          aws::Error::Make(aws::ErrorKind::kCancelled, "stopped while resending UnprocessedItems"),
          std::move(batch)};
    }
    counters->unprocessed_resent.fetch_add(unprocessed, std::memory_order_relaxed);
  }
}

bool IsItemError(const aws::Error& error) {
  return error.code == "ValidationException" ||
         error.code == "ItemCollectionSizeLimitExceededException";
}

std::optional<aws::Error> WriteBatchOrDeadLetter(const dynamodb::DynamoDbClient& client,
                                                 const std::string& table, WriteBatch batch,
                                                 const aws::RetryPolicy& policy,
                                                 WriteCounters* counters, RateLimiter* limiter,
                                                 DeadLetterSink sink, bool consumed_capacity,
                                                 const std::atomic<bool>* stop) {
  std::optional<BatchFailure> failure = WriteBatchFully(client, table, std::move(batch), policy,
                                                        counters, limiter, consumed_capacity, stop);
  if (!failure) return std::nullopt;
  if (!IsItemError(failure->error)) return std::move(failure->error);
  std::vector<dynamodb::WriteRequest>& remaining = failure->remaining.requests;
  if (remaining.size() > 1) {
    // A validation error rejects the whole batch; find the culprits one request at a time.
    for (const dynamodb::WriteRequest& request : remaining) {
      if (auto error = WriteBatchOrDeadLetter(
              client, table, WriteBatch{{request}, failure->remaining.keep_alive}, policy, counters,
              limiter, sink, consumed_capacity, stop)) {
        return error;
      }
    }
    return std::nullopt;
  }
  if (sink.dead_letters == nullptr) return std::move(failure->error);
  for (const dynamodb::WriteRequest& request : remaining) {
    if (aws::Status s = sink.dead_letters->Write(request.json, failure->error); !s.ok()) {
      return std::move(s).error();
    }
    if (sink.count != nullptr) sink.count->fetch_add(1, std::memory_order_relaxed);
  }
  return std::nullopt;
}

}  // namespace ddbm::pipeline
