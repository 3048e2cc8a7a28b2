#include "dynamodb/table_ref.h"

#include <gtest/gtest.h>

namespace ddbm::dynamodb {
namespace {

TEST(TableRefTest, PlainName) {
  auto ref = ParseTableRef("Orders-2024.v1");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->name, "Orders-2024.v1");
  EXPECT_FALSE(ref->region.has_value());
}

TEST(TableRefTest, ArnGivesRegionAndAccount) {
  auto ref = ParseTableRef("arn:aws:dynamodb:eu-west-1:123456789012:table/Orders");
  ASSERT_TRUE(ref.ok()) << ref.error().ToString();
  EXPECT_EQ(ref->name, "Orders");
  EXPECT_EQ(ref->region, "eu-west-1");
  EXPECT_EQ(ref->account, "123456789012");
  auto stream = ParseTableRef(
      "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000");
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->name, "Orders");
}

TEST(TableRefTest, BadInputIsExplained) {
  for (const char* bad : {"ab", "has space", "arn:aws:s3:::bucket", "arn:aws:dynamodb::1:table/x1y",
                          std::string(256, 'a').c_str()}) {
    auto ref = ParseTableRef(bad);
    EXPECT_FALSE(ref.ok()) << bad;
    if (!ref.ok()) EXPECT_EQ(ref.error().kind, aws::ErrorKind::kInvalidInput);
  }
}

}  // namespace
}  // namespace ddbm::dynamodb
