#include "pipeline/batch_getter.h"

#include <algorithm>

namespace ddbm::pipeline {
namespace {

constexpr size_t kMaxKeysPerRequest = 100;
constexpr size_t kParsePadding = 64;

// What an answer to `keys_asked` keys cost: its ConsumedCapacity, or, when it carries none, an
// estimate from the items that came back and the keys answered without one.
double ConsumedUnits(const dynamodb::BatchGetItemResult& result, size_t keys_asked,
                     bool consistent_read) {
  if (result.consumed_capacity > 0) return result.consumed_capacity;
  std::vector<size_t> sizes;
  sizes.reserve(result.items.size());
  for (std::string_view item : result.items) sizes.push_back(item.size());
  const size_t answered = keys_asked - std::min(keys_asked, result.unprocessed_keys.size());
  return EstimateItemReadUnits(sizes, answered - std::min(answered, sizes.size()), consistent_read);
}

}  // namespace

aws::Result<std::vector<std::string>> GetItemsFully(
    const dynamodb::DynamoDbClient& client, const std::string& table,
    const std::vector<std::string>& keys, bool consistent_read, const aws::RetryPolicy& policy,
    const std::atomic<bool>* stop, RateLimiter* limiter) {
  if (limiter != nullptr && limiter->unlimited()) limiter = nullptr;
  const std::atomic<uint64_t>& client_throttles = client.service_client().counters().throttles;
  std::vector<std::string> found;
  for (size_t first = 0; first < keys.size(); first += kMaxKeysPerRequest) {
    const size_t end = std::min(keys.size(), first + kMaxKeysPerRequest);
    std::vector<std::string> pending(keys.begin() + static_cast<ptrdiff_t>(first),
                                     keys.begin() + static_cast<ptrdiff_t>(end));
    aws::RetryState state(policy);
    while (!pending.empty()) {
      PacedRequest paced(limiter, client_throttles,
                         limiter != nullptr ? limiter->ExpectedUnits() : 0);
      if (!paced.Acquire(stop)) {
        return aws::Error::Make(aws::ErrorKind::kCancelled,
                                "stopped while waiting for the read rate limit");
      }
      std::vector<std::string_view> views(pending.begin(), pending.end());
      aws::Result<dynamodb::BatchGetItemResult> result =
          client.BatchGetItem(table, views, consistent_read, AskConsumedCapacity(false, limiter));
      paced.Finish(result.ok(),
                   result.ok() ? ConsumedUnits(*result, pending.size(), consistent_read) : 0,
                   result.ok() && !result->unprocessed_keys.empty());
      if (!result.ok()) return std::move(result).error();
      for (std::string_view item : result->items) {
        std::string copy;
        copy.reserve(item.size() + kParsePadding);
        copy.assign(item);
        found.push_back(std::move(copy));
      }
      std::vector<std::string> unprocessed(result->unprocessed_keys.begin(),
                                           result->unprocessed_keys.end());
      if (unprocessed.empty()) break;
      // Keys handed back unread are throttling: wait and ask again.
      aws::Error error =
          aws::Error::Make(aws::ErrorKind::kService, std::to_string(unprocessed.size()) +
                                                         " keys returned as UnprocessedKeys");
      error.service = "dynamodb";
      error.operation = "BatchGetItem";
      error.code = "ProvisionedThroughputExceededException";
      if (unprocessed.size() < pending.size()) state.NoteProgress();
      if (!state.ShouldRetry(error)) {
        error.message += "; retry budget spent";
        return error;
      }
      // Resent without a time limit, like UnprocessedItems: a stop must be able to end it.
      if (!state.WaitUnlessStopped(error, stop)) {
        return aws::Error::Make(aws::ErrorKind::kCancelled,
                                "stopped while asking again for UnprocessedKeys");
      }
      pending = std::move(unprocessed);
    }
  }
  return found;
}

}  // namespace ddbm::pipeline
