// What `replicate` and the replay phase of `migrate --live` share around a StreamReplicator:
// the stream checks, the checkpoint rules, progress with lag, and the summary.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "aws/clock.h"
#include "aws/error.h"
#include "aws/sigv4.h"
#include "commands/capacity_flag.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "dynamodb/types.h"
#include "pipeline/stream_checkpoint.h"

namespace ddbm::commands {

// Records' creation times are approximate (DynamoDB Local rounds them down to the minute), so a
// replay from time T starts this much earlier; replaying a change twice, in order, is harmless.
inline constexpr int64_t kReplayMarginSeconds = 60;
// How far this host's clock may run ahead of the service's: SigV4 refuses requests signed more
// than 5 minutes off. A start noted by this host's clock (migrate) replays from this much earlier
// as well.
inline constexpr int64_t kClockSkewSeconds =
    std::chrono::seconds(aws::sigv4::kClockSkewAllowed).count();
// How long a DynamoDB stream keeps its records.
inline constexpr int64_t kStreamRetentionSeconds = 24 * 3600;

// Where a replay starts, from --from.
struct ReplayStart {
  std::string text;         // as given, for the checkpoint
  bool latest = false;      // only changes from now on
  int64_t skip_before = 0;  // epoch seconds; records created earlier are skipped; 0: none
};

// Parses "trim-horizon", "latest", an ISO 8601 time ("2026-11-23T10:00:00Z") or epoch seconds.
// kUsage saying what is accepted otherwise. With `check_window` (a fresh start; a resume
// continues from its checkpoint whatever the first run's --from), kInvalidInput for a time in
// the future or older than the stream's retention (its records are gone).
aws::Result<ReplayStart> ParseReplayStart(std::string_view text, aws::Clock::WallTime now,
                                          bool check_window = true);

// Checks that `table` has a stream enabled whose records can be replayed; the error says the
// exact command that enables one. KEYS_ONLY and OLD_IMAGE are accepted (items are then read
// from the source) with a warning on stderr.
// `resumed_checkpoint`: the checkpoint of a resume, whose stream (the table's latest) turned off
// since is a gap, not a stream to enable.
aws::Status CheckStreamUsable(const dynamodb::TableDescription& table, const Connection& source,
                              std::string_view resumed_checkpoint = {});

struct ReplaySettings {
  std::string operation = "replicate";  // recorded in and checked against the checkpoint
  std::string checkpoint;               // required
  bool resume = false;                  // continue from `checkpoint` (it must exist)
  ReplayStart start;                    // ignored when resuming
  bool until_caught_up = false;
  double max_lag_seconds = 10;
  bool skip_ttl_deletes = false;
  int writers = 8;
  // --dead-letter; empty: the file a resumed checkpoint names, else
  // ddbmigrate-<target>-dead-letter.jsonl (see ChooseDeadLetterFile).
  std::string dead_letter;
  // Whether an earlier run of this replay may have appended to the dead-letter file for work
  // the checkpoint does not cover (see PrepareDeadLetterFile); unset: when resuming.
  std::optional<bool> earlier_dead_letters;
  std::optional<double> write_rate;
  std::optional<double> write_percent;
  ConsumedCapacityFlag capacity;  // which writes ask for ConsumedCapacity
  // Printed once, when the replay first catches up ("{lag}" is replaced by the lag in seconds),
  // unless items are known to be missing from the target: then a warning says so instead.
  std::string caught_up_message = "caught up: the target is {lag} s behind the source";
  // The copy before the replay (migrate --live) could not write some items.
  bool copy_incomplete = false;
  // The copy's --truncate-target left items written to the target while it was emptied.
  bool target_not_emptied = false;
  // The target held items before the copy (migrate's state file says so for its resumes).
  bool target_held_items = false;
};

// Checks the checkpoint file for a fresh run (must not exist, must be writable) or a resume
// (must exist and be for this operation and these tables). Returns the checkpoint to resume.
aws::Result<std::optional<pipeline::StreamCheckpoint>> PrepareStreamCheckpoint(
    const ReplaySettings& settings, const std::string& source_table,
    const std::string& target_table);

// The gap error when the stream `checkpoint` follows is no longer the source's latest (it was
// disabled and a new one enabled): the changes made in between are in no stream read.
aws::Status CheckSameStream(const pipeline::StreamCheckpoint& checkpoint,
                            const std::string& checkpoint_path,
                            const dynamodb::TableDescription& source);

// Replays the source table's stream into the target until stopped (or caught up, with
// until_caught_up), with progress on stderr and a summary on stdout. REQUIRES:
// CheckStreamUsable(source) passed; both tables have the same key schema; the caller holds the
// checkpoint's lock (LockRunCheckpoint) for as long as the replay runs.
aws::Result<Outcome> RunReplay(const GlobalOptions& global, const Connection& src,
                               const Connection& dst, const dynamodb::TableDescription& source,
                               const dynamodb::TableDescription& target,
                               const ReplaySettings& settings, const std::atomic<bool>* stop);

}  // namespace ddbm::commands
