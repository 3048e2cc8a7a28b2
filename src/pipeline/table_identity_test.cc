#include "pipeline/table_identity.h"

#include <gtest/gtest.h>

#include "pipeline/checkpoint.h"
#include "pipeline/import_checkpoint.h"
#include "pipeline/stream_checkpoint.h"

namespace ddbm::pipeline {
namespace {

constexpr char kArn[] = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";

dynamodb::TableDescription Table(std::string arn, std::string id, double created) {
  dynamodb::TableDescription t;
  t.table_name = "orders";
  t.table_arn = std::move(arn);
  t.table_id = std::move(id);
  t.creation_date_time = created;
  return t;
}

TEST(TableIdentityTest, AnUnknownIdentityMatchesAnyTable) {
  EXPECT_TRUE(CheckSameTable(TableIdentity{}, Table(kArn, "id-1", 1.5), "source", "cp").ok());
}

TEST(TableIdentityTest, TheSameTableMatches) {
  const dynamodb::TableDescription t = Table(kArn, "id-1", 1733389800.123);
  EXPECT_TRUE(CheckSameTable(IdentityOf(t), t, "target", "cp").ok());
}

TEST(TableIdentityTest, ATableCreatedAgainIsRefusedByItsIdOrCreationTime) {
  const TableIdentity by_id = IdentityOf(Table(kArn, "id-1", 0));
  aws::Status s = CheckSameTable(by_id, Table(kArn, "id-2", 0), "target", "cp.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(s.error().message.find("target table orders is not the table checkpoint cp.json"),
            std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("deleted and created again"), std::string::npos);
  EXPECT_NE(s.error().message.find("without --resume"), std::string::npos);

  // DynamoDB Local gives no TableId: the creation time tells the tables apart.
  const TableIdentity by_time = IdentityOf(Table(kArn, "", 1733389800.123));
  s = CheckSameTable(by_time, Table(kArn, "", 1733389900.5), "source", "cp.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("created 2024-12-05T09:10:00.123Z"), std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("now " + by_time.arn + ", created 2024-12-05T09:11:40.500Z"),
            std::string::npos)
      << s.error().message;
}

TEST(TableIdentityTest, ATableInAnotherRegionOrAccountIsRefused) {
  const TableIdentity recorded = IdentityOf(Table(kArn, "id-1", 1.0));
  aws::Status s = CheckSameTable(
      recorded, Table("arn:aws:dynamodb:us-east-1:111122223333:table/orders", "id-1", 1.0),
      "source", "cp");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("another region, account or endpoint"), std::string::npos)
      << s.error().message;
}

TEST(TableIdentityTest, TheAdviceIsTheCallers) {
  const TableIdentity recorded = IdentityOf(Table(kArn, "id-1", 1.0));
  aws::Status s =
      CheckSameTable(recorded, Table(kArn, "id-2", 1.0), "target", "cp", kStartOverReplay);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(std::string(kStartOverReplay)), std::string::npos);
  EXPECT_EQ(s.error().message.find("without --resume"), std::string::npos);
}

TEST(TableIdentityTest, CheckSameTablesSkipsATargetNotCreatedYet) {
  const dynamodb::TableDescription source = Table(kArn, "id-1", 1.0);
  const TableIdentity target = IdentityOf(Table(kArn + std::string("2"), "id-9", 2.0));
  EXPECT_TRUE(CheckSameTables(IdentityOf(source), source, target, nullptr, "cp").ok());
  const dynamodb::TableDescription other_target = Table(kArn + std::string("2"), "id-8", 2.0);
  EXPECT_FALSE(CheckSameTables(IdentityOf(source), source, target, &other_target, "cp").ok());
}

// Each checkpoint keeps the identities exactly (creation times with their milliseconds), and
// reads those of older versions, which have none, as unknown.
TEST(TableIdentityTest, CheckpointsRoundTripIdentities) {
  const TableIdentity source = IdentityOf(Table(kArn, "id-1", 1733389800.123));
  const TableIdentity target = IdentityOf(Table(kArn + std::string("-copy"), "", 1733389801.5));

  Checkpoint copy;
  copy.operation = "copy";
  copy.total_segments = 1;
  copy.segments.resize(1);
  copy.source_identity = source;
  copy.target_identity = target;
  auto parsed = ParseCheckpoint(SerializeCheckpoint(copy), "cp");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_TRUE(
      CheckSameTable(parsed->source_identity, Table(kArn, "id-1", 1733389800.123), "s", "cp").ok());
  EXPECT_EQ(parsed->target_identity.arn, target.arn);
  EXPECT_EQ(parsed->target_identity.id, "");
  EXPECT_EQ(parsed->target_identity.created, 1733389801.5);
  copy.source_identity = {};
  copy.target_identity = {};
  const std::string older = SerializeCheckpoint(copy);
  EXPECT_EQ(older.find("SourceTable"), std::string::npos) << older;
  parsed = ParseCheckpoint(older, "cp");
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->source_identity.known());
  EXPECT_FALSE(parsed->target_identity.known());

  StreamCheckpoint stream;
  stream.stream_arn = kArn + std::string("/stream/2024");
  stream.source_identity = source;
  stream.target_identity = target;
  auto parsed_stream = ParseStreamCheckpoint(SerializeStreamCheckpoint(stream), "cp");
  ASSERT_TRUE(parsed_stream.ok()) << parsed_stream.error().ToString();
  EXPECT_EQ(parsed_stream->source_identity.id, "id-1");
  EXPECT_EQ(parsed_stream->source_identity.created, 1733389800.123);
  EXPECT_EQ(parsed_stream->target_identity.arn, target.arn);

  // Older checkpoints, without identities, read as unknown.
  stream.source_identity = {};
  stream.target_identity = {};
  parsed_stream = ParseStreamCheckpoint(SerializeStreamCheckpoint(stream), "cp");
  ASSERT_TRUE(parsed_stream.ok());
  EXPECT_FALSE(parsed_stream->source_identity.known() || parsed_stream->target_identity.known());

  ImportCheckpoint import;
  import.source = "s3://b/p";
  import.target = "orders";
  import.target_identity = target;
  auto parsed_import = ParseImportCheckpoint(SerializeImportCheckpoint(import), "cp");
  ASSERT_TRUE(parsed_import.ok()) << parsed_import.error().ToString();
  EXPECT_EQ(parsed_import->target_identity.arn, target.arn);
  EXPECT_EQ(parsed_import->target_identity.created, 1733389801.5);
  import.target_identity = {};
  parsed_import = ParseImportCheckpoint(SerializeImportCheckpoint(import), "cp");
  ASSERT_TRUE(parsed_import.ok());
  EXPECT_FALSE(parsed_import->target_identity.known());
}

// An identity that is there but damaged is not taken as absent (which would skip the check).
TEST(TableIdentityTest, ADamagedIdentityIsADamagedCheckpoint) {
  const std::string head = R"({"Version":1,"Operation":"copy","TotalSegments":1,)"
                           R"("Segments":[{"Segment":0,"Done":false,"Items":0}],"TargetTable":)";
  for (const std::string identity :
       {R"("arn")", R"({})", R"({"TableArn":""})", R"({"TableArn":7})",
        R"({"TableArn":"arn:x","TableId":5})", R"({"TableArn":"arn:x","CreationDateTime":"x"})"}) {
    auto parsed = ParseCheckpoint(head + identity + "}", "cp.json");
    ASSERT_FALSE(parsed.ok()) << identity;
    EXPECT_NE(parsed.error().message.find("TargetTable is damaged"), std::string::npos)
        << parsed.error().message;
  }
  auto parsed = ParseCheckpoint(head + R"({"TableArn":"arn:x","CreationDateTime":17})" + "}", "cp");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->target_identity.created, 17.0);
  auto stream = ParseStreamCheckpoint(
      R"({"Version":1,"StreamArn":"s","Shards":[],"SourceTable":{"TableId":"x"}})", "cp");
  ASSERT_FALSE(stream.ok());
  auto import = ParseImportCheckpoint(
      R"({"Operation":"import","Source":"s","Target":"t","Exports":[],"TargetTable":[]})", "cp");
  ASSERT_FALSE(import.ok());
}

}  // namespace
}  // namespace ddbm::pipeline
