#include "dynamodb/table_definition.h"

#include <gtest/gtest.h>

#include "dynamodb/client.h"

namespace ddbm::dynamodb {
namespace {

constexpr std::string_view kTable =
    R"({"TableName":"orders","TableArn":"arn:aws:dynamodb:eu-west-1:111111111111:table/orders",)"
    R"("TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
    R"({"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[)"
    R"({"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],)"
    R"("BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},"ItemCount":3})";

TEST(TableDefinitionTest, RoundTripsEverySetting) {
  TableDefinition d;
  d.table = *ParseTableDescription("DescribeTable", kTable);
  d.settings.ttl = TimeToLiveDescription{"ENABLED", "expires"};
  d.settings.backups = ContinuousBackupsDescription{"ENABLED", "ENABLED", 7};
  d.settings.tags = {{"team", "orders"}, {"env", "prod"}};
  const std::string text = SerializeTableDefinition(d);
  aws::Result<TableDefinition> back = ParseTableDefinition(text, "x.json");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->table.table_name, "orders");
  EXPECT_EQ(back->table.KeySchemaText(), d.table.KeySchemaText());
  ASSERT_TRUE(back->settings.ttl);
  EXPECT_EQ(back->settings.ttl->attribute_name, "expires");
  ASSERT_TRUE(back->settings.backups);
  EXPECT_EQ(back->settings.backups->point_in_time_recovery_status, "ENABLED");
  EXPECT_EQ(back->settings.backups->recovery_period_in_days, 7);
  ASSERT_EQ(back->settings.tags.size(), 2u);
  EXPECT_EQ(back->settings.tags[1].value, "prod");
  EXPECT_FALSE(back->settings.tags_unread);
}

TEST(TableDefinitionTest, KeepsWhyASettingWasNotRead) {
  TableDefinition d;
  d.table = *ParseTableDescription("DescribeTable", kTable);
  d.settings.backups_unread = "UnknownOperationException";
  d.settings.tags_unread = "Tagging is not currently supported";
  aws::Result<TableDefinition> back = ParseTableDefinition(SerializeTableDefinition(d), "x");
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->settings.backups);
  EXPECT_EQ(back->settings.backups_unread, "UnknownOperationException");
  EXPECT_EQ(back->settings.tags_unread.value_or(""), "Tagging is not currently supported");
  // The plan built from it says so.
  TargetTableOptions options;
  options.target_table_name = "restored";
  aws::Result<TargetTablePlan> plan = PlanTargetTableWith(back->table, options, back->settings);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  bool noted = false;
  for (const SettingNote& note : plan->notes) {
    if (note.setting == "tags" && !note.copied &&
        note.detail.find("Tagging is not currently supported") != std::string::npos) {
      noted = true;
    }
  }
  EXPECT_TRUE(noted);
}

TEST(TableDefinitionTest, RejectsWhatIsNotADefinition) {
  EXPECT_FALSE(ParseTableDefinition("[]", "d.json").ok());
  EXPECT_FALSE(ParseTableDefinition(R"({"Version":1})", "d.json").ok());
  aws::Result<TableDefinition> bad = ParseTableDefinition(R"({"Version":2,"Table":{}})", "d.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("d.json"), std::string::npos);
}

}  // namespace
}  // namespace ddbm::dynamodb
