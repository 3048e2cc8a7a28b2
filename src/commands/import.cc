// `ddbmigrate import`: an export in AWS's layout (ours or AWS's own, full and incremental), from
// S3 or a local directory, into a new or an existing table; or, with --native, DynamoDB's own
// ImportTable into a new table.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>

#include "aws/json_writer.h"
#include "commands/capacity_flag.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/create_target.h"
#include "commands/dead_letters.h"
#include "commands/export_store.h"
#include "commands/interrupt.h"
#include "commands/output.h"
#include "commands/run_checkpoint.h"
#include "commands/scan_flags.h"
#include "commands/table_pair.h"
#include "commands/transfer_runner.h"
#include "dynamodb/item.h"
#include "dynamodb/native_transfer.h"
#include "dynamodb/table_definition.h"
#include "dynamodb/table_ref.h"
#include "dynamodb/table_schema.h"
#include "pipeline/checkpoint.h"
#include "pipeline/dead_letter.h"
#include "pipeline/export_import.h"
#include "pipeline/import_checkpoint.h"
#include "pipeline/progress.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/table_identity.h"
#include "storage/data_file_reader.h"
#include "storage/export_layout.h"
#include "storage/export_line.h"
#include "storage/export_reader.h"

namespace ddbm::commands {
namespace {

// --create-target of an export without our table definition, without the key flags.
constexpr std::string_view kNoDefinition =
    "the export holds no table definition (AWS's own exports have none): give the key schema "
    "with --partition-key NAME:S|N|B [--sort-key NAME:S|N|B]";

aws::Error Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

// "name:S" -> the attribute definition; kInvalidInput naming the flag otherwise.
aws::Result<dynamodb::KeySchemaElement> ParseKeyFlag(const std::string& text,
                                                     const std::string& flag,
                                                     const std::string& key_type) {
  const size_t colon = text.rfind(':');
  const std::string type = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (colon == 0 || colon == std::string::npos || (type != "S" && type != "N" && type != "B")) {
    return UsageError(fmt::format("{} '{}' is not NAME:TYPE with TYPE S, N or B (e.g. {} id:S)",
                                  flag, text, flag));
  }
  return dynamodb::KeySchemaElement{text.substr(0, colon), key_type, type};
}

class ImportCommand final : public Command {
 public:
  std::string name() const override { return "import"; }
  std::string description() const override {
    return "Import an export (AWS's or ours, full or incremental) from S3 or a local directory "
           "into a table [API: DescribeTable, BatchWriteItem, s3:HeadBucket, s3:ListObjectsV2, "
           "s3:HeadObject, s3:GetObject; "
           "CreateTable and, as the export's table definition needs, DescribeTimeToLive, "
           "UpdateTimeToLive, DescribeContinuousBackups, UpdateContinuousBackups with "
           "--create-target; ImportTable, "
           "DescribeImport and, as the definition needs, UpdateTable, UpdateTimeToLive, "
           "UpdateContinuousBackups, TagResource with --native]";
  }

  void AddFlags(CLI::App& app) override {
    app_ = &app;
    app.add_option("--from", from_,
                   "The export: s3://bucket/prefix, file:///dir or a directory (holding "
                   "AWSDynamoDB/), or one export's own folder")
        ->required();
    app.add_option("--table", table_, "Table to write (name or ARN)")->required();
    app.add_option("--export-id", export_id_,
                   "Which export to import when the location holds several");
    app.add_flag("--create-target", create_target_,
                 "Create the table: from the export's table definition (written by export), or "
                 "from --partition-key/--sort-key (on-demand)");
    app.add_option("--partition-key", partition_key_,
                   "With --create-target, for exports without a definition: NAME:S|N|B");
    app.add_option("--sort-key", sort_key_, "With --partition-key: NAME:S|N|B");
    app.add_option("--writers", writers_, "Concurrent BatchWriteItem requests (default 16)")
        ->transform(WholeNumberRange(1, 1024));
    app.add_option("--parallel-files", parallel_files_,
                   "Data files read and checked at once (default 4)")
        ->transform(WholeNumberRange(1, 256));
    AddWriteRateFlags(app, &write_rate_, &write_percent_, "the table's");
    AddConsumedCapacityFlag(app, &capacity_, CapacityRequests::kWritesOnly);
    app.add_option("--checkpoint", checkpoint_, "Record imported files here so a run can resume");
    app.add_flag("--resume", resume_,
                 "Continue from --checkpoint after a crash, Ctrl-C or a bad file");
    app.add_option("--dead-letter", dead_letter_,
                   "JSON-lines file for items the table refuses "
                   "(default: ddbmigrate-<table>-dead-letter.jsonl)");
    app.add_flag("--native", native_,
                 "Let DynamoDB import a full export from S3 into a new table (ImportTable)");
    store_flags_.Add(app, /*writing=*/false);
  }

  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    if (resume_ && checkpoint_.empty()) {
      return UsageError("--resume needs --checkpoint FILE: the file a previous run wrote");
    }
    if (!sort_key_.empty() && partition_key_.empty()) {
      return UsageError("--sort-key needs --partition-key");
    }
    if (!partition_key_.empty() && !create_target_) {
      return UsageError("--partition-key only applies with --create-target");
    }
    aws::Result<std::vector<dynamodb::KeySchemaElement>> key_flags = KeyFlags();
    if (!key_flags.ok()) return std::move(key_flags).error();
    key_flags_ = std::move(*key_flags);
    if (native_ && !create_target_) {
      return UsageError(
          "--native always creates a new table (ImportTable cannot write into an existing one): "
          "pass --create-target, or import without --native");
    }
    if (native_) {
      if (aws::Status s =
              RefuseWithNative(*app_,
                               {"--writers", "--parallel-files", "--write-rate", "--write-percent",
                                "--consumed-capacity", "--checkpoint", "--resume", "--dead-letter"},
                               "import");
          !s.ok()) {
        return std::move(s).error();
      }
    }
    if (aws::Status s = capacity_.CheckRates(write_rate_.has_value() || write_percent_.has_value(),
                                             "--write-rate or --write-percent");
        !s.ok()) {
      return std::move(s).error();
    }
    aws::Result<TableConnection> opened_table = OpenTableConnection(global, table_);
    if (!opened_table.ok()) return std::move(opened_table).error();
    const dynamodb::TableRef& ref = opened_table->ref;
    const Connection& db = *opened_table->connection;
    aws::Result<OpenedStore> opened = OpenStore(global, store_flags_, from_, true);
    if (!opened.ok()) return std::move(opened).error();
    if (native_ && opened->location.kind != storage::Location::Kind::kS3) {
      return UsageError("--native imports only from S3: give --from s3://bucket/prefix");
    }
    if (aws::Status s = opened->store->CheckRoot(false); !s.ok()) return std::move(s).error();
    const storage::ObjectStore& store = *opened->store;

    aws::Result<std::vector<storage::ExportManifest>> exports =
        storage::FindExports(store, opened->prefix, export_id_);
    if (!exports.ok()) return std::move(exports).error();
    for (const storage::ExportManifest& e : *exports) {
      for (const std::string& w : e.warnings) std::cerr << "ddbmigrate: warning: " << w << '\n';
    }
    std::optional<dynamodb::TableDefinition> definition;
    const storage::ExportManifest& first = exports->front();
    const std::string definition_file =
        store.Describe(first.folder + std::string(storage::kTableDescriptionFile));
    if (first.table_definition) {
      aws::Result<dynamodb::TableDefinition> parsed =
          dynamodb::ParseTableDefinition(*first.table_definition, definition_file);
      if (!parsed.ok()) return std::move(parsed).error();
      definition = std::move(*parsed);
      // The flags are for exports without a definition: one that says otherwise is a mistake.
      dynamodb::TableDescription flagged;
      flagged.key_schema = key_flags_;
      if (!key_flags_.empty() && flagged.KeySchemaText() != definition->table.KeySchemaText()) {
        return Invalid(fmt::format(
            "--partition-key/--sort-key give the key {}, but the export's table definition has "
            "{}; drop them to create the table the export describes",
            flagged.KeySchemaText(), definition->table.KeySchemaText()));
      }
    }
    if (native_) {
      // ImportTable creates the table: in the account an ARN names, or not at all.
      if (aws::Status s = CheckAccountBeforeCreate(db, ref); !s.ok()) return std::move(s).error();
      return RunNative(global, db, ref.name, *exports, definition, *opened);
    }

    // Held to the end of the run, taken before the checkpoint is read: another run on this
    // checkpoint is refused before either writes.
    aws::Result<std::optional<pipeline::CheckpointLock>> checkpoint_lock =
        LockRunCheckpoint(checkpoint_);
    if (!checkpoint_lock.ok()) return std::move(checkpoint_lock).error();
    // What may refuse the run is checked before the target is created: a refused run leaves no
    // new table behind.
    aws::Result<pipeline::ImportCheckpoint> checkpoint =
        LoadCheckpoint(opened->location.ToString(), ref.name);
    if (!checkpoint.ok()) return std::move(checkpoint).error();
    // A run stopped while it created the target imported nothing: any file will do.
    std::optional<EarlierDeadLetterFile> earlier;
    if (resume_ && !checkpoint->creating_target) {
      earlier = EarlierDeadLetterFile{checkpoint_, checkpoint->dead_letter_file,
                                      checkpoint->dead_lettered};
    }
    aws::Result<DeadLetterChoice> dead_letter_file =
        ChooseDeadLetterFile(dead_letter_, ref.name, earlier ? &*earlier : nullptr);
    if (!dead_letter_file.ok()) return std::move(dead_letter_file).error();
    checkpoint->dead_letter_file = dead_letter_file->absolute;
    pipeline::DeadLetterFile dead_letters(dead_letter_file->path);
    dead_letters.set_earlier_file_gone(dead_letter_file->earlier_gone);
    if (aws::Status s = PrepareDeadLetterFile(dead_letters, resume_); !s.ok()) {
      return std::move(s).error();
    }
    bool created = false;
    aws::Result<dynamodb::TableDescription> target = PrepareTarget(
        db, ref, definition,
        [&] {
          return definition
                     ? CheckFirstKey(store, *exports, ref.name, definition->table.key_schema,
                                     fmt::format("the key schema of {} does not fit the export's "
                                                 "items: correct it as they are keyed",
                                                 definition_file))
                     : CheckFirstKey(store, *exports, ref.name, key_flags_,
                                     "give --partition-key and --sort-key as the export's "
                                     "items are keyed");
        },
        &*checkpoint, &created);
    if (!target.ok()) return std::move(target).error();
    checkpoint->target_identity = pipeline::IdentityOf(*target);
    // Keys are checked for duplicates with a table definition too: the definition is a file
    // anyone may have edited, and items of another key schema would overwrite each other.
    return RunImport(global, db, *target, *exports, *opened, std::move(*checkpoint), dead_letters,
                     created);
  }

 private:
  // Describes the target, creating it when asked; checks its key schema against the export's.
  // `checkpoint` is this run's, loaded or fresh. With --create-target, a resumed run accepts
  // the table its earlier run created, and finishes it when that run was killed while creating
  // it; before a CreateTable the checkpoint is saved marked as creating the target (the mark
  // is cleared here, and saved by the run's first save), so that such a kill can be resumed.
  // `*created` is set when this run sent the CreateTable. `check_before_create` runs before the
  // table is created; an error it returns is the run's.
  aws::Result<dynamodb::TableDescription> PrepareTarget(
      const Connection& db, const dynamodb::TableRef& ref,
      const std::optional<dynamodb::TableDefinition>& definition,
      const std::function<aws::Status()>& check_before_create,
      pipeline::ImportCheckpoint* checkpoint, bool* created) const {
    const std::string& name = ref.name;
    if (checkpoint->creating_target && !create_target_) {
      return Invalid(
          fmt::format("checkpoint {} is of a run that was creating table {}; resume it with "
                      "--create-target (and the same other flags)",
                      checkpoint_, name));
    }
    // Described by DescribeRef: a table an ARN names is looked for in its account and region.
    aws::Result<dynamodb::TableDescription> target = DescribeRef(db, ref);
    if (target.ok()) {
      if (create_target_ && !resume_) {
        return Invalid(
            fmt::format("table {} already exists; drop --create-target to import into "
                        "it, or name a new table",
                        name));
      }
      if (aws::Status s =
              pipeline::CheckSameTable(checkpoint->target_identity, *target, "target", checkpoint_);
          !s.ok()) {
        return std::move(s).error();
      }
      if (checkpoint->creating_target) {
        aws::Result<std::optional<dynamodb::TargetTablePlan>> plan =
            PlanTarget(db, name, definition);
        if (!plan.ok()) return std::move(plan).error();
        if (aws::Status s = CreateTarget(db, name, *plan, /*finish=*/true); !s.ok()) {
          return std::move(s).error();
        }
        checkpoint->creating_target = false;
        target = DescribeRef(db, ref);
        if (!target.ok()) return target;
      }
      if (definition) {
        if (aws::Status s = CheckSameKeySchema(
                definition->table, *target,
                "import into a table with the export's key schema (or use --create-target with "
                "a new name)");
            !s.ok()) {
          return std::move(s).error();
        }
      }
      return target;
    }
    if (target.error().code != "ResourceNotFoundException") return target;
    // A resume continues what earlier runs wrote into the table: a new one would lack it.
    const bool wrote = std::any_of(
        checkpoint->exports.begin(), checkpoint->exports.end(),
        [](const pipeline::ImportCheckpoint::Export& e) { return e.done || !e.files.empty(); });
    if (!wrote && !create_target_) {
      aws::Error error = DescribeError(std::move(target).error(), "table", name);
      error.message += ", or pass --create-target";
      return error;
    }
    if (wrote) {
      return Invalid(fmt::format(
          "table {} does not exist, but checkpoint {} continues an import that wrote into it; "
          "check the table's region, credentials and endpoint, or start over without --resume "
          "and without that checkpoint",
          name, checkpoint_));
    }
    if (!definition && partition_key_.empty()) {
      return Invalid(std::string(kNoDefinition));
    }
    if (aws::Status s = check_before_create(); !s.ok()) return std::move(s).error();
    if (aws::Status s = CheckAccountBeforeCreate(db, ref); !s.ok()) return std::move(s).error();
    // Planned before the checkpoint says the table is being created: a plan refused is a run
    // that did nothing.
    aws::Result<std::optional<dynamodb::TargetTablePlan>> plan = PlanTarget(db, name, definition);
    if (!plan.ok()) return std::move(plan).error();
    if (!checkpoint_.empty()) {
      checkpoint->creating_target = true;
      if (aws::Status s = pipeline::WriteFileAtomically(
              checkpoint_, pipeline::SerializeImportCheckpoint(*checkpoint));
          !s.ok()) {
        return std::move(s).error();
      }
    }
    if (aws::Status s = CreateTarget(db, name, *plan, /*finish=*/false); !s.ok()) {
      return std::move(s).error();
    }
    checkpoint->creating_target = false;
    *created = true;
    return DescribeRef(db, ref);
  }

  // The key of the exports' first line in `key_schema` (of --partition-key/--sort-key, or of the
  // export's table definition), checked before a table of that schema is created, so that a key
  // of the wrong name or type leaves no table behind; `advice` ends the error. Reads the start of
  // one data file; a line that cannot be read is left to the import, which checks every line.
  aws::Status CheckFirstKey(const storage::ObjectStore& store,
                            const std::vector<storage::ExportManifest>& exports,
                            const std::string& table,
                            const std::vector<dynamodb::KeySchemaElement>& key_schema,
                            std::string_view advice) const {
    for (const storage::ExportManifest& e : exports) {
      for (const storage::DataFileEntry& entry : e.files) {
        if (entry.item_count == 0) continue;
        aws::Result<storage::DataFileReader> reader =
            storage::DataFileReader::Open(&store, entry, size_t{64} << 10);
        if (!reader.ok()) return aws::Status::Ok();
        std::optional<std::string> problem;
        // Ended by the callback after the first line; what else the pass says is the import's.
        (void)reader->ForEachLineBlock([&](storage::LineBlock block) -> aws::Status {
          if (block.lines.empty()) return aws::Status::Ok();
          problem = FirstKeyProblem(block.lines.front().text, e.summary.incremental(), key_schema);
          return aws::Error::Make(aws::ErrorKind::kCancelled, "first line read");
        });
        if (!problem) return aws::Status::Ok();
        return Invalid(fmt::format("data file {} line 1: {}; table {} was not created: {}",
                                   store.Describe(entry.data_file_s3_key), *problem, table,
                                   advice));
      }
    }
    return aws::Status::Ok();
  }

  // Why the key of export line `text` does not fit `key_schema`; nullopt when it does, or when
  // the line is not one to judge by.
  static std::optional<std::string> FirstKeyProblem(
      std::string_view text, bool incremental,
      const std::vector<dynamodb::KeySchemaElement>& key_schema) {
    std::optional<std::string_view> key_holder;
    if (incremental) {
      aws::Result<storage::IncrementalChange> change = storage::ParseIncrementalLine(text);
      if (change.ok()) key_holder = change->keys;
    } else {
      aws::Result<std::string_view> item = storage::ParseFullExportLine(text);
      if (item.ok()) key_holder = *item;
    }
    if (!key_holder) return std::nullopt;
    const simdjson::padded_string padded(*key_holder);
    const std::string_view view(padded.data(), padded.size());
    aws::Result<std::string> key = incremental ? dynamodb::ExtractExactKey(view, key_schema)
                                               : dynamodb::ExtractKey(view, key_schema);
    if (key.ok()) return std::nullopt;
    return (incremental ? "Keys: " : "") + key.error().message;
  }

  static aws::Result<dynamodb::TargetTablePlan> PlanFromDefinition(
      const Connection& db, const std::string& name, const dynamodb::TableDefinition& definition) {
    dynamodb::TargetTableOptions options;
    options.target_table_name = name;
    options.target_region = db.region();
    return dynamodb::PlanTargetTableWith(definition.table, options, definition.settings);
  }

  // What --create-target makes of table `name`: the plan from the export's table definition, or
  // none for the table of --partition-key/--sort-key.
  aws::Result<std::optional<dynamodb::TargetTablePlan>> PlanTarget(
      const Connection& db, const std::string& name,
      const std::optional<dynamodb::TableDefinition>& definition) const {
    if (!definition) return std::optional<dynamodb::TargetTablePlan>();
    aws::Result<dynamodb::TargetTablePlan> plan = PlanFromDefinition(db, name, *definition);
    if (!plan.ok()) return std::move(plan).error();
    return std::optional<dynamodb::TargetTablePlan>(std::move(*plan));
  }

  // Creates table `name` from `plan`, or with none from --partition-key/--sort-key; `finish`:
  // completes instead what a killed run's CreateTable began (waits until the table is active,
  // then applies the settings that follow the creation).
  aws::Status CreateTarget(const Connection& db, const std::string& name,
                           std::optional<dynamodb::TargetTablePlan>& plan, bool finish) const {
    // From here a stop lets the requests in flight finish (a CreateTable given up on may still
    // make the table), as copy's does; the import then stops before its first write.
    InstallInterruptHandler(BatchesStopping(!checkpoint_.empty()));
    if (!plan) {
      if (!finish) return CreateFromKeyFlags(db, name);
      std::cerr << fmt::format("waiting for table {}, created by the stopped run\n", name);
      aws::Result<dynamodb::TableDescription> active =
          db.dynamodb().WaitUntilActive(name, std::chrono::minutes(15));
      return active.ok() ? aws::Status::Ok() : aws::Status(std::move(active).error());
    }
    std::cerr << (finish ? "finishing table " + name +
                               ", which the stopped run was creating from the export's table "
                               "definition\n"
                         : "creating table " + name + " from the export's table definition\n");
    aws::Status made = MakeTargetTable(db.dynamodb(), *plan, finish);
    settings_not_applied_ = plan->settings_not_applied;
    return made;
  }

  // The key schema of --partition-key/--sort-key (empty without them).
  aws::Result<std::vector<dynamodb::KeySchemaElement>> KeyFlags() const {
    std::vector<dynamodb::KeySchemaElement> keys;
    for (auto [flag, text, type] : {std::tuple{"--partition-key", partition_key_, "HASH"},
                                    std::tuple{"--sort-key", sort_key_, "RANGE"}}) {
      if (text.empty()) continue;
      aws::Result<dynamodb::KeySchemaElement> key = ParseKeyFlag(text, flag, type);
      if (!key.ok()) return std::move(key).error();
      keys.push_back(*key);
    }
    return keys;
  }

  // The CreateTable (or ImportTable TableCreationParameters) object of an on-demand table named
  // `name` with the key schema of --partition-key/--sort-key (key_flags_); the two requests share
  // these members.
  std::string KeyFlagsTableJson(const std::string& name) const {
    const std::vector<dynamodb::KeySchemaElement>& keys = key_flags_;
    std::string json;
    aws::JsonWriter w(&json);
    w.BeginObject().Member("TableName", name).Key("AttributeDefinitions").BeginArray();
    for (const auto& k : keys) {
      w.BeginObject()
          .Member("AttributeName", k.attribute_name)
          .Member("AttributeType", k.attribute_type)
          .EndObject();
    }
    w.EndArray().Key("KeySchema").BeginArray();
    for (const auto& k : keys) {
      w.BeginObject()
          .Member("AttributeName", k.attribute_name)
          .Member("KeyType", k.key_type)
          .EndObject();
    }
    w.EndArray().Member("BillingMode", "PAY_PER_REQUEST").EndObject();
    return json;
  }

  aws::Status CreateFromKeyFlags(const Connection& db, const std::string& name) const {
    std::cerr << fmt::format("creating table {} (on-demand) with key {}\n", name,
                             partition_key_ + (sort_key_.empty() ? "" : ", " + sort_key_));
    aws::Result<dynamodb::TableDescription> created =
        db.dynamodb().CreateTable(KeyFlagsTableJson(name));
    if (!created.ok()) return std::move(created).error();
    aws::Result<dynamodb::TableDescription> active =
        db.dynamodb().WaitUntilActive(name, std::chrono::minutes(15));
    if (!active.ok()) return std::move(active).error();
    return aws::Status::Ok();
  }

  aws::Result<pipeline::ImportCheckpoint> LoadCheckpoint(const std::string& source,
                                                         const std::string& target) const {
    pipeline::ImportCheckpoint fresh;
    // By its absolute path: a resume from another directory names the same export.
    fresh.source = LocationKey(source);
    fresh.target = target;
    if (checkpoint_.empty()) return fresh;
    if (aws::Status s = pipeline::CheckCheckpointWritable(checkpoint_); !s.ok()) {
      return std::move(s).error();
    }
    aws::Result<std::optional<std::string>> text = pipeline::ReadFileIfExists(checkpoint_);
    if (!text.ok()) return std::move(text).error();
    if (!*text) {
      if (resume_) {
        return Invalid(fmt::format("checkpoint {} does not exist; run without --resume to start",
                                   checkpoint_));
      }
      return fresh;
    }
    if (!resume_) {
      return Invalid(
          fmt::format("checkpoint {} already exists; pass --resume to continue that "
                      "import, or remove the file to start again",
                      checkpoint_));
    }
    aws::Result<pipeline::ImportCheckpoint> saved =
        pipeline::ParseImportCheckpoint(**text, checkpoint_);
    if (!saved.ok()) return std::move(saved).error();
    if (LocationKey(saved->source) != LocationKey(source) || saved->target != target) {
      return Invalid(fmt::format("checkpoint {} is for importing {} into {}, not {} into {}",
                                 checkpoint_, saved->source, saved->target, source, target));
    }
    return saved;
  }

  // One location however it is spelt: a local directory by its absolute, normalised path
  // ("exd", "./exd/" and "/work/exd" are one), from the working directory of this run.
  static std::string LocationKey(const std::string& location) {
    if (location.starts_with("s3://")) return location;
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(location, error);
    if (error) return location;
    const std::filesystem::path normal = std::filesystem::weakly_canonical(absolute, error);
    return error ? absolute.lexically_normal().string() : normal.string();
  }

  // `checkpoint`: as LoadCheckpoint gave it; `dead_letters`: prepared; `created_target`: this
  // run created the table.
  aws::Result<Outcome> RunImport(const GlobalOptions& global, const Connection& db,
                                 const dynamodb::TableDescription& target,
                                 const std::vector<storage::ExportManifest>& exports,
                                 const OpenedStore& opened, pipeline::ImportCheckpoint checkpoint,
                                 pipeline::DeadLetterFile& dead_letters, bool created_target) {
    const std::string source = opened.location.ToString();
    const uint64_t earlier_dead = checkpoint.dead_lettered;  // by the runs this one resumes
    aws::Result<double> write_rate =
        pipeline::ResolveRate(write_rate_, write_percent_, target.write_capacity_units, "write");
    if (!write_rate.ok()) return std::move(write_rate).error();
    pipeline::RateLimiterOptions write_limit;
    write_limit.units_per_second = *write_rate;
    pipeline::RateLimiter write_limiter(write_limit, aws::Clock::Real());
    const aws::RetryPolicy& unprocessed_policy = db.dynamodb().service_client().retry_policy();

    pipeline::ImportContext context;
    context.store = opened.store.get();
    context.target = &db.dynamodb();
    context.write_policy = &unprocessed_policy;
    context.dead_letters = &dead_letters;
    context.write_limiter = pipeline::IfLimited(write_limiter);
    context.stop = InstallInterruptHandler(BatchesStopping(!checkpoint_.empty()));
    pipeline::ImportOptions options;
    options.table = target.table_name;
    options.key_schema = target.key_schema;
    options.writers = writers_;
    options.file_readers = parallel_files_;
    options.consumed_capacity = capacity_.writes(*write_rate > 0);

    std::mutex save_mu;
    auto save = [&]() -> aws::Status {
      if (checkpoint_.empty()) return aws::Status::Ok();
      std::lock_guard lock(save_mu);
      // Dead letters first: the checkpoint counts their items as done.
      if (aws::Status s = dead_letters.Sync(); !s.ok()) return s;
      return pipeline::WriteFileAtomically(checkpoint_,
                                           pipeline::SerializeImportCheckpoint(checkpoint));
    };

    // Saved before any work, so that the advice to rerun with --resume always holds.
    if (aws::Status s = save(); !s.ok()) return std::move(s).error();

    uint64_t expected = 0;
    std::atomic<uint64_t> skipped_items{0};  // read by the progress thread
    for (const storage::ExportManifest& e : exports) {
      expected += static_cast<uint64_t>(e.summary.item_count);
    }
    pipeline::ImportCounters counters;
    const auto started = std::chrono::steady_clock::now();
    pipeline::ProgressReporter reporter(
        [&] {
          pipeline::ProgressSample s;
          s.items_read = counters.items_read.load() + skipped_items;
          s.items_written = counters.writes.items_written.load() + skipped_items;
          s.items_dead_lettered = counters.items_dead_lettered.load();
          s.read_capacity_asked = false;  // files are read, not a table
          s.write_capacity = counters.writes.consumed_capacity.load();
          s.write_capacity_asked = options.consumed_capacity;
          s.throttles = Throttles(db, opened);
          s.retries = Retries(db, opened);
          s.unprocessed_resent = counters.writes.unprocessed_resent.load();
          s.expected_items = expected;
          s.extra = fmt::format("files {}", counters.files_done.load());
          return s;
        },
        stderr, ::isatty(STDERR_FILENO) == 1, aws::Clock::Real());
    reporter.Start();
    bool interrupted = false;
    std::optional<aws::Error> failure;
    for (const storage::ExportManifest& e : exports) {
      pipeline::ImportCheckpoint::Export* progress = nullptr;
      {
        std::lock_guard lock(save_mu);
        progress = &checkpoint.For(e.export_id);
      }
      if (progress->done) {
        skipped_items += static_cast<uint64_t>(e.summary.item_count);
        continue;
      }
      aws::Result<bool> stopped = false;
      const uint64_t dead_before = counters.items_dead_lettered.load();
      if (e.summary.incremental()) {
        stopped = pipeline::ApplyIncrementalExport(context, e, options, &counters);
      } else {
        for (const storage::DataFileEntry& f : e.files) {
          if (progress->files.contains(f.data_file_s3_key)) {
            skipped_items += static_cast<uint64_t>(f.item_count);
          }
        }
        const std::set<std::string> skip = progress->files;
        stopped = pipeline::ImportFullExport(
            context, e, options, skip,
            [&](const std::string& key, uint64_t dead) {
              {
                std::lock_guard lock(save_mu);
                progress->files.insert(key);
                checkpoint.dead_lettered += dead;
              }
              return save();
            },
            &counters);
      }
      if (!stopped.ok()) {
        failure = std::move(stopped).error();
        break;
      }
      if (*stopped) {
        interrupted = true;
        break;
      }
      {
        std::lock_guard lock(save_mu);
        progress->done = true;
        // An incremental export is acknowledged as a whole (a full one file by file, above).
        if (e.summary.incremental()) {
          checkpoint.dead_lettered += counters.items_dead_lettered.load() - dead_before;
        }
      }
      if (aws::Status s = save(); !s.ok()) {
        failure = std::move(s).error();
        break;
      }
    }
    reporter.Stop();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (failure) {
      // A table made for an import that failed before it wrote anything (often on the first
      // line, for key flags of the wrong type) stands in the way of the corrected command.
      if (created_target && counters.writes.items_written.load() == 0 &&
          counters.items_dead_lettered.load() == 0) {
        failure->AddAdvice(fmt::format(
            "table {}, created by this run, holds nothing yet: if the command was wrong, "
            "delete the table{} before running the corrected one{}",
            target.table_name, checkpoint_.empty() ? "" : " and the checkpoint",
            checkpoint_.empty() ? "" : ", otherwise fix the cause and rerun with --resume"));
      } else if (!checkpoint_.empty()) {
        failure->AddAdvice(
            "files imported before stay imported: fix the cause and rerun with --resume");
      }
    }
    PrintSummary(global, target.table_name, source, exports.size(), counters, skipped_items.load(),
                 earlier_dead, dead_letters, seconds, interrupted || failure.has_value(),
                 options.consumed_capacity, Throttles(db, opened), Retries(db, opened),
                 failure ? &*failure : nullptr);
    if (failure) return std::move(*failure);
    // Items dead-lettered by the earlier runs of a resumed import count as much as this run's.
    const uint64_t dead = counters.items_dead_lettered.load() + earlier_dead;
    if (dead > 0) {
      std::cerr << fmt::format(
          "ddbmigrate: warning: {} could not be written; {}\n", Counted(dead, "item"),
          DeadLetterWhere(dead_letters, counters.items_dead_lettered.load(), earlier_dead));
    }
    if (interrupted) {
      // The table exists now: --create-target would refuse it.
      std::cerr << (checkpoint_.empty()
                        ? fmt::format("ddbmigrate: import stopped; without --checkpoint it cannot "
                                      "be resumed: {} imports every file again (its writes are "
                                      "idempotent)\n",
                                      create_target_ ? "the same command without --create-target"
                                                     : "the same command")
                        : fmt::format("ddbmigrate: import stopped; {} records the data files "
                                      "imported so far: run the same command with --resume to "
                                      "finish the import\n",
                                      checkpoint_));
      return Outcome::kInterrupted;
    }
    return dead > 0 || !settings_not_applied_.empty() ? Outcome::kIncomplete : Outcome::kSuccess;
  }

  // `error`: the run failed with it (JSON: "Error", the message the run ends with).
  void PrintSummary(const GlobalOptions& global, const std::string& table,
                    const std::string& source, size_t export_count,
                    const pipeline::ImportCounters& c, uint64_t skipped, uint64_t skipped_dead,
                    const pipeline::DeadLetterFile& dead_letters, double seconds, bool stopped,
                    bool write_capacity_asked, uint64_t throttles, uint64_t retries,
                    const aws::Error* error) const {
    const uint64_t written = c.writes.items_written.load();
    const double rate = seconds > 0 ? static_cast<double>(written) / seconds : 0;
    if (global.output == "json") {
      std::string out;
      aws::JsonWriter w(&out);
      w.BeginObject()
          .Member("Source", source)
          .Member("Table", table)
          .MemberInt("Exports", static_cast<int64_t>(export_count))
          .MemberInt("DataFiles", static_cast<int64_t>(c.files_done.load()))
          .MemberInt("ItemsRead", static_cast<int64_t>(c.items_read.load()))
          .MemberInt("ItemsWritten", static_cast<int64_t>(written))
          .MemberInt("Deletes", static_cast<int64_t>(c.deletes.load()))
          .MemberInt("ItemsDeadLettered", static_cast<int64_t>(c.items_dead_lettered.load()))
          .MemberInt("ItemsFromEarlierRuns", static_cast<int64_t>(skipped))
          .MemberInt("ItemsDeadLetteredByEarlierRuns", static_cast<int64_t>(skipped_dead))
          .MemberInt("CompressedBytes", static_cast<int64_t>(c.compressed_bytes.load()))
          .MemberInt("Throttles", static_cast<int64_t>(throttles))
          .MemberInt("Retries", static_cast<int64_t>(retries));
      if (write_capacity_asked) {
        w.Key("WriteCapacityUnits").Double(c.writes.consumed_capacity.load());
      }
      AddDeadLetterMembers(w, dead_letters, c.items_dead_lettered.load(), skipped_dead);
      if (create_target_) {
        AddSettingsNotApplied(w, settings_not_applied_);
      }
      w.Key("Seconds")
          .Double(seconds)
          .Key("ItemsPerSecond")
          .Double(rate)
          .MemberBool("Complete", !stopped);
      if (error != nullptr) w.Member("Error", error->ToString());
      w.EndObject();
      std::cout << out << '\n';
      return;
    }
    std::cout << fmt::format(
        "{} {} into {}: {} read, {} written ({} deletes), {} dead-lettered, {} from "
        "earlier runs{}; {}, {:.1f} s, {} items/s\n",
        stopped ? "stopped importing" : "imported", source, table,
        Counted(c.items_read.load(), "line"), pipeline::GroupThousands(written),
        pipeline::GroupThousands(c.deletes.load()),
        pipeline::GroupThousands(c.items_dead_lettered.load()), pipeline::GroupThousands(skipped),
        skipped_dead > 0
            ? fmt::format(" ({} of them dead-lettered)", pipeline::GroupThousands(skipped_dead))
            : std::string(),
        Counted(c.files_done.load(), "data file"), seconds,
        pipeline::GroupThousands(static_cast<uint64_t>(rate)));
    PrintSettingsNotApplied(settings_not_applied_, "the export's table");
  }

  aws::Result<Outcome> RunNative(const GlobalOptions& global, const Connection& db,
                                 const std::string& table,
                                 const std::vector<storage::ExportManifest>& exports,
                                 const std::optional<dynamodb::TableDefinition>& definition,
                                 const OpenedStore& opened);

  // The summary of a native import, `d` the description last read: JSON with --output json
  // (also after a failure, `error`, or a stop), otherwise a line on stdout after a success or a
  // stop (a failure's error line says enough).
  void PrintNativeSummary(const GlobalOptions& global, const std::string& table,
                          const std::string& source, const std::string& export_id,
                          const dynamodb::ImportDescription& d, double seconds, bool interrupted,
                          const aws::Error* error) const;

  std::string from_;
  std::string table_;
  std::optional<std::string> export_id_;
  bool create_target_ = false;
  // The settings --create-target failed to apply to the table it made (TargetTablePlan's
  // settings_not_applied: named in the summary; or those --native applies after the import: a
  // warning each), and the run ends with exit code 3. Set by the const CreateTarget (which the
  // const checks of a resume reach), hence mutable.
  mutable std::vector<std::string> settings_not_applied_;
  std::string partition_key_;
  std::string sort_key_;
  std::vector<dynamodb::KeySchemaElement> key_flags_;  // --partition-key/--sort-key, parsed by Run
  int writers_ = 16;
  int parallel_files_ = 4;
  std::optional<double> write_rate_;
  std::optional<double> write_percent_;
  ConsumedCapacityFlag capacity_;
  std::string checkpoint_;
  bool resume_ = false;
  std::string dead_letter_;
  bool native_ = false;
  const CLI::App* app_ = nullptr;  // the subcommand, to tell which flags were given
  StoreFlags store_flags_;
};

aws::Result<Outcome> ImportCommand::RunNative(
    const GlobalOptions& global, const Connection& db, const std::string& table,
    const std::vector<storage::ExportManifest>& exports,
    const std::optional<dynamodb::TableDefinition>& definition, const OpenedStore& opened) {
  if (exports.size() != 1 || exports.front().summary.incremental()) {
    return Invalid(
        "--native imports one full export (DynamoDB's ImportTable cannot apply "
        "incremental exports); pick it with --export-id, or import without --native");
  }
  const storage::ExportManifest& e = exports.front();
  dynamodb::ImportTablePlan plan;
  if (definition) {
    aws::Result<dynamodb::ImportTablePlan> planned =
        dynamodb::PlanImportTable(definition->table, table, definition->settings.ttl,
                                  definition->settings.backups, definition->settings.tags);
    if (!planned.ok()) return std::move(planned).error();
    plan = std::move(*planned);
  } else if (!partition_key_.empty()) {
    plan.table_creation_parameters = KeyFlagsTableJson(table);
  } else {
    return Invalid(std::string(kNoDefinition));
  }
  dynamodb::ImportTableRequest request;
  request.s3_bucket = opened.location.bucket;
  request.s3_key_prefix = e.folder + "data/";
  request.table_creation_parameters = plan.table_creation_parameters;
  const auto began = std::chrono::steady_clock::now();
  // From here a stop lets the request in flight finish: an ImportTable given up on could have
  // started an import nobody hears of. A stop while it is sent then ends the wait at once.
  const std::atomic<bool>* stop = InstallInterruptHandler(kNativeWaitStopping);
  aws::Result<dynamodb::ImportDescription> started = dynamodb::ImportTable(db.dynamodb(), request);
  // Refused before DynamoDB started anything: an error alone, no summary.
  if (!started.ok()) {
    if (started.error().code == "UnknownOperationException") {
      return Invalid(
          "this endpoint does not support DynamoDB's native imports (it does not know "
          "ImportTable; DynamoDB Local has none): drop --native, the import by ddbmigrate's own "
          "writes works everywhere");
    }
    return std::move(started).error();
  }
  std::cerr << fmt::format(
      "import {} started by DynamoDB from s3://{}/{}; waiting for it "
      "(Ctrl-C stops waiting, not the import)\n",
      started->import_arn, request.s3_bucket, request.s3_key_prefix);
  dynamodb::ImportDescription last = *started;
  dynamodb::NativeWaitOptions wait;
  wait.stop = stop;
  aws::Result<dynamodb::ImportDescription> done = dynamodb::WaitForImport(
      db.dynamodb(), started->import_arn, wait, [&last](const dynamodb::ImportDescription& d) {
        last = d;
        std::cerr << fmt::format("import {}: {} ({} items processed)\n", d.import_arn,
                                 d.import_status, d.processed_item_count);
      });
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  };
  const std::string source = opened.location.ToString();
  if (!done.ok()) {
    aws::Error error = std::move(done).error();
    if (error.kind == aws::ErrorKind::kCancelled) {
      PrintNativeSummary(global, table, source, e.export_id, last, seconds(),
                         /*interrupted=*/true, nullptr);
      return Outcome::kInterrupted;
    }
    if (last.import_status == "IN_PROGRESS") {
      // DescribeImport failed or the wait timed out: the import itself may well go on.
      error.AddAdvice(
          fmt::format("import {} may still be running in DynamoDB: `aws dynamodb describe-import "
                      "--import-arn {}` tells",
                      last.import_arn, last.import_arn));
    }
    PrintNativeSummary(global, table, source, e.export_id, last, seconds(),
                       /*interrupted=*/false, &error);
    return error;
  }
  last = *done;
  // What ImportTable cannot carry is applied now; a failure there is a warning, not a failed
  // import (the data is in).
  auto apply = [&](const std::string& what, const aws::Status& s) {
    if (!s.ok()) {
      settings_not_applied_.push_back(what);
      std::cerr << fmt::format("ddbmigrate: warning: {} was not applied: {}\n", what,
                               s.error().ToString());
    }
  };
  for (const std::string& update : plan.updates_after_import) {
    aws::Result<dynamodb::TableDescription> updated = db.dynamodb().UpdateTable(update);
    apply("a table setting", updated.ok() ? aws::Status::Ok() : aws::Status(updated.error()));
    if (updated.ok()) {
      (void)db.dynamodb().WaitUntilActive(table, std::chrono::minutes(15));
    }
  }
  if (plan.ttl) {
    apply("time to live", db.dynamodb().UpdateTimeToLive(table, plan.ttl->attribute_name, true));
  }
  if (plan.point_in_time_recovery) {
    apply("point-in-time recovery",
          db.dynamodb().UpdateContinuousBackups(table, true, plan.recovery_period_in_days));
  }
  if (!plan.tags.empty()) {
    apply("tags", db.dynamodb().TagResource(done->table_arn, plan.tags));
  }
  PrintSettingsNotCopied(plan.notes);
  PrintNativeSummary(global, table, source, e.export_id, last, seconds(), /*interrupted=*/false,
                     nullptr);
  return done->error_count > 0 || !settings_not_applied_.empty() ? Outcome::kIncomplete
                                                                 : Outcome::kSuccess;
}

void ImportCommand::PrintNativeSummary(const GlobalOptions& global, const std::string& table,
                                       const std::string& source, const std::string& export_id,
                                       const dynamodb::ImportDescription& d, double seconds,
                                       bool interrupted, const aws::Error* error) const {
  const bool complete = error == nullptr && !interrupted;
  if (global.output == "json") {
    std::string out;
    aws::JsonWriter w(&out);
    w.BeginObject()
        .Member("Source", source)
        .Member("Table", table)
        .Member("ExportId", export_id)
        .Member("ImportArn", d.import_arn)
        .Member("ImportStatus", d.import_status)
        .MemberInt("ItemsRead", d.processed_item_count)
        .MemberInt("ItemsWritten", d.imported_item_count)
        .MemberInt("ErrorCount", d.error_count)
        .MemberInt("ProcessedSizeBytes", d.processed_size_bytes);
    if (!d.cloud_watch_log_group_arn.empty()) {
      w.Member("CloudWatchLogGroupArn", d.cloud_watch_log_group_arn);
    }
    AddSettingsNotApplied(w, settings_not_applied_);
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
    std::cout << fmt::format("imported {} of export {} into {} ({}{}), {:.1f} s\n",
                             Counted(static_cast<uint64_t>(d.imported_item_count), "item"),
                             export_id, table,
                             Counted(static_cast<uint64_t>(d.error_count), "error"),
                             d.error_count > 0 && !d.cloud_watch_log_group_arn.empty()
                                 ? fmt::format(", logged to {}", d.cloud_watch_log_group_arn)
                                 : std::string(),
                             seconds);
  } else if (interrupted) {
    std::cout << fmt::format(
        "stopped waiting for import {} into {} ({}, {} processed); DynamoDB goes on with it: "
        "`aws dynamodb describe-import --import-arn {}` tells how it ends\n",
        d.import_arn, table, d.import_status,
        Counted(static_cast<uint64_t>(d.processed_item_count), "item"), d.import_arn);
  }
}

}  // namespace

std::unique_ptr<Command> MakeImportCommand() { return std::make_unique<ImportCommand>(); }

}  // namespace ddbm::commands
