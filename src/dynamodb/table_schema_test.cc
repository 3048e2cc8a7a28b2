// Target table planning from DescribeTable answers, and its creation over a scripted transport.
#include "dynamodb/table_schema.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "aws/static_providers.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"
#include "testing/text_assertions.h"

namespace ddbm::dynamodb {
namespace {

namespace fs = std::filesystem;
using aws::ErrorKind;
using aws::Result;
using aws::Status;
using testing::FakeClock;
using testing::HasText;
using testing::LacksText;
using testing::ScriptedTransport;

const fs::path kResponses = fs::path(DDBM_REFDATA_DIR) / "responses";

// A provisioned table with every copyable setting, as DescribeTable reports it: read-only
// members at every level, timestamps as epoch seconds.
constexpr std::string_view kOrdersTable = R"({
  "AttributeDefinitions": [
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "N"},
    {"AttributeName": "gsi1pk", "AttributeType": "S"},
    {"AttributeName": "gsi1sk", "AttributeType": "S"},
    {"AttributeName": "status", "AttributeType": "S"},
    {"AttributeName": "created", "AttributeType": "N"},
    {"AttributeName": "digest", "AttributeType": "B"}
  ],
  "TableName": "Orders",
  "KeySchema": [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"}
  ],
  "TableStatus": "ACTIVE",
  "CreationDateTime": 1712345678.123,
  "ProvisionedThroughput": {
    "LastIncreaseDateTime": 1712345000.5,
    "LastDecreaseDateTime": 1712346000.25,
    "NumberOfDecreasesToday": 2,
    "ReadCapacityUnits": 25,
    "WriteCapacityUnits": 10
  },
  "TableSizeBytes": 123456789,
  "ItemCount": 98765,
  "TableArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders",
  "TableId": "e0a3a1a2-4b7c-4d6e-9f10-1a2b3c4d5e6f",
  "BillingModeSummary": {
    "BillingMode": "PROVISIONED",
    "LastUpdateToPayPerRequestDateTime": 1700000000.0
  },
  "LocalSecondaryIndexes": [
    {
      "IndexName": "ByCreated",
      "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "created", "KeyType": "RANGE"}
      ],
      "Projection": {"ProjectionType": "ALL"},
      "IndexSizeBytes": 1000,
      "ItemCount": 10,
      "IndexArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/index/ByCreated"
    },
    {
      "IndexName": "ByDigest",
      "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "digest", "KeyType": "RANGE"}
      ],
      "Projection": {"ProjectionType": "KEYS_ONLY"},
      "IndexSizeBytes": 800,
      "ItemCount": 10,
      "IndexArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/index/ByDigest"
    }
  ],
  "GlobalSecondaryIndexes": [
    {
      "IndexName": "GSI1",
      "KeySchema": [
        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
        {"AttributeName": "gsi1sk", "KeyType": "RANGE"}
      ],
      "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total", "currency"]},
      "IndexStatus": "ACTIVE",
      "Backfilling": false,
      "ProvisionedThroughput": {
        "LastIncreaseDateTime": 1712345100.0,
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 5,
        "WriteCapacityUnits": 4
      },
      "IndexSizeBytes": 5000,
      "ItemCount": 50,
      "IndexArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/index/GSI1",
      "WarmThroughput": {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}
    },
    {
      "IndexName": "ByStatus",
      "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
      "Projection": {"ProjectionType": "KEYS_ONLY"},
      "IndexStatus": "ACTIVE",
      "ProvisionedThroughput": {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 1,
        "WriteCapacityUnits": 2
      },
      "IndexSizeBytes": 300,
      "ItemCount": 50,
      "IndexArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/index/ByStatus"
    }
  ],
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
  "LatestStreamLabel": "2024-04-05T19:34:38.123",
  "LatestStreamArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/stream/2024-04-05T19:34:38.123",
  "SSEDescription": {
    "Status": "ENABLED",
    "SSEType": "KMS",
    "KMSMasterKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  },
  "TableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS", "LastUpdateDateTime": 1712345999.0},
  "DeletionProtectionEnabled": true,
  "WarmThroughput": {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}
})";

// The CreateTable request kOrdersTable must turn into (target "OrdersCopy", tag team=orders).
constexpr std::string_view kOrdersCreateTable =
    R"({"TableName":"OrdersCopy","AttributeDefinitions":[)"
    R"({"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},)"
    R"({"AttributeName":"gsi1pk","AttributeType":"S"},{"AttributeName":"gsi1sk","AttributeType":"S"},)"
    R"({"AttributeName":"status","AttributeType":"S"},{"AttributeName":"created","AttributeType":"N"},)"
    R"({"AttributeName":"digest","AttributeType":"B"}],)"
    R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],)"
    R"("BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":25,"WriteCapacityUnits":10},)"
    R"("LocalSecondaryIndexes":[)"
    R"({"IndexName":"ByCreated","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
    R"({"AttributeName":"created","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}},)"
    R"({"IndexName":"ByDigest","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
    R"({"AttributeName":"digest","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}],)"
    R"("GlobalSecondaryIndexes":[)"
    R"({"IndexName":"GSI1","KeySchema":[{"AttributeName":"gsi1pk","KeyType":"HASH"},)"
    R"({"AttributeName":"gsi1sk","KeyType":"RANGE"}],)"
    R"("Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["total","currency"]},)"
    R"("ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":4}},)"
    R"({"IndexName":"ByStatus","KeySchema":[{"AttributeName":"status","KeyType":"HASH"}],)"
    R"("Projection":{"ProjectionType":"KEYS_ONLY"},)"
    R"("ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":2}}],)"
    R"("StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},)"
    R"("SSESpecification":{"Enabled":true,"SSEType":"KMS",)"
    R"("KMSMasterKeyId":"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},)"
    R"("TableClass":"STANDARD_INFREQUENT_ACCESS","DeletionProtectionEnabled":true,)"
    R"("Tags":[{"Key":"team","Value":"orders"}]})";

// Description members that only DynamoDB sets; none may appear anywhere in a request.
const std::set<std::string> kReadOnlyMembers = {"TableStatus",
                                                "CreationDateTime",
                                                "ItemCount",
                                                "TableSizeBytes",
                                                "TableArn",
                                                "TableId",
                                                "IndexStatus",
                                                "IndexSizeBytes",
                                                "IndexArn",
                                                "LatestStreamArn",
                                                "LatestStreamLabel",
                                                "Backfilling",
                                                "NumberOfDecreasesToday",
                                                "LastIncreaseDateTime",
                                                "LastDecreaseDateTime",
                                                "BillingModeSummary",
                                                "LastUpdateToPayPerRequestDateTime",
                                                "TableClassSummary",
                                                "LastUpdateDateTime",
                                                "SSEDescription",
                                                "KMSMasterKeyArn",
                                                "WarmThroughput",
                                                "Replicas",
                                                "GlobalTableVersion"};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TableDescription Describe(std::string_view table_json) {
  Result<TableDescription> d = ParseTableDescription("DescribeTable", table_json);
  EXPECT_TRUE(d.ok()) << d.error().ToString();
  return d.ok() ? *d : TableDescription{};
}

// The "Table" a localstack snapshot recorded for `test` under `entry`.
TableDescription FromSnapshot(std::string_view test, std::string_view entry) {
  static const std::string snapshot =
      ReadFile(kResponses / "localstack" / "test_dynamodb.snapshot.json");
  simdjson::dom::parser parser;
  simdjson::dom::element root, table;
  EXPECT_EQ(parser.parse(snapshot).get(root), simdjson::SUCCESS);
  EXPECT_EQ(root[test]["recorded-content"][entry]["Table"].get(table), simdjson::SUCCESS)
      << test << " " << entry;
  return Describe(simdjson::minify(table));
}

TargetTableOptions Target(std::string name, bool indexes_after = false) {
  TargetTableOptions o;
  o.target_table_name = std::move(name);
  o.create_indexes_after = indexes_after;
  return o;
}

const TimeToLiveDescription kTtlDisabled{"DISABLED", ""};
const ContinuousBackupsDescription kPitrDisabled{"ENABLED", "DISABLED"};

TargetTablePlan Plan(std::string_view table_json, const TargetTableOptions& options,
                     const std::vector<Tag>& tags = {},
                     const std::optional<TimeToLiveDescription>& ttl = kTtlDisabled,
                     const std::optional<ContinuousBackupsDescription>& backups = kPitrDisabled) {
  Result<TargetTablePlan> plan = PlanTargetTable(Describe(table_json), options, ttl, backups, tags);
  EXPECT_TRUE(plan.ok()) << plan.error().ToString();
  return plan.ok() ? *plan : TargetTablePlan{};
}

const SettingNote* FindNote(const TargetTablePlan& plan, std::string_view setting) {
  for (const SettingNote& note : plan.notes) {
    if (note.setting == setting) return &note;
  }
  return nullptr;
}

// Every member name anywhere in `e`.
void CollectKeys(simdjson::dom::element e, std::set<std::string>* out) {
  if (e.is_object()) {
    for (auto member : simdjson::dom::object(e)) {
      out->insert(std::string(member.key));
      CollectKeys(member.value, out);
    }
  } else if (e.is_array()) {
    for (simdjson::dom::element child : simdjson::dom::array(e)) CollectKeys(child, out);
  }
}

void ExpectNoReadOnlyMember(const std::string& request) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(request).get(root), simdjson::SUCCESS) << request;
  std::set<std::string> keys;
  CollectKeys(root, &keys);
  for (const std::string& key : keys) {
    EXPECT_EQ(kReadOnlyMembers.count(key), 0u) << key << " sent in " << request;
  }
}

std::vector<std::string> AttributeNames(simdjson::dom::element request) {
  std::vector<std::string> names;
  simdjson::dom::array definitions;
  EXPECT_EQ(request["AttributeDefinitions"].get(definitions), simdjson::SUCCESS);
  for (simdjson::dom::element d : definitions) {
    names.emplace_back(std::string_view(d["AttributeName"]));
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Planning

TEST(PlanTargetTableTest, ProvisionedTableWithEverySettingGivesTheExactCreateTable) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"),
                                    {{"team", "orders"}, {"aws:cloudformation:stack-name", "s"}});
  EXPECT_EQ(plan.table_name, "OrdersCopy");
  EXPECT_EQ(plan.create_table_json, kOrdersCreateTable);
  EXPECT_TRUE(plan.deferred_index_updates.empty());
  ASSERT_EQ(plan.tags.size(), 1u);
  EXPECT_EQ(plan.tags[0].key, "team");
  ExpectNoReadOnlyMember(plan.create_table_json);

  // The same facts, member by member.
  simdjson::dom::parser parser;
  simdjson::dom::element r;
  ASSERT_EQ(parser.parse(plan.create_table_json).get(r), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(r["TableName"]), "OrdersCopy");
  EXPECT_EQ(std::string_view(r["BillingMode"]), "PROVISIONED");
  EXPECT_EQ(int64_t(r["ProvisionedThroughput"]["ReadCapacityUnits"]), 25);
  EXPECT_EQ(int64_t(r["ProvisionedThroughput"]["WriteCapacityUnits"]), 10);
  EXPECT_EQ(simdjson::dom::object(r["ProvisionedThroughput"]).size(), 2u);
  EXPECT_EQ(std::string_view(r["KeySchema"].at(1)["AttributeName"]), "sk");
  EXPECT_EQ(std::string_view(r["KeySchema"].at(1)["KeyType"]), "RANGE");
  simdjson::dom::element gsi1 = r["GlobalSecondaryIndexes"].at(0);
  EXPECT_EQ(std::string_view(gsi1["Projection"]["ProjectionType"]), "INCLUDE");
  EXPECT_EQ(simdjson::dom::array(gsi1["Projection"]["NonKeyAttributes"]).size(), 2u);
  EXPECT_EQ(std::string_view(gsi1["Projection"]["NonKeyAttributes"].at(1)), "currency");
  EXPECT_EQ(int64_t(gsi1["ProvisionedThroughput"]["WriteCapacityUnits"]), 4);
  EXPECT_EQ(std::string_view(r["LocalSecondaryIndexes"].at(1)["Projection"]["ProjectionType"]),
            "KEYS_ONLY");
  EXPECT_EQ(std::string_view(r["StreamSpecification"]["StreamViewType"]), "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(std::string_view(r["SSESpecification"]["SSEType"]), "KMS");
  EXPECT_EQ(std::string_view(r["TableClass"]), "STANDARD_INFREQUENT_ACCESS");
  EXPECT_TRUE(bool(r["DeletionProtectionEnabled"]));
  EXPECT_EQ(AttributeNames(r), (std::vector<std::string>{"pk", "sk", "gsi1pk", "gsi1sk", "status",
                                                         "created", "digest"}));
}

TEST(PlanTargetTableTest, ProvisionedTableNotes) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"),
                                    {{"team", "orders"}, {"aws:cloudformation:stack-name", "s"}});
  struct Expected {
    std::string_view setting;
    bool copied;
    std::string_view detail_part;
  };
  for (const Expected& e : std::vector<Expected>{
           {"key schema", true, "pk (S, HASH), sk (N, RANGE)"},
           {"billing mode", true, "PROVISIONED"},
           {"provisioned throughput", true, "read 25, write 10"},
           {"local secondary index ByCreated", true, "projection ALL"},
           {"local secondary index ByDigest", true, "projection KEYS_ONLY"},
           {"global secondary index GSI1", true, "projection INCLUDE (total, currency); read 5"},
           {"global secondary index ByStatus", true, "created with the table"},
           {"stream", true, "NEW_AND_OLD_IMAGES"},
           {"encryption", true, "key/1234abcd-12ab-34cd-56ef-1234567890ab; the key must be usable"},
           {"table class", true, "STANDARD_INFREQUENT_ACCESS"},
           {"deletion protection", true, "enabled"},
           {"tags", true, "1 (team)"},
           {"tags reserved for AWS", false, "aws:cloudformation:stack-name"},
           {"time to live", true, "disabled on the source"},
           {"point-in-time recovery", true, "disabled on the source"},
           {"warm throughput", false,
            "table 12000 reads/s, 4000 writes/s; index GSI1 12000 reads/s, 4000 writes/s"},
           {"auto scaling", false, "not copied"},
           {"contributor insights", false, "not copied"},
           {"Kinesis streaming destinations", false, "not copied"},
           {"resource policy", false, "not copied"},
       }) {
    const SettingNote* note = FindNote(plan, e.setting);
    ASSERT_NE(note, nullptr) << e.setting;
    EXPECT_EQ(note->copied, e.copied) << e.setting;
    EXPECT_TRUE(HasText(note->detail, e.detail_part)) << e.setting;
  }
  EXPECT_EQ(FindNote(plan, "global table replicas"), nullptr);
  for (const SettingNote& note : plan.notes) {
    EXPECT_FALSE(note.setting.empty());
    EXPECT_FALSE(note.detail.empty()) << note.setting;
  }
}

TEST(PlanTargetTableTest, OnDemandTableFromARecordedAnswerSendsNoThroughput) {
  // Recorded against AWS: an on-demand table whose GSI reports ProvisionedThroughput 0/0 and
  // both report WarmThroughput.
  const TableDescription source = FromSnapshot(
      "tests/aws/services/dynamodb/test_dynamodb.py::TestDynamoDB::test_gsi_with_billing_mode"
      "[PAY_PER_REQUEST]",
      "describe-table");
  Result<TargetTablePlan> plan =
      PlanTargetTable(source, Target("copy"), kTtlDisabled, kPitrDisabled, {});
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(
      plan->create_table_json,
      R"({"TableName":"copy","AttributeDefinitions":[{"AttributeName":"TID","AttributeType":"S"},)"
      R"({"AttributeName":"TRID","AttributeType":"S"}],)"
      R"("KeySchema":[{"AttributeName":"TID","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST",)"
      R"("GlobalSecondaryIndexes":[{"IndexName":"TransactionRecordID",)"
      R"("KeySchema":[{"AttributeName":"TRID","KeyType":"HASH"}],)"
      R"("Projection":{"ProjectionType":"ALL"}}]})");
  ExpectNoReadOnlyMember(plan->create_table_json);
  EXPECT_EQ(FindNote(*plan, "provisioned throughput"), nullptr);
  EXPECT_EQ(FindNote(*plan, "auto scaling"), nullptr);
  const SettingNote* warm = FindNote(*plan, "warm throughput");
  ASSERT_NE(warm, nullptr);
  EXPECT_FALSE(warm->copied);
  EXPECT_TRUE(HasText(warm->detail, "table 12000 reads/s, 4000 writes/s"));
  EXPECT_TRUE(HasText(FindNote(*plan, "billing mode")->detail, "PAY_PER_REQUEST"));
  EXPECT_TRUE(HasText(FindNote(*plan, "table class")->detail, "STANDARD, the default"));
  EXPECT_TRUE(HasText(FindNote(*plan, "encryption")->detail, "AWS owned key"));
}

TEST(PlanTargetTableTest, TableWithoutBillingModeSummaryIsProvisioned) {
  // The API reference's DescribeTable example: no BillingModeSummary, decreases reported.
  const std::string examples = ReadFile(kResponses / "botocore" / "examples-1.json");
  simdjson::dom::parser parser;
  simdjson::dom::element root, table;
  ASSERT_EQ(parser.parse(examples).get(root), simdjson::SUCCESS);
  ASSERT_EQ(root["examples"]["DescribeTable"].at(0)["output"]["Table"].get(table),
            simdjson::SUCCESS);
  const TargetTablePlan plan = Plan(simdjson::minify(table), Target("Music2"));
  EXPECT_EQ(
      plan.create_table_json,
      R"({"TableName":"Music2","AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"},)"
      R"({"AttributeName":"SongTitle","AttributeType":"S"}],"KeySchema":[)"
      R"({"AttributeName":"Artist","KeyType":"HASH"},{"AttributeName":"SongTitle","KeyType":"RANGE"}],)"
      R"("BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}})");
}

TEST(PlanTargetTableTest, StreamFromARecordedCreateTable) {
  const std::string snapshot = ReadFile(kResponses / "localstack" / "test_dynamodb.snapshot.json");
  simdjson::dom::parser parser;
  simdjson::dom::element root, table;
  ASSERT_EQ(parser.parse(snapshot).get(root), simdjson::SUCCESS);
  ASSERT_EQ(root["tests/aws/services/dynamodb/test_dynamodb.py::TestDynamoDB::"
                 "test_batch_write_items_streaming"]["recorded-content"]["create-table"]
                ["TableDescription"]
                    .get(table),
            simdjson::SUCCESS);
  const TargetTablePlan plan = Plan(simdjson::minify(table), Target("streamed"));
  EXPECT_TRUE(HasText(
      plan.create_table_json,
      R"("StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"})"));
  ExpectNoReadOnlyMember(plan.create_table_json);
}

TEST(PlanTargetTableTest, CreateIndexesAfterMovesEachGlobalIndexIntoItsOwnUpdateTable) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  simdjson::dom::parser parser;
  simdjson::dom::element r;
  ASSERT_EQ(parser.parse(plan.create_table_json).get(r), simdjson::SUCCESS);
  simdjson::dom::element ignored;
  EXPECT_NE(r["GlobalSecondaryIndexes"].get(ignored), simdjson::SUCCESS);
  // Local indexes cannot be added later: they stay in CreateTable, with their attributes.
  EXPECT_EQ(simdjson::dom::array(r["LocalSecondaryIndexes"]).size(), 2u);
  EXPECT_EQ(AttributeNames(r), (std::vector<std::string>{"pk", "sk", "created", "digest"}));
  ExpectNoReadOnlyMember(plan.create_table_json);

  ASSERT_EQ(plan.deferred_index_updates.size(), 2u);
  EXPECT_EQ(
      plan.deferred_index_updates[0],
      R"({"TableName":"OrdersCopy","AttributeDefinitions":[)"
      R"({"AttributeName":"gsi1pk","AttributeType":"S"},{"AttributeName":"gsi1sk","AttributeType":"S"}],)"
      R"("GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"GSI1","KeySchema":[)"
      R"({"AttributeName":"gsi1pk","KeyType":"HASH"},{"AttributeName":"gsi1sk","KeyType":"RANGE"}],)"
      R"("Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["total","currency"]},)"
      R"("ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":4}}}]})");
  EXPECT_EQ(
      plan.deferred_index_updates[1],
      R"({"TableName":"OrdersCopy","AttributeDefinitions":[{"AttributeName":"status","AttributeType":"S"}],)"
      R"("GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"ByStatus","KeySchema":[)"
      R"({"AttributeName":"status","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"},)"
      R"("ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":2}}}]})");
  for (const std::string& body : plan.deferred_index_updates) ExpectNoReadOnlyMember(body);
  EXPECT_TRUE(HasText(FindNote(plan, "global secondary index GSI1")->detail,
                      "created with UpdateTable after the data load"));
}

TEST(PlanTargetTableTest, GlobalIndexSharingTheTableKeyNeedsOnlyItsOwnDefinitions) {
  // An index keyed on the table's sort key: its UpdateTable defines just that attribute, and
  // CreateTable still defines it for the table.
  constexpr std::string_view kTable = R"({"TableName":"t","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
                            {"AttributeName":"sk","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
    "GlobalSecondaryIndexes":[{"IndexName":"Inverted","IndexStatus":"ACTIVE",
      "KeySchema":[{"AttributeName":"sk","KeyType":"HASH"},{"AttributeName":"pk","KeyType":"RANGE"}],
      "Projection":{"ProjectionType":"ALL"},
      "OnDemandThroughput":{"MaxReadRequestUnits":200,"MaxWriteRequestUnits":-1}}]})";
  const TargetTablePlan plan = Plan(kTable, Target("t2", /*indexes_after=*/true));
  EXPECT_TRUE(HasText(FindNote(plan, "global secondary index Inverted")->detail,
                      "projection ALL; on-demand maximum read 200 request units/s;"));
  EXPECT_EQ(
      plan.create_table_json,
      R"({"TableName":"t2","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},)"
      R"({"AttributeName":"sk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
      R"({"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"})");
  ASSERT_EQ(plan.deferred_index_updates.size(), 1u);
  EXPECT_EQ(
      plan.deferred_index_updates[0],
      R"({"TableName":"t2","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},)"
      R"({"AttributeName":"sk","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":{)"
      R"("IndexName":"Inverted","KeySchema":[{"AttributeName":"sk","KeyType":"HASH"},)"
      R"({"AttributeName":"pk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"},)"
      R"("OnDemandThroughput":{"MaxReadRequestUnits":200,"MaxWriteRequestUnits":-1}}}]})");
}

TEST(PlanTargetTableTest, OnlyKeyAttributesAreDefined) {
  constexpr std::string_view kTable = R"({"TableName":"t","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"unused","AttributeType":"N"},
                            {"AttributeName":"id","AttributeType":"B"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"}})";
  const TargetTablePlan plan = Plan(kTable, Target("t2"));
  EXPECT_EQ(
      plan.create_table_json,
      R"({"TableName":"t2","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"B"}],)"
      R"("KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})");
}

TEST(PlanTargetTableTest, OnDemandMaximaAreCopiedOnlyWhenSet) {
  constexpr std::string_view kLimited = R"({"TableName":"t","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
    "OnDemandThroughput":{"MaxReadRequestUnits":1000,"MaxWriteRequestUnits":500}})";
  TargetTablePlan plan = Plan(kLimited, Target("t2"));
  EXPECT_TRUE(HasText(plan.create_table_json,
                      R"("BillingMode":"PAY_PER_REQUEST","OnDemandThroughput":)"
                      R"({"MaxReadRequestUnits":1000,"MaxWriteRequestUnits":500}})"));
  EXPECT_TRUE(HasText(FindNote(plan, "maximum on-demand throughput")->detail, "read 1000"));

  constexpr std::string_view kUnlimited = R"({"TableName":"t","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
    "OnDemandThroughput":{"MaxReadRequestUnits":-1,"MaxWriteRequestUnits":-1}})";
  plan = Plan(kUnlimited, Target("t2"));
  EXPECT_TRUE(LacksText(plan.create_table_json, "OnDemandThroughput"));
  EXPECT_EQ(FindNote(plan, "maximum on-demand throughput"), nullptr);

  // One maximum set: the other goes as -1 ("no maximum"), which DynamoDB Local needs present.
  constexpr std::string_view kReadsLimited = R"({"TableName":"t","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
    "OnDemandThroughput":{"MaxReadRequestUnits":-1,"MaxWriteRequestUnits":300}})";
  plan = Plan(kReadsLimited, Target("t2"));
  EXPECT_TRUE(
      HasText(plan.create_table_json,
              R"("OnDemandThroughput":{"MaxReadRequestUnits":-1,"MaxWriteRequestUnits":300})"));
}

TEST(PlanTargetTableTest, TtlAndPointInTimeRecoveryAreAppliedAfterCreation) {
  const TargetTablePlan plan =
      Plan(kOrdersTable, Target("OrdersCopy"), {}, TimeToLiveDescription{"ENABLED", "expires_at"},
           ContinuousBackupsDescription{"ENABLED", "ENABLED"});
  ASSERT_TRUE(plan.ttl.has_value());
  EXPECT_EQ(plan.ttl->status, "ENABLED");
  EXPECT_EQ(plan.ttl->attribute_name, "expires_at");
  EXPECT_TRUE(plan.point_in_time_recovery);
  // Neither is a CreateTable parameter.
  EXPECT_TRUE(LacksText(plan.create_table_json, "expires_at"));
  EXPECT_TRUE(LacksText(plan.create_table_json, "PointInTime"));
  EXPECT_TRUE(FindNote(plan, "time to live")->copied);
  EXPECT_TRUE(HasText(FindNote(plan, "time to live")->detail, "expires_at"));
  EXPECT_TRUE(FindNote(plan, "point-in-time recovery")->copied);

  // ENABLING counts as enabled; DISABLING does not.
  EXPECT_TRUE(
      Plan(kOrdersTable, Target("x"), {}, TimeToLiveDescription{"ENABLING", "e"}).ttl.has_value());
  EXPECT_FALSE(
      Plan(kOrdersTable, Target("x"), {}, TimeToLiveDescription{"DISABLING", "e"}).ttl.has_value());
}

TEST(PlanTargetTableTest, SettingsNotReadAreNotedAsNotCopied) {
  const TargetTablePlan plan =
      Plan(kOrdersTable, Target("OrdersCopy"), {}, std::nullopt, std::nullopt);
  EXPECT_FALSE(plan.ttl.has_value());
  EXPECT_FALSE(plan.point_in_time_recovery);
  for (std::string_view setting : {"time to live", "point-in-time recovery"}) {
    const SettingNote* note = FindNote(plan, setting);
    ASSERT_NE(note, nullptr);
    EXPECT_FALSE(note->copied);
    EXPECT_TRUE(HasText(note->detail, "not read from the source"));
  }
}

TEST(PlanTargetTableTest, GlobalTableAndUnknownMembersAreNoted) {
  constexpr std::string_view kTable = R"({"TableName":"g","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
    "GlobalTableVersion":"2019.11.21",
    "Replicas":[{"RegionName":"us-east-1","ReplicaStatus":"ACTIVE"},
                {"RegionName":"eu-west-1","ReplicaStatus":"ACTIVE"}],
    "SSEDescription":{"Status":"ENABLED","SSEType":"AES256"},
    "FutureSetting":{"Enabled":true},
    "GlobalSecondaryIndexes":[{"IndexName":"byId","IndexStatus":"ACTIVE",
      "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},
      "IndexFuture":1}]})";
  const TargetTablePlan plan = Plan(kTable, Target("g2"));
  const SettingNote* global = FindNote(plan, "global table replicas");
  ASSERT_NE(global, nullptr);
  EXPECT_FALSE(global->copied);
  EXPECT_TRUE(HasText(global->detail, "version 2019.11.21"));
  EXPECT_TRUE(HasText(global->detail, "us-east-1, eu-west-1"));
  EXPECT_TRUE(LacksText(plan.create_table_json, "Replica"));
  EXPECT_TRUE(LacksText(plan.create_table_json, "SSESpecification"));  // AES256: default
  const SettingNote* unknown = FindNote(plan, "FutureSetting");
  ASSERT_NE(unknown, nullptr);
  EXPECT_FALSE(unknown->copied);
  EXPECT_TRUE(LacksText(plan.create_table_json, "FutureSetting"));
  const SettingNote* index_unknown = FindNote(plan, "global secondary index byId: IndexFuture");
  ASSERT_NE(index_unknown, nullptr);
  EXPECT_FALSE(index_unknown->copied);
}

TEST(PlanTargetTableTest, KmsWithoutAKeyArnUsesTheAwsManagedKey) {
  constexpr std::string_view kTable = R"({"TableName":"k","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
    "SSEDescription":{"Status":"ENABLED","SSEType":"KMS"}})";
  const TargetTablePlan plan = Plan(kTable, Target("k2"));
  EXPECT_TRUE(
      HasText(plan.create_table_json, R"("SSESpecification":{"Enabled":true,"SSEType":"KMS"}})"));
  EXPECT_TRUE(HasText(FindNote(plan, "encryption")->detail, "AWS managed KMS key"));
}

TEST(PlanTargetTableTest, AKmsKeyOfAnotherRegionIsLeftOutAndSaidSo) {
  constexpr std::string_view kTable = R"({"TableName":"k","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
    "SSEDescription":{"Status":"ENABLED","SSEType":"KMS",
      "KMSMasterKeyArn":"arn:aws:kms:eu-west-1:123456789012:key/1234abcd"}})";
  TargetTableOptions same = Target("k2");
  same.target_region = "eu-west-1";
  TargetTablePlan plan = Plan(kTable, same);
  EXPECT_TRUE(HasText(plan.create_table_json,
                      R"("KMSMasterKeyId":"arn:aws:kms:eu-west-1:123456789012:key/1234abcd")"));
  EXPECT_EQ(FindNote(plan, "encryption key"), nullptr);

  TargetTableOptions other = Target("k2");
  other.target_region = "ap-southeast-2";
  plan = Plan(kTable, other);
  EXPECT_TRUE(
      HasText(plan.create_table_json, R"("SSESpecification":{"Enabled":true,"SSEType":"KMS"}})"));
  EXPECT_TRUE(LacksText(plan.create_table_json, "KMSMasterKeyId"));
  const SettingNote* key = FindNote(plan, "encryption key");
  ASSERT_NE(key, nullptr);
  EXPECT_FALSE(key->copied);
  EXPECT_TRUE(HasText(key->detail,
                      "arn:aws:kms:eu-west-1:123456789012:key/1234abcd is a key of "
                      "another region than the target's (ap-southeast-2)"));
  EXPECT_TRUE(HasText(FindNote(plan, "encryption")->detail, "AWS managed KMS key"));
}

TEST(PlanTargetTableTest, AnIndexBeingDeletedIsNotCopied) {
  constexpr std::string_view kTable = R"({"TableName":"g","TableStatus":"ACTIVE",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},
      {"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"N"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
    "GlobalSecondaryIndexes":[
      {"IndexName":"byA","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],
       "Projection":{"ProjectionType":"KEYS_ONLY"},"IndexStatus":"ACTIVE"},
      {"IndexName":"byB","KeySchema":[{"AttributeName":"b","KeyType":"HASH"}],
       "Projection":{"ProjectionType":"ALL"},"IndexStatus":"DELETING"}]})";
  const TargetTablePlan plan = Plan(kTable, Target("g2"));
  EXPECT_TRUE(HasText(plan.create_table_json, R"("IndexName":"byA")"));
  EXPECT_TRUE(LacksText(plan.create_table_json, "byB"));
  EXPECT_TRUE(LacksText(plan.create_table_json, R"("AttributeName":"b")"));
  const SettingNote* deleting = FindNote(plan, "global secondary index byB");
  ASSERT_NE(deleting, nullptr);
  EXPECT_FALSE(deleting->copied);
  EXPECT_TRUE(HasText(deleting->detail, "being deleted"));
}

TEST(PlanTargetTableTest, DescriptionsThatCannotBeCopiedAreErrors) {
  const TimeToLiveDescription ttl = kTtlDisabled;
  auto plan_of = [&](std::string json, std::string target = "t2") {
    TableDescription d;
    d.table_name = "t";
    d.raw_json = std::move(json);
    return PlanTargetTable(d, Target(std::move(target)), ttl, kPitrDisabled, {});
  };
  Result<TargetTablePlan> no_name = plan_of(std::string(kOrdersTable), "");
  ASSERT_FALSE(no_name.ok());
  EXPECT_EQ(no_name.error().kind, ErrorKind::kInvalidInput);

  Result<TargetTablePlan> not_json = plan_of("{");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.error().kind, ErrorKind::kCorruption);

  Result<TargetTablePlan> no_keys = plan_of(R"({"TableName":"t"})");
  ASSERT_FALSE(no_keys.ok());
  EXPECT_TRUE(HasText(no_keys.error().message, "KeySchema"));

  Result<TargetTablePlan> undefined = plan_of(
      R"({"TableName":"t","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],)"
      R"("AttributeDefinitions":[],"BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"}})");
  ASSERT_FALSE(undefined.ok());
  EXPECT_TRUE(HasText(undefined.error().message, "key attribute id"));

  Result<TargetTablePlan> index_without_capacity =
      plan_of(R"({"TableName":"t","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],)"
              R"("AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],)"
              R"("ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},)"
              R"("GlobalSecondaryIndexes":[{"IndexName":"byId","KeySchema":[{"AttributeName":"id",)"
              R"("KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]})");
  ASSERT_FALSE(index_without_capacity.ok());
  EXPECT_TRUE(HasText(index_without_capacity.error().message, "byId"));
}

// ---------------------------------------------------------------------------------------------
// Talking to DynamoDB

// A DescribeTable/CreateTable/UpdateTable answer for table "OrdersCopy".
std::string TableAnswer(std::string_view member, std::string_view status,
                        std::string_view gsis_json = "") {
  std::string out = std::string(R"({")") + std::string(member) +
                    R"(":{"TableName":"OrdersCopy","TableStatus":")" + std::string(status) +
                    R"(","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],)"
                    R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}])";
  if (!gsis_json.empty()) out += R"(,"GlobalSecondaryIndexes":)" + std::string(gsis_json);
  return out + "}}";
}

std::string ErrorAnswer(std::string_view code, std::string_view message) {
  return std::string(R"({"__type":"com.amazonaws.dynamodb.v20120810#)") + std::string(code) +
         R"(","message":")" + std::string(message) + R"("})";
}

class TargetTableClientTest : public ::testing::Test {
 protected:
  TargetTableClientTest() {
    aws::ServiceClientConfig config;
    config.service = "dynamodb";
    config.signing_name = "dynamodb";
    config.region = "eu-west-1";
    config.endpoint = *aws::ParseUrl("https://dynamodb.eu-west-1.amazonaws.com");
    config.credentials = std::make_shared<aws::StaticProvider>(
        aws::Credentials{"AKID", "SECRET", "", std::nullopt, "test"});
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = 1;
    service_ = std::make_unique<aws::ServiceClient>(std::move(config));
    client_ = std::make_unique<DynamoDbClient>(service_.get());
  }

  std::vector<std::string> SentOperations() const {
    std::vector<std::string> out;
    for (const aws::HttpRequest& r : transport_.requests()) {
      const std::string* target = r.FindHeader("X-Amz-Target");
      out.push_back(target == nullptr ? "" : target->substr(target->find('.') + 1));
    }
    return out;
  }
  std::string SentBody(size_t i) const {
    const std::vector<aws::HttpRequest> sent = transport_.requests();
    return i < sent.size() ? sent[i].body : std::string();
  }

  FakeClock clock_;
  ScriptedTransport transport_;
  std::unique_ptr<aws::ServiceClient> service_;
  std::unique_ptr<DynamoDbClient> client_;
};

TEST_F(TargetTableClientTest, CreatesWaitsThenEnablesTtlAndPointInTimeRecovery) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"), {{"team", "orders"}},
                              TimeToLiveDescription{"ENABLED", "expires_at"},
                              ContinuousBackupsDescription{"ENABLED", "ENABLED"});
  transport_.Respond(200, TableAnswer("TableDescription", "CREATING"));
  transport_.Respond(200, TableAnswer("Table", "CREATING"));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(
      200, R"({"TimeToLiveSpecification":{"AttributeName":"expires_at","Enabled":true}})");
  // Right after creation DynamoDB is not ready for backups yet.
  transport_.Respond(400, ErrorAnswer("ContinuousBackupsUnavailableException",
                                      "Backups are being enabled for the table: OrdersCopy"));
  transport_.Respond(
      200, R"({"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED",)"
           R"("PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"ENABLED"}}})");
  const std::vector<SettingNote> notes_before = plan.notes;

  Status status = CreateTargetTable(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(
      SentOperations(),
      (std::vector<std::string>{"CreateTable", "DescribeTable", "DescribeTable", "UpdateTimeToLive",
                                "UpdateContinuousBackups", "UpdateContinuousBackups"}));
  EXPECT_EQ(SentBody(0), kOrdersCreateTable);
  EXPECT_EQ(SentBody(1), R"({"TableName":"OrdersCopy"})");
  EXPECT_EQ(SentBody(3), R"({"TableName":"OrdersCopy","TimeToLiveSpecification":)"
                         R"({"AttributeName":"expires_at","Enabled":true}})");
  EXPECT_EQ(SentBody(4), R"({"TableName":"OrdersCopy","PointInTimeRecoverySpecification":)"
                         R"({"PointInTimeRecoveryEnabled":true}})");
  EXPECT_EQ(SentBody(5), SentBody(4));
  EXPECT_EQ(clock_.sleeps(), (std::vector<std::chrono::nanoseconds>{std::chrono::milliseconds(500),
                                                                    std::chrono::seconds(5)}));
  EXPECT_EQ(transport_.remaining(), 0u);
  ASSERT_EQ(plan.notes.size(), notes_before.size());
  for (size_t i = 0; i < plan.notes.size(); ++i) {
    EXPECT_EQ(plan.notes[i].copied, notes_before[i].copied) << plan.notes[i].setting;
    EXPECT_EQ(plan.notes[i].detail, notes_before[i].detail) << plan.notes[i].setting;
  }
}

// A run killed while it created the table: the resume finds it (here still CREATING), waits for
// it and applies what is not on yet, without a second CreateTable.
TEST_F(TargetTableClientTest, FinishingATableAnEarlierRunCreatedSkipsWhatIsAlreadyOn) {
  TargetTablePlan plan =
      Plan(kOrdersTable, Target("OrdersCopy"), {}, TimeToLiveDescription{"ENABLED", "expires_at"},
           ContinuousBackupsDescription{"ENABLED", "ENABLED"});
  transport_.Respond(200, TableAnswer("Table", "CREATING"));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(200, R"({"TimeToLiveDescription":{"AttributeName":"expires_at",)"
                          R"("TimeToLiveStatus":"ENABLED"}})");
  transport_.Respond(
      200, R"({"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED",)"
           R"("PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"ENABLED"}}})");
  Status status = FinishTargetTable(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(SentOperations(),
            (std::vector<std::string>{"DescribeTable", "DescribeTable", "DescribeTimeToLive",
                                      "DescribeContinuousBackups"}));
  EXPECT_EQ(transport_.remaining(), 0u);
  EXPECT_TRUE(FindNote(plan, "time to live")->copied);
  EXPECT_TRUE(FindNote(plan, "point-in-time recovery")->copied);
}

// A stop while a setting is enabled is no failure to enable it: the table is left unfinished
// (kCancelled), for a resume to finish, not reported as lacking the setting.
TEST_F(TargetTableClientTest, AStopWhileEnablingASettingLeavesTheTableUnfinished) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"), {},
                              TimeToLiveDescription{"ENABLED", "expires_at"}, std::nullopt);
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(200, R"({"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}})");
  transport_.Push([](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> {
    return aws::Error::Make(ErrorKind::kCancelled, "gave up waiting for the answer");
  });
  Status status = FinishTargetTable(*client_, plan);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(plan.settings_not_applied.empty());
}

TEST_F(TargetTableClientTest, FinishingATableWithoutTtlYetEnablesIt) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"), {},
                              TimeToLiveDescription{"ENABLED", "expires_at"}, std::nullopt);
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(200, R"({"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}})");
  transport_.Respond(
      200, R"({"TimeToLiveSpecification":{"AttributeName":"expires_at","Enabled":true}})");
  Status status = FinishTargetTable(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(SentOperations(),
            (std::vector<std::string>{"DescribeTable", "DescribeTimeToLive", "UpdateTimeToLive"}));
  EXPECT_TRUE(FindNote(plan, "time to live")->copied);
}

// Point-in-time recovery off, or on with another recovery period than planned: enabled.
TEST_F(TargetTableClientTest, FinishingATableEnablesRecoveryThatIsOffOrOfAnotherPeriod) {
  const std::string off =
      R"({"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED",)"
      R"("PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"DISABLED"}}})";
  const std::string other_period =
      R"({"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED",)"
      R"("PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"ENABLED",)"
      R"("RecoveryPeriodInDays":35}}})";
  for (const std::string& answer : {off, other_period}) {
    TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"), {}, std::nullopt,
                                ContinuousBackupsDescription{"ENABLED", "ENABLED", 7});
    transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
    transport_.Respond(200, answer);
    transport_.Respond(200, answer);  // the answer to the update, not read
    Status status = FinishTargetTable(*client_, plan);
    ASSERT_TRUE(status.ok()) << status.error().ToString();
    EXPECT_TRUE(FindNote(plan, "point-in-time recovery")->copied);
  }
  EXPECT_EQ(SentOperations(),
            (std::vector<std::string>{"DescribeTable", "DescribeContinuousBackups",
                                      "UpdateContinuousBackups", "DescribeTable",
                                      "DescribeContinuousBackups", "UpdateContinuousBackups"}));
  EXPECT_EQ(SentBody(2), R"({"TableName":"OrdersCopy","PointInTimeRecoverySpecification":)"
                         R"({"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":7}})");
  EXPECT_EQ(SentBody(5), SentBody(2));
}

TEST_F(TargetTableClientTest, ExistingTableIsAClearError) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"));
  transport_.Respond(400,
                     ErrorAnswer("ResourceInUseException", "Table already exists: OrdersCopy"));
  Status status = CreateTargetTable(*client_, plan);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(status.error().code, "ResourceInUseException");
  EXPECT_TRUE(HasText(status.error().message, "target table OrdersCopy already exists"));
  EXPECT_TRUE(HasText(status.error().message, "drop --create-target"));
  EXPECT_TRUE(HasText(status.error().message, "--target-table"));
  EXPECT_EQ(SentOperations(), std::vector<std::string>{"CreateTable"});
}

TEST_F(TargetTableClientTest, OtherCreateTableFailuresAreReturnedAsTheyAre) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"));
  transport_.Respond(400, ErrorAnswer("ValidationException", "KMS key not accessible"));
  Status status = CreateTargetTable(*client_, plan);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kService);
  EXPECT_EQ(status.error().code, "ValidationException");
  EXPECT_EQ(status.error().message, "KMS key not accessible");
}

TEST_F(TargetTableClientTest, TtlAndBackupFailuresAreNotedAndListedAsNotApplied) {
  TargetTablePlan plan =
      Plan(kOrdersTable, Target("OrdersCopy"), {}, TimeToLiveDescription{"ENABLED", "expires_at"},
           ContinuousBackupsDescription{"ENABLED", "ENABLED"});
  transport_.Respond(200, TableAnswer("TableDescription", "ACTIVE"));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(400, ErrorAnswer("AccessDeniedException", "not allowed: UpdateTimeToLive"));
  transport_.Respond(
      400, ErrorAnswer("UnknownOperationException", "An unknown operation was requested."));
  Status status = CreateTargetTable(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  const SettingNote* ttl = FindNote(plan, "time to live");
  ASSERT_NE(ttl, nullptr);
  EXPECT_FALSE(ttl->copied);
  EXPECT_TRUE(HasText(ttl->detail, "AccessDeniedException"));
  const SettingNote* pitr = FindNote(plan, "point-in-time recovery");
  ASSERT_NE(pitr, nullptr);
  EXPECT_FALSE(pitr->copied);
  EXPECT_TRUE(HasText(pitr->detail, "UnknownOperationException"));
  EXPECT_TRUE(pitr->failed);
  EXPECT_TRUE(HasText(SettingNoteText(*pitr),
                      "point-in-time recovery: not applied: enabling it failed (dynamodb "
                      "UpdateContinuousBackups: UnknownOperationException"));
  EXPECT_EQ(plan.settings_not_applied,
            (std::vector<std::string>{"time to live", "point-in-time recovery"}));
  EXPECT_EQ(transport_.remaining(), 0u);
}

// Settings left out by design (here: not readable from the source) are not failures.
TEST_F(TargetTableClientTest, SettingsNotCopiedByDesignAreNotListedAsNotApplied) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"), {}, std::nullopt, std::nullopt);
  transport_.Respond(200, TableAnswer("TableDescription", "ACTIVE"));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  Status status = CreateTargetTable(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_FALSE(FindNote(plan, "point-in-time recovery")->copied);
  EXPECT_TRUE(plan.settings_not_applied.empty());
}

TEST_F(TargetTableClientTest, TheSourcesRecoveryPeriodIsSetOnTheTarget) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"), {}, kTtlDisabled,
                              ContinuousBackupsDescription{"ENABLED", "ENABLED", 7});
  EXPECT_EQ(plan.recovery_period_in_days, 7);
  EXPECT_TRUE(HasText(FindNote(plan, "point-in-time recovery")->detail,
                      "with the source's recovery period (7 days)"));
  transport_.Respond(200, TableAnswer("TableDescription", "ACTIVE"));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(
      200, R"({"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED",)"
           R"("PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"ENABLED"}}})");
  Status status = CreateTargetTable(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(SentBody(2), R"({"TableName":"OrdersCopy","PointInTimeRecoverySpecification":)"
                         R"({"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":7}})");
  EXPECT_TRUE(plan.settings_not_applied.empty());
}

TEST_F(TargetTableClientTest, BackupsThatNeverBecomeAvailableGiveUpAfterFiveMinutes) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"), {}, kTtlDisabled,
                              ContinuousBackupsDescription{"ENABLED", "ENABLED"});
  transport_.Respond(200, TableAnswer("TableDescription", "ACTIVE"));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.SetFallback([](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 400;
    r.body = ErrorAnswer("ContinuousBackupsUnavailableException", "Backups are being enabled");
    return r;
  });
  const auto start = clock_.SteadyNow();
  Status status = CreateTargetTable(*client_, plan);
  ASSERT_TRUE(status.ok());
  EXPECT_GE(clock_.SteadyNow() - start, std::chrono::minutes(5));
  EXPECT_LT(clock_.SteadyNow() - start, std::chrono::minutes(6));
  EXPECT_FALSE(FindNote(plan, "point-in-time recovery")->copied);
  EXPECT_EQ(plan.settings_not_applied, std::vector<std::string>{"point-in-time recovery"});
}

TEST_F(TargetTableClientTest, PlanFromReportsUnsupportedSettingsAsNotes) {
  // DynamoDB Local's answers: TTL works, backups and tagging do not exist.
  transport_.Respond(200, R"({"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED",)"
                          R"("AttributeName":"expires_at"}})");
  transport_.Respond(
      400, ErrorAnswer("UnknownOperationException", "An unknown operation was requested."));
  transport_.Respond(400, ErrorAnswer("UnknownOperationException",
                                      "Tagging is not currently supported in DynamoDB Local."));
  const TableDescription source = Describe(kOrdersTable);
  Result<TargetTablePlan> plan = PlanTargetTableFrom(*client_, source, Target("OrdersCopy"));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_EQ(SentOperations(),
            (std::vector<std::string>{"DescribeTimeToLive", "DescribeContinuousBackups",
                                      "ListTagsOfResource"}));
  EXPECT_EQ(SentBody(0), R"({"TableName":"Orders"})");
  EXPECT_EQ(SentBody(2),
            R"({"ResourceArn":"arn:aws:dynamodb:eu-west-1:123456789012:table/Orders"})");
  ASSERT_TRUE(plan->ttl.has_value());
  EXPECT_EQ(plan->ttl->attribute_name, "expires_at");
  EXPECT_FALSE(plan->point_in_time_recovery);
  const SettingNote* pitr = FindNote(*plan, "point-in-time recovery");
  EXPECT_FALSE(pitr->copied);
  EXPECT_TRUE(HasText(pitr->detail, "UnknownOperationException"));
  const SettingNote* tags = FindNote(*plan, "tags");
  EXPECT_FALSE(tags->copied);
  EXPECT_TRUE(HasText(tags->detail, "Tagging is not currently supported"));
  EXPECT_TRUE(LacksText(plan->create_table_json, "\"Tags\""));
}

TEST_F(TargetTableClientTest, PlanFromCopiesTagsAndBackups) {
  transport_.Respond(200, R"({"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}})");
  transport_.Respond(200,
                     R"({"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED",)"
                     R"("PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"ENABLED",)"
                     R"("RecoveryPeriodInDays":7}}})");
  transport_.Respond(200, R"({"Tags":[{"Key":"team","Value":"orders"}],"NextToken":"n1"})");
  transport_.Respond(200, R"({"Tags":[{"Key":"env","Value":"prod \"eu\""}]})");
  Result<TargetTablePlan> plan =
      PlanTargetTableFrom(*client_, Describe(kOrdersTable), Target("OrdersCopy"));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  EXPECT_FALSE(plan->ttl.has_value());
  EXPECT_TRUE(plan->point_in_time_recovery);
  EXPECT_EQ(plan->recovery_period_in_days, 7);
  ASSERT_EQ(plan->tags.size(), 2u);
  EXPECT_TRUE(
      HasText(plan->create_table_json,
              R"("Tags":[{"Key":"team","Value":"orders"},{"Key":"env","Value":"prod \"eu\""}]})"));
}

TEST_F(TargetTableClientTest, PlanFromFailsWhenTheSourceCannotBeReached) {
  transport_.Fail("connection reset by peer");
  Result<TargetTablePlan> plan =
      PlanTargetTableFrom(*client_, Describe(kOrdersTable), Target("OrdersCopy"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().kind, ErrorKind::kTransport);
}

// GlobalSecondaryIndexes of the OrdersCopy target while its deferred indexes are built.
const std::string kGsi1Creating =
    R"([{"IndexName":"GSI1","IndexStatus":"CREATING","Backfilling":true,)"
    R"("KeySchema":[{"AttributeName":"gsi1pk","KeyType":"HASH"}],)"
    R"("Projection":{"ProjectionType":"ALL"}}])";
const std::string kBothIndexesActive =
    R"([{"IndexName":"GSI1","IndexStatus":"ACTIVE","KeySchema":[{"AttributeName":"gsi1pk",)"
    R"("KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}},{"IndexName":"ByStatus",)"
    R"("IndexStatus":"ACTIVE","KeySchema":[{"AttributeName":"status","KeyType":"HASH"}],)"
    R"("Projection":{"ProjectionType":"KEYS_ONLY"}}])";

TEST_F(TargetTableClientTest, DeferredIndexesAreCreatedOneAtATime) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  ASSERT_EQ(plan.deferred_index_updates.size(), 2u);
  const std::string gsi1_active = R"([{"IndexName":"GSI1","IndexStatus":"ACTIVE",)"
                                  R"("KeySchema":[{"AttributeName":"gsi1pk","KeyType":"HASH"}],)"
                                  R"("Projection":{"ProjectionType":"ALL"}}])";
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));  // the loaded table, no index yet
  transport_.Respond(200, TableAnswer("TableDescription", "UPDATING", kGsi1Creating));
  transport_.Respond(200, TableAnswer("Table", "UPDATING", kGsi1Creating));
  transport_.Respond(200, TableAnswer("Table", "UPDATING", kGsi1Creating));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE", gsi1_active));
  transport_.Respond(200, TableAnswer("TableDescription", "UPDATING", gsi1_active));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE", kBothIndexesActive));

  Status status = CreateDeferredIndexes(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(SentOperations(), (std::vector<std::string>{
                                  "DescribeTable", "UpdateTable", "DescribeTable", "DescribeTable",
                                  "DescribeTable", "UpdateTable", "DescribeTable"}));
  EXPECT_EQ(SentBody(1), plan.deferred_index_updates[0]);
  EXPECT_EQ(SentBody(5), plan.deferred_index_updates[1]);
  EXPECT_EQ(clock_.sleeps(), (std::vector<std::chrono::nanoseconds>{std::chrono::seconds(1),
                                                                    std::chrono::seconds(2)}));
}

TEST_F(TargetTableClientTest, IndexesAnEarlierRunAskedForAreOnlyWaitedFor) {
  // An interrupted run with --create-indexes-after had asked for GSI1 before it stopped.
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  transport_.Respond(200, TableAnswer("Table", "UPDATING", kGsi1Creating));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE", kBothIndexesActive));  // GSI1 done
  transport_.Respond(200, TableAnswer("TableDescription", "UPDATING", kBothIndexesActive));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE", kBothIndexesActive));
  Status status = CreateDeferredIndexes(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(SentOperations(), (std::vector<std::string>{"DescribeTable", "DescribeTable",
                                                        "UpdateTable", "DescribeTable"}));
  EXPECT_EQ(SentBody(2), plan.deferred_index_updates[1]);
}

TEST_F(TargetTableClientTest, DeferredIndexThatNeverAppearsIsAnError) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(200, TableAnswer("TableDescription", "UPDATING"));
  transport_.SetFallback([](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = TableAnswer("Table", "ACTIVE");
    return r;
  });
  Status status = CreateDeferredIndexes(*client_, plan);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(HasText(status.error().message, "index GSI1 of table OrdersCopy is gone"));
  EXPECT_EQ(SentOperations()[1], "UpdateTable");
  EXPECT_LT(SentOperations().size(), 20u);
}

TEST_F(TargetTableClientTest, DeferredIndexTimeoutIsAnError) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  plan.index_timeout = std::chrono::minutes(2);
  const std::string creating = R"([{"IndexName":"GSI1","IndexStatus":"CREATING",)"
                               R"("KeySchema":[{"AttributeName":"gsi1pk","KeyType":"HASH"}],)"
                               R"("Projection":{"ProjectionType":"ALL"}}])";
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(200, TableAnswer("TableDescription", "UPDATING", creating));
  transport_.SetFallback([creating](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = TableAnswer("Table", "UPDATING", creating);
    return r;
  });
  Status status = CreateDeferredIndexes(*client_, plan);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(HasText(status.error().message, "still CREATING after 120 s"));
  // Polls back off to one every 15 s.
  EXPECT_EQ(clock_.sleeps().back(), std::chrono::seconds(15));
}

TEST_F(TargetTableClientTest, LongWaitsForAnIndexAreToldAboutOnceAMinute) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  plan.index_timeout = std::chrono::minutes(5);
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(200, TableAnswer("TableDescription", "UPDATING", kGsi1Creating));
  transport_.SetFallback([](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = 200;
    r.body = TableAnswer("Table", "UPDATING", kGsi1Creating);
    return r;
  });
  std::vector<std::string> notices;
  Status status = CreateDeferredIndexes(*client_, plan, nullptr,
                                        [&](const std::string& line) { notices.push_back(line); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(notices, (std::vector<std::string>{
                         "adding index GSI1 of table OrdersCopy (1 of 2); DynamoDB builds it from "
                         "the items, which can take a while",
                         "index GSI1 of table OrdersCopy is still CREATING after 60 s",
                         "index GSI1 of table OrdersCopy is still CREATING after 120 s",
                         "index GSI1 of table OrdersCopy is still CREATING after 180 s",
                         "index GSI1 of table OrdersCopy is still CREATING after 240 s"}));
}

TEST_F(TargetTableClientTest, AStopEndsTheWaitForAnIndex) {
  // GSI1 is being built (an earlier run asked for it) when the stop comes.
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  transport_.Respond(200, TableAnswer("Table", "UPDATING", kGsi1Creating));
  transport_.Respond(200, TableAnswer("Table", "UPDATING", kGsi1Creating));
  std::atomic<bool> stop{true};
  Status status = CreateDeferredIndexes(*client_, plan, &stop);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, aws::ErrorKind::kCancelled);
  EXPECT_TRUE(HasText(status.error().message,
                      "stopped waiting for index GSI1 of table OrdersCopy; DynamoDB goes on"))
      << status.error().message;
  EXPECT_EQ(SentOperations(), (std::vector<std::string>{"DescribeTable", "DescribeTable"}));
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(TargetTableClientTest, AStopAsksForNoFurtherIndex) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  std::atomic<bool> stop{true};
  Status status = CreateDeferredIndexes(*client_, plan, &stop);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, aws::ErrorKind::kCancelled);
  EXPECT_TRUE(HasText(status.error().message, "stopped before adding index GSI1"));
  EXPECT_EQ(SentOperations(), (std::vector<std::string>{"DescribeTable"}));
}

TEST_F(TargetTableClientTest, DeferredIndexUpdateTableFailureIsReturned) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  // LimitExceededException is retried like a throttle; a ValidationException is final.
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(400, ErrorAnswer("ValidationException", "Attribute gsi1pk is not defined"));
  Status status = CreateDeferredIndexes(*client_, plan);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "ValidationException");
  EXPECT_EQ(SentOperations().size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// A change sent again after its answer was lost

// An answer the transport got by sending the request a second time, the first sending having
// met a closed connection: that one may have been carried out.
void RespondSentAgain(ScriptedTransport& transport, int status, std::string body) {
  transport.Push([status, body](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    aws::HttpResponse r;
    r.status = status;
    r.body = body;
    r.sent_again = true;
    return r;
  });
}

// The table the CreateTable body `request` asks for, as DescribeTable reports it: `status`,
// created just after the fake clock's start.
std::string DescribedAsAsked(const std::string& request, std::string_view status) {
  return R"({"Table":{"TableStatus":")" + std::string(status) +
         R"(","CreationDateTime":1440938160.5,)" + request.substr(1) + "}";
}

TEST_F(TargetTableClientTest, ACreateTableRefusedAfterItsLostAnswerIsTakenWhenTheTableIsAsAsked) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"), {},
                              TimeToLiveDescription{"ENABLED", "expires_at"}, std::nullopt);
  RespondSentAgain(transport_, 400,
                   ErrorAnswer("ResourceInUseException", "Table already exists: OrdersCopy"));
  transport_.Respond(200, DescribedAsAsked(plan.create_table_json, "CREATING"));
  transport_.Respond(200, DescribedAsAsked(plan.create_table_json, "ACTIVE"));
  // The UpdateTimeToLive's answer is lost too.
  RespondSentAgain(transport_, 400,
                   ErrorAnswer("ValidationException", "TimeToLive is already enabled"));
  transport_.Respond(200, R"({"TimeToLiveDescription":{"AttributeName":"expires_at",)"
                          R"("TimeToLiveStatus":"ENABLING"}})");
  Status status = CreateTargetTable(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(SentOperations(),
            (std::vector<std::string>{"CreateTable", "DescribeTable", "DescribeTable",
                                      "UpdateTimeToLive", "DescribeTimeToLive"}));
  EXPECT_EQ(SentBody(1), R"({"TableName":"OrdersCopy"})");
  EXPECT_TRUE(FindNote(plan, "time to live")->copied);
  EXPECT_EQ(transport_.remaining(), 0u);
}

TEST_F(TargetTableClientTest, ATableNotAsAskedIsRefusedEvenAfterALostAnswer) {
  TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy"));
  RespondSentAgain(transport_, 400,
                   ErrorAnswer("ResourceInUseException", "Table already exists: OrdersCopy"));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));  // another key schema, no indexes
  Status status = CreateTargetTable(*client_, plan);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(status.error().code, "ResourceInUseException");
  EXPECT_TRUE(HasText(status.error().message, "target table OrdersCopy already exists"));
  EXPECT_TRUE(HasText(status.error().message, "could not be shown to be this run's own"));
  EXPECT_EQ(SentOperations(), (std::vector<std::string>{"CreateTable", "DescribeTable"}));
}

TEST_F(TargetTableClientTest, AnIndexCreationRefusedAfterItsLostAnswerIsWaitedFor) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  ASSERT_EQ(plan.deferred_index_updates.size(), 2u);
  // GSI1 as the plan asks for it, with `status`.
  auto gsi1 = [](std::string_view status) {
    return R"([{"IndexName":"GSI1","IndexStatus":")" + std::string(status) +
           R"(","KeySchema":[{"AttributeName":"gsi1pk","KeyType":"HASH"},)"
           R"({"AttributeName":"gsi1sk","KeyType":"RANGE"}]}])";
  };
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  RespondSentAgain(transport_, 400,
                   ErrorAnswer("ResourceInUseException",
                               "Attempt to change a resource which is still in use: Index is "
                               "being created"));
  transport_.Respond(200, TableAnswer("Table", "UPDATING", gsi1("CREATING")));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE", gsi1("ACTIVE")));
  transport_.Respond(200, TableAnswer("TableDescription", "UPDATING", kBothIndexesActive));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE", kBothIndexesActive));
  Status status = CreateDeferredIndexes(*client_, plan);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(SentOperations(),
            (std::vector<std::string>{"DescribeTable", "UpdateTable", "DescribeTable",
                                      "DescribeTable", "UpdateTable", "DescribeTable"}));
  EXPECT_EQ(SentBody(4), plan.deferred_index_updates[1]);
  EXPECT_EQ(transport_.remaining(), 0u);
}

TEST_F(TargetTableClientTest, AnIndexCreationRefusedWithoutALostAnswerIsReturned) {
  const TargetTablePlan plan = Plan(kOrdersTable, Target("OrdersCopy", /*indexes_after=*/true));
  transport_.Respond(200, TableAnswer("Table", "ACTIVE"));
  transport_.Respond(400, ErrorAnswer("ResourceInUseException", "Table is being updated"));
  Status status = CreateDeferredIndexes(*client_, plan);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "ResourceInUseException");
  EXPECT_EQ(SentOperations(), (std::vector<std::string>{"DescribeTable", "UpdateTable"}));
}

}  // namespace
}  // namespace ddbm::dynamodb
