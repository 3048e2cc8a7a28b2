#include "pipeline/key_digest.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace ddbm::pipeline {
namespace {

TEST(KeyDigestTest, SameKeySameDigestOtherKeyOtherDigest) {
  const KeyDigest a = DigestKey(R"({"pk":{"S":"a"},"sk":{"N":"1"}})");
  EXPECT_EQ(a, DigestKey(R"({"pk":{"S":"a"},"sk":{"N":"1"}})"));
  EXPECT_FALSE(a == DigestKey(R"({"pk":{"S":"a"},"sk":{"N":"2"}})"));
  EXPECT_FALSE(a == DigestKey(R"({"pk":{"S":"a"}})"));
  // The first 16 bytes of SHA-256(""), e3b0c442 98fc1c14 9afbf4c8 996fb924, in that order.
  const KeyDigest empty = DigestKey("");
  const unsigned char* high = reinterpret_cast<const unsigned char*>(&empty.high);
  EXPECT_EQ(high[0], 0xe3);
  EXPECT_EQ(high[7], 0x14);
  const unsigned char* low = reinterpret_cast<const unsigned char*>(&empty.low);
  EXPECT_EQ(low[0], 0x9a);
  EXPECT_EQ(low[7], 0x24);

  std::unordered_set<KeyDigest, KeyDigestHash> seen;
  EXPECT_TRUE(seen.insert(a).second);
  EXPECT_FALSE(seen.insert(DigestKey(R"({"pk":{"S":"a"},"sk":{"N":"1"}})")).second);
}

}  // namespace
}  // namespace ddbm::pipeline
