// Whether a table's state shows a CreateTable, an index-creating UpdateTable or an
// UpdateTimeToLive carried out.
#include "dynamodb/applied_change.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace ddbm::dynamodb {
namespace {

using std::chrono::seconds;

constexpr char kCreate[] =
    R"({"TableName":"Copy","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
    R"({"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[)"
    R"({"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},)"
    R"({"AttributeName":"cat","AttributeType":"S"},{"AttributeName":"seq","AttributeType":"N"}],)"
    R"("GlobalSecondaryIndexes":[{"IndexName":"ByCat","KeySchema":[{"AttributeName":"cat",)"
    R"("KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],)"
    R"("LocalSecondaryIndexes":[{"IndexName":"BySeq","KeySchema":[{"AttributeName":"pk",)"
    R"("KeyType":"HASH"},{"AttributeName":"seq","KeyType":"RANGE"}],)"
    R"("Projection":{"ProjectionType":"KEYS_ONLY"}}],"BillingMode":"PAY_PER_REQUEST"})";

const aws::Clock::WallTime kFirstSent{seconds(1'700'000'000)};

// The table of kCreate as DescribeTable shows it, with `status`, created at `created` (epoch
// seconds), `gsis` as its GlobalSecondaryIndexes and `hash` as its partition key.
TableDescription Described(std::string status = "CREATING", double created = 1'700'000'001.5,
                           std::string gsis = R"([{"IndexName":"ByCat","IndexStatus":"CREATING",)"
                                              R"("KeySchema":[{"AttributeName":"cat",)"
                                              R"("KeyType":"HASH"}]}])",
                           std::string hash = "pk", std::string sk_type = "N") {
  std::string json = R"({"TableName":"Copy","TableStatus":")" + status + R"(",)";
  json += R"("AttributeDefinitions":[{"AttributeName":")" + hash +
          R"(","AttributeType":"S"},{"AttributeName":"sk","AttributeType":")" + sk_type +
          R"("},{"AttributeName":"cat","AttributeType":"S"},)"
          R"({"AttributeName":"seq","AttributeType":"N"}],)";
  json += R"("KeySchema":[{"AttributeName":")" + hash +
          R"(","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],)"
          R"("LocalSecondaryIndexes":[{"IndexName":"BySeq","KeySchema":[)"
          R"({"AttributeName":"pk","KeyType":"HASH"},)"
          R"({"AttributeName":"seq","KeyType":"RANGE"}]}])";
  if (!gsis.empty()) json += R"(,"GlobalSecondaryIndexes":)" + gsis;
  json += "}";
  TableDescription table;
  table.table_name = "Copy";
  table.table_status = status;
  table.creation_date_time = created;
  table.raw_json = json;
  return table;
}

TEST(AppliedChangeTest, OnlyARefusalAfterAnUnansweredSendingMayBeOurOwnChange) {
  aws::Error error;
  error.kind = aws::ErrorKind::kService;
  error.code = "ResourceInUseException";
  EXPECT_FALSE(MayBeRefusedAsAlreadyMade(error, {"ResourceInUseException"}));
  error.earlier_sending_unanswered = true;
  EXPECT_TRUE(MayBeRefusedAsAlreadyMade(error, {"ResourceInUseException"}));
  EXPECT_FALSE(MayBeRefusedAsAlreadyMade(error, {"ValidationException"}));
  error.kind = aws::ErrorKind::kCancelled;
  EXPECT_FALSE(MayBeRefusedAsAlreadyMade(error, {"ResourceInUseException"}));
}

TEST(AppliedChangeTest, ATableBeingCreatedOrActiveWithTheAskedKeysShowsTheCreate) {
  EXPECT_TRUE(TableShowsCreate(kCreate, Described(), kFirstSent));
  EXPECT_TRUE(TableShowsCreate(kCreate, Described("ACTIVE"), kFirstSent));
  // The service's clock may be a little behind ours.
  EXPECT_TRUE(TableShowsCreate(kCreate, Described("ACTIVE", 1'700'000'000 - 299), kFirstSent));
}

TEST(AppliedChangeTest, AnyDifferenceMeansTheTableIsNotShownToBeOurs) {
  EXPECT_FALSE(TableShowsCreate(kCreate, Described("DELETING"), kFirstSent));
  EXPECT_FALSE(TableShowsCreate(kCreate, Described("UPDATING"), kFirstSent));
  // Created well before the request was first sent: a table that was there already.
  EXPECT_FALSE(TableShowsCreate(kCreate, Described("ACTIVE", 1'700'000'000 - 301), kFirstSent));
  EXPECT_FALSE(TableShowsCreate(kCreate, Described("ACTIVE", 0), kFirstSent));
  EXPECT_FALSE(TableShowsCreate(kCreate, Described("CREATING", 1'700'000'001, "[]"), kFirstSent));
  EXPECT_FALSE(TableShowsCreate(kCreate, Described("CREATING", 1'700'000'001, ""), kFirstSent));
  EXPECT_FALSE(TableShowsCreate(
      kCreate,
      Described(
          "CREATING", 1'700'000'001,
          R"([{"IndexName":"ByCat","KeySchema":[{"AttributeName":"other","KeyType":"HASH"}]}])"),
      kFirstSent));
  EXPECT_FALSE(TableShowsCreate(kCreate,
                                Described("CREATING", 1'700'000'001,
                                          R"([{"IndexName":"ByCat","KeySchema":[)"
                                          R"({"AttributeName":"cat","KeyType":"HASH"}]},)"
                                          R"({"IndexName":"More","KeySchema":[)"
                                          R"({"AttributeName":"x","KeyType":"HASH"}]}])"),
                                kFirstSent));
  const TableDescription other_key =
      Described("CREATING", 1'700'000'001.5,
                R"([{"IndexName":"ByCat","KeySchema":[{"AttributeName":"cat",)"
                R"("KeyType":"HASH"}]}])",
                "id");
  EXPECT_FALSE(TableShowsCreate(kCreate, other_key, kFirstSent));
  // The same key names, but the sort key a string where a number was asked for.
  const TableDescription other_type =
      Described("CREATING", 1'700'000'001.5,
                R"([{"IndexName":"ByCat","KeySchema":[{"AttributeName":"cat",)"
                R"("KeyType":"HASH"}]}])",
                "pk", "S");
  EXPECT_FALSE(TableShowsCreate(kCreate, other_type, kFirstSent));
  TableDescription other_name = Described();
  other_name.table_name = "Other";
  EXPECT_FALSE(TableShowsCreate(kCreate, other_name, kFirstSent));
  EXPECT_FALSE(TableShowsCreate("not json", Described(), kFirstSent));
}

constexpr char kAddIndex[] =
    R"({"TableName":"Copy","AttributeDefinitions":[{"AttributeName":"cat","AttributeType":"S"}],)"
    R"("GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"ByCat","KeySchema":[)"
    R"({"AttributeName":"cat","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]})";

TEST(AppliedChangeTest, AnIndexBeingBuiltOrBuiltWithTheAskedKeysShowsItsCreation) {
  EXPECT_TRUE(TableShowsIndexesCreated(kAddIndex, Described("UPDATING")));
  EXPECT_TRUE(TableShowsIndexesCreated(kAddIndex,
                                       Described("ACTIVE", 1,
                                                 R"([{"IndexName":"ByCat","IndexStatus":"ACTIVE",)"
                                                 R"("KeySchema":[{"AttributeName":"cat",)"
                                                 R"("KeyType":"HASH"}]}])")));
}

TEST(AppliedChangeTest, AMissingDifferentOrDeletedIndexOrAnotherUpdateIsNotShown) {
  EXPECT_FALSE(TableShowsIndexesCreated(kAddIndex, Described("ACTIVE", 1, "")));
  EXPECT_FALSE(TableShowsIndexesCreated(
      kAddIndex, Described("ACTIVE", 1,
                           R"([{"IndexName":"ByCat","IndexStatus":"DELETING",)"
                           R"("KeySchema":[{"AttributeName":"cat",)"
                           R"("KeyType":"HASH"}]}])")));
  EXPECT_FALSE(TableShowsIndexesCreated(kAddIndex,
                                        Described("ACTIVE", 1,
                                                  R"([{"IndexName":"ByCat","IndexStatus":"ACTIVE",)"
                                                  R"("KeySchema":[{"AttributeName":"cat",)"
                                                  R"("KeyType":"RANGE"}]}])")));
  // Only index creation is recognised, and only for this table.
  EXPECT_FALSE(TableShowsIndexesCreated(
      R"({"TableName":"Copy","BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexUpdates":)"
      R"([{"Create":{"IndexName":"ByCat","KeySchema":[{"AttributeName":"cat","KeyType":"HASH"}]}}]})",
      Described("UPDATING")));
  EXPECT_FALSE(TableShowsIndexesCreated(
      R"({"TableName":"Copy","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"Old"}}]})",
      Described("UPDATING")));
  EXPECT_FALSE(TableShowsIndexesCreated(R"({"TableName":"Copy"})", Described("UPDATING")));
  TableDescription other_name = Described("UPDATING");
  other_name.table_name = "Other";
  EXPECT_FALSE(TableShowsIndexesCreated(kAddIndex, other_name));
}

TEST(AppliedChangeTest, TimeToLiveShowsWhatWasAsked) {
  EXPECT_TRUE(TimeToLiveShows({"ENABLED", "expires_at"}, "expires_at", true));
  EXPECT_TRUE(TimeToLiveShows({"ENABLING", "expires_at"}, "expires_at", true));
  EXPECT_FALSE(TimeToLiveShows({"ENABLED", "other"}, "expires_at", true));
  EXPECT_FALSE(TimeToLiveShows({"DISABLED", ""}, "expires_at", true));
  EXPECT_TRUE(TimeToLiveShows({"DISABLED", ""}, "expires_at", false));
  EXPECT_TRUE(TimeToLiveShows({"DISABLING", "expires_at"}, "expires_at", false));
  EXPECT_FALSE(TimeToLiveShows({"ENABLED", "expires_at"}, "expires_at", false));
}

}  // namespace
}  // namespace ddbm::dynamodb
