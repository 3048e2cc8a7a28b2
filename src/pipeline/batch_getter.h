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

namespace ddbm::pipeline {

// The items found (raw JSON, each with 64 spare bytes of capacity so it can be parsed in
// place), in no particular order; keys without an item are simply absent. `stop` may be null;
// once it reads true, a wait to send UnprocessedKeys again ends the call with kCancelled.
aws::Result<std::vector<std::string>> GetItemsFully(const dynamodb::DynamoDbClient& client,
                                                    const std::string& table,
                                                    const std::vector<std::string>& keys,
                                                    bool consistent_read,
                                                    const aws::RetryPolicy& policy,
                                                    const std::atomic<bool>* stop = nullptr);

}  // namespace ddbm::pipeline
