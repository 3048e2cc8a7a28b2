// DynamoDB's own export to S3 and import from S3 (`export --native`, `import --native`): the
// ExportTableToPointInTime, DescribeExport, ImportTable and DescribeImport operations, waits for
// the jobs they start, and the TableCreationParameters of an ImportTable derived from a source
// table's description.
//
// Both jobs run inside AWS for minutes to hours; these functions only start and watch them. All
// are thread-safe. Member names follow the DynamoDB API reference.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "dynamodb/client.h"
#include "dynamodb/table_schema.h"
#include "dynamodb/types.h"

namespace ddbm::dynamodb {

// An ExportTableToPointInTime request. Empty optional members are left out of the request.
struct ExportTableToPointInTimeRequest {
  std::string table_arn;        // required: the API takes an ARN, not a table name
  std::string s3_bucket;        // required
  std::string s3_bucket_owner;  // account id of the bucket's owner, when not the caller's
  std::string s3_prefix;
  std::string s3_sse_algorithm;  // "AES256" or "KMS"; empty: the bucket's default encryption
  std::string s3_sse_kms_key_id;
  std::string export_format = "DYNAMODB_JSON";  // or "ION"
  std::string export_type = "FULL_EXPORT";      // only full exports can be imported again
  // Makes the request idempotent for 8 hours: the same token with the same parameters returns
  // the export already started instead of starting another. Empty: a random UUID is sent.
  std::string client_token;
};

// DescribeExport's and ExportTableToPointInTime's "ExportDescription".
struct ExportDescription {
  std::string export_arn;
  std::string export_status;  // IN_PROGRESS, COMPLETED or FAILED
  std::string failure_code;   // FAILED only
  std::string failure_message;
  std::string table_arn;
  int64_t item_count = 0;  // known once COMPLETED
  int64_t billed_size_bytes = 0;
  std::string s3_bucket;
  std::string s3_prefix;        // empty when the export has none
  std::string export_manifest;  // key of manifest-summary.json, once COMPLETED
  std::string export_format;
  std::string export_type;
  double start_time = 0;  // seconds since the epoch; 0 when absent
  double end_time = 0;
  std::string raw_json;  // the whole object as DynamoDB returned it
};

// An ImportTable request. ImportTable always creates a new table; it reads every object under
// the prefix, all in one format and one compression.
struct ImportTableRequest {
  std::string s3_bucket;  // S3BucketSource: required
  std::string s3_bucket_owner;
  std::string s3_key_prefix;
  std::string input_format = "DYNAMODB_JSON";
  std::string input_compression_type = "GZIP";  // GZIP, ZSTD or NONE; always sent
  // Required: one JSON object, spliced in byte for byte (see PlanImportTable).
  std::string table_creation_parameters;
  std::string client_token;  // as for ExportTableToPointInTimeRequest
};

// ImportTable's and DescribeImport's "ImportTableDescription".
struct ImportDescription {
  std::string import_arn;
  std::string import_status;  // IN_PROGRESS, COMPLETED, FAILED, CANCELLING or CANCELLED
  std::string table_arn;
  int64_t processed_item_count = 0;
  int64_t imported_item_count = 0;
  // Lines that could not be imported; an import can be COMPLETED with errors (they are logged
  // to cloud_watch_log_group_arn).
  int64_t error_count = 0;
  int64_t processed_size_bytes = 0;
  std::string failure_code;
  std::string failure_message;
  std::string cloud_watch_log_group_arn;
  double start_time = 0;  // seconds since the epoch; 0 when absent
  double end_time = 0;
  std::string raw_json;
};

// Starts an export. Resends by the retry policy carry the same ClientToken, so they never start
// a second export. kInvalidInput when table_arn or s3_bucket is empty; otherwise the service's
// errors as they come (PointInTimeRecoveryUnavailableException when the table has no
// point-in-time recovery, ExportConflictException, TableNotFoundException...).
aws::Result<ExportDescription> ExportTableToPointInTime(
    const DynamoDbClient& client, const ExportTableToPointInTimeRequest& request);
aws::Result<ExportDescription> DescribeExport(const DynamoDbClient& client,
                                              std::string_view export_arn);

// Starts an import, with the same idempotence as ExportTableToPointInTime. kInvalidInput when
// s3_bucket is empty or table_creation_parameters is not a JSON object; otherwise the service's
// errors (ResourceInUseException when the table exists, ImportConflictException...).
aws::Result<ImportDescription> ImportTable(const DynamoDbClient& client,
                                           const ImportTableRequest& request);
aws::Result<ImportDescription> DescribeImport(const DynamoDbClient& client,
                                              std::string_view import_arn);

struct NativeWaitOptions {
  std::chrono::seconds timeout = std::chrono::hours(24);
  // The wait after the first poll; it doubles after each poll up to max_poll_interval.
  std::chrono::seconds poll_interval = std::chrono::seconds(5);
  std::chrono::seconds max_poll_interval = std::chrono::seconds(30);
  // May be null; once it reads true the wait ends within a second with kCancelled. The job
  // itself keeps running in AWS.
  const std::atomic<bool>* stop = nullptr;
};

// Polls DescribeExport, sleeping on the client's clock, until the export is no longer
// IN_PROGRESS; `on_poll` (may be null) sees every description read, the last one included.
// Returns the COMPLETED description. A FAILED export is a kService error whose code is its
// FailureCode (empty when it has none) and whose message names the export and carries its
// FailureMessage; so is an unknown status. Still IN_PROGRESS after `timeout`: kService, saying
// so. Stopped: kCancelled. A DescribeExport failure is returned as is.
aws::Result<ExportDescription> WaitForExport(
    const DynamoDbClient& client, std::string_view export_arn, const NativeWaitOptions& options,
    const std::function<void(const ExportDescription&)>& on_poll = nullptr);

// As WaitForExport, for an import. FAILED, CANCELLING and CANCELLED are errors (CANCELLING
// cannot end in COMPLETED, so it is not waited out). A COMPLETED import is returned even when
// its error_count is not 0: judging that is the caller's business.
aws::Result<ImportDescription> WaitForImport(
    const DynamoDbClient& client, std::string_view import_arn, const NativeWaitOptions& options,
    const std::function<void(const ImportDescription&)>& on_poll = nullptr);

// What an ImportTable needs to recreate a source table, and what it must leave to later calls.
struct ImportTablePlan {
  std::string table_name;
  // The TableCreationParameters object: TableName, AttributeDefinitions (only the attributes
  // of the table's and its global secondary indexes' keys), KeySchema, BillingMode,
  // ProvisionedThroughput or OnDemandThroughput, SSESpecification, GlobalSecondaryIndexes.
  std::string table_creation_parameters;
  // UpdateTable request bodies for settings ImportTable cannot carry but an existing table
  // accepts, one setting each, in this order when present: StreamSpecification, TableClass,
  // DeletionProtectionEnabled. Send them once the import has COMPLETED.
  std::vector<std::string> updates_after_import;
  // Global secondary indexes left out of the import (create_indexes_after): UpdateTable bodies
  // as TargetTablePlan's, to send after the import.
  std::vector<std::string> deferred_index_updates;
  // Also applied after the import: UpdateTimeToLive, UpdateContinuousBackups, TagResource.
  std::optional<TimeToLiveDescription> ttl;
  bool point_in_time_recovery = false;
  int64_t recovery_period_in_days = 0;  // 0: DynamoDB's default (35 days)
  std::vector<Tag> tags;
  // The CreateTable plan's notes, restated for an import: each setting copied by the import,
  // copied after it (saying with which call), or not copied (local secondary indexes:
  // only CreateTable makes them, so they cannot be added at all).
  std::vector<SettingNote> notes;
};

// Derives the import plan from a CreateTable plan (PlanTargetTable or PlanTargetTableFrom), by
// narrowing its create_table_json to the members TableCreationParameters has. Pure.
// kInternal when create_table_json is not the object the planner writes.
aws::Result<ImportTablePlan> PlanImportTable(const TargetTablePlan& create_plan);

// Plans the CreateTable for `source` with PlanTargetTable (global secondary indexes created by
// the import itself), then derives the import plan from it. Pure; errors as PlanTargetTable's.
aws::Result<ImportTablePlan> PlanImportTable(
    const TableDescription& source, std::string_view target_table_name,
    const std::optional<TimeToLiveDescription>& ttl,
    const std::optional<ContinuousBackupsDescription>& backups, const std::vector<Tag>& tags);

// The request bodies, for --dry-run and tests. An empty client_token is left out.
std::string ExportTableToPointInTimeRequestJson(const ExportTableToPointInTimeRequest& request);
std::string ImportTableRequestJson(const ImportTableRequest& request);

// Parse an "ExportDescription" / "ImportTableDescription" object; kCorruption (naming
// `operation`) when it is not an object or lacks its ARN or status.
aws::Result<ExportDescription> ParseExportDescription(std::string_view operation,
                                                      std::string_view json);
aws::Result<ImportDescription> ParseImportDescription(std::string_view operation,
                                                      std::string_view json);

// The export id an ExportArn ends with ("arn:aws:dynamodb:...:table/T/export/01234-abcd" ->
// "01234-abcd"), which names the export's folder "<prefix>/AWSDynamoDB/<id>/"; empty when the
// ARN has no "/export/" or nothing after it.
std::string ExportIdOfArn(std::string_view export_arn);

}  // namespace ddbm::dynamodb
