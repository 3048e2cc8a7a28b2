#include "pipeline/checkpoint.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace ddbm::pipeline {
namespace {

Checkpoint Sample() {
  Checkpoint c;
  c.operation = "copy";
  c.source = "src";
  c.target = "dst";
  c.total_segments = 3;
  c.segments.push_back(
      {std::string(
           R"({"pk":{"S":"caf\u00e9"},"n":{"N":"12345678901234567890123456789012345678"}})"),
       false, 120});
  c.segments.push_back({std::nullopt, true, 75});
  c.segments.push_back({std::nullopt, false, 0});
  return c;
}

TEST(CheckpointTest, RoundTripsKeysByteForByte) {
  const Checkpoint c = Sample();
  auto parsed = ParseCheckpoint(SerializeCheckpoint(c), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->operation, "copy");
  EXPECT_EQ(parsed->total_segments, 3);
  ASSERT_EQ(parsed->segments.size(), 3u);
  EXPECT_EQ(parsed->segments[0].exclusive_start_key, c.segments[0].exclusive_start_key);
  EXPECT_EQ(parsed->segments[0].items_acknowledged, 120u);
  EXPECT_TRUE(parsed->segments[1].done);
  EXPECT_FALSE(parsed->segments[2].exclusive_start_key.has_value());
  EXPECT_EQ(parsed->items_acknowledged(), 195u);
  EXPECT_FALSE(parsed->complete());
}

TEST(CheckpointTest, RoundTripsTheTransformWhoseDeadLettersMayOutnumberTheItemsRead) {
  Checkpoint c = Sample();
  EXPECT_EQ(SerializeCheckpoint(c).find("Transform"), std::string::npos);
  c.segments[1].items_dead_lettered = 150;  // a transform made two refused items of each
  // Without a transform, more dead letters than items is a damaged file.
  EXPECT_FALSE(ParseCheckpoint(SerializeCheckpoint(c), "x").ok());
  c.transform = "jq -c --unbuffered '.v = {\"S\":\"\u00e9\"}'";
  auto parsed = ParseCheckpoint(SerializeCheckpoint(c), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->transform, c.transform);
  EXPECT_EQ(parsed->segments[1].items_dead_lettered, 150u);
  EXPECT_TRUE(parsed->unusable.empty());
  c.unusable = "its answers were out of step";
  EXPECT_EQ(ParseCheckpoint(SerializeCheckpoint(c), "x")->unusable, c.unusable);
}

TEST(CheckpointTest, RoundTripsAnExportsEncryptionOmittingItWhenUnset) {
  Checkpoint c = Sample();
  EXPECT_EQ(SerializeCheckpoint(c).find("S3Sse"), std::string::npos);
  c.s3_sse_algorithm = "KMS";
  c.s3_sse_kms_key_id = "arn:aws:kms:us-east-1:111122223333:alias/exports";
  auto parsed = ParseCheckpoint(SerializeCheckpoint(c), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->s3_sse_algorithm, "KMS");
  EXPECT_EQ(parsed->s3_sse_kms_key_id, c.s3_sse_kms_key_id);
  c.s3_sse_algorithm = "AES256";
  c.s3_sse_kms_key_id.clear();
  parsed = ParseCheckpoint(SerializeCheckpoint(c), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->s3_sse_algorithm, "AES256");
  EXPECT_EQ(parsed->s3_sse_kms_key_id, "");
}

TEST(CheckpointTest, RoundTripsTheDeadLetterFileAndDeferredIndexesOmittingThemWhenUnset) {
  Checkpoint c = Sample();
  EXPECT_EQ(SerializeCheckpoint(c).find("DeadLetterFile"), std::string::npos);
  c.dead_letter_file = "/data/runs/caf\u00e9 \"dead\".jsonl";
  auto parsed = ParseCheckpoint(SerializeCheckpoint(c), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->dead_letter_file, c.dead_letter_file);
  EXPECT_FALSE(parsed->create_indexes_after);
  c.create_indexes_after = true;
  parsed = ParseCheckpoint(SerializeCheckpoint(c), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->create_indexes_after);
}

TEST(CheckpointTest, RoundTripsDeadLetteredCountsAndOmitsZeros) {
  Checkpoint c = Sample();
  c.segments[1].items_dead_lettered = 4;
  const std::string text = SerializeCheckpoint(c);
  EXPECT_EQ(text.find("\"DeadLettered\":"), text.rfind("\"DeadLettered\":"));
  auto parsed = ParseCheckpoint(text, "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->segments[0].items_dead_lettered, 0u);
  EXPECT_EQ(parsed->segments[1].items_dead_lettered, 4u);
  EXPECT_EQ(parsed->items_dead_lettered(), 4u);
}

TEST(CheckpointTest, RoundTripsCreatingTargetAndOmitsItWhenFalse) {
  Checkpoint c = Sample();
  EXPECT_EQ(SerializeCheckpoint(c).find("CreatingTarget"), std::string::npos);
  c.creating_target = true;
  const std::string text = SerializeCheckpoint(c);
  EXPECT_NE(text.find("\"CreatingTarget\":true"), std::string::npos) << text;
  auto parsed = ParseCheckpoint(text, "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->creating_target);
  EXPECT_FALSE(ParseCheckpoint(SerializeCheckpoint(Sample()), "x")->creating_target);
}

TEST(CheckpointTest, RoundTripsASegmentStateByteForByte) {
  Checkpoint c = Sample();
  c.segments[1].state = R"({"Files":[{"itemCount":3,"dataFileS3Key":"d/caf\u00e9.json.gz"}]})";
  auto parsed = ParseCheckpoint(SerializeCheckpoint(c), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->segments[1].state, c.segments[1].state);
  EXPECT_FALSE(parsed->segments[0].state.has_value());
  EXPECT_EQ(parsed->segments[0].exclusive_start_key, c.segments[0].exclusive_start_key);
}

TEST(CheckpointTest, SaveAndLoad) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/run.checkpoint";
  auto missing = LoadCheckpoint(path);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(SaveCheckpoint(path, Sample()).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto loaded = LoadCheckpoint(path);
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->segments[0].items_acknowledged, 120u);
}

TEST(CheckpointTest, DamagedFilesAreClearErrors) {
  for (std::string text :
       {"", "not json", R"({"Version":2})", R"({"Version":1,"TotalSegments":2,"Segments":[{}]})"}) {
    auto parsed = ParseCheckpoint(text, "/tmp/cp.json");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.error().message.find("/tmp/cp.json"), std::string::npos);
  }
}

TEST(CheckpointTest, AnotherCommandsCheckpointIsNamedNotCalledDamaged) {
  auto parsed = ParseCheckpoint(R"({"Version":1,"Operation":"import","Files":[]})", "cp.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("cp.json: written by ddbmigrate import"), std::string::npos)
      << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("damaged"), std::string::npos);
  // A scan's checkpoint without its segments is damaged, not another command's.
  for (const char* text : {R"({"Version":1,"Operation":"copy","TotalSegments":2})",
                           R"({"Version":1,"Operation":"copy"})",
                           R"({"Version":1,"Operation":"export"})", R"({"Version":1})"}) {
    parsed = ParseCheckpoint(text, "cp.json");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.error().message.find("damaged"), std::string::npos) << text;
  }
}

// Edited by hand or damaged: a segment out of place, a Done that is not a boolean, a negative
// count or more dead letters than items is refused, naming the segment.
TEST(CheckpointTest, DamagedSegmentsAreRefused) {
  const std::string good = R"({"Segment":0,"Done":true,"Items":5,"DeadLettered":2})";
  auto two = [&](const std::string& second) {
    return R"({"Version":1,"Operation":"copy","TotalSegments":2,"Segments":[)" + good + "," +
           second + "]}";
  };
  ASSERT_TRUE(ParseCheckpoint(two(R"({"Segment":1,"Done":false,"Items":0})"), "cp").ok());
  for (const std::string segment :
       {R"({"Segment":0,"Done":false,"Items":0})", R"({"Done":false,"Items":0})",
        R"({"Segment":1,"Done":"yes","Items":0})", R"({"Segment":1,"Done":false,"Items":-3})",
        R"({"Segment":1,"Done":false})", R"({"Segment":1,"Done":true,"Items":1,"DeadLettered":2})",
        R"({"Segment":1,"Done":true,"Items":1,"DeadLettered":-1})"}) {
    auto parsed = ParseCheckpoint(two(segment), "cp");
    ASSERT_FALSE(parsed.ok()) << segment;
    EXPECT_NE(parsed.error().message.find("segment 1 is damaged"), std::string::npos)
        << parsed.error().message;
  }
}

TEST(CheckpointTest, UnwritablePlacesAreReportedUpFront) {
  EXPECT_FALSE(CheckCheckpointWritable("/no/such/dir/cp.json").ok());
  testing::TempDir dir;
  EXPECT_TRUE(CheckCheckpointWritable(dir.path() + "/cp.json").ok());
  const aws::Status directory = CheckCheckpointWritable(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message.find("it is a directory"), std::string::npos)
      << directory.error().message;
  if (::geteuid() != 0) {  // root may write anywhere
    ::chmod(dir.path().c_str(), 0500);
    EXPECT_FALSE(CheckCheckpointWritable(dir.path() + "/cp.json").ok());
    ::chmod(dir.path().c_str(), 0700);
  }
}

}  // namespace
}  // namespace ddbm::pipeline
