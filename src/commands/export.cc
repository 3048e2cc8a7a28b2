// `ddbmigrate export`: a table to AWS's export layout, in S3 or a local directory, by a
// parallel scan (or, with --native, by DynamoDB's own ExportTableToPointInTime).
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>

#include "aws/json_writer.h"
#include "commands/capacity_flag.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/export_store.h"
#include "commands/interrupt.h"
#include "commands/output.h"
#include "commands/run_checkpoint.h"
#include "commands/scan_flags.h"
#include "commands/table_pair.h"
#include "dynamodb/native_transfer.h"
#include "dynamodb/table_definition.h"
#include "dynamodb/table_ref.h"
#include "pipeline/progress.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/table_export.h"
#include "pipeline/table_identity.h"
#include "storage/export_layout.h"
#include "storage/gzip.h"
#include "storage/manifest_io.h"

namespace ddbm::commands {
namespace {

aws::Error Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

std::string Megabytes(uint64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

class ExportCommand final : public Command {
 public:
  std::string name() const override { return "export"; }
  std::string description() const override {
    return "Export a table to S3 or a local directory in AWS's export layout [API: "
           "DescribeTable, Scan, DescribeTimeToLive, DescribeContinuousBackups, "
           "ListTagsOfResource, s3:PutObject, s3:CreateMultipartUpload, s3:UploadPart, "
           "s3:CompleteMultipartUpload, s3:AbortMultipartUpload (a file cut short); "
           "s3:HeadBucket, s3:ListObjectsV2, s3:HeadObject, s3:GetObject, s3:DeleteObject, "
           "s3:ListMultipartUploads with --resume; ExportTableToPointInTime, DescribeExport, "
           "s3:HeadBucket with --native]";
  }

  void AddFlags(CLI::App& app) override {
    app_ = &app;
    app.add_option("--table", table_, "Table to export (name or ARN)")->required();
    app.add_option("--to", to_, "Where to write: s3://bucket/prefix, file:///dir or a directory")
        ->required();
    ScanFlagsHelp scan_help;
    scan_help.segments = "Parallel scan segments, one data file each at least";
    AddScanFlags(app, &scan_, scan_help);
    AddReadersFlag(app, &readers_,
                   "Segments scanned at once, each writing its own data file (default 8)");
    AddConsumedCapacityFlag(app, &capacity_, CapacityRequests::kScansOnly);
    app.add_option("--gzip-level", gzip_level_, "gzip level of the data files, 0 to 9 (default 6)")
        ->transform(WholeNumberRange(0, 9));
    app.add_option("--file-size", file_size_mib_,
                   "MiB of JSON per data file: a segment starts another after the page that "
                   "reaches it (default 256)")
        ->transform(WholeNumberRange(1, 1 << 20));
    app.add_flag("--native", native_,
                 "Let DynamoDB export the table (ExportTableToPointInTime: needs point-in-time "
                 "recovery and an S3 location; consumes no read capacity)");
    app.add_option("--s3-bucket-owner", bucket_owner_,
                   "With --native: account id owning the bucket, when not the table's");
    app.add_option("--s3-sse-algorithm", sse_algorithm_,
                   "Server-side encryption of every object written to S3: AES256 (S3's keys) "
                   "or KMS");
    app.add_option("--s3-sse-kms-key-id", sse_kms_key_id_,
                   "With --s3-sse-algorithm KMS: the KMS key id, ARN or alias (default: the "
                   "account's AWS managed key for S3)");
    app.add_option("--checkpoint", checkpoint_,
                   "Record each finished data file here so an export can resume");
    app.add_flag("--resume", resume_,
                 "Continue the export --checkpoint records, in its folder, after a crash or "
                 "Ctrl-C");
    store_flags_.Add(app, /*writing=*/true);
  }

  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    if (native_) {
      if (aws::Status s = RefuseWithNative(
              *app_,
              {"--segments", "--readers", "--page-size", "--consistent-read", "--read-rate",
               "--read-percent", "--consumed-capacity", "--gzip-level", "--file-size",
               "--part-size", "--checkpoint", "--resume"},
              "export");
          !s.ok()) {
        return std::move(s).error();
      }
    } else if (app_->count("--s3-bucket-owner") > 0) {
      return UsageError("--s3-bucket-owner only applies with --native");
    }
    if (aws::Status s = CheckEncryptionFlags(); !s.ok()) return std::move(s).error();
    if (aws::Status s = capacity_.CheckScanRates(scan_); !s.ok()) return std::move(s).error();
    store_flags_.encryption = S3Encryption();
    aws::Result<TableConnection> opened_table = OpenTableConnection(global, table_);
    if (!opened_table.ok()) return std::move(opened_table).error();
    const dynamodb::TableRef& ref = opened_table->ref;
    const Connection& db = *opened_table->connection;
    aws::Result<OpenedStore> opened = OpenStore(global, store_flags_, to_, false);
    if (!opened.ok()) return std::move(opened).error();
    if (native_ && opened->location.kind != storage::Location::Kind::kS3) {
      return UsageError("--native exports only to S3: give --to s3://bucket/prefix");
    }
    if (resume_ && checkpoint_.empty()) {
      return UsageError("--resume needs --checkpoint FILE: the file the earlier export wrote");
    }
    // Held to the end of the run: a second run on this checkpoint would delete this one's files.
    aws::Result<std::optional<pipeline::CheckpointLock>> checkpoint_lock =
        LockRunCheckpoint(checkpoint_);
    if (!checkpoint_lock.ok()) return std::move(checkpoint_lock).error();
    aws::Result<dynamodb::TableDescription> table = DescribeRole(db, ref, "table");
    if (!table.ok()) return std::move(table).error();
    if (!native_) return RunScan(global, db, *table, *opened);
    if (aws::Status s = opened->store->CheckRoot(true); !s.ok()) return std::move(s).error();
    return RunNative(global, db, *table, *opened);
  }

 private:
  aws::Result<Outcome> RunScan(const GlobalOptions& global, const Connection& db,
                               const dynamodb::TableDescription& table, OpenedStore& opened) {
    storage::ObjectStore& store = *opened.store;
    aws::Result<double> read_rate = scan_.ReadRate(table.read_capacity_units);
    if (!read_rate.ok()) return std::move(read_rate).error();
    aws::Result<dynamodb::TableSettings> settings =
        dynamodb::ReadTableSettings(db.dynamodb(), table);
    if (!settings.ok()) return std::move(settings).error();

    aws::Clock* clock = aws::Clock::Real();
    std::random_device seed;
    std::mt19937_64 random((uint64_t{seed()} << 32) ^ seed());
    std::optional<pipeline::Checkpoint> resume;
    if (!checkpoint_.empty()) {
      aws::Result<std::optional<pipeline::Checkpoint>> loaded =
          OpenRunCheckpoint(checkpoint_, resume_);
      if (!loaded.ok()) return std::move(loaded).error();
      resume = std::move(*loaded);
    }
    aws::Clock::WallTime start = clock->Now();
    std::string export_id = storage::NewExportId(start, random);
    if (resume) {
      aws::Result<aws::Clock::WallTime> resumed = ResumedExport(*resume, table, store, opened);
      if (!resumed.ok()) return std::move(resumed).error();
      start = *resumed;
      export_id = ExportIdOf(resume->target);
    }
    const std::string folder = storage::ExportFolder(opened.prefix, export_id);

    // A fresh run's directory is made here; a resume's is left to the resume's own checks,
    // which refuse it when its files are gone, so that a refused resume makes no directory (its
    // first put makes one when needed). A fresh run's bucket is not looked at (HeadBucket needs
    // s3:ListBucket, which writing an export does not): its first put, of _started before any
    // read capacity is spent, names a bucket that is missing, in another region or not writable.
    const bool s3 = store.bucket().has_value();
    if (s3 == resume.has_value()) {
      if (aws::Status s = store.CheckRoot(/*create=*/!resume); !s.ok()) {
        return std::move(s).error();
      }
    }

    pipeline::TableExportOptions options;
    // Put before any read capacity is spent: _started proves the location writable.
    const dynamodb::TableDefinition definition{table, *settings};
    options.start_objects = {{folder + std::string(storage::kStartedFile), ""},
                             {folder + std::string(storage::kTableDescriptionFile),
                              dynamodb::SerializeTableDefinition(definition)}};
    options.table_name = table.table_name;
    options.segments = resume ? ResumedSegments(scan_.segments, *resume) : scan_.Segments();
    options.readers = readers_;
    options.checkpoint_path = checkpoint_;
    options.checkpoint_source = table.table_arn;
    options.checkpoint_source_identity = pipeline::IdentityOf(table);
    options.checkpoint_target = store.Describe(folder);
    options.checkpoint_s3_sse_algorithm = sse_algorithm_;
    options.checkpoint_s3_sse_kms_key_id = sse_kms_key_id_;
    options.resume = resume;
    options.page_size = scan_.PageSize();
    options.consistent_read = scan_.consistent_read;
    options.return_consumed_capacity = capacity_.reads(*read_rate > 0);
    options.data_folder = storage::FullExportDataFolder(opened.prefix, export_id);
    options.gzip_level = gzip_level_;
    options.max_file_bytes = uint64_t(file_size_mib_) << 20;
    std::mutex random_mu;
    options.new_file_name = [&] {
      std::lock_guard lock(random_mu);
      return storage::NewDataFileName(random);
    };
    pipeline::RateLimiterOptions read_limit;
    read_limit.units_per_second = *read_rate;
    read_limit.first_request_units =
        ScanPageReadUnits(table, options.page_size, options.segments, options.consistent_read);
    pipeline::RateLimiter limiter(read_limit, clock);

    // Announced once a resume's checks pass (a refused one prints only its error), after the
    // start objects are written (a location that refuses them has no export to speak of).
    bool announced = false;
    options.on_start = [&] {
      announced = true;
      std::cerr << fmt::format("{} {} ({} items by its description) to {}\n",
                               resume ? "resuming the export of" : "exporting", table.table_name,
                               pipeline::GroupThousands(table.item_count), store.Describe(folder));
    };
    pipeline::TableExportCounters counters;
    const auto started = clock->SteadyNow();
    const auto seconds = [&] {
      return std::chrono::duration<double>(clock->SteadyNow() - started).count();
    };
    pipeline::ProgressReporter reporter(
        [&] {
          pipeline::ProgressSample s;
          s.items_read = counters.scan.items.load();
          s.items_written = counters.scan.items.load();
          s.written_label = "exported";
          s.read_capacity = counters.scan.read_capacity.load();
          s.read_capacity_asked = options.return_consumed_capacity;
          s.write_capacity_asked = false;  // nothing is written to a table
          s.retries = Retries(db, opened);
          s.throttles = Throttles(db, opened);
          s.expected_items = static_cast<uint64_t>(table.item_count);
          s.extra = fmt::format("files {}  {} gzip", counters.files.load(),
                                Megabytes(counters.compressed_bytes.load()));
          return s;
        },
        stderr, ::isatty(STDERR_FILENO) == 1, clock);
    reporter.Start();
    aws::Result<pipeline::TableExportResult> result = pipeline::ExportTable(
        db.dynamodb(), store, options, &limiter,
        InstallInterruptHandler(checkpoint_.empty()
                                    ? "finishing the files being written; the export stays "
                                      "incomplete (no --checkpoint to resume it)"
                                    : "finishing the files being written and saving the "
                                      "checkpoint"),
        &counters);
    reporter.Stop();
    if (result.ok() && result->stale_files_deleted > 0) {
      std::cerr << fmt::format(
          "ddbmigrate: note: deleted {} the stopped run finished after its last checkpoint; "
          "their items are exported again\n",
          Counted(result->stale_files_deleted, "data file"));
    }
    if (result.ok() && result->incomplete_uploads_aborted > 0) {
      std::cerr << fmt::format(
          "ddbmigrate: note: aborted {} of data files the stopped run was writing\n",
          Counted(result->incomplete_uploads_aborted, "incomplete upload"));
    }
    // A failed run's error, its JSON summary printed first with --output json.
    auto fail = [&](aws::Error error) {
      if (global.output == "json") {
        PrintFailure(Throttles(db, opened), Retries(db, opened), table, export_id,
                     store.Describe(folder), seconds(), error);
      }
      return error;
    };
    if (!result.ok()) {
      aws::Error error = std::move(result).error();
      if (error.code == pipeline::kMissingDataFiles) {
        error.code.clear();  // a marker between layers, not an error code to show
        return error;        // a refused resume, which says itself what to do
      }
      std::error_code ec;
      if (checkpoint_.empty()) {
        if (announced) {
          error.AddAdvice(fmt::format("the unfinished export in {} has no manifest: delete it",
                                      store.Describe(folder)));
        }
      } else if (std::filesystem::exists(checkpoint_, ec)) {
        error.AddAdvice(fmt::format(
            "fix the cause and rerun with --resume: {} records the files finished so far",
            checkpoint_));
      }  // else a fresh run its location refused, which left nothing to resume
      return fail(std::move(error));
    }
    if (result->interrupted) {
      PrintSummary(global, Throttles(db, opened), Retries(db, opened), table, export_id,
                   store.Describe(folder), *result, counters, options.return_consumed_capacity,
                   seconds(), /*complete=*/false);
      if (checkpoint_.empty()) {
        std::cerr << fmt::format(
            "ddbmigrate: export stopped; the unfinished export in {} has no manifest and cannot "
            "be imported: delete it and export again, with --checkpoint to make it resumable\n",
            store.Describe(folder));
      } else {
        std::cerr << fmt::format(
            "ddbmigrate: export stopped; {} records the {} finished so far: run the same "
            "command with --resume to finish the export in {}\n",
            checkpoint_, Counted(result->files.size(), "data file"), store.Describe(folder));
      }
      return Outcome::kInterrupted;
    }

    // Manifests last, the summary after the files: a crashed export has no summary.
    storage::ManifestSummary summary;
    summary.export_arn = table.table_arn + "/export/" + export_id;
    summary.start_time = storage::FormatIso8601Millis(start);
    summary.table_arn = table.table_arn;
    if (!table.table_id.empty()) summary.table_id = table.table_id;
    summary.export_time = summary.start_time;
    summary.s3_bucket = store.bucket();
    if (!opened.prefix.empty()) summary.s3_prefix = opened.prefix;
    if (!sse_algorithm_.empty()) summary.s3_sse_algorithm = sse_algorithm_;
    if (!sse_kms_key_id_.empty()) summary.s3_sse_kms_key_id = sse_kms_key_id_;
    summary.manifest_files_s3_key = folder + std::string(storage::kManifestFilesFile);
    summary.item_count = result->item_count;
    const std::string files_json = storage::SerializeManifestFiles(result->files);
    const std::string summary_key = folder + std::string(storage::kManifestSummaryFile);
    // Only a resumed export can find its manifests written: a fresh one's folder is new, and
    // reading there would need s3:GetObject (s3:ListBucket too, for S3 to answer 404).
    aws::Result<std::optional<ManifestSummary>> finished =
        resume ? FinishedSummary(store, summary.manifest_files_s3_key, files_json, summary_key)
               : std::optional<ManifestSummary>();
    if (!finished.ok()) return fail(std::move(finished).error());
    const storage::ManifestWrite write =
        resume ? storage::ManifestWrite::kMayReplace : storage::ManifestWrite::kFirst;
    if (*finished) {
      // Resumed after it had finished: its manifests stand (rewritten, only endTime would
      // change).
      std::cerr << fmt::format(
          "ddbmigrate: note: the export in {} had already finished; its manifests are kept\n",
          store.Describe(folder));
      summary = std::move(**finished);
    } else {
      if (aws::Status s =
              storage::PutManifest(store, summary.manifest_files_s3_key, files_json, write);
          !s.ok()) {
        return fail(std::move(s).error());
      }
      summary.end_time = storage::FormatIso8601Millis(clock->Now());
      if (aws::Status s = storage::PutManifest(store, summary_key,
                                               storage::SerializeManifestSummary(summary), write);
          !s.ok()) {
        return fail(std::move(s).error());
      }
    }

    PrintSummary(global, Throttles(db, opened), Retries(db, opened), table, export_id,
                 store.Describe(folder), *result, counters, options.return_consumed_capacity,
                 seconds(), /*complete=*/true);
    return Outcome::kSuccess;
  }

  aws::Result<Outcome> RunNative(const GlobalOptions& global, const Connection& db,
                                 const dynamodb::TableDescription& table, OpenedStore& opened) {
    dynamodb::ExportTableToPointInTimeRequest request;
    request.table_arn = table.table_arn;
    request.s3_bucket = opened.location.bucket;
    request.s3_prefix = opened.prefix;
    request.s3_bucket_owner = bucket_owner_;
    request.s3_sse_algorithm = sse_algorithm_;
    request.s3_sse_kms_key_id = sse_kms_key_id_;
    const auto began = std::chrono::steady_clock::now();
    // From here a stop lets the request in flight finish: an ExportTableToPointInTime given up
    // on could have started an export nobody hears of. A stop while it is sent then ends the
    // wait at once.
    const std::atomic<bool>* stop = InstallInterruptHandler(kNativeWaitStopping);
    aws::Result<dynamodb::ExportDescription> started =
        dynamodb::ExportTableToPointInTime(db.dynamodb(), request);
    // Refused before DynamoDB started anything: an error alone, no summary.
    if (!started.ok()) {
      aws::Error error = std::move(started).error();
      if (error.code == "PointInTimeRecoveryUnavailableException") {
        error.kind = aws::ErrorKind::kInvalidInput;
        error.message = fmt::format(
            "table {} has no point-in-time recovery, which --native needs; enable it with `aws "
            "dynamodb update-continuous-backups --table-name {} "
            "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`, or "
            "export without --native",
            table.table_name, table.table_name);
      } else if (error.code == "UnknownOperationException") {
        return Invalid(
            "this endpoint does not support DynamoDB's native exports (it does not know "
            "ExportTableToPointInTime; DynamoDB Local has none): drop --native, the scan export "
            "works everywhere");
      }
      return error;
    }
    std::cerr << fmt::format(
        "export {} started by DynamoDB; waiting for it (Ctrl-C stops "
        "waiting, not the export)\n",
        started->export_arn);
    dynamodb::ExportDescription last = *started;
    dynamodb::NativeWaitOptions wait;
    wait.stop = stop;
    aws::Result<dynamodb::ExportDescription> done = dynamodb::WaitForExport(
        db.dynamodb(), started->export_arn, wait, [&last](const dynamodb::ExportDescription& d) {
          last = d;
          std::cerr << fmt::format("export {}: {}\n", d.export_arn, d.export_status);
        });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (!done.ok()) {
      aws::Error error = std::move(done).error();
      if (error.kind == aws::ErrorKind::kCancelled) {
        PrintNativeSummary(global, table, opened, last, seconds, /*interrupted=*/true, nullptr);
        return Outcome::kInterrupted;
      }
      if (last.export_status == "IN_PROGRESS") {
        // DescribeExport failed or the wait timed out: the export itself may well go on.
        error.AddAdvice(
            fmt::format("export {} may still be running in DynamoDB: `aws dynamodb describe-export "
                        "--export-arn {}` tells",
                        last.export_arn, last.export_arn));
      }
      PrintNativeSummary(global, table, opened, last, seconds, /*interrupted=*/false, &error);
      return error;
    }
    PrintNativeSummary(global, table, opened, *done, seconds, /*interrupted=*/false, nullptr);
    return Outcome::kSuccess;
  }

  // The summary of a native export, `d` the description last read: JSON with --output json
  // (also after a failure, `error`, or a stop), otherwise a line on stdout after a success or a
  // stop (a failure's error line says enough).
  static void PrintNativeSummary(const GlobalOptions& global,
                                 const dynamodb::TableDescription& table, const OpenedStore& opened,
                                 const dynamodb::ExportDescription& d, double seconds,
                                 bool interrupted, const aws::Error* error) {
    const std::string export_id = dynamodb::ExportIdOfArn(d.export_arn);
    // DynamoDB writes the export to "<prefix>/AWSDynamoDB/<ExportId>/".
    const std::string where =
        export_id.empty() ? opened.store->Describe(opened.prefix)
                          : opened.store->Describe(storage::ExportFolder(opened.prefix, export_id));
    const bool complete = error == nullptr && !interrupted;
    if (global.output == "json") {
      std::string out;
      aws::JsonWriter w(&out);
      BeginJsonSummary(w, table, export_id, where)
          .Member("ExportArn", d.export_arn)
          .Member("ExportStatus", d.export_status)
          .MemberInt("ItemCount", d.item_count)
          .MemberInt("BilledSizeBytes", d.billed_size_bytes);
      if (!d.export_manifest.empty()) {
        w.Member("ExportManifest", opened.store->Describe(d.export_manifest));
      }
      w.Key("Seconds")
          .Double(seconds)
          .MemberBool("Complete", complete)
          .MemberBool("Interrupted", interrupted);
      if (error != nullptr) w.Member("Error", error->ToString());
      w.EndObject();
      std::cout << out << '\n';
      return;
    }
    if (complete) {
      std::cout << fmt::format(
          "exported {}: {} to {} ({}, {:.1f} s)\n", table.table_name,
          Counted(static_cast<uint64_t>(d.item_count), "item"),
          d.export_manifest.empty() ? where : opened.store->Describe(d.export_manifest),
          d.export_arn, seconds);
    } else if (interrupted) {
      std::cout << fmt::format(
          "stopped waiting for export {} of {} ({}); DynamoDB goes on with it: `aws dynamodb "
          "describe-export --export-arn {}` tells how it ends\n",
          d.export_arn, table.table_name, d.export_status, d.export_arn);
    }
  }

  // The export id of a checkpoint's target, the export's folder ".../AWSDynamoDB/<id>/".
  static std::string ExportIdOf(std::string_view target) {
    if (!target.empty() && target.back() == '/') target.remove_suffix(1);
    const size_t slash = target.rfind('/');
    return std::string(slash == std::string_view::npos ? target : target.substr(slash + 1));
  }

  // Checks that `checkpoint` is of an export of `table` under this --to, and returns the time
  // the export started (its id begins with it, in milliseconds since the epoch).
  aws::Result<aws::Clock::WallTime> ResumedExport(const pipeline::Checkpoint& checkpoint,
                                                  const dynamodb::TableDescription& table,
                                                  const storage::ObjectStore& store,
                                                  const OpenedStore& opened) const {
    const std::string id = ExportIdOf(checkpoint.target);
    if (checkpoint.operation != "export" || checkpoint.source != table.table_arn ||
        !storage::IsExportId(id) ||
        checkpoint.target != store.Describe(storage::ExportFolder(opened.prefix, id))) {
      return Invalid(fmt::format("checkpoint {} is for {} {} -> {}, not an export of {} to {}",
                                 checkpoint_, checkpoint.operation, checkpoint.source,
                                 checkpoint.target, table.table_arn,
                                 store.Describe(opened.prefix)));
    }
    if (aws::Status s =
            pipeline::CheckSameTable(checkpoint.source_identity, table, "source", checkpoint_);
        !s.ok()) {
      return std::move(s).error();
    }
    if (checkpoint.s3_sse_algorithm != sse_algorithm_ ||
        checkpoint.s3_sse_kms_key_id != sse_kms_key_id_) {
      return Invalid(fmt::format(
          "checkpoint {} is of an export {}; resume it with the same encryption flags (the "
          "files exported so far are encrypted so, and the manifest describes them all alike)",
          checkpoint_,
          EncryptionFlagsText(checkpoint.s3_sse_algorithm, checkpoint.s3_sse_kms_key_id)));
    }
    const std::chrono::milliseconds millis(std::stoll(id.substr(0, id.find('-'))));
    return aws::Clock::WallTime(std::chrono::duration_cast<aws::Clock::WallTime::duration>(millis));
  }

  using ManifestSummary = storage::ManifestSummary;

  // kUsage for an algorithm other than AES256 or KMS (the names ExportTableToPointInTime and
  // the manifest use), or a key id without KMS.
  aws::Status CheckEncryptionFlags() const {
    if (app_->count("--s3-sse-algorithm") > 0 && sse_algorithm_ != "AES256" &&
        sse_algorithm_ != "KMS") {
      return UsageError(
          fmt::format("--s3-sse-algorithm must be AES256 or KMS, not '{}'", sse_algorithm_));
    }
    if (app_->count("--s3-sse-kms-key-id") > 0 && sse_algorithm_ != "KMS") {
      return UsageError(
          "--s3-sse-kms-key-id needs --s3-sse-algorithm KMS: a key only applies to KMS "
          "encryption");
    }
    if (app_->count("--s3-sse-kms-key-id") > 0 && sse_kms_key_id_.empty()) {
      return UsageError(
          "--s3-sse-kms-key-id is empty: give a KMS key id, ARN or alias, or leave the flag out "
          "for the AWS managed key");
    }
    return aws::Status::Ok();
  }

  // The flags as S3 headers. REQUIRES: CheckEncryptionFlags passed.
  storage::S3ServerSideEncryption S3Encryption() const {
    if (sse_algorithm_.empty()) return {};
    return {sse_algorithm_ == "KMS" ? "aws:kms" : "AES256", sse_kms_key_id_};
  }

  // How a run with these settings was started, for messages: "with --s3-sse-algorithm KMS
  // --s3-sse-kms-key-id K", or "without --s3-sse-algorithm".
  static std::string EncryptionFlagsText(const std::string& algorithm,
                                         const std::string& kms_key_id) {
    if (algorithm.empty()) return "without --s3-sse-algorithm";
    std::string text = "with --s3-sse-algorithm " + algorithm;
    if (!kms_key_id.empty()) {
      text += " --s3-sse-kms-key-id " + kms_key_id;
    } else if (algorithm == "KMS") {
      text += " and no --s3-sse-kms-key-id (S3's AWS managed key)";
    }
    return text;
  }

  // The summary of a finished export whose manifests, each matching its .md5, list exactly
  // `files_json`; nullopt when they are to be written.
  static aws::Result<std::optional<ManifestSummary>> FinishedSummary(
      const storage::ObjectStore& store, const std::string& files_key,
      const std::string& files_json, const std::string& summary_key) {
    aws::Result<std::optional<std::string>> files = storage::ReadCheckedManifest(store, files_key);
    if (!files.ok()) return std::move(files).error();
    if (*files != files_json) return std::optional<ManifestSummary>();
    aws::Result<std::optional<std::string>> text = storage::ReadCheckedManifest(store, summary_key);
    if (!text.ok()) return std::move(text).error();
    if (!*text) return std::optional<ManifestSummary>();
    aws::Result<ManifestSummary> summary =
        storage::ParseManifestSummary(**text, store.Describe(summary_key));
    if (!summary.ok()) return std::optional<ManifestSummary>();  // damaged: written again
    return std::optional<ManifestSummary>(std::move(*summary));
  }

  // The export's figures are of every run's files (what the manifest lists, or will once the
  // export completes); the rate is of this run's items over this run's time, and the read
  // capacity this run's.
  // `throttles`, `retries`: this run's, DynamoDB's and S3's.
  void PrintSummary(const GlobalOptions& global, uint64_t throttles, uint64_t retries,
                    const dynamodb::TableDescription& table, const std::string& export_id,
                    const std::string& where, const pipeline::TableExportResult& result,
                    const pipeline::TableExportCounters& c, bool capacity_asked, double seconds,
                    bool complete) const {
    const size_t files = result.files.size();
    const int64_t earlier = result.items_from_earlier_runs;
    const double rate =
        seconds > 0 ? static_cast<double>(result.item_count - earlier) / seconds : 0;
    if (global.output == "json") {
      std::string out;
      aws::JsonWriter w(&out);
      BeginJsonSummary(w, table, export_id, where)
          .MemberInt("ItemCount", result.item_count)
          .MemberInt("ItemsFromEarlierRuns", earlier)
          .MemberInt("DataFiles", static_cast<int64_t>(files))
          .MemberInt("CompressedBytes", static_cast<int64_t>(result.compressed_bytes))
          .MemberInt("UncompressedBytes", static_cast<int64_t>(result.uncompressed_bytes))
          .MemberInt("StaleFilesDeleted", static_cast<int64_t>(result.stale_files_deleted))
          .MemberInt("IncompleteUploadsAborted",
                     static_cast<int64_t>(result.incomplete_uploads_aborted));
      if (capacity_asked) w.Key("ReadCapacityUnits").Double(c.scan.read_capacity.load());
      w.MemberInt("Throttles", static_cast<int64_t>(throttles))
          .MemberInt("Retries", static_cast<int64_t>(retries))
          .Key("Seconds")
          .Double(seconds)
          .Key("ItemsPerSecond")
          .Double(rate)
          .MemberBool("Complete", complete)
          .EndObject();
      std::cout << out << '\n';
      return;
    }
    std::cout << fmt::format(
        "{} {} of {} to {}, {} from earlier runs\n  export id {}  {}  {} gzip "
        "({} of JSON)  {:.1f} s  {} items/s  {}\n",
        complete ? "exported" : "stopped after exporting",
        Counted(static_cast<uint64_t>(result.item_count), "item"), table.table_name, where,
        pipeline::GroupThousands(static_cast<uint64_t>(earlier)), export_id,
        Counted(files, "data file"), Megabytes(result.compressed_bytes),
        Megabytes(result.uncompressed_bytes), seconds,
        pipeline::GroupThousands(static_cast<uint64_t>(rate)),
        ReadCapacityText(capacity_asked, c.scan.read_capacity.load()));
  }

  // Opens a JSON summary with the members every one has: the table, export id and location.
  static aws::JsonWriter& BeginJsonSummary(aws::JsonWriter& w,
                                           const dynamodb::TableDescription& table,
                                           const std::string& export_id, const std::string& where) {
    return w.BeginObject()
        .Member("Table", table.table_name)
        .Member("ExportId", export_id)
        .Member("Location", where);
  }

  // The --output json summary of a scan export that failed (it has no manifest), `error` the
  // message the run ends with (on stderr as usual).
  static void PrintFailure(uint64_t throttles, uint64_t retries,
                           const dynamodb::TableDescription& table, const std::string& export_id,
                           const std::string& where, double seconds, const aws::Error& error) {
    std::string out;
    aws::JsonWriter w(&out);
    BeginJsonSummary(w, table, export_id, where)
        .MemberInt("Throttles", static_cast<int64_t>(throttles))
        .MemberInt("Retries", static_cast<int64_t>(retries))
        .Key("Seconds")
        .Double(seconds)
        .MemberBool("Complete", false)
        .Member("Error", error.ToString())
        .EndObject();
    std::cout << out << '\n';
  }

  std::string table_;
  std::string to_;
  ScanFlags scan_;
  ConsumedCapacityFlag capacity_;
  int gzip_level_ = storage::GzipWriter::kDefaultLevel;
  int file_size_mib_ = 256;
  int readers_ = 8;
  bool native_ = false;
  const CLI::App* app_ = nullptr;  // the subcommand, to tell which flags were given
  std::string bucket_owner_;
  std::string sse_algorithm_;   // "", "AES256" or "KMS"
  std::string sse_kms_key_id_;  // KMS only
  std::string checkpoint_;
  bool resume_ = false;
  StoreFlags store_flags_;
};

}  // namespace

std::unique_ptr<Command> MakeExportCommand() { return std::make_unique<ExportCommand>(); }

}  // namespace ddbm::commands
