// The 64-bit FNV-1a hash: stable across runs and machines, so names and buckets built from it are
// found again by a later run. Not for anything an adversary chooses to collide.
#pragma once

#include <cstdint>
#include <string_view>

namespace ddbm::aws {

constexpr uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace ddbm::aws
