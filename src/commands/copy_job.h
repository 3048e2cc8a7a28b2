// CopyJob: a table-to-table copy as `copy` runs it, and as `migrate --live` runs its copy phase:
// the flags, the checks of both tables, target creation or truncation, the transfer with
// progress, checkpoints and dead letters, the summary, and an optional verify.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "aws/clock.h"
#include "aws/error.h"
#include "commands/capacity_flag.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/dead_letters.h"
#include "commands/scan_flags.h"
#include "commands/table_pair.h"
#include "dynamodb/table_schema.h"
#include "pipeline/dead_letter.h"
#include "pipeline/table_transfer.h"

namespace ddbm::commands {

// Checks that `target` (the DescribeTable answer for `target_name`) can receive a copy of
// `source`: it exists (or is missing and will be created), has the same key schema (unless
// `transformed`: each transformed item is checked against the target's key instead), and is not
// the source itself. The errors are the one-line messages of copy; `offers_transform`: the
// command has --transform, so a key schema that differs may name it as a way out.
aws::Status CheckCopyTarget(const dynamodb::TableDescription& source,
                            const aws::Result<dynamodb::TableDescription>& target,
                            const std::string& target_name, bool create_target,
                            bool transformed = false, bool offers_transform = true);

class CopyJob {
 public:
  // Adds --source-table, --target-table, the side flags and every copy option to `app`, --dry-run
  // included; with `with_verify` (copy's, not migrate's), --verify, --verify-report and
  // --transform too (a transform is a copy's alone: a replay writes the stream's images as they
  // are; a verify of a source still written to would find differences). Bound variables live in
  // *this.
  void AddFlags(CLI::App& app, bool with_verify);
  // Opens both sides and runs the copy. REQUIRES: the flags were parsed.
  aws::Result<Outcome> Run(const GlobalOptions& global);
  // Checks the flags that only make sense together (no request is sent).
  aws::Status CheckFlags() const;
  // Runs the copy on sides the caller opened from this job's flags (migrate shares them with
  // its replay). REQUIRES: CheckFlags passed; `pair` outlives the call.
  aws::Result<Outcome> RunOn(const GlobalOptions& global, const TablePair& pair);

  // For a caller that manages the checkpoint itself (migrate): overrides --checkpoint/--resume.
  void SetCheckpoint(std::string path, bool resume) {
    checkpoint_ = std::move(path);
    resume_ = resume;
  }
  // A resumed migrate finds the target it created earlier: it must not create it again.
  void set_create_target(bool create) { create_target_ = create; }
  // With --create-target: the target exists because an earlier run of this job created it, so
  // it is copied into, and the indexes --create-indexes-after deferred are still added (those
  // the earlier run added are only waited for). --resume says the same.
  void set_target_created_earlier(bool created) { target_created_earlier_ = created; }
  // With --truncate-target and without --yes: asks now, before the caller writes any state, and
  // the copy then does not ask again. Ok without --truncate-target.
  aws::Status ConfirmTruncateTarget(const Connection& dst,
                                    const dynamodb::TableDescription& target);
  // What a stop while --truncate-target empties the target advises (the copy has not started).
  void set_truncate_stop_advice(std::string advice) { truncate_stop_advice_ = std::move(advice); }
  // What the warning about a target --truncate-target left not empty ends with.
  void set_not_empty_advice(std::string advice) { not_empty_advice_ = std::move(advice); }
  bool target_not_emptied() const { return target_not_emptied_; }
  // When the copy is on course to end after `deadline`, a warning says so (once) with `why`.
  void set_finish_before(aws::Clock::WallTime deadline, std::string why) {
    finish_before_ = deadline;
    finish_before_why_ = std::move(why);
  }
  const std::string& checkpoint() const { return checkpoint_; }
  bool resume() const { return resume_; }
  bool create_target() const { return create_target_; }
  bool truncate_target() const { return truncate_target_; }
  const std::string& source_table() const { return source_table_; }
  const std::string& target_table() const { return target_table_; }
  const SideOptions& source_side() const { return source_side_; }
  const SideOptions& target_side() const { return target_side_; }
  const std::string& dead_letter() const { return dead_letter_; }
  // The dead-letter file RunOn used (--dead-letter, or the one a resumed checkpoint named), for
  // a caller that goes on writing items after it (migrate's replay); empty before RunOn.
  const std::string& dead_letter_file_used() const { return dead_letter_used_; }
  // After RunOn: whether items could not be written (this run's or, resumed, earlier runs'):
  // a kIncomplete without them is of settings --create-target could not enable.
  bool items_dead_lettered() const { return items_dead_lettered_; }
  int writers() const { return writers_; }
  bool dry_run() const { return dry_run_; }
  const std::optional<double>& write_rate() const { return write_rate_; }
  const std::optional<double>& write_percent() const { return write_percent_; }
  const ConsumedCapacityFlag& consumed_capacity() const { return capacity_; }

 private:
  static aws::Error Invalid(std::string message);
  aws::Result<Outcome> VerifyAfterCopy(const GlobalOptions& global, const Connection& src,
                                       const Connection& dst,
                                       const dynamodb::TableDescription& source_table,
                                       const std::string& target_name, double read_rate,
                                       const std::atomic<bool>* stop) const;
  // With --verify: VerifyAfterCopy, whose outcome replaces `copied` unless it is a success;
  // without: `copied`.
  aws::Result<Outcome> VerifyIfAsked(const GlobalOptions& global, const Connection& src,
                                     const Connection& dst,
                                     const dynamodb::TableDescription& source_table,
                                     const std::string& target_name, double read_rate,
                                     Outcome copied) const;
  aws::Status PrepareCheckpoint(pipeline::TransferOptions* transfer) const;
  // Why a resume cannot go on without its target: the run it continues was creating the table
  // (then --create-target finishes that), or wrote into it (then it is gone).
  aws::Error MissingTargetOfResume(const std::string& target_table, bool creating_target) const;
  // The dead-letter file of this run; sets transfer->dead_letter_file.
  aws::Result<DeadLetterChoice> DeadLetterFileOfRun(pipeline::TransferOptions* transfer) const;
  // The GSIs of --create-indexes-after, one at a time; Ctrl-C ends the wait (kInterrupted).
  aws::Result<Outcome> AddDeferredIndexes(const Connection& dst,
                                          const dynamodb::TargetTablePlan& plan) const;
  // The --dry-run plan on stdout: lines of text, or one JSON object with --output json.
  void PrintPlan(const GlobalOptions& global, const Connection& src, const Connection& dst,
                 const dynamodb::TableDescription& source, const pipeline::TransferOptions& t,
                 double read_rate, double write_rate,
                 const std::optional<dynamodb::TargetTablePlan>& plan, int64_t target_items) const;
  // Where a stop came, for the summary: "Interrupted" in JSON either way; the text says what
  // was left and how to finish it. kWhileEmptying (--truncate-target) is summarised in JSON only:
  // the text of that stop, or failure, is the truncation's own; no checkpoint is named, none is
  // saved before the target is empty.
  enum class Stop { kNone, kWhileEmptying, kWhileCopying, kWhileAddingIndexes };
  // A failure once the run has started but before any item is copied (the target's creation):
  // with --output json its summary, nothing copied, is printed first. Returns `error`.
  aws::Error SummarizeFailureBeforeCopy(const GlobalOptions& global, const Connection& src,
                                        const Connection& dst,
                                        const pipeline::DeadLetterFile& dead_letters,
                                        const pipeline::TransferOptions& transfer,
                                        aws::Error error) const;
  // `error`: the run failed with it (JSON: "Error", the message the run ends with, and
  // "Interrupted" false) in the phase `stop` names (kNone: while copying).
  void PrintSummary(const GlobalOptions& global, const pipeline::TransferCounters& c,
                    const Connection& src, const Connection& dst, double seconds, Stop stop,
                    const pipeline::DeadLetterFile& dead_letters, bool read_capacity_asked,
                    bool write_capacity_asked, const aws::Error* error = nullptr) const;

  std::string source_table_;
  std::string target_table_;
  SideOptions source_side_;
  SideOptions target_side_;
  ScanFlags scan_;
  int readers_ = kDefaultScanReaders;
  int writers_ = 16;
  ConsumedCapacityFlag capacity_;
  std::optional<double> write_rate_;
  std::optional<double> write_percent_;
  std::string checkpoint_;
  bool resume_ = false;
  bool target_created_earlier_ = false;
  bool offers_transform_ = false;  // copy's flags, with --transform; not migrate's
  std::string dead_letter_;
  std::string dead_letter_used_;
  bool create_target_ = false;
  bool create_indexes_after_ = false;
  // The settings --create-target failed to apply to the table it made (TargetTablePlan's
  // settings_not_applied): named in the summary, and the run ends with exit code 3.
  std::vector<std::string> settings_not_applied_;
  bool items_dead_lettered_ = false;
  // --truncate-target found the target not empty after its deletes (written to meanwhile): the
  // copy went on, and ends with exit 3 and "TargetEmptied":false.
  bool target_not_emptied_ = false;
  std::string not_empty_advice_;  // empty: copy's own
  bool truncate_target_ = false;
  bool yes_ = false;
  bool dry_run_ = false;
  std::string transform_;  // --transform: the command; empty for none
  std::string truncate_stop_advice_ =
      "run the same command again (without --resume) to finish emptying the target and copy";
  bool verify_ = false;
  std::string verify_report_;
  std::optional<aws::Clock::WallTime> finish_before_;
  std::string finish_before_why_;
};

}  // namespace ddbm::commands
