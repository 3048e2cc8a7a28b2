// StreamCheckpoint: the resume state of a stream replay, saved as one JSON file.
//
//   {"Version":1,"Operation":"replicate","Source":"A","Target":"B","StreamArn":"arn:...",
//    "SourceTable":{"TableArn":...},"TargetTable":{"TableArn":...},   (see table_identity.h)
//    "From":"trim-horizon","SkipBefore":1700000000,"StartTime":1700000000,
//    "DeadLetterFile":"/abs/path.jsonl",  (only when known)
//    "DeadLettered":0,
//    "Shards":[{"ShardId":"shardId-1","Parent":"","SequenceNumber":"400...","Done":false,
//               "LastApplied":1700000100,"TipAt":1700000160}]}
//   (a shard's "DoneAt" and "NeededSince" appear only when known)
//
// A shard's SequenceNumber is the last record applied to the target (or deliberately skipped),
// so a resume asks for the records after it. The file never holds credentials or items; it is
// saved atomically (see WriteFileAtomically).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "aws/error.h"
#include "pipeline/table_identity.h"

namespace ddbm::pipeline {

struct ShardPosition {
  std::string shard_id;
  std::string parent_shard_id;
  std::string sequence_number;  // last applied; empty when nothing was applied yet
  bool done = false;            // read to its end (the shard is closed)
  int64_t last_applied = 0;     // creation time (epoch seconds) of the last applied record
  // When (epoch seconds) the shard was last read to its tip: every record it held until then is
  // applied. 0 when not yet. Lets a resume tell a quiet shard from one whose records expired.
  int64_t tip_at = 0;
  // When (epoch seconds) the shard was read to its end, or first seen closed in DescribeStream if
  // that was earlier (a lagging replay reads a shard's end long after it closed); 0 when not
  // done, or done in a run of an older version. Its children hold the records made since it
  // closed, which was no later (up to one describe interval for a shard seen closing, and
  // unknown for one closed before the replay first described the stream).
  int64_t done_at = 0;
  // For a shard taken after its parent was read to its end: the parent's done_at, from when the
  // shard's records are needed while nothing is applied from it and it was never seen at its
  // tip. 0 when unknown.
  int64_t needed_since = 0;
};

struct StreamCheckpoint {
  std::string operation = "replicate";
  std::string source;
  std::string target;
  // The tables themselves, when known (not in checkpoints of older versions, nor for a target
  // migrate --live has still to create): a resume checks them with CheckSameTables.
  TableIdentity source_identity;
  TableIdentity target_identity;
  std::string stream_arn;
  std::string from;         // as the user gave it: trim-horizon, latest or a time
  int64_t skip_before = 0;  // records created before this epoch second are skipped; 0: none
  int64_t start_time = 0;   // when the replay first started (epoch seconds)
  // The absolute path of the runs' dead-letter file; empty in checkpoints of older versions,
  // and in the one migrate --live saves before its copy.
  std::string dead_letter_file;
  // Records and writes sent to the dead-letter file, over every run, by the records the shard
  // positions count as applied (so a resume that replays a record does not count it twice).
  uint64_t dead_lettered = 0;
  // migrate --live: the target held items before the copy (those the source lacks stay in it),
  // so no later run may call it ready for cut-over.
  bool target_held_items = false;
  std::vector<ShardPosition> shards;

  // The newest record applied on any shard (epoch seconds); 0 when none.
  int64_t LastApplied() const;
};

std::string SerializeStreamCheckpoint(const StreamCheckpoint& checkpoint);
// kInvalidInput naming `path` when the text is not a stream checkpoint of ours.
aws::Result<StreamCheckpoint> ParseStreamCheckpoint(std::string_view text, const std::string& path);
aws::Status SaveStreamCheckpoint(const std::string& path, const StreamCheckpoint& checkpoint);
// nullopt when no file exists at `path`.
aws::Result<std::optional<StreamCheckpoint>> LoadStreamCheckpoint(const std::string& path);

}  // namespace ddbm::pipeline
