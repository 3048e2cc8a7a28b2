#include "pipeline/table_digest.h"

#include <algorithm>
#include <mutex>

#include "dynamodb/item.h"

namespace ddbm::pipeline {
namespace {

dynamodb::ScanRequest BaseScan(const DigestOptions& options) {
  dynamodb::ScanRequest request;
  request.table_name = options.table;
  request.limit = options.page_size;
  request.consistent_read = options.consistent_read;
  request.return_consumed_capacity = options.return_consumed_capacity;
  return request;
}

// Names the table in an item's error: a bad item is a finding about that table.
aws::Error InTable(aws::Error error, const std::string& table) {
  error.message = "table " + table + ": " + error.message;
  return error;
}

}  // namespace

size_t BucketsFor(uint64_t items) {
  size_t buckets = 1024;
  while (buckets < items / 4 && buckets < (size_t{1} << 20)) buckets *= 2;
  return buckets;
}

dynamodb::DigestSum BucketDigests::Total() const {
  dynamodb::DigestSum total;
  for (const dynamodb::DigestSum& b : buckets) total.Merge(b);
  return total;
}

aws::Result<BucketDigests> DigestTable(const dynamodb::DynamoDbClient& client,
                                       const DigestOptions& options, RateLimiter* limiter,
                                       ScanStop stop, ScanCounters* counters) {
  const size_t n = std::max<size_t>(1, options.buckets);
  BucketDigests result;
  result.buckets.resize(n);
  std::mutex mu;  // guards result.buckets
  aws::Status scanned =
      ParallelScan(client, BaseScan(options), options.segments, options.readers, limiter, stop,
                   counters, [&](int, const dynamodb::ItemPage& page) -> aws::Status {
                     // Fingerprint the page outside the lock, then add it in one go.
                     std::vector<std::pair<size_t, std::array<uint8_t, 16>>> digests;
                     digests.reserve(page.items.size());
                     for (std::string_view item : page.items) {
                       aws::Result<dynamodb::ItemFingerprint> f =
                           dynamodb::FingerprintItem(item, options.key_schema, options.ignored);
                       if (!f.ok()) return InTable(std::move(f).error(), options.table);
                       digests.emplace_back(f->key_hash % n, f->digest);
                     }
                     std::lock_guard lock(mu);
                     for (const auto& [bucket, digest] : digests)
                       result.buckets[bucket].Add(digest);
                     return aws::Status::Ok();
                   });
  if (!scanned.ok()) return std::move(scanned).error();
  return result;
}

aws::Result<KeyEntries> CollectKeys(const dynamodb::DynamoDbClient& client,
                                    const DigestOptions& options, const std::vector<bool>& wanted,
                                    RateLimiter* limiter, ScanStop stop, ScanCounters* counters) {
  const size_t n = wanted.size();
  KeyEntries entries;
  std::mutex mu;  // guards entries
  aws::Status scanned = ParallelScan(
      client, BaseScan(options), options.segments, options.readers, limiter, stop, counters,
      [&](int, const dynamodb::ItemPage& page) -> aws::Status {
        for (std::string_view item : page.items) {
          aws::Result<dynamodb::ItemFingerprint> f =
              dynamodb::FingerprintItem(item, options.key_schema, options.ignored);
          if (!f.ok()) return InTable(std::move(f).error(), options.table);
          if (n == 0 || !wanted[f->key_hash % n]) continue;
          aws::Result<std::string> key = dynamodb::ExtractKey(item, options.key_schema);
          if (!key.ok()) return InTable(std::move(key).error(), options.table);
          std::lock_guard lock(mu);
          entries[std::move(f->key)] = KeyEntry{std::move(*key), f->digest};
        }
        return aws::Status::Ok();
      });
  if (!scanned.ok()) return std::move(scanned).error();
  return entries;
}

}  // namespace ddbm::pipeline
