// KeyDigest: 128 bits of the SHA-256 of a key's bytes, for the sets and maps that must tell keys
// apart without holding them: 16 bytes per key whatever the key's size. No two keys share a
// digest unless SHA-256 is broken. Keys are told apart by their bytes, so callers pass canonical
// bytes (dynamodb::CanonicalKey's; the dead-letter file, CanonicalItem's), in which two spellings
// of one number ("1" and "1.0") or of one binary value ("AQ==" and "AR==") are one.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ddbm::pipeline {

struct KeyDigest {
  uint64_t high = 0;
  uint64_t low = 0;
  bool operator==(const KeyDigest&) const = default;
};

// For unordered containers: the digest is already uniform, its low half serves as the hash.
// noexcept, so that the standard library's nodes do not store the hash too.
struct KeyDigestHash {
  size_t operator()(const KeyDigest& d) const noexcept { return static_cast<size_t>(d.low); }
};

KeyDigest DigestKey(std::string_view key_json);

}  // namespace ddbm::pipeline
