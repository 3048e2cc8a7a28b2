#include "pipeline/stream_checkpoint.h"

#include <simdjson.h>

#include <algorithm>

#include "aws/json_writer.h"
#include "pipeline/checkpoint.h"

namespace ddbm::pipeline {
namespace {

aws::Error FileError(const std::string& path, const std::string& what) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, "checkpoint " + path + ": " + what);
}

std::string StringOr(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

int64_t IntOr(simdjson::dom::element e, std::string_view key) {
  int64_t v = 0;
  return e[key].get(v) == simdjson::SUCCESS ? v : 0;
}

}  // namespace

int64_t StreamCheckpoint::LastApplied() const {
  int64_t last = 0;
  for (const ShardPosition& s : shards) last = std::max(last, s.last_applied);
  return last;
}

std::string SerializeStreamCheckpoint(const StreamCheckpoint& c) {
  std::string out;
  aws::JsonWriter w(&out);
  w.BeginObject()
      .MemberInt("Version", 1)
      .Member("Operation", c.operation)
      .Member("Source", c.source)
      .Member("Target", c.target)
      .Member("StreamArn", c.stream_arn)
      .Member("From", c.from)
      .MemberInt("SkipBefore", c.skip_before)
      .MemberInt("StartTime", c.start_time);
  WriteTableIdentity(w, "SourceTable", c.source_identity);
  WriteTableIdentity(w, "TargetTable", c.target_identity);
  if (!c.dead_letter_file.empty()) w.Member("DeadLetterFile", c.dead_letter_file);
  if (c.target_held_items) w.MemberBool("TargetHeldItems", true);
  w.MemberInt("DeadLettered", static_cast<int64_t>(c.dead_lettered)).Key("Shards").BeginArray();
  for (const ShardPosition& s : c.shards) {
    w.BeginObject()
        .Member("ShardId", s.shard_id)
        .Member("Parent", s.parent_shard_id)
        .Member("SequenceNumber", s.sequence_number)
        .MemberBool("Done", s.done)
        .MemberInt("LastApplied", s.last_applied)
        .MemberInt("TipAt", s.tip_at);
    if (s.done_at > 0) w.MemberInt("DoneAt", s.done_at);
    if (s.needed_since > 0) w.MemberInt("NeededSince", s.needed_since);
    w.EndObject();
  }
  w.EndArray().EndObject();
  out += '\n';
  return out;
}

aws::Result<StreamCheckpoint> ParseStreamCheckpoint(std::string_view text,
                                                    const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(text)).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return FileError(path,
                     "not a ddbmigrate stream checkpoint (not JSON); delete it or pass another "
                     "--checkpoint path");
  }
  if (IntOr(root, "Version") != 1) {
    return FileError(path, "unknown checkpoint version; it was written by another ddbmigrate");
  }
  StreamCheckpoint c;
  c.operation = StringOr(root, "Operation");
  c.source = StringOr(root, "Source");
  c.target = StringOr(root, "Target");
  if (!ReadTableIdentities(root, &c.source_identity, &c.target_identity)) {
    return FileError(path, std::string(kDamagedIdentities));
  }
  c.stream_arn = StringOr(root, "StreamArn");
  c.from = StringOr(root, "From");
  c.skip_before = IntOr(root, "SkipBefore");
  c.start_time = IntOr(root, "StartTime");
  c.dead_letter_file = StringOr(root, "DeadLetterFile");
  c.dead_lettered = static_cast<uint64_t>(std::max<int64_t>(0, IntOr(root, "DeadLettered")));
  bool held = false;
  c.target_held_items = root["TargetHeldItems"].get(held) == simdjson::SUCCESS && held;
  simdjson::dom::array shards;
  if (c.stream_arn.empty() || root["Shards"].get(shards) != simdjson::SUCCESS) {
    return FileError(path,
                     "no stream or shards in it; it is not a stream checkpoint (a copy "
                     "checkpoint?) or it is damaged");
  }
  for (simdjson::dom::element e : shards) {
    ShardPosition s;
    s.shard_id = StringOr(e, "ShardId");
    s.parent_shard_id = StringOr(e, "Parent");
    s.sequence_number = StringOr(e, "SequenceNumber");
    bool done = false;
    if (e["Done"].get(done) == simdjson::SUCCESS) s.done = done;
    s.last_applied = IntOr(e, "LastApplied");
    s.tip_at = IntOr(e, "TipAt");
    s.done_at = IntOr(e, "DoneAt");
    s.needed_since = IntOr(e, "NeededSince");
    if (s.shard_id.empty()) return FileError(path, "a shard has no ShardId; the file is damaged");
    c.shards.push_back(std::move(s));
  }
  return c;
}

aws::Status SaveStreamCheckpoint(const std::string& path, const StreamCheckpoint& checkpoint) {
  return WriteFileAtomically(path, SerializeStreamCheckpoint(checkpoint));
}

aws::Result<std::optional<StreamCheckpoint>> LoadStreamCheckpoint(const std::string& path) {
  aws::Result<std::optional<std::string>> text = ReadFileIfExists(path);
  if (!text.ok()) return std::move(text).error();
  if (!*text) return std::optional<StreamCheckpoint>();
  aws::Result<StreamCheckpoint> c = ParseStreamCheckpoint(**text, path);
  if (!c.ok()) return std::move(c).error();
  return std::optional<StreamCheckpoint>(std::move(*c));
}

}  // namespace ddbm::pipeline
