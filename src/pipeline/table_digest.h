// TableDigest: an order-independent fingerprint of a table's contents, in buckets.
//
// Each item is fingerprinted (dynamodb/item_compare.h) and its digest added into the bucket its
// key hashes to. Two tables with equal contents have equal buckets whatever their scan order,
// segment counts or partitioning; a bucket that differs holds every key that differs in it, so
// a second pass can list exact keys by collecting only those buckets. Memory: the buckets (32
// bytes each) plus, in the second pass, the keys of the wanted buckets.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "aws/error.h"
#include "dynamodb/client.h"
#include "dynamodb/item_compare.h"
#include "pipeline/parallel_scan.h"
#include "pipeline/rate_limiter.h"

namespace ddbm::pipeline {

struct DigestOptions {
  std::string table;
  std::vector<dynamodb::KeySchemaElement> key_schema;
  dynamodb::IgnoredAttributes ignored;
  int segments = 8;
  int readers = 8;    // segments scanned at once
  int page_size = 0;  // Scan Limit; 0: 1 MB pages
  bool consistent_read = false;
  bool return_consumed_capacity = false;  // on every Scan (under a rate limit they always do)
  size_t buckets = 4096;                  // the same on both sides of a comparison
};

// A bucket count for tables of about `items` items: a few items per bucket, so that a
// difference narrows the second pass to few keys, and at most 2^20 buckets (32 MB).
size_t BucketsFor(uint64_t items);

struct BucketDigests {
  std::vector<dynamodb::DigestSum> buckets;
  dynamodb::DigestSum Total() const;
};

// Pass one: scans the whole table. `stop` as for ParallelScan (the result is then partial).
aws::Result<BucketDigests> DigestTable(const dynamodb::DynamoDbClient& client,
                                       const DigestOptions& options, RateLimiter* limiter,
                                       ScanStop stop, ScanCounters* counters);

struct KeyEntry {
  std::string raw_key;               // DynamoDB JSON of the key, as the service returned it
  std::array<uint8_t, 16> digest{};  // of the whole item
};
// Canonical key bytes -> entry.
using KeyEntries = std::unordered_map<std::string, KeyEntry>;

// Pass two: scans the whole table again and keeps the keys of the items whose bucket is marked
// in `wanted` (indexed like BucketDigests::buckets). `stop` as for ParallelScan (the result
// is then partial).
aws::Result<KeyEntries> CollectKeys(const dynamodb::DynamoDbClient& client,
                                    const DigestOptions& options, const std::vector<bool>& wanted,
                                    RateLimiter* limiter, ScanStop stop, ScanCounters* counters);

}  // namespace ddbm::pipeline
