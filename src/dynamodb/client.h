// DynamoDbClient: typed DynamoDB operations over the JSON 1.0 protocol.
//
// Items, keys and start keys are raw DynamoDB JSON (e.g. {"pk":{"S":"a"},"n":{"N":"1.50"}}):
// they are sliced out of response bodies and spliced into request bodies byte for byte, so
// numbers keep every digit and binary keeps every byte. Thread-safe: all methods may be called
// from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/paginator.h"
#include "aws/service_client.h"
#include "dynamodb/json_rpc.h"
#include "dynamodb/types.h"

namespace ddbm::dynamodb {

using aws::Paginator;

struct ScanRequest {
  std::string table_name;
  std::string index_name;                          // empty: the base table
  int segment = 0;                                 // with total_segments > 1: parallel scan
  int total_segments = 0;                          // 0 or 1: one sequential scan
  std::optional<std::string> exclusive_start_key;  // raw JSON key
  int limit = 0;                                   // 0: no Limit (1 MB pages)
  std::string projection_expression;
  std::string filter_expression;
  std::string expression_attribute_names;   // raw JSON object, or empty
  std::string expression_attribute_values;  // raw JSON object, or empty
  bool consistent_read = false;
  bool return_consumed_capacity = false;  // asks for TOTAL
};

struct QueryRequest {
  std::string table_name;
  std::string index_name;
  std::string key_condition_expression;
  std::string filter_expression;
  std::string projection_expression;
  std::string expression_attribute_names;   // raw JSON object, or empty
  std::string expression_attribute_values;  // raw JSON object, or empty
  std::optional<std::string> exclusive_start_key;
  int limit = 0;
  bool consistent_read = false;
  bool scan_index_forward = true;
  bool return_consumed_capacity = false;
};

// One page of a Scan or Query. `items` are slices of `*body`, valid while `body` lives; share
// `body` to keep them alive past the page.
struct ItemPage {
  std::shared_ptr<const std::string> body;
  std::vector<std::string_view> items;
  std::optional<std::string> last_evaluated_key;  // raw JSON; nullopt on the last page
  int64_t count = 0;
  int64_t scanned_count = 0;
  double consumed_capacity = 0;
};

// One entry of a BatchWriteItem: a put of a whole item or a delete of a key (raw JSON).
struct WriteRequest {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string_view json;
};

struct BatchWriteItemResult {
  std::shared_ptr<const std::string> body;  // owns the slices in `unprocessed`
  std::vector<WriteRequest> unprocessed;    // what the service did not write; send again
  double consumed_capacity = 0;
};

struct BatchGetItemResult {
  std::shared_ptr<const std::string> body;
  std::vector<std::string_view> items;
  std::vector<std::string_view> unprocessed_keys;
  double consumed_capacity = 0;
};

struct TimeToLiveDescription {
  std::string status;          // ENABLED, DISABLED, ENABLING, DISABLING
  std::string attribute_name;  // empty when disabled
};

struct ContinuousBackupsDescription {
  std::string continuous_backups_status;
  std::string point_in_time_recovery_status;
  // PointInTimeRecoveryDescription.RecoveryPeriodInDays; 0 when the answer has none.
  int64_t recovery_period_in_days = 0;
};

struct Tag {
  std::string key;
  std::string value;
};

class DynamoDbClient {
 public:
  // `client` (configured for the dynamodb service) must outlive this object.
  explicit DynamoDbClient(const aws::ServiceClient* client) : rpc_(client, kDynamoDbTargetPrefix) {}

  // Control plane.
  aws::Result<TableDescription> DescribeTable(std::string_view table_name) const;
  aws::Result<std::vector<std::string>> ListTables() const;  // every page
  // Table changes are not idempotent, yet a request whose answer was lost is sent again (see
  // aws::ServiceClient::Call). When such a second sending is refused as already made,
  // CreateTable, UpdateTable and UpdateTimeToLive read the table's state and, when it shows
  // exactly what was asked (dynamodb/applied_change.h), succeed with it instead; otherwise
  // the refusal is returned as is. TagResource and UpdateContinuousBackups may be repeated.
  //
  // `request_json` is a whole CreateTable request body. On success after a refused second
  // sending, the answer is the table's DescribeTable description.
  aws::Result<TableDescription> CreateTable(std::string request_json) const;
  // Only an UpdateTable that creates global secondary indexes is recognised as already made.
  aws::Result<TableDescription> UpdateTable(std::string request_json) const;
  aws::Status DeleteTable(std::string_view table_name) const;
  // Polls DescribeTable until the table (and its indexes) are ACTIVE, or `timeout` passes.
  aws::Result<TableDescription> WaitUntilActive(std::string_view table_name,
                                                std::chrono::seconds timeout) const;
  aws::Result<TimeToLiveDescription> DescribeTimeToLive(std::string_view table_name) const;
  aws::Status UpdateTimeToLive(std::string_view table_name, std::string_view attribute_name,
                               bool enabled) const;
  aws::Result<std::vector<Tag>> ListTagsOfResource(std::string_view resource_arn) const;
  aws::Status TagResource(std::string_view resource_arn, std::span<const Tag> tags) const;
  aws::Result<ContinuousBackupsDescription> DescribeContinuousBackups(
      std::string_view table_name) const;
  // Turns point-in-time recovery on or off; `recovery_period_in_days` 0 leaves the period out of
  // the request (DynamoDB's default, 35 days).
  aws::Status UpdateContinuousBackups(std::string_view table_name,
                                      bool point_in_time_recovery_enabled,
                                      int64_t recovery_period_in_days = 0) const;

  // Data plane.
  aws::Result<ItemPage> Scan(const ScanRequest& request) const;
  aws::Result<ItemPage> Query(const QueryRequest& request) const;
  // Every page of a scan, one at a time; position() is the segment's resume point.
  Paginator<ItemPage> ScanPages(ScanRequest request) const;
  Paginator<ItemPage> QueryPages(QueryRequest request) const;

  // The item as raw JSON, or nullopt when no item has `key`.
  aws::Result<std::optional<std::string>> GetItem(std::string_view table_name,
                                                  std::string_view key_json,
                                                  bool consistent_read = false) const;
  aws::Status PutItem(std::string_view table_name, std::string_view item_json) const;
  aws::Status DeleteItem(std::string_view table_name, std::string_view key_json) const;
  // REQUIRES: 1 to 25 requests, no two for the same key (the service enforces both).
  aws::Result<BatchWriteItemResult> BatchWriteItem(std::string_view table_name,
                                                   std::span<const WriteRequest> requests,
                                                   bool return_consumed_capacity = false) const;
  // REQUIRES: 1 to 100 keys.
  aws::Result<BatchGetItemResult> BatchGetItem(std::string_view table_name,
                                               std::span<const std::string_view> keys,
                                               bool consistent_read = false,
                                               bool return_consumed_capacity = false) const;

  // Builds the request bodies without sending them (for --dry-run and the benchmarks).
  static std::string ScanRequestJson(const ScanRequest& request);
  static std::string BatchWriteItemRequestJson(std::string_view table_name,
                                               std::span<const WriteRequest> requests,
                                               bool return_consumed_capacity);
  // Parses a Scan or Query answer in place; exposed for the benchmarks and tests.
  static aws::Result<ItemPage> ParseItemPage(std::string_view operation, std::string body);

  const aws::ServiceClient& service_client() const { return rpc_.client(); }

 private:
  JsonRpc rpc_;
};

// Parses a DescribeTable/CreateTable/UpdateTable/DeleteTable "TableDescription" object.
aws::Result<TableDescription> ParseTableDescription(std::string_view operation,
                                                    std::string_view table_json);

}  // namespace ddbm::dynamodb
