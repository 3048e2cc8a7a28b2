// DynamoDbStreamsClient: the DynamoDB Streams operations (ListStreams, DescribeStream,
// GetShardIterator, GetRecords). Records stay raw JSON. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/service_client.h"
#include "dynamodb/json_rpc.h"

namespace ddbm::dynamodb {

struct StreamSummary {
  std::string stream_arn;
  std::string stream_label;
  std::string table_name;
};

struct Shard {
  std::string shard_id;
  std::string parent_shard_id;  // empty for a root shard
  std::string starting_sequence_number;
  std::string ending_sequence_number;  // empty while the shard is open
};

struct StreamDescription {
  std::string stream_arn;
  std::string stream_status;     // ENABLING, ENABLED, DISABLING, DISABLED
  std::string stream_view_type;  // KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES
  std::string table_name;
  std::vector<Shard> shards;  // every page of shards
};

struct RecordsPage {
  std::shared_ptr<const std::string> body;
  std::vector<std::string_view> records;  // raw JSON records, slices of *body
  // nullopt when the shard is closed and fully read.
  std::optional<std::string> next_shard_iterator;
  // The service's time when it answered (its Date header, whole seconds since the epoch);
  // nullopt when the answer had none that could be read.
  std::optional<int64_t> service_time;
};

class DynamoDbStreamsClient {
 public:
  // `client` (configured for the streams.dynamodb endpoint, signing name "dynamodb") must
  // outlive this object.
  explicit DynamoDbStreamsClient(const aws::ServiceClient* client)
      : rpc_(client, kStreamsTargetPrefix) {}

  aws::Result<std::vector<StreamSummary>> ListStreams(std::string_view table_name) const;
  aws::Result<StreamDescription> DescribeStream(std::string_view stream_arn) const;
  // `iterator_type`: TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER (then
  // `sequence_number` is required).
  aws::Result<std::string> GetShardIterator(std::string_view stream_arn, std::string_view shard_id,
                                            std::string_view iterator_type,
                                            std::string_view sequence_number = {}) const;
  aws::Result<RecordsPage> GetRecords(std::string_view shard_iterator, int limit = 0) const;

  static aws::Result<RecordsPage> ParseRecordsPage(std::string body);

 private:
  JsonRpc rpc_;
};

}  // namespace ddbm::dynamodb
