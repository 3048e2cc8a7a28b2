// StreamCheckpoint: the JSON file a stream replay resumes from.
#include "pipeline/stream_checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "testing/temp_dir.h"

namespace ddbm::pipeline {
namespace {

StreamCheckpoint Sample() {
  StreamCheckpoint c;
  c.operation = "replicate";
  c.source = "orders";
  c.target = "orders-copy";
  c.stream_arn =
      "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000";
  c.from = "2024-01-01T00:00:00Z";
  c.skip_before = 1704067200;
  c.start_time = 1704067260;
  c.dead_lettered = 3;
  ShardPosition closed;
  closed.shard_id = "shardId-00000001704067200000-aaaaaaaa";
  closed.parent_shard_id = "";
  closed.sequence_number = "400000000000000000001";
  closed.done = true;
  closed.last_applied = 1704067300;
  closed.done_at = 1704067310;
  ShardPosition empty_done;  // a closed shard that held no records
  empty_done.shard_id = "shardId-00000001704067200000-bbbbbbbb";
  empty_done.parent_shard_id = "shardId-00000001704067200000-aaaaaaaa";
  empty_done.sequence_number = "";
  empty_done.done = true;
  empty_done.last_applied = 0;
  ShardPosition open;
  open.shard_id = "shardId-00000001704067200000-cccccccc";
  open.parent_shard_id = "shardId-00000001704067200000-aaaaaaaa";
  open.sequence_number = "500000000000000000042";
  open.done = false;
  open.last_applied = 1704067400;
  open.needed_since = 1704067310;
  c.shards = {closed, empty_done, open};
  return c;
}

void ExpectSame(const ShardPosition& a, const ShardPosition& b) {
  EXPECT_EQ(a.shard_id, b.shard_id);
  EXPECT_EQ(a.parent_shard_id, b.parent_shard_id);
  EXPECT_EQ(a.sequence_number, b.sequence_number);
  EXPECT_EQ(a.done, b.done);
  EXPECT_EQ(a.last_applied, b.last_applied);
  EXPECT_EQ(a.tip_at, b.tip_at);
  EXPECT_EQ(a.done_at, b.done_at);
  EXPECT_EQ(a.needed_since, b.needed_since);
}

void ExpectSame(const StreamCheckpoint& a, const StreamCheckpoint& b) {
  EXPECT_EQ(a.operation, b.operation);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.stream_arn, b.stream_arn);
  EXPECT_EQ(a.from, b.from);
  EXPECT_EQ(a.skip_before, b.skip_before);
  EXPECT_EQ(a.start_time, b.start_time);
  EXPECT_EQ(a.dead_lettered, b.dead_lettered);
  EXPECT_EQ(a.dead_letter_file, b.dead_letter_file);
  ASSERT_EQ(a.shards.size(), b.shards.size());
  for (size_t i = 0; i < a.shards.size(); ++i) {
    SCOPED_TRACE(i);
    ExpectSame(a.shards[i], b.shards[i]);
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(StreamCheckpointTest, SerializeThenParseKeepsEveryField) {
  const StreamCheckpoint original = Sample();
  const std::string text = SerializeStreamCheckpoint(original);
  aws::Result<StreamCheckpoint> parsed = ParseStreamCheckpoint(text, "/tmp/cp.json");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ExpectSame(*parsed, original);
  // The same text again: serialisation is stable.
  EXPECT_EQ(SerializeStreamCheckpoint(*parsed), text);
}

TEST(StreamCheckpointTest, SerializedFormIsOneJsonObjectPerTheDocumentedLayout) {
  const std::string text = SerializeStreamCheckpoint(Sample());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1);  // one line
  EXPECT_EQ(text.rfind("{\"Version\":1,\"Operation\":\"replicate\",\"Source\":\"orders\"", 0), 0u)
      << text;
  EXPECT_NE(text.find("\"SkipBefore\":1704067200"), std::string::npos) << text;
  EXPECT_NE(text.find("\"StartTime\":1704067260,\"DeadLettered\":3,"), std::string::npos) << text;
  EXPECT_NE(text.find("{\"ShardId\":\"shardId-00000001704067200000-bbbbbbbb\",\"Parent\":"
                      "\"shardId-00000001704067200000-aaaaaaaa\",\"SequenceNumber\":\"\","
                      "\"Done\":true,\"LastApplied\":0,\"TipAt\":0}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\"SequenceNumber\":\"500000000000000000042\",\"Done\":false"),
            std::string::npos)
      << text;
  // DoneAt and NeededSince only where known.
  EXPECT_NE(text.find("\"TipAt\":0,\"DoneAt\":1704067310}"), std::string::npos) << text;
  EXPECT_NE(text.find("\"TipAt\":0,\"NeededSince\":1704067310}"), std::string::npos) << text;
  EXPECT_EQ(text.find("\"DoneAt\":0"), std::string::npos) << text;
}

TEST(StreamCheckpointTest, RecordsTheDeadLetterFile) {
  StreamCheckpoint c = Sample();
  c.dead_letter_file = "/var/lib/ddbm/orders-copy-dead.jsonl";
  const std::string text = SerializeStreamCheckpoint(c);
  EXPECT_NE(text.find("\"StartTime\":1704067260,\"DeadLetterFile\":"
                      "\"/var/lib/ddbm/orders-copy-dead.jsonl\",\"DeadLettered\":3,"),
            std::string::npos)
      << text;
  aws::Result<StreamCheckpoint> parsed = ParseStreamCheckpoint(text, "p");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ExpectSame(*parsed, c);
  EXPECT_EQ(SerializeStreamCheckpoint(*parsed), text);
}

TEST(StreamCheckpointTest, RecordsThatTheTargetHeldItemsOnlyWhenItDid) {
  StreamCheckpoint c = Sample();
  EXPECT_EQ(SerializeStreamCheckpoint(c).find("TargetHeldItems"), std::string::npos);
  c.target_held_items = true;
  const std::string text = SerializeStreamCheckpoint(c);
  EXPECT_NE(text.find("\"TargetHeldItems\":true"), std::string::npos) << text;
  aws::Result<StreamCheckpoint> parsed = ParseStreamCheckpoint(text, "p");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->target_held_items);
  EXPECT_EQ(SerializeStreamCheckpoint(*parsed), text);
}

TEST(StreamCheckpointTest, ReadsACheckpointWithoutTheDeadLetterFile) {
  // As written before the file was recorded (and by migrate --live before its copy): a resume
  // then chooses the file as a fresh run does.
  StreamCheckpoint c = Sample();
  const std::string text = SerializeStreamCheckpoint(c);
  EXPECT_EQ(text.find("DeadLetterFile"), std::string::npos) << text;
  aws::Result<StreamCheckpoint> parsed = ParseStreamCheckpoint(text, "p");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->dead_letter_file, "");
  EXPECT_EQ(parsed->dead_lettered, 3u);
}

TEST(StreamCheckpointTest, NoShardsRoundTrips) {
  StreamCheckpoint c;
  c.stream_arn = "arn:aws:dynamodb:us-east-1:1:table/t/stream/x";
  aws::Result<StreamCheckpoint> parsed = ParseStreamCheckpoint(SerializeStreamCheckpoint(c), "p");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ExpectSame(*parsed, c);
  EXPECT_TRUE(parsed->shards.empty());
  EXPECT_EQ(parsed->operation, "replicate");
  EXPECT_EQ(parsed->LastApplied(), 0);
}

TEST(StreamCheckpointTest, LastAppliedIsTheNewestOfAnyShard) {
  StreamCheckpoint c = Sample();
  EXPECT_EQ(c.LastApplied(), 1704067400);
  c.shards[0].last_applied = 1704069999;
  EXPECT_EQ(c.LastApplied(), 1704069999);
  c.shards.clear();
  EXPECT_EQ(c.LastApplied(), 0);
}

TEST(StreamCheckpointTest, ParseToleratesMissingOptionalFields) {
  aws::Result<StreamCheckpoint> parsed = ParseStreamCheckpoint(
      R"({"Version":1,"StreamArn":"arn:s","Shards":[{"ShardId":"shardId-1"}]})", "p");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->stream_arn, "arn:s");
  EXPECT_EQ(parsed->source, "");
  EXPECT_EQ(parsed->skip_before, 0);
  EXPECT_EQ(parsed->dead_lettered, 0u);  // checkpoints of earlier versions have no count
  ASSERT_EQ(parsed->shards.size(), 1u);
  EXPECT_EQ(parsed->shards[0].shard_id, "shardId-1");
  EXPECT_EQ(parsed->shards[0].sequence_number, "");
  EXPECT_FALSE(parsed->shards[0].done);
  EXPECT_EQ(parsed->shards[0].last_applied, 0);
}

void ExpectInvalid(std::string_view text, std::string_view what) {
  SCOPED_TRACE(text);
  const std::string path = "/var/lib/ddbm/stream-cp.json";
  aws::Result<StreamCheckpoint> parsed = ParseStreamCheckpoint(text, path);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(parsed.error().message.find(path), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(what), std::string::npos) << parsed.error().message;
}

TEST(StreamCheckpointTest, ParseRejectsWhatIsNotJson) {
  ExpectInvalid("", "not JSON");
  ExpectInvalid("not json at all", "not JSON");
  ExpectInvalid("{\"Version\":1,", "not JSON");
  ExpectInvalid("[1,2,3]", "not JSON");  // JSON, but not an object
  ExpectInvalid("42", "not JSON");
}

TEST(StreamCheckpointTest, ParseRejectsAnotherVersion) {
  ExpectInvalid(R"({"Version":2,"StreamArn":"arn:s","Shards":[]})", "version");
  ExpectInvalid(R"({"StreamArn":"arn:s","Shards":[]})", "version");  // no Version
  ExpectInvalid(R"({"Version":"1","StreamArn":"arn:s","Shards":[]})", "version");
}

TEST(StreamCheckpointTest, ParseRejectsMissingStreamOrShards) {
  ExpectInvalid(R"({"Version":1,"Shards":[]})", "no stream or shards");
  ExpectInvalid(R"({"Version":1,"StreamArn":"","Shards":[]})", "no stream or shards");
  ExpectInvalid(R"({"Version":1,"StreamArn":"arn:s"})", "no stream or shards");
  ExpectInvalid(R"({"Version":1,"StreamArn":"arn:s","Shards":{}})", "no stream or shards");
  // A copy checkpoint is not a stream checkpoint.
  ExpectInvalid(R"({"Version":1,"Operation":"copy","Source":"a","Target":"b","Segments":[]})",
                "no stream or shards");
}

TEST(StreamCheckpointTest, ParseRejectsAShardWithoutId) {
  ExpectInvalid(R"({"Version":1,"StreamArn":"arn:s","Shards":[{"SequenceNumber":"1"}]})",
                "no ShardId");
  ExpectInvalid(R"({"Version":1,"StreamArn":"arn:s","Shards":[{"ShardId":""}]})", "no ShardId");
}

TEST(StreamCheckpointTest, SaveThenLoad) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/stream.json";
  const StreamCheckpoint original = Sample();
  aws::Status saved = SaveStreamCheckpoint(path, original);
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  EXPECT_EQ(ReadAll(path), SerializeStreamCheckpoint(original));

  aws::Result<std::optional<StreamCheckpoint>> loaded = LoadStreamCheckpoint(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  ASSERT_TRUE(loaded->has_value());
  ExpectSame(**loaded, original);
}

TEST(StreamCheckpointTest, SaveReplacesTheFileWhole) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/stream.json";
  ASSERT_TRUE(SaveStreamCheckpoint(path, Sample()).ok());
  StreamCheckpoint smaller = Sample();
  smaller.shards.resize(1);
  smaller.shards[0].sequence_number = "400000000000000000009";
  ASSERT_TRUE(SaveStreamCheckpoint(path, smaller).ok());
  EXPECT_EQ(ReadAll(path), SerializeStreamCheckpoint(smaller));
  aws::Result<std::optional<StreamCheckpoint>> loaded = LoadStreamCheckpoint(path);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  ExpectSame(**loaded, smaller);
}

TEST(StreamCheckpointTest, LoadOfAMissingFileIsNullopt) {
  testing::TempDir dir;
  aws::Result<std::optional<StreamCheckpoint>> loaded =
      LoadStreamCheckpoint(dir.path() + "/absent.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_FALSE(loaded->has_value());
}

TEST(StreamCheckpointTest, LoadOfADamagedFileNamesThePath) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("damaged.json", "{\"Version\":1,\"StreamArn\":");
  aws::Result<std::optional<StreamCheckpoint>> loaded = LoadStreamCheckpoint(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_NE(loaded.error().message.find(path), std::string::npos) << loaded.error().message;
}

}  // namespace
}  // namespace ddbm::pipeline
