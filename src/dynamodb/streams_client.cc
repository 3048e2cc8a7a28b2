#include "dynamodb/streams_client.h"

#include "aws/iso8601.h"
#include "aws/json_writer.h"
#include "aws/paginator.h"

namespace ddbm::dynamodb {
namespace {

using aws::JsonWriter;
using aws::Paginator;
using aws::Result;
namespace od = simdjson::ondemand;

std::string StringOr(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

Result<simdjson::dom::element> ParseObject(simdjson::dom::parser& parser, const std::string& body,
                                           std::string_view operation) {
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return MalformedResponse(operation, "not a JSON object");
  }
  return root;
}

}  // namespace

Result<std::vector<StreamSummary>> DynamoDbStreamsClient::ListStreams(
    std::string_view table_name) const {
  struct Page {
    std::vector<StreamSummary> streams;
    std::optional<std::string> last;
  };
  Paginator<Page> pages(
      [&](const std::optional<std::string>& start) -> Result<Page> {
        std::string body;
        JsonWriter w(&body);
        w.BeginObject();
        if (!table_name.empty()) w.Member("TableName", table_name);
        if (start) w.Member("ExclusiveStartStreamArn", *start);
        w.EndObject();
        Result<aws::HttpResponse> response = rpc_.Call("ListStreams", std::move(body));
        if (!response.ok()) return std::move(response).error();
        simdjson::dom::parser parser;
        Result<simdjson::dom::element> root = ParseObject(parser, response->body, "ListStreams");
        if (!root.ok()) return std::move(root).error();
        Page page;
        simdjson::dom::array streams;
        if ((*root)["Streams"].get(streams) == simdjson::SUCCESS) {
          for (simdjson::dom::element s : streams) {
            page.streams.push_back(
                {StringOr(s, "StreamArn"), StringOr(s, "StreamLabel"), StringOr(s, "TableName")});
          }
        }
        std::string last = StringOr(*root, "LastEvaluatedStreamArn");
        if (!last.empty()) page.last = std::move(last);
        return page;
      },
      [](const Page& page) { return page.last; });
  std::vector<StreamSummary> all;
  while (!pages.done()) {
    Result<Page> page = pages.Next();
    if (!page.ok()) return std::move(page).error();
    all.insert(all.end(), page->streams.begin(), page->streams.end());
  }
  return all;
}

Result<StreamDescription> DynamoDbStreamsClient::DescribeStream(std::string_view stream_arn) const {
  StreamDescription description;
  Paginator<std::optional<std::string>> pages(
      [&](const std::optional<std::string>& start) -> Result<std::optional<std::string>> {
        std::string body;
        JsonWriter w(&body);
        w.BeginObject().Member("StreamArn", stream_arn);
        if (start) w.Member("ExclusiveStartShardId", *start);
        w.EndObject();
        Result<aws::HttpResponse> response = rpc_.Call("DescribeStream", std::move(body));
        if (!response.ok()) return std::move(response).error();
        simdjson::dom::parser parser;
        Result<simdjson::dom::element> root = ParseObject(parser, response->body, "DescribeStream");
        if (!root.ok()) return std::move(root).error();
        simdjson::dom::element d;
        if ((*root)["StreamDescription"].get(d) != simdjson::SUCCESS) {
          return MalformedResponse("DescribeStream", "missing StreamDescription");
        }
        description.stream_arn = StringOr(d, "StreamArn");
        description.stream_status = StringOr(d, "StreamStatus");
        description.stream_view_type = StringOr(d, "StreamViewType");
        description.table_name = StringOr(d, "TableName");
        simdjson::dom::array shards;
        if (d["Shards"].get(shards) == simdjson::SUCCESS) {
          for (simdjson::dom::element s : shards) {
            Shard shard;
            shard.shard_id = StringOr(s, "ShardId");
            shard.parent_shard_id = StringOr(s, "ParentShardId");
            simdjson::dom::element range;
            if (s["SequenceNumberRange"].get(range) == simdjson::SUCCESS) {
              shard.starting_sequence_number = StringOr(range, "StartingSequenceNumber");
              shard.ending_sequence_number = StringOr(range, "EndingSequenceNumber");
            }
            description.shards.push_back(std::move(shard));
          }
        }
        std::string last = StringOr(d, "LastEvaluatedShardId");
        return last.empty() ? std::optional<std::string>() : std::optional<std::string>(last);
      },
      [](const std::optional<std::string>& last) { return last; });
  while (!pages.done()) {
    Result<std::optional<std::string>> page = pages.Next();
    if (!page.ok()) return std::move(page).error();
  }
  return description;
}

Result<std::string> DynamoDbStreamsClient::GetShardIterator(
    std::string_view stream_arn, std::string_view shard_id, std::string_view iterator_type,
    std::string_view sequence_number) const {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject()
      .Member("StreamArn", stream_arn)
      .Member("ShardId", shard_id)
      .Member("ShardIteratorType", iterator_type);
  if (!sequence_number.empty()) w.Member("SequenceNumber", sequence_number);
  w.EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("GetShardIterator", std::move(body));
  if (!response.ok()) return std::move(response).error();
  simdjson::dom::parser parser;
  Result<simdjson::dom::element> root = ParseObject(parser, response->body, "GetShardIterator");
  if (!root.ok()) return std::move(root).error();
  std::string iterator = StringOr(*root, "ShardIterator");
  if (iterator.empty()) return MalformedResponse("GetShardIterator", "missing ShardIterator");
  return iterator;
}

Result<RecordsPage> DynamoDbStreamsClient::ParseRecordsPage(std::string body) {
  constexpr std::string_view kOp = "GetRecords";
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  auto shared = std::make_shared<std::string>(std::move(body));
  RecordsPage page;
  od::document doc;
  if (IterateBody(*shared).get(doc)) {
    return MalformedResponse(kOp, "not JSON");
  }
  od::object root;
  if (doc.get_object().get(root)) return MalformedResponse(kOp, "not a JSON object");
  for (auto field : root) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) {
      return MalformedResponse(kOp, "bad member");
    }
    if (key == "Records") {
      od::array records;
      if (value.get_array().get(records)) return MalformedResponse(kOp, "Records not a list");
      for (auto element : records) {
        od::object record;
        std::string_view raw;
        if (element.get_object().get(record) || record.raw_json().get(raw)) {
          return MalformedResponse(kOp, "a record is not an object");
        }
        page.records.push_back(TrimTrailingJsonSpace(raw));
      }
    } else if (key == "NextShardIterator") {
      std::string_view next;
      if (value.get_string().get(next) == simdjson::SUCCESS) {
        page.next_shard_iterator = std::string(next);
      }
    }
  }
  page.body = std::move(shared);
  return page;
}

Result<RecordsPage> DynamoDbStreamsClient::GetRecords(std::string_view shard_iterator,
                                                      int limit) const {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Member("ShardIterator", shard_iterator);
  if (limit > 0) w.MemberInt("Limit", limit);
  w.EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("GetRecords", std::move(body));
  if (!response.ok()) return std::move(response).error();
  const std::string* date = response->FindHeader("date");
  Result<RecordsPage> page = ParseRecordsPage(std::move(response->body));
  if (page.ok() && date != nullptr) page->service_time = aws::ParseHttpDateSeconds(*date);
  return page;
}

}  // namespace ddbm::dynamodb
