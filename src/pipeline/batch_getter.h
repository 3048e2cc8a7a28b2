// GetItemsFully: reads items by key with BatchGetItem (100 keys per request), sending
// UnprocessedKeys again through the retry policy until every key is answered.
#pragma once

#include <atomic>
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

}  // namespace ddbm::pipeline
