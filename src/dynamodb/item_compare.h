// Item equality as DynamoDB defines it, for verify and checksum, import's duplicate-key check and
// a resumed run's dead letters.
//
// Two items are equal when they have the same attributes with equal values: map members and set
// members in any order, list elements in order, numbers by value ("1.50" == "1.5" == "15e-1"),
// strings by their unescaped characters, binary by the bytes its base64 decodes to ("AR==" and
// "AQ==" are both the byte 0x01; standard base64 is kept as it is spelt, so canonical bytes and
// digests of the service's own base64 do not depend on this). CanonicalItem writes one byte string
// per equal-class of items, so a hash of it is an order-independent fingerprint; DiffItems names
// the attributes that differ.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "dynamodb/types.h"

namespace ddbm::dynamodb {

// Top-level attribute names left out of comparisons (attributes a transform added on purpose).
using IgnoredAttributes = std::set<std::string, std::less<>>;

// "-0012.3400e-5" -> "-1234e-7": sign, significant digits without leading or trailing zeros,
// and the power of ten; zero is "0". kInvalidInput when `number` is not a decimal number.
aws::Result<std::string> NormalizeNumber(std::string_view number);

struct ItemFingerprint {
  std::string key;                 // canonical bytes of the key attributes, in key-schema order
  std::array<uint8_t, 16> digest;  // of the canonical item (ignored attributes left out)
  uint64_t key_hash = 0;           // of `key`; picks the item's bucket
};

// Fingerprints one item (raw DynamoDB JSON). kInvalidInput when the item is not an object of
// typed values or lacks a key attribute. Thread-safe (a parser per thread).
// REQUIRES: as for ExtractKey, 64 readable bytes follow `item_json` in memory.
aws::Result<ItemFingerprint> FingerprintItem(std::string_view item_json,
                                             const std::vector<KeySchemaElement>& key_schema,
                                             const IgnoredAttributes& ignored);

// The canonical bytes of the key attributes of `item_json` (an item, or a key such as a stream
// record's Keys), in key-schema order: equal for keys DynamoDB takes as one ({"N":"1E+3"} and
// {"N":"1000"}; a string with or without JSON escapes; {"B":"AR=="} and {"B":"AQ=="}), different
// otherwise. kInvalidInput as FingerprintItem. No padding needed (the JSON is copied);
// thread-safe.
aws::Result<std::string> CanonicalKey(std::string_view item_json,
                                      const std::vector<KeySchemaElement>& key_schema);

// The hash FingerprintItem puts in key_hash, of canonical key bytes.
uint64_t CanonicalKeyHash(std::string_view canonical_key);

// The canonical byte string of an item (exposed for tests; FingerprintItem hashes it).
aws::Result<std::string> CanonicalItem(std::string_view item_json,
                                       const IgnoredAttributes& ignored);

// Attribute paths whose values differ between two items ("price", "address.city", "tags[2]"),
// in sorted order; empty when the items are equal. A name that is empty or holds . [ ] " \ or a
// control character is written in double quotes, JSON-escaped ("address.\"a.b\""). A path present
// on one side only is listed too. Sets and scalars are reported as a whole; maps and lists down to
// the differing member.
aws::Result<std::vector<std::string>> DiffItems(std::string_view a_json, std::string_view b_json,
                                                const IgnoredAttributes& ignored);

// 128-bit modular sum, the order-independent combination of digests.
struct DigestSum {
  uint64_t count = 0;
  unsigned __int128 sum = 0;
  void Add(const std::array<uint8_t, 16>& digest);
  void Merge(const DigestSum& other) {
    count += other.count;
    sum += other.sum;
  }
  bool operator==(const DigestSum& other) const = default;
  std::string Hex() const;  // 32 lowercase hex digits of `sum`
};

}  // namespace ddbm::dynamodb
