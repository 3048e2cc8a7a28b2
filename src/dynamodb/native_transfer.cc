#include "dynamodb/native_transfer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <random>

#include "aws/clock.h"
#include "aws/iso8601.h"
#include "aws/json_writer.h"
#include "dynamodb/json_rpc.h"

namespace ddbm::dynamodb {
namespace {

using aws::Error;
using aws::ErrorKind;
using aws::JsonWriter;
using aws::Result;
namespace dom = simdjson::dom;

constexpr std::string_view kExportOp = "ExportTableToPointInTime";
constexpr std::string_view kDescribeExportOp = "DescribeExport";
constexpr std::string_view kImportOp = "ImportTable";
constexpr std::string_view kDescribeImportOp = "DescribeImport";

// Members of the planner's CreateTable body that TableCreationParameters has too.
constexpr std::array<std::string_view, 8> kCreationMembers = {
    "TableName",        "AttributeDefinitions",  "KeySchema",
    "BillingMode",      "ProvisionedThroughput", "OnDemandThroughput",
    "SSESpecification", "GlobalSecondaryIndexes"};
// Members it may have that ImportTable cannot take; each has a note of its own.
constexpr std::array<std::string_view, 5> kAfterwardsMembers = {
    "LocalSecondaryIndexes", "StreamSpecification", "TableClass", "DeletionProtectionEnabled",
    "Tags"};

// The planner's setting names (see table_schema.cc) whose notes an import restates.
constexpr std::string_view kStreamSetting = "stream";
constexpr std::string_view kTableClassSetting = "table class";
constexpr std::string_view kDeletionProtectionSetting = "deletion protection";
constexpr std::string_view kTagsSetting = "tags";
constexpr std::string_view kTtlSetting = "time to live";
constexpr std::string_view kPitrSetting = "point-in-time recovery";
constexpr std::string_view kEncryptionSetting = "encryption";
constexpr std::string_view kLocalIndexPrefix = "local secondary index ";

constexpr std::string_view kAfterImport = "once the import has completed";

template <size_t N>
bool Contains(const std::array<std::string_view, N>& set, std::string_view value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

// A JSON null reads as absent: DynamoDB omits members, but look-alikes send null.
std::string StringOf(dom::element e, std::string_view key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

int64_t IntOf(dom::element e, std::string_view key) {
  int64_t v = 0;
  return e[key].get(v) == simdjson::SUCCESS ? v : 0;
}

// Timestamps travel as seconds since the epoch, with or without a fraction.
double TimeOf(dom::element e, std::string_view key) {
  double v = 0;
  return e[key].get(v) == simdjson::SUCCESS ? v : 0;
}

// A version 4 UUID, the form the AWS SDKs fill idempotency tokens with.
std::string NewClientToken() {
  thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t high = random();
  uint64_t low = random();
  high = (high & ~uint64_t{0xF000}) | 0x4000;                    // version 4
  low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF,
                     high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFF);
}

JsonRpc RpcOf(const DynamoDbClient& client) {
  return JsonRpc(&client.service_client(), kDynamoDbTargetPrefix);
}

Error InvalidRequest(std::string_view operation, std::string message) {
  Error error = Error::Make(ErrorKind::kInvalidInput, std::move(message));
  error.service = "dynamodb";
  error.operation = std::string(operation);
  return error;
}

// The object under `member` of an answer, compact, for the Parse*Description functions.
Result<std::string> DescriptionOf(std::string_view operation, std::string_view member,
                                  Result<aws::HttpResponse> response) {
  if (!response.ok()) return std::move(response).error();
  dom::parser parser;
  dom::element root;
  if (parser.parse(response->body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return MalformedResponse(operation, "not a JSON object");
  }
  dom::element description;
  if (root[member].get(description) != simdjson::SUCCESS || !description.is_object()) {
    return MalformedResponse(operation, "missing " + std::string(member));
  }
  return simdjson::minify(description);
}

Result<ExportDescription> CallForExport(const DynamoDbClient& client, std::string_view operation,
                                        std::string body) {
  Result<std::string> json =
      DescriptionOf(operation, "ExportDescription", RpcOf(client).Call(operation, std::move(body)));
  if (!json.ok()) return std::move(json).error();
  return ParseExportDescription(operation, *json);
}

Result<ImportDescription> CallForImport(const DynamoDbClient& client, std::string_view operation,
                                        std::string body) {
  Result<std::string> json = DescriptionOf(operation, "ImportTableDescription",
                                           RpcOf(client).Call(operation, std::move(body)));
  if (!json.ok()) return std::move(json).error();
  return ParseImportDescription(operation, *json);
}

Error WaitError(ErrorKind kind, std::string_view operation, std::string message) {
  Error error = Error::Make(kind, std::move(message));
  error.service = "dynamodb";
  error.operation = std::string(operation);
  return error;
}

// The job's own failure, reported against the operation that started it.
Error JobFailed(std::string_view operation, std::string_view job, std::string_view arn,
                std::string_view status, const std::string& code, const std::string& message) {
  Error error = WaitError(ErrorKind::kService, operation,
                          fmt::format("{} {} has status {}: {}", job, arn, status,
                                      message.empty() ? "DynamoDB gave no reason" : message));
  error.code = code;
  return error;
}

// Sleeps `duration` on `clock`, in steps of at most a second while `stop` may interrupt it.
// Returns false when stopped.
bool SleepUnlessStopped(aws::Clock* clock, std::chrono::nanoseconds duration,
                        const std::atomic<bool>* stop) {
  if (stop == nullptr) {
    clock->SleepFor(duration);
    return true;
  }
  constexpr std::chrono::nanoseconds kStep = std::chrono::seconds(1);
  while (duration > std::chrono::nanoseconds::zero()) {
    if (stop->load()) return false;
    const std::chrono::nanoseconds step = std::min(duration, kStep);
    clock->SleepFor(step);
    duration -= step;
  }
  return !stop->load();
}

// Describes a job until `status_of` is no longer IN_PROGRESS and returns that description;
// `job` ("export", "import") and `progress` (a clause about the last description) word the
// timeout and cancellation errors.
template <class Description, class Describe, class StatusOf, class Progress>
Result<Description> PollWhileInProgress(aws::Clock* clock, const NativeWaitOptions& options,
                                        std::string_view describe_operation, std::string_view job,
                                        std::string_view arn, Describe describe, StatusOf status_of,
                                        Progress progress,
                                        const std::function<void(const Description&)>& on_poll) {
  const auto stopped = [&] {
    return WaitError(ErrorKind::kCancelled, describe_operation,
                     fmt::format("stopped waiting for {} {}; it goes on in AWS", job, arn));
  };
  const auto deadline = clock->SteadyNow() + options.timeout;
  std::chrono::nanoseconds interval = options.poll_interval;
  for (;;) {
    if (options.stop != nullptr && options.stop->load()) return stopped();
    Result<Description> description = describe();
    if (!description.ok()) return description;
    if (on_poll) on_poll(*description);
    if (status_of(*description) != "IN_PROGRESS") return description;
    const auto now = clock->SteadyNow();
    if (now >= deadline) {
      return WaitError(ErrorKind::kService, describe_operation,
                       fmt::format("{} {} is still IN_PROGRESS after {} s ({})", job, arn,
                                   options.timeout.count(), progress(*description)));
    }
    const std::chrono::nanoseconds left = deadline - now;
    if (!SleepUnlessStopped(clock, std::min(interval, left), options.stop)) return stopped();
    interval = std::min<std::chrono::nanoseconds>(interval * 2, options.max_poll_interval);
  }
}

// The names of every attribute in a KeySchema array.
void KeyAttributes(dom::element parent, std::vector<std::string_view>* names) {
  dom::array keys;
  if (parent["KeySchema"].get(keys) != simdjson::SUCCESS) return;
  for (dom::element k : keys) {
    std::string_view name;
    if (k["AttributeName"].get(name) == simdjson::SUCCESS) names->push_back(name);
  }
}

void Restate(std::vector<SettingNote>* notes, std::string_view setting, bool copied,
             std::string detail) {
  for (SettingNote& note : *notes) {
    if (note.setting == setting) {
      note.copied = copied;
      note.detail = std::move(detail);
      return;
    }
  }
  notes->push_back({std::string(setting), copied, std::move(detail)});
}

std::string UpdateTableBody(std::string_view table_name, std::string_view member,
                            std::string_view raw_value) {
  std::string body;
  JsonWriter(&body)
      .BeginObject()
      .Member("TableName", table_name)
      .MemberRaw(member, raw_value)
      .EndObject();
  return body;
}

}  // namespace

std::string ExportTableToPointInTimeRequestJson(const ExportTableToPointInTimeRequest& r) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Member("TableArn", r.table_arn).Member("S3Bucket", r.s3_bucket);
  if (!r.s3_bucket_owner.empty()) w.Member("S3BucketOwner", r.s3_bucket_owner);
  if (!r.s3_prefix.empty()) w.Member("S3Prefix", r.s3_prefix);
  if (!r.s3_sse_algorithm.empty()) w.Member("S3SseAlgorithm", r.s3_sse_algorithm);
  if (!r.s3_sse_kms_key_id.empty()) w.Member("S3SseKmsKeyId", r.s3_sse_kms_key_id);
  w.Member("ExportFormat", r.export_format).Member("ExportType", r.export_type);
  if (!r.client_token.empty()) w.Member("ClientToken", r.client_token);
  w.EndObject();
  return body;
}

std::string ImportTableRequestJson(const ImportTableRequest& r) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("S3BucketSource").BeginObject().Member("S3Bucket", r.s3_bucket);
  if (!r.s3_bucket_owner.empty()) w.Member("S3BucketOwner", r.s3_bucket_owner);
  if (!r.s3_key_prefix.empty()) w.Member("S3KeyPrefix", r.s3_key_prefix);
  w.EndObject();
  w.Member("InputFormat", r.input_format)
      .Member("InputCompressionType", r.input_compression_type)
      .MemberRaw("TableCreationParameters", r.table_creation_parameters);
  if (!r.client_token.empty()) w.Member("ClientToken", r.client_token);
  w.EndObject();
  return body;
}

Result<ExportDescription> ParseExportDescription(std::string_view operation,
                                                 std::string_view json) {
  dom::parser parser;
  dom::element e;
  if (parser.parse(simdjson::padded_string(json)).get(e) != simdjson::SUCCESS || !e.is_object()) {
    return MalformedResponse(operation, "ExportDescription is not an object");
  }
  ExportDescription d;
  d.raw_json = std::string(json);
  d.export_arn = StringOf(e, "ExportArn");
  d.export_status = StringOf(e, "ExportStatus");
  if (d.export_arn.empty() || d.export_status.empty()) {
    return MalformedResponse(operation, "ExportDescription lacks ExportArn or ExportStatus");
  }
  d.failure_code = StringOf(e, "FailureCode");
  d.failure_message = StringOf(e, "FailureMessage");
  d.table_arn = StringOf(e, "TableArn");
  d.item_count = IntOf(e, "ItemCount");
  d.billed_size_bytes = IntOf(e, "BilledSizeBytes");
  d.s3_bucket = StringOf(e, "S3Bucket");
  d.s3_prefix = StringOf(e, "S3Prefix");
  d.export_manifest = StringOf(e, "ExportManifest");
  d.export_format = StringOf(e, "ExportFormat");
  d.export_type = StringOf(e, "ExportType");
  d.start_time = TimeOf(e, "StartTime");
  d.end_time = TimeOf(e, "EndTime");
  return d;
}

Result<ImportDescription> ParseImportDescription(std::string_view operation,
                                                 std::string_view json) {
  dom::parser parser;
  dom::element e;
  if (parser.parse(simdjson::padded_string(json)).get(e) != simdjson::SUCCESS || !e.is_object()) {
    return MalformedResponse(operation, "ImportTableDescription is not an object");
  }
  ImportDescription d;
  d.raw_json = std::string(json);
  d.import_arn = StringOf(e, "ImportArn");
  d.import_status = StringOf(e, "ImportStatus");
  if (d.import_arn.empty() || d.import_status.empty()) {
    return MalformedResponse(operation, "ImportTableDescription lacks ImportArn or ImportStatus");
  }
  d.table_arn = StringOf(e, "TableArn");
  d.processed_item_count = IntOf(e, "ProcessedItemCount");
  d.imported_item_count = IntOf(e, "ImportedItemCount");
  d.error_count = IntOf(e, "ErrorCount");
  d.processed_size_bytes = IntOf(e, "ProcessedSizeBytes");
  d.failure_code = StringOf(e, "FailureCode");
  d.failure_message = StringOf(e, "FailureMessage");
  d.cloud_watch_log_group_arn = StringOf(e, "CloudWatchLogGroupArn");
  d.start_time = TimeOf(e, "StartTime");
  d.end_time = TimeOf(e, "EndTime");
  return d;
}

Result<ExportDescription> ExportTableToPointInTime(const DynamoDbClient& client,
                                                   const ExportTableToPointInTimeRequest& request) {
  if (request.table_arn.empty() || request.s3_bucket.empty()) {
    return InvalidRequest(kExportOp, "an export needs a table ARN and an S3 bucket");
  }
  // The token is fixed before the body is built, so every resend of this body carries it.
  ExportTableToPointInTimeRequest sent = request;
  if (sent.client_token.empty()) sent.client_token = NewClientToken();
  return CallForExport(client, kExportOp, ExportTableToPointInTimeRequestJson(sent));
}

Result<ExportDescription> DescribeExport(const DynamoDbClient& client,
                                         std::string_view export_arn) {
  std::string body;
  JsonWriter(&body).BeginObject().Member("ExportArn", export_arn).EndObject();
  return CallForExport(client, kDescribeExportOp, std::move(body));
}

Result<ImportDescription> ImportTable(const DynamoDbClient& client,
                                      const ImportTableRequest& request) {
  if (request.s3_bucket.empty()) {
    return InvalidRequest(kImportOp, "an import needs an S3 bucket");
  }
  dom::parser parser;
  dom::element parameters;
  if (parser.parse(simdjson::padded_string(request.table_creation_parameters)).get(parameters) !=
          simdjson::SUCCESS ||
      !parameters.is_object()) {
    return InvalidRequest(kImportOp, "TableCreationParameters is not a JSON object");
  }
  ImportTableRequest sent = request;
  if (sent.client_token.empty()) sent.client_token = NewClientToken();
  return CallForImport(client, kImportOp, ImportTableRequestJson(sent));
}

Result<ImportDescription> DescribeImport(const DynamoDbClient& client,
                                         std::string_view import_arn) {
  std::string body;
  JsonWriter(&body).BeginObject().Member("ImportArn", import_arn).EndObject();
  return CallForImport(client, kDescribeImportOp, std::move(body));
}

Result<ExportDescription> WaitForExport(
    const DynamoDbClient& client, std::string_view export_arn, const NativeWaitOptions& options,
    const std::function<void(const ExportDescription&)>& on_poll) {
  Result<ExportDescription> last = PollWhileInProgress<ExportDescription>(
      client.service_client().config().clock, options, kDescribeExportOp, "export", export_arn,
      [&] { return DescribeExport(client, export_arn); },
      [](const ExportDescription& d) { return d.export_status; },
      [](const ExportDescription& d) {
        return d.start_time > 0
                   ? "started " + aws::FormatEpochSeconds(static_cast<int64_t>(d.start_time))
                   : std::string("no start time reported");
      },
      on_poll);
  if (!last.ok() || last->export_status == "COMPLETED") return last;
  return JobFailed(kExportOp, "export", last->export_arn, last->export_status, last->failure_code,
                   last->failure_message);
}

Result<ImportDescription> WaitForImport(
    const DynamoDbClient& client, std::string_view import_arn, const NativeWaitOptions& options,
    const std::function<void(const ImportDescription&)>& on_poll) {
  Result<ImportDescription> last = PollWhileInProgress<ImportDescription>(
      client.service_client().config().clock, options, kDescribeImportOp, "import", import_arn,
      [&] { return DescribeImport(client, import_arn); },
      [](const ImportDescription& d) { return d.import_status; },
      [](const ImportDescription& d) {
        return fmt::format("{} items processed, {} imported, {} errors", d.processed_item_count,
                           d.imported_item_count, d.error_count);
      },
      on_poll);
  if (!last.ok() || last->import_status == "COMPLETED") return last;
  return JobFailed(kImportOp, "import", last->import_arn, last->import_status, last->failure_code,
                   last->failure_message);
}

Result<ImportTablePlan> PlanImportTable(const TargetTablePlan& create_plan) {
  dom::parser parser;
  dom::element create;
  dom::object members;
  if (parser.parse(simdjson::padded_string(create_plan.create_table_json)).get(create) !=
          simdjson::SUCCESS ||
      create.get(members) != simdjson::SUCCESS) {
    return Error::Make(ErrorKind::kInternal, "the CreateTable plan is not a JSON object");
  }
  ImportTablePlan plan;
  plan.table_name = create_plan.table_name;
  plan.deferred_index_updates = create_plan.deferred_index_updates;
  plan.ttl = create_plan.ttl;
  plan.point_in_time_recovery = create_plan.point_in_time_recovery;
  plan.recovery_period_in_days = create_plan.recovery_period_in_days;
  plan.tags = create_plan.tags;
  plan.notes = create_plan.notes;

  // Dropping the local secondary indexes can leave attribute definitions no key uses, which
  // DynamoDB refuses: keep only those of the table's and the global indexes' keys.
  std::vector<std::string_view> key_attributes;
  KeyAttributes(create, &key_attributes);
  dom::array gsis;
  if (create["GlobalSecondaryIndexes"].get(gsis) == simdjson::SUCCESS) {
    for (dom::element index : gsis) KeyAttributes(index, &key_attributes);
  }

  std::vector<SettingNote> unplaced;
  JsonWriter w(&plan.table_creation_parameters);
  w.BeginObject();
  for (dom::key_value_pair member : members) {
    if (member.key == "AttributeDefinitions") {
      dom::array definitions;
      if (member.value.get(definitions) != simdjson::SUCCESS) continue;
      w.Key(member.key).BeginArray();
      for (dom::element d : definitions) {
        std::string_view name;
        if (d["AttributeName"].get(name) != simdjson::SUCCESS) continue;
        if (std::find(key_attributes.begin(), key_attributes.end(), name) != key_attributes.end()) {
          w.Raw(simdjson::minify(d));
        }
      }
      w.EndArray();
    } else if (Contains(kCreationMembers, member.key)) {
      w.MemberRaw(member.key, simdjson::minify(member.value));
    } else if (member.key == "StreamSpecification") {
      plan.updates_after_import.push_back(
          UpdateTableBody(plan.table_name, member.key, simdjson::minify(member.value)));
      Restate(&plan.notes, kStreamSetting, true,
              fmt::format("{}; enabled with UpdateTable {}: the stream holds none of the "
                          "imported items, and the source's consumers and triggers are not "
                          "attached to it",
                          StringOf(member.value, "StreamViewType"), kAfterImport));
    } else if (member.key == "TableClass") {
      std::string_view table_class;
      if (member.value.get(table_class) != simdjson::SUCCESS || table_class == "STANDARD") {
        continue;
      }
      plan.updates_after_import.push_back(
          UpdateTableBody(plan.table_name, member.key, simdjson::minify(member.value)));
      Restate(&plan.notes, kTableClassSetting, true,
              fmt::format("{}; the import creates a STANDARD table, switched with UpdateTable {}",
                          table_class, kAfterImport));
    } else if (member.key == "DeletionProtectionEnabled") {
      bool enabled = false;
      if (member.value.get(enabled) != simdjson::SUCCESS || !enabled) continue;
      plan.updates_after_import.push_back(UpdateTableBody(plan.table_name, member.key, "true"));
      Restate(&plan.notes, kDeletionProtectionSetting, true,
              fmt::format("enabled with UpdateTable {}: the target cannot be deleted until it is "
                          "turned off",
                          kAfterImport));
    } else if (!Contains(kAfterwardsMembers, member.key)) {
      unplaced.push_back({std::string(member.key), false,
                          "not copied: ImportTable's TableCreationParameters has no such member"});
    }
  }
  w.EndObject();

  for (SettingNote& note : plan.notes) {
    if (note.setting == kEncryptionSetting) {
      // A KMS key the target cannot use fails the request that creates the table.
      const size_t at = note.detail.find("CreateTable");
      if (at != std::string::npos) note.detail.replace(at, 11, "ImportTable");
    }
    if (note.setting.starts_with(kLocalIndexPrefix)) {
      note.copied = false;
      note.detail =
          "not copied: ImportTable cannot create local secondary indexes, and only CreateTable "
          "can give a table one; to keep it, create the table with CreateTable and copy the "
          "items instead";
    }
  }
  if (!plan.tags.empty()) {
    std::vector<std::string> keys;
    for (const Tag& tag : plan.tags) keys.push_back(tag.key);
    Restate(&plan.notes, kTagsSetting, true,
            fmt::format("{} ({}); added with TagResource {}", keys.size(), fmt::join(keys, ", "),
                        kAfterImport));
  }
  if (plan.ttl) {
    Restate(&plan.notes, kTtlSetting, true,
            fmt::format("enabled on attribute {} with UpdateTimeToLive {}; imported items "
                        "whose expiry time has passed may then be deleted",
                        plan.ttl->attribute_name, kAfterImport));
  }
  if (plan.point_in_time_recovery) {
    Restate(&plan.notes, kPitrSetting, true,
            plan.recovery_period_in_days > 0
                ? fmt::format("enabled with UpdateContinuousBackups {}, with the source's "
                              "recovery period ({} days)",
                              kAfterImport, plan.recovery_period_in_days)
                : fmt::format("enabled with UpdateContinuousBackups {}; the source's "
                              "description gives no recovery period, so the table gets "
                              "DynamoDB's default (35 days)",
                              kAfterImport));
  }
  plan.notes.insert(plan.notes.end(), unplaced.begin(), unplaced.end());
  return plan;
}

Result<ImportTablePlan> PlanImportTable(const TableDescription& source,
                                        std::string_view target_table_name,
                                        const std::optional<TimeToLiveDescription>& ttl,
                                        const std::optional<ContinuousBackupsDescription>& backups,
                                        const std::vector<Tag>& tags) {
  TargetTableOptions options;
  options.target_table_name = std::string(target_table_name);
  Result<TargetTablePlan> create_plan = PlanTargetTable(source, options, ttl, backups, tags);
  if (!create_plan.ok()) return std::move(create_plan).error();
  return PlanImportTable(*create_plan);
}

std::string ExportIdOfArn(std::string_view export_arn) {
  constexpr std::string_view kExport = "/export/";
  const size_t at = export_arn.rfind(kExport);
  if (at == std::string_view::npos) return {};
  const std::string_view id = export_arn.substr(at + kExport.size());
  if (id.find('/') != std::string_view::npos) return {};
  return std::string(id);
}

}  // namespace ddbm::dynamodb
