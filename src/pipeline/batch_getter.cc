#include "pipeline/batch_getter.h"

#include <algorithm>
#include <mutex>
#include <numeric>
#include <unordered_map>

#include "dynamodb/item_compare.h"
#include "pipeline/parallel_scan.h"

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
        error.AddAdvice("retry budget spent");
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

ItemPairs GetItemPairs(const PairSide& first, const PairSide& second,
                       const std::vector<dynamodb::KeySchemaElement>& key_schema,
                       const std::vector<std::string>& keys, bool consistent_read, int workers,
                       const std::atomic<bool>* stop, PairCounters* counters) {
  ItemPairs out;
  out.pairs.resize(keys.size());
  const size_t batches = (keys.size() + kMaxKeysPerRequest - 1) / kMaxKeysPerRequest;
  std::atomic<size_t> next_batch{0};
  std::atomic<bool> failed{false};
  std::mutex mu;  // guards out.failure, out.failure_in_second, out.stopped
  auto stopped = [&] { return stop != nullptr && stop->load(); };
  auto fail = [&](aws::Error error, bool in_second) {
    std::lock_guard lock(mu);
    failed.store(true);
    if (!out.failure) {
      out.failure = std::move(error);
      out.failure_in_second = in_second;
    }
  };
  // The items of one batch from one table, by the index of their key; false when it failed or
  // was stopped (then recorded).
  auto read = [&](const PairSide& side, bool is_second, const std::vector<std::string>& batch,
                  const std::unordered_map<std::string, size_t>& index_of,
                  std::vector<std::optional<std::string>>* items) {
    aws::Result<std::vector<std::string>> found = GetItemsFully(
        *side.client, side.table, batch, consistent_read, *side.policy, stop, side.limiter);
    if (!found.ok()) {
      if (stopped()) return false;  // a lookup a stop cut short is no failure
      fail(std::move(found).error(), is_second);
      return false;
    }
    for (std::string& item : *found) {
      aws::Result<std::string> key = dynamodb::CanonicalKey(item, key_schema);
      if (!key.ok()) {
        fail(std::move(key).error(), is_second);
        return false;
      }
      auto it = index_of.find(*key);
      if (it != index_of.end()) (*items)[it->second] = std::move(item);
    }
    if (counters != nullptr) {
      (is_second ? counters->second : counters->first)
          .fetch_add(batch.size(), std::memory_order_relaxed);
    }
    return true;
  };
  std::vector<int> batch_numbers(batches);
  std::iota(batch_numbers.begin(), batch_numbers.end(), 0);
  ForEachSegment(batch_numbers, workers, [&](int b) {
    if (failed.load() || stopped()) return false;
    const size_t begin = static_cast<size_t>(b) * kMaxKeysPerRequest;
    const size_t end = std::min(keys.size(), begin + kMaxKeysPerRequest);
    std::vector<std::string> batch(keys.begin() + static_cast<ptrdiff_t>(begin),
                                   keys.begin() + static_cast<ptrdiff_t>(end));
    std::unordered_map<std::string, size_t> index_of;
    for (size_t i = 0; i < batch.size(); ++i) {
      aws::Result<std::string> key = dynamodb::CanonicalKey(batch[i], key_schema);
      if (!key.ok()) {
        fail(std::move(key).error(), false);
        return false;
      }
      index_of.emplace(std::move(*key), i);
    }
    std::vector<std::optional<std::string>> in_first(batch.size());
    std::vector<std::optional<std::string>> in_second(batch.size());
    if (!read(first, false, batch, index_of, &in_first)) return false;
    if (!read(second, true, batch, index_of, &in_second)) return false;
    for (size_t i = 0; i < batch.size(); ++i) {
      out.pairs[begin + i] = ItemPair{std::move(in_first[i]), std::move(in_second[i])};
    }
    return true;
  });
  if (!out.failure && stopped()) {
    out.stopped = std::any_of(out.pairs.begin(), out.pairs.end(),
                              [](const std::optional<ItemPair>& p) { return !p.has_value(); });
  }
  return out;
}

}  // namespace ddbm::pipeline
