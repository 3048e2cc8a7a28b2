#include "aws/file_name.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "aws/fnv1a.h"

namespace ddbm::aws {
namespace {

TEST(Fnv1a64Test, MatchesTheReferenceValues) {
  // The FNV authors' published test values for 64-bit FNV-1a.
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
  // Bytes above 0x7f count as unsigned.
  EXPECT_NE(Fnv1a64("\xff"), Fnv1a64("\x7f"));
}

TEST(FitFileNameTest, KeepsANameThatFits) {
  EXPECT_EQ(FitFileName("ddbmigrate-", "orders", ".jsonl"), "ddbmigrate-orders.jsonl");
  const std::string exact(255 - 4, 'x');
  EXPECT_EQ(FitFileName("", exact, ".bin"), exact + ".bin");
}

TEST(FitFileNameTest, CutsALongMiddleAndAddsItsHash) {
  const std::string long_middle(300, 't');
  const std::string name = FitFileName("p-", long_middle, ".s", 255);
  EXPECT_EQ(name.size(), 255u);
  EXPECT_EQ(name.substr(0, 2), "p-");
  EXPECT_EQ(name.substr(name.size() - 2), ".s");
  char digest[18];
  std::snprintf(digest, sizeof(digest), "-%016llx",
                static_cast<unsigned long long>(Fnv1a64(long_middle)));
  EXPECT_EQ(name.substr(255 - 2 - 17, 17), digest);
  EXPECT_EQ(name.substr(2, 255 - 2 - 2 - 17), long_middle.substr(0, 255 - 2 - 2 - 17));
  // The same middle gives the same name; another cut alike gives another.
  EXPECT_EQ(FitFileName("p-", long_middle, ".s", 255), name);
  EXPECT_NE(FitFileName("p-", long_middle + "u", ".s", 255), name);
  EXPECT_EQ(FitFileName("p-", long_middle, ".s", 100).size(), 100u);
}

}  // namespace
}  // namespace ddbm::aws
