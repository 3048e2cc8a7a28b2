#include "commands/copy_job.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <span>

#include "aws/json_writer.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/create_target.h"
#include "commands/dead_letters.h"
#include "commands/dry_run_plan.h"
#include "commands/flag_checks.h"
#include "commands/interrupt.h"
#include "commands/output.h"
#include "commands/run_checkpoint.h"
#include "commands/side_flags.h"
#include "commands/table_pair.h"
#include "commands/transfer_runner.h"
#include "commands/truncate.h"
#include "commands/verify_runner.h"
#include "dynamodb/table_ref.h"
#include "dynamodb/table_schema.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/table_identity.h"
#include "pipeline/table_transfer.h"
#include "pipeline/transform_process.h"

namespace ddbm::commands {
namespace {

// Small segments, handed out to the readers in turn: the scan ends with every reader busy
// rather than with one long last segment. DynamoDB Local charges each Scan page for what is left
// of its segment, so there small segments also cut the server's Scan work per item (1 MB
// segments copied about 7% faster there than 2 MB ones).
constexpr int64_t kBytesPerDefaultSegment = int64_t{1} << 20;

// One segment per MB of the table, at least 8, at most 1,000.
int DefaultSegments(int64_t table_size_bytes) {
  const int64_t by_size =
      (table_size_bytes + kBytesPerDefaultSegment - 1) / kBytesPerDefaultSegment;
  return static_cast<int>(std::clamp<int64_t>(by_size, kDefaultScanSegments, 1000));
}

// Scan pages of about 256 KB, by the average item size in the table's description, or 1 MB pages
// (0) when the description says the table is empty. A page stays in memory until its last batch
// is acknowledged and each reader holds one while the writers drain the one before, so the page
// size is what the copy's peak memory grows with; smaller pages also move the checkpoint on more
// often. With 1 KB items that is one Scan request for every ten BatchWriteItems.
constexpr int64_t kDefaultPageBytes = int64_t{256} << 10;

int DefaultPageSize(const dynamodb::TableDescription& table) {
  const double bytes = AverageItemBytes(table);
  if (bytes <= 0) return 0;
  const int64_t average = std::max<int64_t>(1, static_cast<int64_t>(bytes));  // whole bytes
  return static_cast<int>(std::clamp<int64_t>(kDefaultPageBytes / average, 1, 1000000));
}

}  // namespace

aws::Status CheckCopyTarget(const dynamodb::TableDescription& source,
                            const aws::Result<dynamodb::TableDescription>& target,
                            const std::string& target_name, bool create_target, bool transformed,
                            bool offers_transform) {
  auto invalid = [](std::string message) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
  };
  if (!target.ok()) {
    if (target.error().code == "ResourceNotFoundException" && create_target) return {};
    aws::Error error = DescribeError(target.error(), "target table", target_name);
    if (error.kind == aws::ErrorKind::kInvalidInput) error.message += ", or pass --create-target";
    return error;
  }
  if (create_target) {
    return invalid(
        fmt::format("target table {} already exists; drop --create-target to copy into it, or "
                    "name a new table",
                    target_name));
  }
  if (aws::Status s = CheckSameKeySchema(
          source, *target,
          offers_transform
              ? "copy into a table with the same key schema (or use --create-target with a new "
                "name, or --transform to make items of the target's key)"
              : "copy into a table with the same key schema (or use --create-target with a new "
                "name)");
      !s.ok() && !transformed) {
    return s;
  }
  if (dynamodb::IsSameTable(source, *target)) {
    return invalid(fmt::format(
        "source and target are the same table ({}); name another target table, region or "
        "account",
        source.table_arn));
  }
  return {};
}

void CopyJob::AddFlags(CLI::App& app, bool with_verify) {
  app.add_option("--source-table", source_table_, "Table to read (name or ARN)")->required();
  app.add_option("--target-table", target_table_, "Table to write (name or ARN)")->required();
  AddSideFlags(app, "source", &source_side_);
  AddSideFlags(app, "target", &target_side_);
  ScanFlagsHelp scan_help;
  scan_help.segments =
      "Scan segments (TotalSegments; default: one per MB of the table, 8 to 1,000)";
  scan_help.page_size =
      "Items per Scan page (Scan Limit; default: about 256 KB by the table's average item size); "
      "0 lets DynamoDB fill 1 MB pages";
  scan_help.read_percent = "At most this percent of the source's provisioned read capacity";
  AddScanFlags(app, &scan_, scan_help);
  AddReadersFlag(app, &readers_, "Segments scanned at once (default 8)");
  app.add_option("--writers", writers_, "Concurrent BatchWriteItem requests (default 16)")
      ->transform(WholeNumberRange(1, 1024));
  AddConsumedCapacityFlag(app, &capacity_);
  AddWriteRateFlags(app, &write_rate_, &write_percent_, "the target's");
  app.add_option("--checkpoint", checkpoint_, "Record progress here so a run can resume");
  app.add_flag("--resume", resume_, "Continue from --checkpoint after a crash or Ctrl-C");
  app.add_option("--dead-letter", dead_letter_,
                 "JSON-lines file for items that cannot be written "
                 "(default: ddbmigrate-<target>-dead-letter.jsonl)");
  CLI::Option* create =
      app.add_flag("--create-target", create_target_,
                   "Create the target from the source's description (keys, indexes, billing, "
                   "stream, TTL, tags, PITR, deletion protection, table class) [API: "
                   "DescribeTimeToLive, DescribeContinuousBackups, ListTagsOfResource, "
                   "CreateTable (tags need dynamodb:TagResource); UpdateTimeToLive, "
                   "UpdateContinuousBackups, UpdateTable as the settings need]");
  app.add_flag("--create-indexes-after", create_indexes_after_,
               "With --create-target: add global secondary indexes after the load");
  // A table --create-target makes is empty: the two together are a mistake.
  app.add_flag("--truncate-target", truncate_target_,
               "Delete every item of the target first [API: Scan, BatchWriteItem]")
      ->excludes(create);
  app.add_flag("--yes", yes_, "Do not ask for confirmation before deleting");
  app.add_flag("--dry-run", dry_run_,
               "Print the plan and the first requests; send nothing that writes");
  if (!with_verify) return;
  offers_transform_ = true;
  app.add_flag("--verify", verify_,
               "After the copy, check that the target holds the same items as the source "
               "(as `ddbmigrate verify`) [API: Scan, BatchGetItem]");
  app.add_option("--verify-report", verify_report_,
                 "With --verify: write every difference here as JSON lines");
  app.add_option("--transform", transform_,
                 "Pass every item through this command (/bin/sh -c): it reads one item per "
                 "line and writes one line per line read, flushed: an item, an array of items "
                 "or null");
}

aws::Status CopyJob::CheckFlags() const {
  if (!verify_report_.empty() && !verify_) {
    return UsageError("--verify-report only applies with --verify");
  }
  if (create_indexes_after_ && !create_target_) {
    return UsageError("--create-indexes-after only applies with --create-target");
  }
  if (!transform_.empty() && verify_) {
    return UsageError(
        "--verify compares the target with the source item for item, and a transformed copy "
        "differs from it by design: drop --verify, or check the target with your own queries");
  }
  return capacity_.CheckRates(
      scan_.read_rate || write_rate_ || scan_.read_percent || write_percent_,
      "--read-rate, --write-rate, --read-percent or --write-percent");
}

aws::Result<Outcome> CopyJob::Run(const GlobalOptions& global) {
  if (resume_ && checkpoint_.empty()) {
    return UsageError("--resume needs --checkpoint FILE: the file a previous run wrote");
  }
  if (aws::Status s = CheckFlags(); !s.ok()) return std::move(s).error();
  aws::Result<TablePair> pair =
      OpenTablePair(global, source_table_, source_side_, target_table_, target_side_);
  if (!pair.ok()) return std::move(pair).error();
  return RunOn(global, *pair);
}

aws::Error CopyJob::MissingTargetOfResume(const std::string& target_table,
                                          bool creating_target) const {
  if (creating_target) {
    return Invalid(
        fmt::format("checkpoint {} is of a run that was creating the target table; resume it with "
                    "--create-target (and the same other flags)",
                    checkpoint_));
  }
  return Invalid(fmt::format(
      "target table {} does not exist, but checkpoint {} continues a copy that wrote into it; "
      "check the target's region, credentials and endpoint, or start over without --resume "
      "and without that checkpoint",
      target_table, checkpoint_));
}

aws::Result<Outcome> CopyJob::RunOn(const GlobalOptions& global, const TablePair& pair) {
  // Held to the end of the run: another run on this checkpoint is refused before either writes.
  aws::Result<std::optional<pipeline::CheckpointLock>> checkpoint_lock =
      LockRunCheckpoint(checkpoint_, dry_run_);
  if (!checkpoint_lock.ok()) return std::move(checkpoint_lock).error();
  const Connection& src = *pair.source;
  const Connection& dst = *pair.target;
  const dynamodb::TableRef& target_ref = pair.target_ref;
  const dynamodb::TableDescription& source = pair.source_table;
  std::optional<dynamodb::TargetTablePlan> plan;
  aws::Result<dynamodb::TableDescription> target_table = DescribeRef(dst, target_ref);
  const bool created_earlier =
      create_target_ && (resume_ || target_created_earlier_) && target_table.ok();
  // A resume without --create-target into a missing target: what to do depends on the run it
  // continues, not on the advice for a fresh copy (pass --create-target).
  if (resume_ && !create_target_ && !target_table.ok() &&
      target_table.error().code == "ResourceNotFoundException") {
    aws::Result<std::optional<pipeline::Checkpoint>> earlier =
        OpenRunCheckpoint(checkpoint_, /*resume=*/true);
    if (!earlier.ok()) return std::move(earlier).error();
    return MissingTargetOfResume(target_ref.name, (*earlier)->creating_target);
  }
  if (aws::Status s =
          CheckCopyTarget(source, target_table, target_ref.name, create_target_ && !created_earlier,
                          !transform_.empty(), offers_transform_);
      !s.ok()) {
    return std::move(s).error();
  }
  if (!target_table.ok()) {
    if (aws::Status s = CheckAccountBeforeCreate(dst, target_ref); !s.ok()) {
      return std::move(s).error();
    }
  }
  if (!target_table.ok() || created_earlier) {
    dynamodb::TargetTableOptions options;
    options.target_table_name = target_ref.name;
    options.create_indexes_after = create_indexes_after_;
    options.target_region = dst.region();
    aws::Result<dynamodb::TargetTablePlan> planned =
        dynamodb::PlanTargetTableFrom(src.dynamodb(), source, options);
    if (!planned.ok()) return std::move(planned).error();
    plan = std::move(*planned);
  }
  const bool create_table = plan && !target_table.ok();

  // Rates: explicit units, or a percent of the provisioned capacity.
  aws::Result<double> read_rate = scan_.ReadRate(source.read_capacity_units);
  if (!read_rate.ok()) return std::move(read_rate).error();
  const int64_t target_wcu =
      target_table.ok() ? target_table->write_capacity_units : source.write_capacity_units;
  aws::Result<double> write_rate =
      pipeline::ResolveRate(write_rate_, write_percent_, target_wcu, "write");
  if (!write_rate.ok()) return std::move(write_rate).error();

  pipeline::TransferOptions transfer;
  transfer.operation = "copy";
  transfer.source_table = pair.source_ref.name;
  transfer.target_table = target_ref.name;
  transfer.segments = scan_.Segments(DefaultSegments(source.table_size_bytes));
  transfer.readers = readers_;
  transfer.page_size = scan_.PageSize(DefaultPageSize(source));
  transfer.writers = writers_;
  transfer.consistent_read = scan_.consistent_read;
  transfer.read_consumed_capacity = capacity_.reads(*read_rate > 0);
  transfer.write_consumed_capacity = capacity_.writes(*write_rate > 0);
  transfer.checkpoint_path = checkpoint_;
  transfer.create_indexes_after =
      plan.has_value() && create_indexes_after_ && !plan->deferred_index_updates.empty();
  transfer.transform = transform_;
  transfer.source_identity = pipeline::IdentityOf(source);
  if (target_table.ok()) transfer.target_identity = pipeline::IdentityOf(*target_table);
  if (!checkpoint_.empty()) {
    if (aws::Status s = PrepareCheckpoint(&transfer); !s.ok()) return std::move(s).error();
  }
  if (transfer.resume) {
    if (aws::Status s = pipeline::CheckSameTables(
            transfer.resume->source_identity, source, transfer.resume->target_identity,
            target_table.ok() ? &*target_table : nullptr, checkpoint_);
        !s.ok()) {
      return std::move(s).error();
    }
  }
  // A resume continues what earlier runs wrote into the target: a missing target means that is
  // gone (deleted, or looked for in another region, account or endpoint), and a new one would
  // lack every item the checkpoint skips.
  if (create_table && transfer.resume && !transfer.resume->creating_target) {
    return MissingTargetOfResume(target_ref.name, /*creating_target=*/false);
  }
  aws::Result<DeadLetterChoice> dead_letter_choice = DeadLetterFileOfRun(&transfer);
  if (!dead_letter_choice.ok()) return std::move(dead_letter_choice).error();
  dead_letter_used_ = dead_letter_choice->path;
  pipeline::DeadLetterFile dead_letters(dead_letter_choice->path);
  dead_letters.set_earlier_file_gone(dead_letter_choice->earlier_gone);
  if (!checkpoint_.empty()) {
    if (transfer.resume && transfer.resume->complete()) {
      if (dry_run_) {  // nothing left to plan, and a dry run adds no deferred index either
        std::cerr << "checkpoint " << checkpoint_ << " says this copy already finished; "
                  << "dry run: nothing was written\n";
        return Outcome::kSuccess;
      }
      Outcome outcome = Outcome::kSuccess;
      aws::Result<Outcome> indexed = Outcome::kSuccess;
      if (plan && create_indexes_after_ && !create_table) {
        // Stopped while the deferred indexes were being added: add (or wait for) the rest.
        std::cerr << "checkpoint " << checkpoint_ << " says this copy already finished; "
                  << "adding the indexes deferred until after the load\n";
        indexed = AddDeferredIndexes(dst, *plan);
      } else {
        std::cerr << "checkpoint " << checkpoint_ << " says this copy already finished; "
                  << (verify_ ? "verifying it" : "nothing to do") << '\n';
      }
      // The exit code of the finished copy still says that some items could not be written.
      const uint64_t dead = transfer.resume->items_dead_lettered();
      items_dead_lettered_ = dead > 0;
      if (dead > 0) {
        std::cerr << fmt::format("ddbmigrate: warning: {} could not be written; {}\n",
                                 Counted(dead, "item"), DeadLetterWhere(dead_letters, 0, dead));
        outcome = Outcome::kIncomplete;
      }
      // The summary of a run that had nothing left to copy: all of it by earlier runs.
      pipeline::TransferCounters earlier;
      earlier.items_resumed.store(transfer.resume->items_acknowledged());
      earlier.items_dead_lettered_resumed.store(dead);
      PrintSummary(global, earlier, src, dst, 0,
                   !indexed.ok() || *indexed == Outcome::kInterrupted ? Stop::kWhileAddingIndexes
                                                                      : Stop::kNone,
                   dead_letters, false, false, indexed.ok() ? nullptr : &indexed.error());
      if (!indexed.ok() || *indexed != Outcome::kSuccess) return indexed;
      // A run stopped while it verified resumes here: the verification is still owed.
      return VerifyIfAsked(global, src, dst, source, target_ref.name, *read_rate, outcome);
    }
  }

  // A run killed while it created the target wrote nothing: it starts the copy afresh, once it
  // has created the table, or finished what the killed run's CreateTable began.
  const bool finish_creation = transfer.resume && transfer.resume->creating_target;
  if (finish_creation) {
    if (!plan) return MissingTargetOfResume(target_ref.name, /*creating_target=*/true);
    transfer.resume.reset();
  }

  if (dry_run_) {
    PrintPlan(global, src, dst, source, transfer, *read_rate, *write_rate,
              create_table ? plan : std::optional<dynamodb::TargetTablePlan>(),
              target_table.ok() ? target_table->item_count : 0);
    return Outcome::kSuccess;
  }

  if (aws::Status s = PrepareDeadLetterFile(dead_letters, transfer.resume.has_value()); !s.ok()) {
    return std::move(s).error();
  }

  pipeline::RateLimiterOptions read_limit;
  read_limit.units_per_second = *read_rate;
  read_limit.first_request_units =
      ScanPageReadUnits(source, transfer.page_size, transfer.segments, transfer.consistent_read);
  pipeline::RateLimiterOptions write_limit;
  write_limit.units_per_second = *write_rate;
  pipeline::RateLimiter read_limiter(read_limit, aws::Clock::Real());
  pipeline::RateLimiter write_limiter(write_limit, aws::Clock::Real());

  // A stop while the target is created reaches the transfer, which saves an empty checkpoint.
  const std::atomic<bool>* stop = InstallInterruptHandler(BatchesStopping(!checkpoint_.empty()));
  // A fresh run's checkpoint exists before anything is written, so that --resume works after a
  // kill at any instant of the copy: marked as creating the target before the CreateTable (a
  // resume then finishes the table's settings), and plain once the target is ready. A run
  // stopped while emptying the target is started again, not resumed.
  auto save_start = [&](bool creating_target) -> aws::Status {
    if (checkpoint_.empty() || transfer.resume) return aws::Status::Ok();
    pipeline::Checkpoint start = pipeline::StartCheckpoint(transfer, transfer.segments);
    start.creating_target = creating_target;
    return pipeline::SaveCheckpoint(checkpoint_, start);
  };
  if (create_table || finish_creation) {
    if (aws::Status s = save_start(/*creating_target=*/true); !s.ok()) return std::move(s).error();
    aws::Status made = MakeTargetTable(dst.dynamodb(), *plan, /*finish=*/!create_table);
    if (!made.ok()) {
      // The checkpoint says the target was being created: a resume sends the CreateTable
      // again, or finishes the table it made.
      aws::Error error = std::move(made).error();
      if (!checkpoint_.empty() && error.kind != aws::ErrorKind::kCancelled &&
          error.code != "ResourceInUseException") {
        error.AddAdvice("fix the cause and rerun with --resume");
      }
      return SummarizeFailureBeforeCopy(global, src, dst, dead_letters, transfer, std::move(error));
    }
    settings_not_applied_ = plan->settings_not_applied;
    aws::Result<dynamodb::TableDescription> made_table = DescribeRef(dst, target_ref);
    if (!made_table.ok()) {
      return SummarizeFailureBeforeCopy(global, src, dst, dead_letters, transfer,
                                        std::move(made_table).error());
    }
    transfer.target_identity = pipeline::IdentityOf(*made_table);
  } else if (truncate_target_ && transfer.resume && !transfer.resume->creating_target) {
    std::cerr << "ddbmigrate: note: --truncate-target does not apply to a --resume: the target "
                 "keeps what the earlier runs copied\n";
  } else if (truncate_target_ && !transfer.resume && !created_earlier) {
    TruncateOptions truncate;
    truncate.segments = transfer.segments;
    truncate.readers = readers_;
    truncate.page_size = scan_.PageSize();
    truncate.writers = writers_;
    truncate.read_consumed_capacity = transfer.read_consumed_capacity;
    truncate.write_consumed_capacity = transfer.write_consumed_capacity;
    truncate.yes = yes_;
    truncate.write_limiter =
        pipeline::IfLimited(write_limiter);  // the target's writes, deletes included
    truncate.on_stop = "finishing the requests in flight; the copy has not started";
    truncate.not_empty_advice =
        !not_empty_advice_.empty() ? not_empty_advice_
        : checkpoint_.empty()
            ? std::string(
                  "they stay in it beside the copied items (exit 3): stop what writes "
                  "to it, and copy again with --truncate-target")
            : fmt::format(
                  "they stay in it beside the copied items (exit 3): stop what writes "
                  "to it, delete {} and copy again with --truncate-target",
                  checkpoint_);
    aws::Result<Outcome> emptied = TruncateTable(dst, *target_table, truncate, stop);
    target_not_emptied_ = emptied.ok() && *emptied == Outcome::kIncomplete;
    // A script reading --output json still gets its one summary object: nothing copied.
    auto summarize_emptying = [&](const aws::Error* error) {
      if (global.output != "json") return;
      PrintSummary(global, pipeline::TransferCounters{}, src, dst, 0, Stop::kWhileEmptying,
                   dead_letters, transfer.read_consumed_capacity, transfer.write_consumed_capacity,
                   error);
    };
    if (!emptied.ok()) {
      summarize_emptying(&emptied.error());
      return emptied;
    }
    if (*emptied == Outcome::kInterrupted) {
      std::cerr << "the copy has not started; " << truncate_stop_advice_ << '\n';
      summarize_emptying(nullptr);
    }
    // Not empty after all (written to meanwhile, warned about): the copy goes on, as asked.
    if (*emptied != Outcome::kSuccess && *emptied != Outcome::kIncomplete) return emptied;
  }
  if (aws::Status s = save_start(/*creating_target=*/false); !s.ok()) return std::move(s).error();

  // UnprocessedItems are throttling, which slows a copy but does not fail it: unless the user
  // bounded attempts with --max-attempts, they are resent until written, as throttled requests
  // are retried.
  const aws::RetryPolicy& unprocessed_policy = dst.dynamodb().service_client().retry_policy();

  InstallInterruptHandler(BatchesStopping(!checkpoint_.empty()));
  // Items are transformed for the target's key: the table's, or the source's for one made from
  // it.
  std::optional<pipeline::ProcessTransform> transform;
  if (!transform_.empty()) {
    pipeline::ProcessTransformOptions options;
    options.command = transform_;
    options.key_schema = target_table.ok() ? target_table->key_schema : source.key_schema;
    transform.emplace(std::move(options));
  }
  pipeline::TransferContext context;
  context.source = &src.dynamodb();
  context.target = &dst.dynamodb();
  context.write_policy = &unprocessed_policy;
  context.dead_letters = &dead_letters;
  context.read_limiter = pipeline::IfLimited(read_limiter);
  context.write_limiter = pipeline::IfLimited(write_limiter);
  context.stop = stop;
  context.clock = aws::Clock::Real();
  if (transform) context.transform = &*transform;
  pipeline::TransferCounters counters;
  pipeline::TableTransfer copy(context, transfer);
  const auto start = std::chrono::steady_clock::now();
  aws::Result<pipeline::TransferResult> result =
      RunWithProgress(copy, &counters, src, dst, static_cast<uint64_t>(source.item_count),
                      finish_before_, finish_before_why_);
  if (transform && transform->warning()) {
    std::cerr << "ddbmigrate: warning: " << *transform->warning()
              << "; every answer it gave was used\n";
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto summarize = [&](Stop stop, const aws::Error* error) {
    PrintSummary(global, counters, src, dst, seconds, stop, dead_letters,
                 transfer.read_consumed_capacity, transfer.write_consumed_capacity, error);
  };
  if (!result.ok()) {
    aws::Error error = std::move(result).error();
    error = DescribeSideError(std::move(error), pair.source_ref.name, target_ref.name);
    if (error.code == pipeline::kTransformOutOfStep) {
      error.code.clear();  // a marker between layers, not an AWS error code to show
      error.AddAdvice(
          "fix the transform and copy again from the start (without --resume: the items "
          "counted as copied may not be what the transform meant)");
    } else if (!checkpoint_.empty() && error.code == "ResourceNotFoundException") {
      // A resume is refused once a table is gone, even if one of its name comes back.
      error.AddAdvice(fmt::format(
          "a --resume is refused without that table: delete {} and copy again from the start",
          checkpoint_));
    } else if (!checkpoint_.empty()) {
      error.AddAdvice("fix the cause and rerun with --resume");
    }
    summarize(Stop::kNone, &error);
    return error;
  }
  // The deferred indexes belong to the copy: its summary follows them, and says the run was
  // interrupted when a stop came while it waited for them.
  aws::Result<Outcome> indexed = Outcome::kSuccess;
  if (!result->interrupted && plan && create_indexes_after_) {
    indexed = AddDeferredIndexes(dst, *plan);
  }
  if (!indexed.ok()) {
    summarize(Stop::kWhileAddingIndexes, &indexed.error());
    return indexed;
  }
  summarize(result->interrupted                 ? Stop::kWhileCopying
            : *indexed == Outcome::kInterrupted ? Stop::kWhileAddingIndexes
                                                : Stop::kNone,
            nullptr);
  // Items dead-lettered by earlier runs of a resumed copy count as much as this run's.
  const uint64_t dead =
      counters.items_dead_lettered.load() + counters.items_dead_lettered_resumed.load();
  items_dead_lettered_ = dead > 0;
  if (dead > 0) {
    std::cerr << fmt::format("ddbmigrate: warning: {} could not be written; {}\n",
                             Counted(dead, "item"),
                             DeadLetterWhere(dead_letters, counters.items_dead_lettered.load(),
                                             counters.items_dead_lettered_resumed.load()));
  }
  if (result->interrupted) return Outcome::kInterrupted;
  if (*indexed != Outcome::kSuccess) return indexed;
  return VerifyIfAsked(global, src, dst, source, target_ref.name, *read_rate,
                       dead > 0 || !settings_not_applied_.empty() || target_not_emptied_
                           ? Outcome::kIncomplete
                           : Outcome::kSuccess);
}

aws::Error CopyJob::SummarizeFailureBeforeCopy(const GlobalOptions& global, const Connection& src,
                                               const Connection& dst,
                                               const pipeline::DeadLetterFile& dead_letters,
                                               const pipeline::TransferOptions& transfer,
                                               aws::Error error) const {
  if (global.output == "json") {
    PrintSummary(global, pipeline::TransferCounters{}, src, dst, 0, Stop::kNone, dead_letters,
                 transfer.read_consumed_capacity, transfer.write_consumed_capacity, &error);
  }
  return error;
}

aws::Result<Outcome> CopyJob::VerifyIfAsked(const GlobalOptions& global, const Connection& src,
                                            const Connection& dst,
                                            const dynamodb::TableDescription& source_table,
                                            const std::string& target_name, double read_rate,
                                            Outcome copied) const {
  if (!verify_) return copied;
  const std::atomic<bool>* stop =
      InstallInterruptHandler("stopping the verification; the copy itself is finished");
  aws::Result<Outcome> verified =
      VerifyAfterCopy(global, src, dst, source_table, target_name, read_rate, stop);
  if (!verified.ok()) return verified;
  return *verified != Outcome::kSuccess ? *verified : copied;
}

aws::Result<Outcome> CopyJob::AddDeferredIndexes(const Connection& dst,
                                                 const dynamodb::TargetTablePlan& plan) const {
  const std::atomic<bool>* stop = InstallInterruptHandler(
      checkpoint_.empty() ? "no longer waiting for the indexes; DynamoDB goes on building the one "
                            "it started"
                          : "no longer waiting for the indexes; DynamoDB goes on building the one "
                            "it started, and --resume adds the others");
  aws::Status added = dynamodb::CreateDeferredIndexes(
      dst.dynamodb(), plan, stop, [](const std::string& line) { std::cerr << line << '\n'; });
  if (added.ok()) return Outcome::kSuccess;
  if (added.error().kind != aws::ErrorKind::kCancelled) {
    aws::Error error = std::move(added).error();
    error.AddAdvice(checkpoint_.empty()
                        ? "the items are copied: fix the cause and add the other deferred "
                          "indexes with UpdateTable"
                        : "the items are copied: fix the cause and run the same command with "
                          "--resume to add the other deferred indexes");
    return error;
  }
  std::cerr << "ddbmigrate: " << added.error().message
            << (checkpoint_.empty()
                    ? "; the items are copied, the other deferred indexes were not added\n"
                    : "; the items are copied: run the same command with --resume to add the "
                      "other deferred indexes\n");
  return Outcome::kInterrupted;
}

aws::Status CopyJob::ConfirmTruncateTarget(const Connection& dst,
                                           const dynamodb::TableDescription& target) {
  if (!truncate_target_ || yes_) return aws::Status::Ok();
  if (aws::Status s = ConfirmTruncate(dst, target); !s.ok()) return s;
  yes_ = true;
  return aws::Status::Ok();
}

aws::Error CopyJob::Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

aws::Result<Outcome> CopyJob::VerifyAfterCopy(const GlobalOptions& global, const Connection& src,
                                              const Connection& dst,
                                              const dynamodb::TableDescription& source_table,
                                              const std::string& target_name, double read_rate,
                                              const std::atomic<bool>* stop) const {
  // Described again: a table created by this run had no description before it.
  aws::Result<dynamodb::TableDescription> target_table = dst.dynamodb().DescribeTable(target_name);
  if (!target_table.ok()) {
    return DescribeError(std::move(target_table).error(), "target table", target_name);
  }
  VerifySettings settings;
  settings.segments = scan_.Segments();
  settings.readers = readers_;
  settings.page_size = scan_.PageSize();
  settings.consistent_read = scan_.consistent_read;
  settings.source_read_rate = read_rate;
  settings.source_consumed_capacity = capacity_.reads(read_rate > 0);
  settings.target_consumed_capacity = capacity_.reads(false);  // no limit on the target's reads
  settings.report_path = verify_report_;
  std::cerr << "verifying " << source_table.table_name << " against " << target_name << '\n';
  aws::Result<VerifyResult> result =
      VerifyTables(src, dst, source_table, *target_table, settings, stop);
  if (!result.ok()) return std::move(result).error();
  PrintVerifyResult(global, source_table, *target_table, settings, *result);
  if (result->interrupted) return Outcome::kInterrupted;
  return result->match() ? Outcome::kSuccess : Outcome::kIncomplete;
}

// See ChooseDeadLetterFile. The file of the runs a resume continues holds the items its
// checkpoint counts as dead-lettered, and those of its unacknowledged work that the resume must
// not append again.
aws::Result<DeadLetterChoice> CopyJob::DeadLetterFileOfRun(
    pipeline::TransferOptions* transfer) const {
  std::optional<EarlierDeadLetterFile> earlier;
  // A run stopped while it created the target wrote nothing: any file will do.
  if (transfer->resume && !transfer->resume->creating_target) {
    earlier = EarlierDeadLetterFile{checkpoint_, transfer->resume->dead_letter_file,
                                    transfer->resume->items_dead_lettered()};
  }
  aws::Result<DeadLetterChoice> choice =
      ChooseDeadLetterFile(dead_letter_, transfer->target_table, earlier ? &*earlier : nullptr);
  if (!choice.ok()) return std::move(choice).error();
  transfer->dead_letter_file = choice->absolute;
  return choice;
}

// Loads the checkpoint for --resume, or makes sure a fresh run will not silently overwrite
// one; checks the path is writable before any work starts.
aws::Status CopyJob::PrepareCheckpoint(pipeline::TransferOptions* transfer) const {
  aws::Result<std::optional<pipeline::Checkpoint>> loaded = OpenRunCheckpoint(checkpoint_, resume_);
  if (!loaded.ok()) return std::move(loaded).error();
  if (!loaded->has_value()) return aws::Status::Ok();
  pipeline::Checkpoint& c = **loaded;
  if (c.operation != "copy" || c.source != transfer->source_table ||
      c.target != transfer->target_table) {
    return Invalid(fmt::format("checkpoint {} is for {} {} -> {}, not copy {} -> {}", checkpoint_,
                               c.operation, c.source, c.target, transfer->source_table,
                               transfer->target_table));
  }
  if (!c.unusable.empty()) {
    return Invalid(
        fmt::format("checkpoint {} cannot be resumed: {}; delete it and copy again from the start",
                    checkpoint_, c.unusable));
  }
  if (c.transform != transform_) {
    return Invalid(
        c.transform.empty()
            ? fmt::format("checkpoint {} is of a copy without --transform; resume it without "
                          "(the items copied so far were copied as they are)",
                          checkpoint_)
            : fmt::format("checkpoint {} is of a copy with --transform '{}'; resume it with the "
                          "same --transform (the items copied so far were transformed by it)",
                          checkpoint_, c.transform));
  }
  if (c.create_indexes_after && !create_indexes_after_) {
    return Invalid(fmt::format(
        "checkpoint {} is of a copy with --create-indexes-after, which adds the target's global "
        "secondary indexes after the load; resume it with --create-indexes-after (and the same "
        "other flags)",
        checkpoint_));
  }
  transfer->segments = ResumedSegments(scan_.segments, c);
  transfer->resume = std::move(c);
  return aws::Status::Ok();
}

void CopyJob::PrintPlan(const GlobalOptions& global, const Connection& src, const Connection& dst,
                        const dynamodb::TableDescription& source,
                        const pipeline::TransferOptions& t, double read_rate, double write_rate,
                        const std::optional<dynamodb::TargetTablePlan>& plan,
                        int64_t target_items) const {
  const double items = static_cast<double>(std::max<int64_t>(source.item_count, 0));
  const double avg_item = AverageItemBytes(source);
  const double rcu = std::ceil(static_cast<double>(source.table_size_bytes) / 4096.0) *
                     (t.consistent_read ? 1.0 : 0.5);
  const double wcu = items * std::max(1.0, std::ceil(avg_item / 1024.0));
  const std::optional<double> seconds =
      read_rate > 0 || write_rate > 0
          ? std::optional<double>(std::max(read_rate > 0 ? rcu / read_rate : 0,
                                           write_rate > 0 ? wcu / write_rate : 0))
          : std::nullopt;
  const bool truncate_first = truncate_target_ && !plan && !t.resume;
  // The first requests: a Scan of each of the first segments, and the body the writers build,
  // with one placeholder in place of the scanned items.
  std::vector<PlannedRequest> requests;
  for (int segment = 0; segment < std::min(t.segments, 3); ++segment) {
    dynamodb::ScanRequest scan;
    scan.table_name = t.source_table;
    scan.segment = segment;
    scan.total_segments = t.segments;
    scan.limit = t.page_size;
    scan.consistent_read = t.consistent_read;
    scan.return_consumed_capacity = t.read_consumed_capacity;
    if (t.resume) scan.exclusive_start_key = t.resume->segments[segment].exclusive_start_key;
    requests.push_back({"Scan", dynamodb::DynamoDbClient::ScanRequestJson(scan)});
  }
  const dynamodb::WriteRequest placeholder{dynamodb::WriteRequest::Kind::kPut, "\"...\""};
  requests.push_back({"BatchWriteItem",
                      dynamodb::DynamoDbClient::BatchWriteItemRequestJson(
                          t.target_table, std::span(&placeholder, 1), t.write_consumed_capacity)});

  if (global.output == "json") {
    std::string out;
    aws::JsonWriter w(&out);
    w.BeginObject()
        .MemberBool("DryRun", true)
        .Member("SourceTable", t.source_table)
        .Member("SourceRegion", src.region())
        .Member("TargetTable", t.target_table)
        .Member("TargetRegion", dst.region())
        .Member("KeySchema", source.KeySchemaText())
        .MemberInt("SourceItemCount", source.item_count)
        .MemberInt("SourceTableSizeBytes", source.table_size_bytes)
        .Member("SourceBillingMode", source.billing_mode)
        .MemberInt("Segments", t.segments)
        .MemberInt("Readers", std::min(t.readers, t.segments))
        .MemberInt("PageSize", t.page_size)
        .MemberInt("Writers", t.writers);
    if (!t.transform.empty()) w.Member("Transform", t.transform);
    w.Key("ReadCapacityUnits").Double(rcu).Key("WriteCapacityUnits").Double(wcu);
    WriteRates(&w, read_rate, write_rate);
    if (seconds) w.Key("EstimatedSeconds").Double(*seconds);
    if (t.resume) {
      w.MemberInt("ItemsFromEarlierRuns", static_cast<int64_t>(t.resume->items_acknowledged()));
    }
    w.MemberBool("TruncateTargetFirst", truncate_first);
    if (truncate_first) w.MemberInt("TargetItemCount", target_items);
    if (plan) {
      w.MemberRaw("CreateTable", plan->create_table_json).Key("SettingNotes").BeginArray();
      for (const auto& note : plan->notes) w.String(dynamodb::SettingNoteText(note));
      w.EndArray();
    }
    WriteFirstRequests(&w, requests);
    w.EndObject();
    std::cout << out << '\n';
    return;
  }

  std::cout << fmt::format("plan: copy {} ({}) -> {} ({})\n", t.source_table, src.region(),
                           t.target_table, dst.region());
  std::cout << fmt::format("  key schema: {}\n", source.KeySchemaText());
  std::cout << fmt::format("  source: about {} items, {} bytes, {}\n", source.item_count,
                           source.table_size_bytes, source.billing_mode);
  std::cout << fmt::format(
      "  segments: {} ({} scanned at once), page size: {}, writers: {}\n", t.segments,
      std::min(t.readers, t.segments),
      t.page_size == 0 ? std::string("1 MB pages") : fmt::format("{} items", t.page_size),
      t.writers);
  if (!t.transform.empty()) {
    std::cout << fmt::format("  transform: {} (not started by a dry run)\n", t.transform);
  }
  std::cout << fmt::format("  capacity: about {:.0f} RCU to read, {:.0f} WCU to write\n", rcu, wcu);
  std::cout << RatesLine(read_rate, write_rate);
  if (seconds) std::cout << fmt::format("  estimated time at those rates: {:.0f} s\n", *seconds);
  if (t.resume) {
    std::cout << fmt::format("  resuming: {} already acknowledged\n",
                             Counted(t.resume->items_acknowledged(), "item"));
  }
  if (truncate_first) {
    std::cout << fmt::format(
        "  would first delete every item of {} (--truncate-target; about {} items by its "
        "description)\n",
        t.target_table, target_items);
  }
  if (plan) {
    std::cout << "  would create the target table with CreateTable:\n    "
              << plan->create_table_json << '\n';
    for (const auto& note : plan->notes)
      std::cout << "    " << dynamodb::SettingNoteText(note) << '\n';
  }
  std::cout << FirstRequestsText(requests, "\"...\" is a scanned item; up to 25 per request");
  std::cout << "dry run: nothing was written\n";
}

void CopyJob::PrintSummary(const GlobalOptions& global, const pipeline::TransferCounters& c,
                           const Connection& src, const Connection& dst, double seconds, Stop stop,
                           const pipeline::DeadLetterFile& dead_letters, bool read_capacity_asked,
                           bool write_capacity_asked, const aws::Error* error) const {
  const uint64_t read = c.scan.items.load();
  const uint64_t written = c.writes.items_written.load();
  const uint64_t dead = c.items_dead_lettered.load();
  const double rate = seconds > 0 ? static_cast<double>(written) / seconds : 0;
  if (global.output == "json") {
    std::string out;
    aws::JsonWriter w(&out);
    w.BeginObject()
        .Member("SourceTable", source_table_)
        .Member("TargetTable", target_table_)
        .MemberInt("ItemsRead", static_cast<int64_t>(read))
        .MemberInt("ItemsWritten", static_cast<int64_t>(written))
        .MemberInt("ItemsDeadLettered", static_cast<int64_t>(dead));
    if (!transform_.empty()) {
      w.Member("Transform", transform_)
          .MemberInt("ItemsTransformed", static_cast<int64_t>(c.items_transformed.load()))
          .MemberInt("ItemsDropped", static_cast<int64_t>(c.items_dropped.load()))
          .MemberInt("ItemsRefused", static_cast<int64_t>(c.items_refused.load()))
          .MemberInt("ItemsSuperseded", static_cast<int64_t>(c.items_superseded.load()));
    }
    w.MemberInt("ItemsFromEarlierRuns", static_cast<int64_t>(c.items_resumed.load()))
        .MemberInt("ItemsDeadLetteredByEarlierRuns",
                   static_cast<int64_t>(c.items_dead_lettered_resumed.load()))
        .MemberInt("UnprocessedResent", static_cast<int64_t>(c.writes.unprocessed_resent.load()))
        .MemberInt("Throttles", static_cast<int64_t>(Throttles(src, dst)))
        .MemberInt("Retries", static_cast<int64_t>(Retries(src, dst)));
    if (read_capacity_asked) w.Key("ReadCapacityUnits").Double(c.scan.read_capacity.load());
    if (write_capacity_asked) {
      w.Key("WriteCapacityUnits").Double(c.writes.consumed_capacity.load());
    }
    w.Key("Seconds")
        .Double(seconds)
        .Key("ItemsPerSecond")
        .Double(rate)
        .MemberBool("Interrupted", stop != Stop::kNone && error == nullptr);
    if (error != nullptr) w.Member("Error", error->ToString());
    if (target_not_emptied_) w.MemberBool("TargetEmptied", false);
    if (create_target_) {
      AddSettingsNotApplied(w, settings_not_applied_);
    }
    // A stop while emptying the target comes before the checkpoint is first saved.
    if (!checkpoint_.empty() && stop != Stop::kWhileEmptying) w.Member("Checkpoint", checkpoint_);
    AddDeadLetterMembers(w, dead_letters, dead, c.items_dead_lettered_resumed.load());
    w.EndObject();
    std::cout << out << '\n';
    return;
  }
  std::cout << fmt::format(
      "{} {} of {} items read from {} to {} in {:.1f} s ({:.0f} items/s); {} throttles, {} "
      "retries, {} writes resent after UnprocessedItems; {}\n",
      error != nullptr              ? "failed after copying"
      : stop == Stop::kWhileCopying ? "interrupted after copying"
                                    : "copied",
      written, read, source_table_, target_table_, seconds, rate, Throttles(src, dst),
      Retries(src, dst), c.writes.unprocessed_resent.load(),
      ConsumedCapacityText(read_capacity_asked, c.scan.read_capacity.load(), write_capacity_asked,
                           c.writes.consumed_capacity.load()));
  if (!transform_.empty()) {
    std::cout << fmt::format(
        "transform '{}': {} in, {} out; {} answered with nothing; {} of those out refused for "
        "the target (dead-lettered); {} superseded by a later item of the same key\n",
        transform_, Counted(read, "item"), c.items_transformed.load(), c.items_dropped.load(),
        c.items_refused.load(), c.items_superseded.load());
  }
  if (c.items_resumed.load() > 0) {
    const uint64_t earlier_dead = c.items_dead_lettered_resumed.load();
    std::cout << fmt::format(
        "{} had been copied by earlier runs{}\n", Counted(c.items_resumed.load(), "item"),
        earlier_dead > 0
            ? fmt::format(" ({} of them into {})", earlier_dead, EarlierDeadLetters(dead_letters))
            : std::string());
  }
  if (dead > 0) {
    std::cout << fmt::format("{} could not be written; see the dead-letter file {}\n",
                             Counted(dead, "item"), dead_letters.path());
  }
  PrintSettingsNotApplied(settings_not_applied_, "the source");
  if (stop == Stop::kWhileAddingIndexes && error == nullptr) {
    std::cout << (checkpoint_.empty()
                      ? std::string("stopped while adding the indexes deferred until after the "
                                    "load; add the others with UpdateTable\n")
                      : fmt::format("stopped while adding the indexes deferred until after the "
                                    "load; checkpoint: {}; the same command with --resume adds "
                                    "the others\n",
                                    checkpoint_));
  } else if (stop == Stop::kWhileCopying && !checkpoint_.empty()) {
    std::cout << fmt::format("checkpoint: {}; continue with the same command and --resume\n",
                             checkpoint_);
  } else if (stop == Stop::kWhileCopying) {
    // The target exists now: --create-target would refuse it.
    std::cout << (create_target_
                      ? fmt::format("without --checkpoint a run cannot be resumed: run the same "
                                    "command without --create-target{} to copy every item "
                                    "again (the writes are idempotent)\n",
                                    create_indexes_after_ ? " and --create-indexes-after" : "")
                      : std::string("without --checkpoint a run cannot be resumed: the same "
                                    "command copies every item again (the writes are "
                                    "idempotent)\n"));
  }
}

}  // namespace ddbm::commands
