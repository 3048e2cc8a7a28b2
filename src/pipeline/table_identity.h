// TableIdentity: which table a checkpointed run read or wrote, beyond its name. A table deleted
// and created again keeps its name and ARN; one in another region or account keeps its name. A
// resume against either would skip what the checkpoint counts as done, so checkpoints record the
// identity and a resume checks it.
//
// In a checkpoint:  "TargetTable":{"TableArn":"arn:...","TableId":"...","CreationDateTime":1.7e9}
// (TableId only when the service gave one; DynamoDB Local does not).
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "aws/json_writer.h"
#include "dynamodb/types.h"

namespace ddbm::pipeline {

struct TableIdentity {
  std::string arn;
  std::string id;      // TableId; empty when the service gave none
  double created = 0;  // CreationDateTime, epoch seconds; 0 when the service gave none

  // False in checkpoints written before identities were recorded: nothing to check.
  bool known() const { return !arn.empty(); }
};

TableIdentity IdentityOf(const dynamodb::TableDescription& table);

// Writes `key` and the identity as an object; writes nothing when the identity is not known.
void WriteTableIdentity(aws::JsonWriter& w, std::string_view key, const TableIdentity& identity);
// The identity under `key` of a checkpoint's root object; not known() when absent (a checkpoint
// of an older version). nullopt when present but malformed: the file is damaged.
std::optional<TableIdentity> ReadTableIdentity(simdjson::dom::element root, std::string_view key);
// ReadTableIdentity of "SourceTable" and "TargetTable"; false (the outputs unset) when either is
// damaged, and the checkpoint parser then refuses the file with kDamagedIdentities.
bool ReadTableIdentities(simdjson::dom::element root, TableIdentity* source, TableIdentity* target);
inline constexpr std::string_view kDamagedIdentities =
    "its SourceTable or TargetTable is damaged; restore the file or start over";

// What a refusal advises besides pointing the run at the checkpoint's table.
inline constexpr std::string_view kStartOver =
    "start over without --resume and without that checkpoint";
// For a stream replay, which cannot bring back what a new target lacks.
inline constexpr std::string_view kStartOverReplay =
    "copy the table again and replicate from the time that copy started (or run migrate --live "
    "again)";

// Ok when `recorded` is not known or is the table `now` describes. Otherwise kInvalidInput, one
// line naming the `side` ("source" or "target"), the table, the checkpoint at `path`, how the
// two tables differ and what to do (`start_over`, e.g. kStartOver).
aws::Status CheckSameTable(const TableIdentity& recorded, const dynamodb::TableDescription& now,
                           std::string_view side, const std::string& path,
                           std::string_view start_over = kStartOver);
// CheckSameTable of the source, then of the target; `target` null when it does not exist yet.
aws::Status CheckSameTables(const TableIdentity& recorded_source,
                            const dynamodb::TableDescription& source,
                            const TableIdentity& recorded_target,
                            const dynamodb::TableDescription* target, const std::string& path,
                            std::string_view start_over = kStartOver);

}  // namespace ddbm::pipeline
