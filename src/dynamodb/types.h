// Typed values of the DynamoDB control plane, named as in the DynamoDB API reference.
// Data-plane items are never modelled here: they travel as raw JSON (see item.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ddbm::dynamodb {

struct KeySchemaElement {
  std::string attribute_name;
  std::string key_type;        // "HASH" or "RANGE"
  std::string attribute_type;  // "S", "N" or "B", from AttributeDefinitions
};

struct TableDescription {
  std::string table_name;
  std::string table_arn;
  std::string table_id;           // AWS's unique id of this table; empty from DynamoDB Local
  double creation_date_time = 0;  // epoch seconds (milliseconds in the fraction); 0 if absent
  std::string table_status;
  std::vector<KeySchemaElement> key_schema;  // HASH first, then RANGE when present
  int64_t item_count = 0;                    // approximate, refreshed by AWS about every 6 hours
  int64_t table_size_bytes = 0;
  std::string billing_mode;         // "PAY_PER_REQUEST" or "PROVISIONED"
  int64_t read_capacity_units = 0;  // 0 for on-demand tables
  int64_t write_capacity_units = 0;
  std::string latest_stream_arn;  // empty when no stream
  std::string stream_view_type;   // empty when no stream
  std::string table_class;        // empty means STANDARD
  bool deletion_protection = false;
  int global_secondary_index_count = 0;
  int local_secondary_index_count = 0;
  // The whole "Table" object as DynamoDB returned it, for consumers that need the rest
  // (index definitions, SSE, replicas) without this struct growing a field for each.
  std::string raw_json;

  const KeySchemaElement* hash_key() const;
  const KeySchemaElement* range_key() const;  // nullptr when the table has no sort key
  // "pk (S, HASH), sk (N, RANGE)".
  std::string KeySchemaText() const;
};

// One consumed-capacity figure, summed over the table and its indexes.
struct ConsumedCapacity {
  double capacity_units = 0;
};

}  // namespace ddbm::dynamodb
