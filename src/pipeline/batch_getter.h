// GetItemsFully: reads items by key with BatchGetItem (100 keys per request), sending
// UnprocessedKeys again through the retry policy until every key is answered. GetItemPairs: reads
// the same keys from two tables, several batches at once, each item matched to its key.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "aws/retry.h"
#include "dynamodb/client.h"
#include "pipeline/rate_limiter.h"

namespace ddbm::pipeline {

// The items found (raw JSON, each with 64 spare bytes of capacity so it can be parsed in
// place), in no particular order; keys without an item are simply absent. `stop` may be null;
// once it reads true, a wait to send UnprocessedKeys again or for the limiter ends the call with
// kCancelled. `limiter` (null: unlimited) paces every request, resends included: each acquires
// what the latest request of the limiter's table consumed (RateLimiter::ExpectedUnits), asks
// for its ConsumedCapacity and settles against it, or, when an answer carries none, against
// EstimateItemReadUnits of what came back; keys handed back unread count as a throttle.
aws::Result<std::vector<std::string>> GetItemsFully(
    const dynamodb::DynamoDbClient& client, const std::string& table,
    const std::vector<std::string>& keys, bool consistent_read, const aws::RetryPolicy& policy,
    const std::atomic<bool>* stop = nullptr, RateLimiter* limiter = nullptr);

// One table GetItemPairs reads.
struct PairSide {
  const dynamodb::DynamoDbClient* client = nullptr;
  std::string table;
  const aws::RetryPolicy* policy = nullptr;  // for its UnprocessedKeys (GetItemsFully)
  RateLimiter* limiter = nullptr;            // null: unlimited
};

// A key's item in each table; nullopt where the table has none.
struct ItemPair {
  std::optional<std::string> first;
  std::optional<std::string> second;
};

struct ItemPairs {
  // Per key, in the order of the keys; nullopt for the keys left unread (a failure or a stop).
  std::vector<std::optional<ItemPair>> pairs;
  // The first lookup that failed (its batch is left unread), and which table it read.
  std::optional<aws::Error> failure;
  bool failure_in_second = false;
  // Stopped by `stop` before every key was read (a lookup cut short by it is no failure).
  bool stopped = false;
};

// Keys read back so far, of each table (for progress; read from any thread).
struct PairCounters {
  std::atomic<uint64_t> first{0};
  std::atomic<uint64_t> second{0};
};

// Reads `keys` (key objects in DynamoDB JSON, of `key_schema`) from both tables with
// GetItemsFully: batches of up to 100 keys, up to `workers` batches at once, each batch read from
// `first` and then from `second`; items are matched to their keys by CanonicalKey. Once a lookup
// fails, or `stop` (may be null) reads true, no further batch starts; the batches under way end
// (GetItemsFully's waits end at the stop), and the keys not read are nullopt. An item or key that
// CanonicalKey refuses is a failure of its table.
ItemPairs GetItemPairs(const PairSide& first, const PairSide& second,
                       const std::vector<dynamodb::KeySchemaElement>& key_schema,
                       const std::vector<std::string>& keys, bool consistent_read, int workers,
                       const std::atomic<bool>* stop = nullptr, PairCounters* counters = nullptr);

}  // namespace ddbm::pipeline
