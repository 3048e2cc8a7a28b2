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

TEST(TableRefTest, AnArnOfAnotherPartOfATableIsNotTheTable) {
  const std::string table = "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/";
  for (const std::string part : {"index/byDate", "backup/01489173575360-b308cd7d",
                                 "export/01695353076000-06e2188f", "import/01695353076000-a1b2"}) {
    SCOPED_TRACE(part);
    auto ref = ParseTableRef(table + part);
    ASSERT_FALSE(ref.ok());
    EXPECT_EQ(ref.error().kind, aws::ErrorKind::kInvalidInput);
    const std::string kind = part.substr(0, part.find('/'));
    EXPECT_NE(ref.error().message.find("names " + kind + " " + part.substr(kind.size() + 1) +
                                       " of table Orders, not the table"),
              std::string::npos)
        << ref.error().message;
  }
}

TEST(TableRefTest, BadInputIsExplained) {
  for (const char* bad : {"ab", "has space", "arn:aws:s3:::bucket", "arn:aws:dynamodb::1:table/x1y",
                          std::string(256, 'a').c_str()}) {
    auto ref = ParseTableRef(bad);
    EXPECT_FALSE(ref.ok()) << bad;
    if (!ref.ok()) EXPECT_EQ(ref.error().kind, aws::ErrorKind::kInvalidInput);
  }
}

TableDescription Described(std::string arn, std::string id = "", double created = 0) {
  TableDescription table;
  table.table_name = "Orders";
  table.table_arn = std::move(arn);
  table.table_id = std::move(id);
  table.creation_date_time = created;
  return table;
}

TEST(CheckDescribedTableTest, ArnMustMatchTheTableReached) {
  const TableRef ref = *ParseTableRef("arn:aws:dynamodb:eu-west-1:111111111111:table/Orders");
  EXPECT_TRUE(
      CheckDescribedTable(ref, Described("arn:aws:dynamodb:eu-west-1:111111111111:table/Orders"))
          .ok());
  // The credentials reach a table of that name in their own account: refused, both named.
  aws::Status other_account =
      CheckDescribedTable(ref, Described("arn:aws:dynamodb:eu-west-1:222222222222:table/Orders"));
  ASSERT_FALSE(other_account.ok());
  EXPECT_EQ(other_account.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(other_account.error().message.find("account 111111111111"), std::string::npos)
      << other_account.error().message;
  EXPECT_NE(other_account.error().message.find("222222222222"), std::string::npos);
  // A region flag that overrides the ARN's region reaches another table.
  EXPECT_FALSE(
      CheckDescribedTable(ref, Described("arn:aws:dynamodb:us-east-1:111111111111:table/Orders"))
          .ok());
  // DynamoDB Local answers region "ddblocal" whatever the request's region was.
  EXPECT_TRUE(
      CheckDescribedTable(ref, Described("arn:aws:dynamodb:ddblocal:111111111111:table/Orders"))
          .ok());
  // A plain name carries nothing to check.
  EXPECT_TRUE(CheckDescribedTable(*ParseTableRef("Orders"),
                                  Described("arn:aws:dynamodb:eu-west-1:222222222222:table/Orders"))
                  .ok());
}

TEST(CheckRegionFlagTest, AFlagContradictingTheArnIsRefusedBeforeAnyRequest) {
  const TableRef ref = *ParseTableRef("arn:aws:dynamodb:eu-west-1:111111111111:table/eusrc");
  EXPECT_TRUE(CheckRegionFlag(ref, std::nullopt, "--source-region").ok());
  EXPECT_TRUE(CheckRegionFlag(ref, std::string("eu-west-1"), "--source-region").ok());
  aws::Status contradicted = CheckRegionFlag(ref, std::string("us-west-2"), "--source-region");
  ASSERT_FALSE(contradicted.ok());
  EXPECT_EQ(contradicted.error().kind, aws::ErrorKind::kUsage);
  EXPECT_EQ(contradicted.error().message,
            "table eusrc is named in region eu-west-1 (by its ARN), but --source-region "
            "us-west-2 sends the requests to region us-west-2; drop the region flag that "
            "contradicts the ARN");
  // A plain name has no region of its own.
  EXPECT_TRUE(
      CheckRegionFlag(*ParseTableRef("eusrc"), std::string("us-west-2"), "--source-region").ok());
}

TEST(IsSameTableTest, IdsThenCreationTimesDecide) {
  const std::string arn = "arn:aws:dynamodb:eu-west-1:111111111111:table/Orders";
  EXPECT_FALSE(
      IsSameTable(Described(arn, "id-1"),
                  Described("arn:aws:dynamodb:eu-west-2:111111111111:table/Orders", "id-1")));
  EXPECT_TRUE(IsSameTable(Described(arn, "id-1", 5), Described(arn, "id-1", 5)));
  EXPECT_FALSE(IsSameTable(Described(arn, "id-1"), Described(arn, "id-2")));  // recreated
  // DynamoDB Local: one ARN for tables of one name in every region; the creation time tells.
  const std::string local = "arn:aws:dynamodb:ddblocal:000000000000:table/Orders";
  EXPECT_TRUE(
      IsSameTable(Described(local, "", 1796266832.412), Described(local, "", 1796266832.412)));
  EXPECT_FALSE(
      IsSameTable(Described(local, "", 1796266832.412), Described(local, "", 1796266833.1)));
  // Nothing but the ARN: taken as the same table (refusing is the safe side).
  EXPECT_TRUE(IsSameTable(Described(local), Described(local)));
}

}  // namespace
}  // namespace ddbm::dynamodb
