#include "pipeline/import_checkpoint.h"

#include <gtest/gtest.h>

namespace ddbm::pipeline {
namespace {

TEST(ImportCheckpointTest, RoundTrips) {
  ImportCheckpoint c;
  c.source = "s3://bucket/p";
  c.target = "orders";
  c.For("01715685260608-c488b4e1").files = {"p/AWSDynamoDB/x/data/a.json.gz", "p/b.json.gz"};
  c.For("01790000100000-5a1e2b3c").done = true;
  EXPECT_EQ(&c.For("01715685260608-c488b4e1"), &c.exports[0]);
  aws::Result<ImportCheckpoint> back = ParseImportCheckpoint(SerializeImportCheckpoint(c), "cp");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->source, "s3://bucket/p");
  EXPECT_EQ(back->target, "orders");
  ASSERT_EQ(back->exports.size(), 2u);
  EXPECT_EQ(back->exports[0].files.size(), 2u);
  EXPECT_TRUE(back->exports[0].files.contains("p/b.json.gz"));
  EXPECT_FALSE(back->exports[0].done);
  EXPECT_TRUE(back->exports[1].done);
  EXPECT_EQ(back->dead_lettered, 0u);
  EXPECT_EQ(SerializeImportCheckpoint(c).find("DeadLettered"), std::string::npos);

  EXPECT_FALSE(back->creating_target);
  EXPECT_EQ(SerializeImportCheckpoint(c).find("CreatingTarget"), std::string::npos);

  c.dead_lettered = 7;
  back = ParseImportCheckpoint(SerializeImportCheckpoint(c), "cp");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->dead_lettered, 7u);
}

TEST(ImportCheckpointTest, RecordsTheDeadLetterFile) {
  ImportCheckpoint c{"s3://bucket/p", "orders", {}};
  c.dead_letter_file = "/var/lib/ddbm/orders-dead.jsonl";
  c.dead_lettered = 2;
  const std::string text = SerializeImportCheckpoint(c);
  EXPECT_NE(text.find(R"("DeadLetterFile":"/var/lib/ddbm/orders-dead.jsonl")"), std::string::npos)
      << text;
  aws::Result<ImportCheckpoint> back = ParseImportCheckpoint(text, "cp");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->dead_letter_file, "/var/lib/ddbm/orders-dead.jsonl");
  EXPECT_EQ(back->dead_lettered, 2u);
  EXPECT_EQ(SerializeImportCheckpoint(*back), text);
}

TEST(ImportCheckpointTest, ReadsACheckpointWithoutTheDeadLetterFile) {
  // As written before the file was recorded: a resume then chooses the file as a fresh run does.
  aws::Result<ImportCheckpoint> old = ParseImportCheckpoint(
      R"({"Version":1,"Operation":"import","Source":"/exports","Target":"orders",)"
      R"("Exports":[{"ExportId":"01715685260608-c488b4e1","Done":false,"Files":["a.json.gz"]}],)"
      R"("DeadLettered":3})",
      "cp");
  ASSERT_TRUE(old.ok()) << old.error().ToString();
  EXPECT_EQ(old->dead_letter_file, "");
  EXPECT_EQ(old->dead_lettered, 3u);
  ASSERT_EQ(old->exports.size(), 1u);
  EXPECT_EQ(SerializeImportCheckpoint(*old).find("DeadLetterFile"), std::string::npos);
}

TEST(ImportCheckpointTest, RecordsARunCreatingItsTarget) {
  ImportCheckpoint c{"s3://bucket/p", "orders", {}};
  c.creating_target = true;
  const std::string text = SerializeImportCheckpoint(c);
  EXPECT_NE(text.find(R"("CreatingTarget":true)"), std::string::npos) << text;
  aws::Result<ImportCheckpoint> back = ParseImportCheckpoint(text, "cp");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_TRUE(back->creating_target);
  EXPECT_TRUE(back->exports.empty());
}

TEST(ImportCheckpointTest, RefusesOtherFiles) {
  EXPECT_FALSE(ParseImportCheckpoint("nope", "cp").ok());
  aws::Result<ImportCheckpoint> copy = ParseImportCheckpoint(
      R"({"Version":1,"Operation":"copy","Source":"a","Target":"b","TotalSegments":1})", "cp");
  ASSERT_FALSE(copy.ok());
  EXPECT_NE(copy.error().message.find("cp:"), std::string::npos);
}

}  // namespace
}  // namespace ddbm::pipeline
