// Creating a target table from a source table's description (`copy --create-target`).
//
// Planning is pure: PlanTargetTable turns a DescribeTable answer (plus TTL, continuous backups
// and tags, which DescribeTable does not carry) into the CreateTable request, the settings to
// apply once the table exists, and one note per setting saying whether it is copied. Only
// settings a CreateTable/UpdateTable request accepts are sent; read-only description fields
// (status, sizes, counts, ARNs, ids, timestamps, stream labels) never are.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/error.h"
#include "dynamodb/client.h"
#include "dynamodb/types.h"

namespace ddbm::dynamodb {

struct TargetTableOptions {
  std::string target_table_name;
  // Leaves global secondary indexes out of CreateTable; CreateDeferredIndexes adds them with
  // UpdateTable once the data is loaded (faster loads, one backfill per index).
  bool create_indexes_after = false;
  // The target's region, when known: a KMS key of another region cannot encrypt it, and is then
  // left out (the target gets its account's AWS managed key, and a note says so).
  std::string target_region;
};

// One line of the user's report: a setting, whether the target gets it, and the details (the
// value, or why it is not copied).
struct SettingNote {
  std::string setting;
  bool copied = false;
  std::string detail;
  // Not copied because applying it to the new table failed (not by design): "not applied".
  bool failed = false;
};

// One line for the user: "stream: copied (NEW_AND_OLD_IMAGES)", "tags: not copied: could not be
// read ...", "time to live: not applied: enabling it ... failed (...)".
std::string SettingNoteText(const SettingNote& note);

struct TargetTablePlan {
  std::string table_name;         // the target's
  std::string create_table_json;  // the CreateTable request body
  // UpdateTable request bodies, one global secondary index each (create_indexes_after only),
  // each with exactly the attribute definitions of that index's keys.
  std::vector<std::string> deferred_index_updates;
  // Set when TTL is enabled on the source (status ENABLED); applied after creation.
  std::optional<TimeToLiveDescription> ttl;
  bool point_in_time_recovery = false;  // enabled after creation
  // The source's recovery period, set on the target with it; 0: DynamoDB's default (35 days).
  int64_t recovery_period_in_days = 0;
  std::vector<Tag> tags;           // already in create_table_json's "Tags"
  std::vector<SettingNote> notes;  // in a stable order; CreateTargetTable may amend them
  // The settings (as named in `notes`) that CreateTargetTable or FinishTargetTable tried to
  // apply after the CreateTable and failed to: the target lacks them. Settings left out by
  // design (noted as not copied with a reason) are not here.
  std::vector<std::string> settings_not_applied;
  // How long to wait for the new table, and for each deferred index's backfill.
  std::chrono::seconds table_timeout = std::chrono::minutes(15);
  std::chrono::seconds index_timeout = std::chrono::hours(24);
};

// Builds the plan from `source` (its raw_json must be DescribeTable's "Table" object). `ttl` and
// `backups` are nullopt when they could not be read: those settings are then noted as not
// copied. Tags whose key starts with "aws:" are reserved for AWS and are left out (noted).
// Errors: kInvalidInput for an empty target name; kCorruption when the description lacks
// what a table must have (key schema, a key attribute's definition, index throughput of a
// provisioned table).
aws::Result<TargetTablePlan> PlanTargetTable(
    const TableDescription& source, const TargetTableOptions& options,
    const std::optional<TimeToLiveDescription>& ttl,
    const std::optional<ContinuousBackupsDescription>& backups, const std::vector<Tag>& tags);

// The settings of a table that DescribeTable does not carry, as read from it (or why each could
// not be read: the words go into the plan's notes).
struct TableSettings {
  std::optional<TimeToLiveDescription> ttl;
  std::optional<ContinuousBackupsDescription> backups;
  std::vector<Tag> tags;
  std::string ttl_unread = "its setting was not read from the source";
  std::string backups_unread = "its setting was not read from the source";
  std::optional<std::string> tags_unread;  // set when the tags could not be read
};

// Reads TTL, continuous backups and tags of `source`. A service error on any of those reads
// (DynamoDB Local has no tagging and no DescribeContinuousBackups; a role may lack the
// permission) leaves that setting unset with the error as the reason; any other failure
// (transport, credentials, cancellation) is returned.
aws::Result<TableSettings> ReadTableSettings(const DynamoDbClient& source_client,
                                             const TableDescription& source);

// PlanTargetTable with settings read earlier (e.g. from an export's table definition).
aws::Result<TargetTablePlan> PlanTargetTableWith(const TableDescription& source,
                                                 const TargetTableOptions& options,
                                                 const TableSettings& settings);

// Reads TTL, continuous backups and tags of `source` with `source_client`, then plans. A service
// error on any of those reads (DynamoDB Local has no tagging and no DescribeContinuousBackups;
// a role may lack the permission) makes that setting "not copied" with the error as the reason;
// any other failure (transport, credentials, cancellation) is returned.
aws::Result<TargetTablePlan> PlanTargetTableFrom(const DynamoDbClient& source_client,
                                                 const TableDescription& source,
                                                 const TargetTableOptions& options);

// Sends the CreateTable, waits until the table and its indexes are ACTIVE, then enables TTL and
// point-in-time recovery as planned. Failing to apply those two is not an error of the call:
// the notes of `plan` are updated to say so and the setting is added to
// plan.settings_not_applied, for the caller to report (the table is otherwise usable). A table of
// that name already existing is kInvalidInput (ResourceInUseException kept as the code), unless it
// is the result of this CreateTable's own earlier, unanswered sending
// (DynamoDbClient::CreateTable); every other CreateTable or wait failure is returned as is.
aws::Status CreateTargetTable(const DynamoDbClient& target_client, TargetTablePlan& plan);

// The part of CreateTargetTable after the CreateTable, for a table an interrupted run asked
// for: waits until it is ACTIVE, then enables TTL and point-in-time recovery as planned (unless
// the table already has them on, recovery with the planned period), the notes of `plan` and
// plan.settings_not_applied saying what failed. A stop (kCancelled) while one is enabled is
// returned as it is, the table left for a resume to finish. (CreateTargetTable likewise.)
aws::Status FinishTargetTable(const DynamoDbClient& target_client, TargetTablePlan& plan);

// Sends each of plan.deferred_index_updates in turn and waits until that index is ACTIVE
// before the next (DynamoDB builds one index per UpdateTable; waiting keeps the table out of
// UPDATING for the next request). An index the target already has (an interrupted earlier run
// asked for it) is only waited for. Returns the first failure. `stop` may be null; once it
// reads true (looked at every second while waiting), no further index is asked for and the
// call returns kCancelled; DynamoDB goes on building the index it was waiting for. `notice`
// (may be empty) is told, as one line each, which index is asked for or waited for, and how
// long a wait has lasted, about once a minute: building an index can take hours.
aws::Status CreateDeferredIndexes(const DynamoDbClient& target_client, const TargetTablePlan& plan,
                                  const std::atomic<bool>* stop = nullptr,
                                  const std::function<void(const std::string&)>& notice = {});

}  // namespace ddbm::dynamodb
