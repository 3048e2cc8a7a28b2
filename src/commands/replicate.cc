// `ddbmigrate replicate`: follows a table's DynamoDB Stream and applies every change to another
// table, shard by shard, resumable from its checkpoint.
#include <fmt/format.h>

#include "commands/command.h"
#include "commands/connection.h"
#include "commands/default_file.h"
#include "commands/interrupt.h"
#include "commands/replay_job.h"
#include "commands/run_checkpoint.h"
#include "commands/scan_flags.h"
#include "commands/side_flags.h"
#include "commands/table_pair.h"
#include "pipeline/checkpoint.h"

namespace ddbm::commands {
namespace {

class ReplicateCommand final : public Command {
 public:
  std::string name() const override { return "replicate"; }
  std::string description() const override {
    return "Apply the changes recorded in a table's stream to another table, until stopped or "
           "caught up [API: DescribeTable, DescribeStream, GetShardIterator, GetRecords, "
           "BatchWriteItem; BatchGetItem for KEYS_ONLY and OLD_IMAGE streams]";
  }

  void AddFlags(CLI::App& app) override {
    app.add_option("--source-table", source_table_, "Table whose stream is read (name or ARN)")
        ->required();
    app.add_option("--target-table", target_table_, "Table to apply the changes to (name or ARN)")
        ->required();
    AddSideFlags(app, "source", &source_side_);
    AddSideFlags(app, "target", &target_side_);
    app.add_option("--from", from_,
                   "Where to start: trim-horizon (every record the stream holds), latest (only "
                   "new changes), or a time (2026-11-23T10:00:00Z or epoch seconds)")
        ->capture_default_str();
    app.add_option("--checkpoint", settings_.checkpoint,
                   "Per-shard positions are saved here (default: "
                   "ddbmigrate-<source>-to-<target>-replicate.json)");
    app.add_flag("--resume", settings_.resume,
                 "Continue from --checkpoint after a stop or crash (where the checkpoint says: "
                 "--from is then ignored, so the first run's command can be repeated as is)");
    app.add_flag("--until-caught-up", settings_.until_caught_up,
                 "Stop once every shard is read to its end or within --max-lag of now");
    app.add_option("--max-lag", settings_.max_lag_seconds,
                   "Lag in seconds under which the replay counts as caught up")
        ->check(DecimalRange(0, 86400))
        ->capture_default_str();
    app.add_flag("--skip-ttl-deletes", settings_.skip_ttl_deletes,
                 "Do not apply the deletions made by DynamoDB's TTL");
    app.add_option("--writers", settings_.writers,
                   "Concurrent BatchWriteItem requests per shard (default 8)")
        ->transform(WholeNumberRange(1, 256))
        ->capture_default_str();
    AddWriteRateFlags(app, &settings_.write_rate, &settings_.write_percent, "the target's");
    AddConsumedCapacityFlag(app, &settings_.capacity, CapacityRequests::kWritesOnly);
    app.add_option("--dead-letter", settings_.dead_letter,
                   "JSON-lines file for records that cannot be applied "
                   "(default: ddbmigrate-<target>-dead-letter.jsonl)");
  }

  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    aws::Result<ReplayStart> start =
        ParseReplayStart(from_, aws::Clock::Real()->Now(), /*check_window=*/!settings_.resume);
    if (!start.ok()) return std::move(start).error();
    settings_.start = *start;
    aws::Result<TablePair> pair =
        OpenTablePair(global, source_table_, source_side_, target_table_, target_side_);
    if (!pair.ok()) return std::move(pair).error();
    const Connection& src = *pair->source;
    const Connection& dst = *pair->target;
    const dynamodb::TableDescription& source = pair->source_table;
    if (settings_.checkpoint.empty()) {
      settings_.checkpoint = DefaultFileName(pair->source_ref.name + "-to-" + pair->target_ref.name,
                                             "-replicate.json", pipeline::kTempFileSuffix.size());
    }
    // Held to the end of the run: another run on this checkpoint is refused before either writes.
    aws::Result<std::optional<pipeline::CheckpointLock>> checkpoint_lock =
        LockRunCheckpoint(settings_.checkpoint);
    if (!checkpoint_lock.ok()) return std::move(checkpoint_lock).error();
    aws::Result<dynamodb::TableDescription> target =
        DescribeRole(dst, pair->target_ref, "target table");
    if (!target.ok()) return std::move(target).error();
    if (aws::Status s =
            CheckSameKeySchema(source, *target, "replicate into a table with the same key schema");
        !s.ok()) {
      return s.error();
    }
    // One table, whose own writes would come back forever.
    if (dynamodb::IsSameTable(source, *target)) {
      return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                              fmt::format("source and target are the same table ({}); name "
                                          "another target table, region or account",
                                          source.table_arn));
    }
    if (aws::Status s =
            CheckStreamUsable(source, src, settings_.resume ? settings_.checkpoint : std::string());
        !s.ok()) {
      return std::move(s).error();
    }
    return RunReplay(global, src, dst, source, *target, settings_,
                     InstallInterruptHandler(kReplayStopping));
  }

 private:
  std::string source_table_;
  std::string target_table_;
  SideOptions source_side_;
  SideOptions target_side_;
  std::string from_ = "trim-horizon";
  ReplaySettings settings_;
};

}  // namespace

std::unique_ptr<Command> MakeReplicateCommand() { return std::make_unique<ReplicateCommand>(); }

}  // namespace ddbm::commands
