// Checkpoint: the resume state of a segmented run, saved as one JSON file.
//
//   {"Version":1,"Operation":"copy","Source":"A","Target":"B","TotalSegments":8,
//    "SourceTable":{"TableArn":...},"TargetTable":{"TableArn":...},   (see table_identity.h)
//    "DeadLetterFile":"/abs/path.jsonl", "Transform":"jq -c --unbuffered ...",  (when given)
//    "S3SseAlgorithm":"KMS", "S3SseKmsKeyId":"alias/k",                      (exports, when given)
//    "Segments":[{"Segment":0,"Done":false,"ExclusiveStartKey":{...},"Items":1200,
//                 "DeadLettered":3},...]}     (DeadLettered only when not 0)
//
// A copy with --create-target saves "CreatingTarget":true before it sends CreateTable, and the
// same checkpoint without it once the table is ready.
//
// Keys are raw DynamoDB JSON, exactly as the service returned them. The file never holds
// credentials. Saving writes a temporary file, fsyncs it and renames it over the old one, so a
// crash at any instant leaves either the old or the new checkpoint, never a torn one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "pipeline/segment_progress.h"
#include "pipeline/table_identity.h"

namespace ddbm::pipeline {

struct Checkpoint {
  std::string operation;  // "copy", "truncate"...
  std::string source;     // identifies the run; a resume must match it
  std::string target;
  // The tables themselves, when known (not known in checkpoints of older versions, nor for a
  // target that is still to be created): a resume checks them with CheckSameTable.
  TableIdentity source_identity;
  TableIdentity target_identity;
  int total_segments = 0;
  std::vector<SegmentPosition> segments;  // index = segment number
  // The run was creating its target table: nothing was written yet, and a resume must finish
  // creating the table (or create it) before it copies.
  bool creating_target = false;
  // Where the run appends the items it cannot write (an absolute path; empty when not told):
  // a resume appends to the same file, which holds the items the checkpoint counts.
  std::string dead_letter_file;
  // The run adds the target's global secondary indexes after the load (copy
  // --create-indexes-after): a resume must too, or they are never added.
  bool create_indexes_after = false;
  // The command of copy --transform (empty: none). A resume must transform with the same one;
  // the segments' Items count the items read, DeadLettered the lines of the dead-letter file
  // (a transform may make more of them than it read).
  std::string transform;
  // An export's server-side encryption, as its manifest records it: "AES256" or "KMS" (empty:
  // none asked), and the KMS key as given (empty: the AWS managed key). A resume must encrypt
  // its files alike.
  std::string s3_sse_algorithm;
  std::string s3_sse_kms_key_id;
  // Why this checkpoint must not be resumed (its positions may count items that were not
  // written as they should be, e.g. a transform's answers out of step); empty when it may.
  std::string unusable;

  uint64_t items_acknowledged() const;
  uint64_t items_dead_lettered() const;  // of the acknowledged items
  bool complete() const;
};

std::string SerializeCheckpoint(const Checkpoint& checkpoint);
// kInvalidInput naming `path` when the text is not a checkpoint of ours.
aws::Result<Checkpoint> ParseCheckpoint(std::string_view text, const std::string& path);

// Atomic save (see above). kInvalidInput naming the path when it cannot be written.
aws::Status SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint);
// nullopt when no file exists at `path`.
aws::Result<std::optional<Checkpoint>> LoadCheckpoint(const std::string& path);
// Writes `text` to a temporary file beside `path` (`path` + kTempFileSuffix), fsyncs it and
// renames it over `path`: readers see the old or the new content, never a torn file.
// kInvalidInput naming the path on failure.
inline constexpr std::string_view kTempFileSuffix = ".tmp";
aws::Status WriteFileAtomically(const std::string& path, std::string_view text);
// nullopt when no file exists at `path`; kInvalidInput naming the path when it cannot be read.
aws::Result<std::optional<std::string>> ReadFileIfExists(const std::string& path);
// Checks up front that `path` can be written (its directory exists and is writable), so a run
// does not discover an unwritable checkpoint after an hour of copying.
aws::Status CheckCheckpointWritable(const std::string& path);

}  // namespace ddbm::pipeline
