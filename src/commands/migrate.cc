// `ddbmigrate migrate --live`: the zero-downtime procedure in one resumable command. Notes the
// time the snapshot starts, copies the table, then replays the stream from that time until the
// target has caught up, and keeps replaying until stopped.
//
// State: the --checkpoint file (a stream checkpoint with Operation "migrate", written before the
// copy starts, so the replay's start point survives a crash) and "<checkpoint>.copy" (the copy's
// segment checkpoint). A resume looks at both to continue in the phase where the run stopped.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <tuple>

#include "aws/iso8601.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/copy_job.h"
#include "commands/default_file.h"
#include "commands/interrupt.h"
#include "commands/replay_job.h"
#include "commands/run_checkpoint.h"
#include "commands/scan_flags.h"
#include "commands/table_pair.h"
#include "commands/truncate.h"
#include "dynamodb/table_ref.h"
#include "pipeline/checkpoint.h"
#include "pipeline/stream_replicator.h"
#include "pipeline/table_identity.h"

namespace ddbm::commands {
namespace {

aws::Error Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

// A target that holds items before the copy keeps those the source lacks (the replay removes
// only what the source deletes), so it would not become the source's copy: said up front, as
// the run goes on to say "ready for cut-over". One key read; a failed read says nothing.
// `advice` ends the warning: what to do if an exact copy is meant.
// Returns whether it warned.
bool WarnIfNotEmpty(const Connection& dst, const dynamodb::TableDescription& target,
                    std::string_view advice) {
  aws::Result<bool> holds = TableHoldsItems(dst, target, /*consistent_read=*/false, nullptr);
  if (!holds.ok() || !*holds) return false;
  std::cerr << fmt::format(
      "ddbmigrate: warning: {} already holds items: those the source lacks stay in it, so it "
      "will not be an exact copy; {}\n",
      target.table_name, advice);
  return true;
}

class MigrateCommand final : public Command {
 public:
  std::string name() const override { return "migrate"; }
  std::string description() const override {
    return "Zero-downtime migration with --live: copy the table, then replay its stream from "
           "the copy's start until stopped [API: DescribeTable, Scan, BatchWriteItem, "
           "DescribeStream, GetShardIterator, GetRecords; DescribeTimeToLive, "
           "DescribeContinuousBackups, ListTagsOfResource, CreateTable (its tags need the "
           "dynamodb:TagResource permission) and, as the source's settings need, "
           "UpdateTimeToLive, UpdateContinuousBackups, UpdateTable with --create-target; "
           "BatchGetItem for KEYS_ONLY and OLD_IMAGE streams]";
  }

  void AddFlags(CLI::App& app) override {
    job_.AddFlags(app, /*with_verify=*/false);
    app.add_flag("--live", live_,
                 "Copy, then replay the source's stream so that writes may go on meanwhile "
                 "(required: the only mode so far)");
    app.add_flag("--until-caught-up", until_caught_up_,
                 "Stop once the replay has caught up, instead of replaying until stopped");
    app.add_option("--max-lag", max_lag_seconds_,
                   "Lag in seconds under which the replay counts as caught up")
        ->check(DecimalRange(0, 86400))
        ->capture_default_str();
    app.add_flag("--skip-ttl-deletes", skip_ttl_deletes_,
                 "Do not apply the deletions made by DynamoDB's TTL");
  }

  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    if (!live_) {
      return UsageError(
          "migrate needs --live (copy, then replay the stream); for a one-off copy of a table "
          "nobody writes to, use copy");
    }
    if (aws::Status s = job_.CheckFlags(); !s.ok()) return std::move(s).error();
    aws::Result<TablePair> pair = OpenTablePair(global, job_.source_table(), job_.source_side(),
                                                job_.target_table(), job_.target_side());
    if (!pair.ok()) return std::move(pair).error();
    const Connection& src = *pair->source;
    const Connection& dst = *pair->target;
    const dynamodb::TableRef& source_ref = pair->source_ref;
    const dynamodb::TableRef& target_ref = pair->target_ref;
    const dynamodb::TableDescription& source_table = pair->source_table;
    constexpr std::string_view kCopySuffix = ".copy";
    const std::string state_path =
        job_.checkpoint().empty()
            ? DefaultFileName(target_ref.name, "-migrate.json",
                              kCopySuffix.size() + pipeline::kTempFileSuffix.size())
            : job_.checkpoint();
    const std::string copy_path = state_path + std::string(kCopySuffix);
    const bool resume = job_.resume();

    // Before any work: without a usable stream the changes made during the copy would be lost.
    if (aws::Status s = CheckStreamUsable(source_table, src, resume ? state_path : std::string());
        !s.ok()) {
      return std::move(s).error();
    }

    ReplaySettings replay;
    replay.operation = "migrate";
    replay.checkpoint = state_path;
    replay.until_caught_up = until_caught_up_;
    replay.max_lag_seconds = max_lag_seconds_;
    replay.skip_ttl_deletes = skip_ttl_deletes_;
    replay.writers = std::min(job_.writers(), 64);
    replay.dead_letter = job_.dead_letter();
    replay.write_rate = job_.write_rate();
    replay.write_percent = job_.write_percent();
    replay.capacity = job_.consumed_capacity();
    // With --until-caught-up the run ends here, up to --max-lag behind: the rest of the changes
    // need one more run once the source is quiet, unless this run is that one (--max-lag 0: it
    // stops only once every record in the stream is applied).
    replay.caught_up_message =
        until_caught_up_ && max_lag_seconds_ == 0
            ? fmt::format(
                  "caught up: {} is {{lag}} s behind {}, every change in the stream applied: if "
                  "writes to the source are stopped, {} is ready for cut-over; point the "
                  "application at {}",
                  target_ref.name, source_ref.name, target_ref.name, target_ref.name)
        : until_caught_up_
            ? fmt::format(
                  "caught up: {} is {{lag}} s behind {}: ready for cut-over. Stop writes to the "
                  "source, run this command again with --resume --max-lag 0 to apply the last "
                  "changes, then point the application at {}",
                  target_ref.name, source_ref.name, target_ref.name)
            : fmt::format(
                  "caught up: {} is {{lag}} s behind {}: ready for cut-over. Stop writes to the "
                  "source, let the replay drain (lag 0), then point the application at {}; "
                  "Ctrl-C stops the replay, --resume continues it",
                  target_ref.name, source_ref.name, target_ref.name);

    if (job_.dry_run()) {
      job_.SetCheckpoint(copy_path, resume && std::filesystem::exists(copy_path));
      if (!resume && !job_.truncate_target()) {
        if (aws::Result<dynamodb::TableDescription> target_table = DescribeRef(dst, target_ref);
            target_table.ok()) {
          WarnIfNotEmpty(dst, *target_table, "add --truncate-target if that is not meant");
        }
      }
      // With --output json stdout holds the copy's plan alone, as one JSON object.
      (global.output == "json" ? std::cerr : std::cout) << fmt::format(
          "plan: migrate --live {} -> {}: copy as below, then replay stream {} ({}) from the "
          "copy's start; state in {} and {}\n",
          source_ref.name, target_ref.name, source_table.latest_stream_arn,
          source_table.stream_view_type, state_path, copy_path);
      return job_.RunOn(global, *pair);
    }

    // Held to the end of the run, copy and replay: another run on this state is refused before
    // either writes. (The copy phase locks <checkpoint>.copy too, as copy does.)
    aws::Result<std::optional<pipeline::CheckpointLock>> checkpoint_lock =
        LockRunCheckpoint(state_path);
    if (!checkpoint_lock.ok()) return std::move(checkpoint_lock).error();

    int64_t started = 0;
    int64_t replay_from = 0;  // the oldest record time the replay applies
    bool target_held_items = false;
    if (!resume) {
      // The target is checked before the state file is written: a failed start leaves nothing.
      aws::Result<dynamodb::TableDescription> target_table = DescribeRef(dst, target_ref);
      if (aws::Status s =
              CheckCopyTarget(source_table, target_table, target_ref.name, job_.create_target(),
                              /*transformed=*/false, /*offers_transform=*/false);
          !s.ok()) {
        return std::move(s).error();
      }
      ReplaySettings fresh = replay;
      fresh.resume = false;
      aws::Result<std::optional<pipeline::StreamCheckpoint>> none =
          PrepareStreamCheckpoint(fresh, source_ref.name, target_ref.name);
      if (!none.ok()) return std::move(none).error();
      if (std::filesystem::exists(copy_path)) {
        return Invalid("copy checkpoint " + copy_path +
                       " already exists; pass --resume to continue that run, or delete it to "
                       "start over");
      }
      // Asked once the run can start, before the state file is written: a refusal leaves
      // nothing.
      if (target_table.ok()) {
        if (aws::Status s = job_.ConfirmTruncateTarget(dst, *target_table); !s.ok()) {
          return std::move(s).error();
        }
        if (!job_.truncate_target()) {
          target_held_items = WarnIfNotEmpty(
              dst, *target_table,
              fmt::format("if that is not meant, stop (Ctrl-C), delete {} and {}, and "
                          "run again with --truncate-target",
                          state_path, copy_path));
        }
      }
      // The stream position is noted before the scan starts: every change from here on is
      // either in the copy or in the replay (often both, which is harmless in order).
      started = aws::EpochSeconds(aws::Clock::Real()->Now());
      pipeline::StreamCheckpoint state;
      state.operation = "migrate";
      state.source = source_ref.name;
      state.target = target_ref.name;
      state.source_identity = pipeline::IdentityOf(source_table);
      if (target_table.ok()) state.target_identity = pipeline::IdentityOf(*target_table);
      state.stream_arn = source_table.latest_stream_arn;
      state.from = aws::FormatEpochSeconds(started);
      // Noted by this host's clock, which may run ahead of the service's that times the records
      // (by up to the 5 minutes SigV4 tolerates): replay from that much earlier too.
      state.skip_before = started - kReplayMarginSeconds - kClockSkewSeconds;
      replay_from = state.skip_before;
      state.start_time = started;
      state.target_held_items = target_held_items;
      if (aws::Status s = pipeline::SaveStreamCheckpoint(state_path, state); !s.ok()) {
        return std::move(s).error();
      }
      std::cerr << fmt::format(
          "noted stream {} at {}; the replay will start at {}, {} min earlier for clocks that "
          "differ (state in {})\n",
          state.stream_arn, state.from, aws::FormatEpochSeconds(state.skip_before),
          (kReplayMarginSeconds + kClockSkewSeconds) / 60, state_path);
      job_.SetCheckpoint(copy_path, false);
    } else {
      ReplaySettings again = replay;
      again.resume = true;
      aws::Result<std::optional<pipeline::StreamCheckpoint>> state =
          PrepareStreamCheckpoint(again, source_ref.name, target_ref.name);
      if (!state.ok()) return std::move(state).error();
      // Checked before the copy phase, which may be long: RunReplay checks again after it.
      aws::Result<dynamodb::TableDescription> target_table = DescribeRef(dst, target_ref);
      if (aws::Status s = pipeline::CheckSameTables(
              (*state)->source_identity, source_table, (*state)->target_identity,
              target_table.ok() ? &*target_table : nullptr, state_path, pipeline::kStartOverReplay);
          !s.ok()) {
        return std::move(s).error();
      }
      // A replay that cannot start (its stream replaced, or its start older than the stream
      // keeps records) is refused now, not after a copy phase that would be wasted.
      if (aws::Status s = CheckSameStream(**state, state_path, source_table); !s.ok()) {
        return std::move(s).error();
      }
      if (aws::Status s = pipeline::StreamReplicator::CheckStartWithinRetention(
              **state, source_table.table_name, aws::EpochSeconds(aws::Clock::Real()->Now()),
              kStreamRetentionSeconds);
          !s.ok()) {
        return std::move(s).error();
      }
      started = (*state)->start_time;
      replay_from = (*state)->skip_before;
      target_held_items = (*state)->target_held_items;
      job_.SetCheckpoint(copy_path, std::filesystem::exists(copy_path));
      // A table this migration created earlier exists now: copy into it (and still add the
      // indexes --create-indexes-after deferred).
      job_.set_target_created_earlier(true);
    }

    // The state file exists from here on: a stop while the target is emptied is resumed.
    job_.set_truncate_stop_advice(
        "run the same command with --resume to finish emptying the target, then copy and "
        "replay");
    job_.set_not_empty_advice(fmt::format(
        "they stay in it beside the copied items: stop what writes to it, then stop this run "
        "(Ctrl-C), delete {} and {}, and run again with --truncate-target",
        state_path, copy_path));
    const auto deadline = aws::Clock::WallTime(std::chrono::seconds(replay_from)) +
                          std::chrono::seconds(kStreamRetentionSeconds);
    job_.set_finish_before(deadline,
                           "when the stream starts trimming the records the replay needs, 24 hours "
                           "after the copy started");
    aws::Result<Outcome> copied = job_.RunOn(global, *pair);
    if (!copied.ok()) return copied;
    if (*copied == Outcome::kInterrupted) return copied;
    // A Ctrl-C as the copy finished: stop between the phases.
    if (StopFlag()->load()) {
      std::cerr << "ddbmigrate: stopped after the copy phase; run the same command with --resume "
                   "to replay the changes made since it started\n";
      return Outcome::kInterrupted;
    }
    // Not for settings --create-target could not enable (the copy's summary names those): the
    // replay's warning is of items missing from the target.
    replay.copy_incomplete = *copied == Outcome::kIncomplete && job_.items_dead_lettered();
    replay.target_not_emptied = job_.target_not_emptied();
    replay.target_held_items = target_held_items;

    aws::Result<dynamodb::TableDescription> target_table =
        DescribeRole(dst, target_ref, "target table");
    if (!target_table.ok()) return std::move(target_table).error();
    // The stream may have been replaced during the copy (disabled, then a new one enabled): the
    // replay then says so (see CheckSameStream) rather than that the stream was turned off.
    dynamodb::TableDescription source_now = source_table;
    aws::Result<dynamodb::TableDescription> source_again =
        DescribeRole(src, source_ref, "source table");
    if (!source_again.ok()) return std::move(source_again).error();
    if (!source_again->latest_stream_arn.empty() &&
        source_again->latest_stream_arn != source_table.latest_stream_arn) {
      source_now.latest_stream_arn = source_again->latest_stream_arn;
    }
    replay.resume = true;
    // The copy's file, which a resume may have taken from its checkpoint. The replay of a fresh
    // migration has no earlier run: the file holds only the copy's lines.
    replay.dead_letter = job_.dead_letter_file_used();
    replay.earlier_dead_letters = resume;
    std::cerr << "copy phase done; replaying the changes made since "
              << aws::FormatEpochSeconds(replay_from) << '\n';
    aws::Result<Outcome> replayed = RunReplay(global, src, dst, source_now, *target_table, replay,
                                              InstallInterruptHandler(kReplayStopping));
    if (!replayed.ok()) return replayed;
    if (*replayed == Outcome::kSuccess && *copied == Outcome::kIncomplete) return copied;
    return replayed;
  }

 private:
  CopyJob job_;
  bool live_ = false;
  bool until_caught_up_ = false;
  double max_lag_seconds_ = 10;
  bool skip_ttl_deletes_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeMigrateCommand() { return std::make_unique<MigrateCommand>(); }

}  // namespace ddbm::commands
