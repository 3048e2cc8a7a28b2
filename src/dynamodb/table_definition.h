// TableDefinition: a table's description and the settings DescribeTable does not carry (TTL,
// point-in-time recovery, tags), saved as one JSON file beside an export's data so that an
// import can recreate the table as `copy --create-target` would:
//
//   {"Version":1,"Table":{<DescribeTable's Table, verbatim>},
//    "TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"expires"},
//    "ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED",
//      "PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"ENABLED"}},
//    "Tags":[{"Key":"team","Value":"orders"}],
//    "NotRead":{"TimeToLive":"why","ContinuousBackups":"why","Tags":"why"}}
//
// A setting that could not be read is absent and named in "NotRead" with the reason. Pure;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aws/error.h"
#include "dynamodb/table_schema.h"
#include "dynamodb/types.h"

namespace ddbm::dynamodb {

struct TableDefinition {
  TableDescription table;  // raw_json is DescribeTable's "Table" object
  TableSettings settings;
};

std::string SerializeTableDefinition(const TableDefinition& definition);
// kInvalidInput naming `path` when the text is not such a file.
aws::Result<TableDefinition> ParseTableDefinition(std::string_view text, const std::string& path);

}  // namespace ddbm::dynamodb
