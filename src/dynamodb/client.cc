#include "dynamodb/client.h"

#include <fmt/format.h>

#include "aws/buffer_pool.h"
#include "aws/json_writer.h"
#include "dynamodb/applied_change.h"

namespace ddbm::dynamodb {
namespace {

using aws::Error;
using aws::ErrorKind;
using aws::JsonWriter;
using aws::Result;
using aws::Status;
namespace od = simdjson::ondemand;

// The "CapacityUnits" of a ConsumedCapacity object, or the sum over an array of them.
double SumCapacity(od::value value) {
  double total = 0;
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return 0;
  if (type == od::json_type::array) {
    for (auto element : value.get_array()) {
      od::value v;
      if (element.get(v) == simdjson::SUCCESS) total += SumCapacity(v);
    }
    return total;
  }
  if (type != od::json_type::object) return 0;
  for (auto field : value.get_object()) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) break;
    if (key == "CapacityUnits") {
      double units = 0;
      if (field.value().get_double().get(units) == simdjson::SUCCESS) total += units;
    }
  }
  return total;
}

simdjson::error_code RawObject(od::value value, std::string_view* out) {
  od::object object;
  if (auto error = value.get_object().get(object)) return error;
  if (auto error = object.raw_json().get(*out)) return error;
  *out = TrimTrailingJsonSpace(*out);
  return simdjson::SUCCESS;
}

// Appends the optional members that Scan and Query share.
void WriteReadOptions(JsonWriter& w, const std::string& index_name,
                      const std::optional<std::string>& exclusive_start_key, int limit,
                      const std::string& projection, const std::string& filter,
                      const std::string& names, const std::string& values, bool consistent,
                      bool consumed) {
  if (!index_name.empty()) w.Member("IndexName", index_name);
  if (exclusive_start_key) w.MemberRaw("ExclusiveStartKey", *exclusive_start_key);
  if (limit > 0) w.MemberInt("Limit", limit);
  if (!projection.empty()) w.Member("ProjectionExpression", projection);
  if (!filter.empty()) w.Member("FilterExpression", filter);
  if (!names.empty()) w.MemberRaw("ExpressionAttributeNames", names);
  if (!values.empty()) w.MemberRaw("ExpressionAttributeValues", values);
  if (consistent) w.MemberBool("ConsistentRead", true);
  if (consumed) w.Member("ReturnConsumedCapacity", "TOTAL");
}

std::string TableNameBody(std::string_view table_name) {
  std::string body;
  JsonWriter(&body).BeginObject().Member("TableName", table_name).EndObject();
  return body;
}

// Parses `body` as a DOM for control-plane answers (small, rare: convenience over speed).
Result<simdjson::dom::element> ParseDom(simdjson::dom::parser& parser, const std::string& body,
                                        std::string_view operation) {
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return MalformedResponse(operation, "not a JSON object");
  }
  return root;
}

std::string StringOr(simdjson::dom::element e, std::string_view key, std::string_view fallback) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string(fallback);
}

int64_t IntOr(simdjson::dom::element e, std::string_view key, int64_t fallback) {
  int64_t v = 0;
  return e[key].get(v) == simdjson::SUCCESS ? v : fallback;
}

// The TableName of a request body; empty when it has none.
std::string TableNameOf(const std::string& request_json) {
  simdjson::dom::parser parser;
  std::string_view name;
  if (parser.parse(request_json)["TableName"].get(name) != simdjson::SUCCESS) return {};
  return std::string(name);
}

}  // namespace

Result<TableDescription> ParseTableDescription(std::string_view operation,
                                               std::string_view table_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element t;
  if (parser.parse(simdjson::padded_string(table_json)).get(t) != simdjson::SUCCESS ||
      !t.is_object()) {
    return MalformedResponse(operation, "TableDescription is not an object");
  }
  TableDescription d;
  d.raw_json = std::string(table_json);
  d.table_name = StringOr(t, "TableName", "");
  d.table_arn = StringOr(t, "TableArn", "");
  d.table_id = StringOr(t, "TableId", "");
  if (t["CreationDateTime"].get(d.creation_date_time) != simdjson::SUCCESS) {
    d.creation_date_time = 0;
  }
  d.table_status = StringOr(t, "TableStatus", "");
  d.item_count = IntOr(t, "ItemCount", 0);
  d.table_size_bytes = IntOr(t, "TableSizeBytes", 0);
  simdjson::dom::element billing;
  d.billing_mode = "PROVISIONED";
  if (t["BillingModeSummary"].get(billing) == simdjson::SUCCESS) {
    d.billing_mode = StringOr(billing, "BillingMode", "PROVISIONED");
  }
  simdjson::dom::element throughput;
  if (t["ProvisionedThroughput"].get(throughput) == simdjson::SUCCESS) {
    d.read_capacity_units = IntOr(throughput, "ReadCapacityUnits", 0);
    d.write_capacity_units = IntOr(throughput, "WriteCapacityUnits", 0);
  }
  d.latest_stream_arn = StringOr(t, "LatestStreamArn", "");
  simdjson::dom::element stream;
  if (t["StreamSpecification"].get(stream) == simdjson::SUCCESS) {
    bool enabled = false;
    if (stream["StreamEnabled"].get(enabled) == simdjson::SUCCESS && enabled) {
      d.stream_view_type = StringOr(stream, "StreamViewType", "");
    }
  }
  simdjson::dom::element table_class;
  if (t["TableClassSummary"].get(table_class) == simdjson::SUCCESS) {
    d.table_class = StringOr(table_class, "TableClass", "");
  }
  bool protection = false;
  if (t["DeletionProtectionEnabled"].get(protection) == simdjson::SUCCESS) {
    d.deletion_protection = protection;
  }
  simdjson::dom::array array;
  if (t["GlobalSecondaryIndexes"].get(array) == simdjson::SUCCESS) {
    d.global_secondary_index_count = static_cast<int>(array.size());
  }
  if (t["LocalSecondaryIndexes"].get(array) == simdjson::SUCCESS) {
    d.local_secondary_index_count = static_cast<int>(array.size());
  }
  simdjson::dom::array key_schema;
  if (t["KeySchema"].get(key_schema) != simdjson::SUCCESS) {
    return MalformedResponse(operation, "TableDescription has no KeySchema");
  }
  simdjson::dom::array definitions;
  const bool has_definitions = t["AttributeDefinitions"].get(definitions) == simdjson::SUCCESS;
  for (simdjson::dom::element k : key_schema) {
    KeySchemaElement element;
    element.attribute_name = StringOr(k, "AttributeName", "");
    element.key_type = StringOr(k, "KeyType", "");
    if (has_definitions) {
      for (simdjson::dom::element def : definitions) {
        if (StringOr(def, "AttributeName", "") == element.attribute_name) {
          element.attribute_type = StringOr(def, "AttributeType", "");
        }
      }
    }
    d.key_schema.push_back(std::move(element));
  }
  std::stable_sort(d.key_schema.begin(), d.key_schema.end(), [](const auto& a, const auto& b) {
    return a.key_type == "HASH" && b.key_type != "HASH";
  });
  return d;
}

namespace {

// Extracts the object under `member` of an answer and parses it as a TableDescription.
Result<TableDescription> TableFromAnswer(std::string_view operation, std::string_view member,
                                         Result<aws::HttpResponse> response) {
  if (!response.ok()) return std::move(response).error();
  simdjson::dom::parser parser;
  Result<simdjson::dom::element> root = ParseDom(parser, response->body, operation);
  if (!root.ok()) return std::move(root).error();
  simdjson::dom::element table;
  if ((*root)[member].get(table) != simdjson::SUCCESS) {
    return MalformedResponse(operation, "missing " + std::string(member));
  }
  return ParseTableDescription(operation, simdjson::minify(table));
}

}  // namespace

Result<TableDescription> DynamoDbClient::DescribeTable(std::string_view table_name) const {
  return TableFromAnswer("DescribeTable", "Table",
                         rpc_.Call("DescribeTable", TableNameBody(table_name)));
}

Result<std::vector<std::string>> DynamoDbClient::ListTables() const {
  struct Page {
    std::vector<std::string> names;
    std::optional<std::string> last;
  };
  Paginator<Page> pages(
      [this](const std::optional<std::string>& start) -> Result<Page> {
        std::string body;
        JsonWriter w(&body);
        w.BeginObject();
        if (start) w.Member("ExclusiveStartTableName", *start);
        w.EndObject();
        Result<aws::HttpResponse> response = rpc_.Call("ListTables", std::move(body));
        if (!response.ok()) return std::move(response).error();
        simdjson::dom::parser parser;
        Result<simdjson::dom::element> root = ParseDom(parser, response->body, "ListTables");
        if (!root.ok()) return std::move(root).error();
        Page page;
        simdjson::dom::array names;
        if ((*root)["TableNames"].get(names) != simdjson::SUCCESS) {
          return MalformedResponse("ListTables", "missing TableNames");
        }
        for (simdjson::dom::element n : names) {
          std::string_view name;
          if (n.get(name) == simdjson::SUCCESS) page.names.emplace_back(name);
        }
        std::string_view last;
        if ((*root)["LastEvaluatedTableName"].get(last) == simdjson::SUCCESS) {
          page.last = std::string(last);
        }
        return page;
      },
      [](const Page& page) { return page.last; });
  std::vector<std::string> all;
  while (!pages.done()) {
    Result<Page> page = pages.Next();
    if (!page.ok()) return std::move(page).error();
    all.insert(all.end(), page->names.begin(), page->names.end());
  }
  return all;
}

Result<TableDescription> DynamoDbClient::CreateTable(std::string request_json) const {
  const aws::Clock::WallTime first_sent = rpc_.client().config().clock->Now();
  Result<TableDescription> created =
      TableFromAnswer("CreateTable", "TableDescription", rpc_.Call("CreateTable", request_json));
  if (created.ok() || !MayBeRefusedAsAlreadyMade(created.error(), {"ResourceInUseException"})) {
    return created;
  }
  Result<TableDescription> table = DescribeTable(TableNameOf(request_json));
  if (table.ok() && TableShowsCreate(request_json, *table, first_sent)) return table;
  return created;
}

Result<TableDescription> DynamoDbClient::UpdateTable(std::string request_json) const {
  Result<TableDescription> updated =
      TableFromAnswer("UpdateTable", "TableDescription", rpc_.Call("UpdateTable", request_json));
  // DynamoDB refuses a second creation of an index as ResourceInUseException while the first
  // is being built, and as ValidationException once it is built.
  if (updated.ok() || !MayBeRefusedAsAlreadyMade(
                          updated.error(), {"ResourceInUseException", "ValidationException"})) {
    return updated;
  }
  Result<TableDescription> table = DescribeTable(TableNameOf(request_json));
  if (table.ok() && TableShowsIndexesCreated(request_json, *table)) return table;
  return updated;
}

Status DynamoDbClient::DeleteTable(std::string_view table_name) const {
  Result<aws::HttpResponse> response = rpc_.Call("DeleteTable", TableNameBody(table_name));
  if (!response.ok()) return std::move(response).error();
  return Status::Ok();
}

Result<TableDescription> DynamoDbClient::WaitUntilActive(std::string_view table_name,
                                                         std::chrono::seconds timeout) const {
  aws::Clock* clock = rpc_.client().config().clock;
  const auto deadline = clock->SteadyNow() + timeout;
  for (;;) {
    Result<TableDescription> table = DescribeTable(table_name);
    if (!table.ok()) return table;
    bool active = table->table_status == "ACTIVE";
    // Index creation is reported per index; the table is usable only when all are ACTIVE.
    if (active && table->raw_json.find("\"IndexStatus\":\"CREATING\"") != std::string::npos) {
      active = false;
    }
    if (active) return table;
    if (clock->SteadyNow() >= deadline) {
      Error error = Error::Make(ErrorKind::kService,
                                fmt::format("table {} is still {} after {} s", table_name,
                                            table->table_status, timeout.count()));
      error.service = "dynamodb";
      error.operation = "DescribeTable";
      return error;
    }
    clock->SleepFor(std::chrono::milliseconds(500));
  }
}

Result<TimeToLiveDescription> DynamoDbClient::DescribeTimeToLive(
    std::string_view table_name) const {
  Result<aws::HttpResponse> response = rpc_.Call("DescribeTimeToLive", TableNameBody(table_name));
  if (!response.ok()) return std::move(response).error();
  simdjson::dom::parser parser;
  Result<simdjson::dom::element> root = ParseDom(parser, response->body, "DescribeTimeToLive");
  if (!root.ok()) return std::move(root).error();
  simdjson::dom::element ttl;
  if ((*root)["TimeToLiveDescription"].get(ttl) != simdjson::SUCCESS) {
    return MalformedResponse("DescribeTimeToLive", "missing TimeToLiveDescription");
  }
  return TimeToLiveDescription{StringOr(ttl, "TimeToLiveStatus", "DISABLED"),
                               StringOr(ttl, "AttributeName", "")};
}

Status DynamoDbClient::UpdateTimeToLive(std::string_view table_name,
                                        std::string_view attribute_name, bool enabled) const {
  std::string body;
  JsonWriter(&body)
      .BeginObject()
      .Member("TableName", table_name)
      .Key("TimeToLiveSpecification")
      .BeginObject()
      .Member("AttributeName", attribute_name)
      .MemberBool("Enabled", enabled)
      .EndObject()
      .EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("UpdateTimeToLive", std::move(body));
  if (response.ok()) return Status::Ok();
  // A second sending is refused as ValidationException ("TimeToLive is already enabled").
  if (MayBeRefusedAsAlreadyMade(response.error(), {"ValidationException"})) {
    Result<TimeToLiveDescription> ttl = DescribeTimeToLive(table_name);
    if (ttl.ok() && TimeToLiveShows(*ttl, attribute_name, enabled)) return Status::Ok();
  }
  return std::move(response).error();
}

Result<std::vector<Tag>> DynamoDbClient::ListTagsOfResource(std::string_view resource_arn) const {
  struct Page {
    std::vector<Tag> tags;
    std::optional<std::string> next;
  };
  Paginator<Page> pages(
      [&](const std::optional<std::string>& start) -> Result<Page> {
        std::string body;
        JsonWriter w(&body);
        w.BeginObject().Member("ResourceArn", resource_arn);
        if (start) w.Member("NextToken", *start);
        w.EndObject();
        Result<aws::HttpResponse> response = rpc_.Call("ListTagsOfResource", std::move(body));
        if (!response.ok()) return std::move(response).error();
        simdjson::dom::parser parser;
        Result<simdjson::dom::element> root =
            ParseDom(parser, response->body, "ListTagsOfResource");
        if (!root.ok()) return std::move(root).error();
        Page page;
        simdjson::dom::array tags;
        if ((*root)["Tags"].get(tags) == simdjson::SUCCESS) {
          for (simdjson::dom::element t : tags) {
            page.tags.push_back({StringOr(t, "Key", ""), StringOr(t, "Value", "")});
          }
        }
        std::string_view next;
        if ((*root)["NextToken"].get(next) == simdjson::SUCCESS) page.next = std::string(next);
        return page;
      },
      [](const Page& page) { return page.next; });
  std::vector<Tag> all;
  while (!pages.done()) {
    Result<Page> page = pages.Next();
    if (!page.ok()) return std::move(page).error();
    all.insert(all.end(), page->tags.begin(), page->tags.end());
  }
  return all;
}

Status DynamoDbClient::TagResource(std::string_view resource_arn, std::span<const Tag> tags) const {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Member("ResourceArn", resource_arn).Key("Tags").BeginArray();
  for (const Tag& tag : tags) {
    w.BeginObject().Member("Key", tag.key).Member("Value", tag.value).EndObject();
  }
  w.EndArray().EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("TagResource", std::move(body));
  if (!response.ok()) return std::move(response).error();
  return Status::Ok();
}

Result<ContinuousBackupsDescription> DynamoDbClient::DescribeContinuousBackups(
    std::string_view table_name) const {
  Result<aws::HttpResponse> response =
      rpc_.Call("DescribeContinuousBackups", TableNameBody(table_name));
  if (!response.ok()) return std::move(response).error();
  simdjson::dom::parser parser;
  Result<simdjson::dom::element> root =
      ParseDom(parser, response->body, "DescribeContinuousBackups");
  if (!root.ok()) return std::move(root).error();
  simdjson::dom::element d;
  if ((*root)["ContinuousBackupsDescription"].get(d) != simdjson::SUCCESS) {
    return MalformedResponse("DescribeContinuousBackups", "missing ContinuousBackupsDescription");
  }
  ContinuousBackupsDescription out;
  out.continuous_backups_status = StringOr(d, "ContinuousBackupsStatus", "");
  simdjson::dom::element pitr;
  if (d["PointInTimeRecoveryDescription"].get(pitr) == simdjson::SUCCESS) {
    out.point_in_time_recovery_status = StringOr(pitr, "PointInTimeRecoveryStatus", "");
    int64_t days = 0;
    if (pitr["RecoveryPeriodInDays"].get(days) == simdjson::SUCCESS && days > 0) {
      out.recovery_period_in_days = days;
    }
  }
  return out;
}

Status DynamoDbClient::UpdateContinuousBackups(std::string_view table_name,
                                               bool point_in_time_recovery_enabled,
                                               int64_t recovery_period_in_days) const {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject()
      .Member("TableName", table_name)
      .Key("PointInTimeRecoverySpecification")
      .BeginObject()
      .MemberBool("PointInTimeRecoveryEnabled", point_in_time_recovery_enabled);
  if (recovery_period_in_days > 0) w.MemberInt("RecoveryPeriodInDays", recovery_period_in_days);
  w.EndObject().EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("UpdateContinuousBackups", std::move(body));
  if (!response.ok()) return std::move(response).error();
  return Status::Ok();
}

std::string DynamoDbClient::ScanRequestJson(const ScanRequest& r) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Member("TableName", r.table_name);
  if (r.total_segments > 1) {
    w.MemberInt("Segment", r.segment).MemberInt("TotalSegments", r.total_segments);
  }
  WriteReadOptions(w, r.index_name, r.exclusive_start_key, r.limit, r.projection_expression,
                   r.filter_expression, r.expression_attribute_names, r.expression_attribute_values,
                   r.consistent_read, r.return_consumed_capacity);
  w.EndObject();
  return body;
}

Result<ItemPage> DynamoDbClient::ParseItemPage(std::string_view operation, std::string body) {
  // Pages are the big bodies: their buffer goes back to the pool once every item is written.
  std::shared_ptr<std::string> shared = aws::BufferPool::Shared().Share(std::move(body));
  ItemPage page;
  od::document doc;
  if (IterateBody(*shared).get(doc)) {
    return MalformedResponse(operation, "not JSON");
  }
  od::object root;
  if (doc.get_object().get(root)) return MalformedResponse(operation, "not a JSON object");
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return MalformedResponse(operation, "bad member name");
    od::value value;
    if (field.value().get(value)) return MalformedResponse(operation, "bad member value");
    if (key == "Items") {
      od::array items;
      if (value.get_array().get(items)) return MalformedResponse(operation, "Items not a list");
      for (auto element : items) {
        od::value item;
        std::string_view raw;
        if (element.get(item) || RawObject(item, &raw)) {
          return MalformedResponse(operation, "an item is not an object");
        }
        page.items.push_back(raw);
      }
    } else if (key == "LastEvaluatedKey") {
      std::string_view raw;
      if (RawObject(value, &raw)) return MalformedResponse(operation, "bad LastEvaluatedKey");
      page.last_evaluated_key = std::string(raw);
    } else if (key == "Count") {
      if (value.get_int64().get(page.count)) return MalformedResponse(operation, "bad Count");
    } else if (key == "ScannedCount") {
      if (value.get_int64().get(page.scanned_count)) {
        return MalformedResponse(operation, "bad ScannedCount");
      }
    } else if (key == "ConsumedCapacity") {
      page.consumed_capacity = SumCapacity(value);
    }
  }
  page.body = std::move(shared);
  return page;
}

Result<ItemPage> DynamoDbClient::Scan(const ScanRequest& request) const {
  Result<aws::HttpResponse> response = rpc_.Call("Scan", ScanRequestJson(request));
  if (!response.ok()) return std::move(response).error();
  return ParseItemPage("Scan", std::move(response->body));
}

Result<ItemPage> DynamoDbClient::Query(const QueryRequest& r) const {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Member("TableName", r.table_name);
  if (!r.key_condition_expression.empty()) {
    w.Member("KeyConditionExpression", r.key_condition_expression);
  }
  if (!r.scan_index_forward) w.MemberBool("ScanIndexForward", false);
  WriteReadOptions(w, r.index_name, r.exclusive_start_key, r.limit, r.projection_expression,
                   r.filter_expression, r.expression_attribute_names, r.expression_attribute_values,
                   r.consistent_read, r.return_consumed_capacity);
  w.EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("Query", std::move(body));
  if (!response.ok()) return std::move(response).error();
  return ParseItemPage("Query", std::move(response->body));
}

Paginator<ItemPage> DynamoDbClient::ScanPages(ScanRequest request) const {
  std::optional<std::string> start = request.exclusive_start_key;
  return Paginator<ItemPage>(
      [this, request = std::move(request)](const std::optional<std::string>& from) mutable {
        request.exclusive_start_key = from;
        return Scan(request);
      },
      [](const ItemPage& page) { return page.last_evaluated_key; }, std::move(start));
}

Paginator<ItemPage> DynamoDbClient::QueryPages(QueryRequest request) const {
  std::optional<std::string> start = request.exclusive_start_key;
  return Paginator<ItemPage>(
      [this, request = std::move(request)](const std::optional<std::string>& from) mutable {
        request.exclusive_start_key = from;
        return Query(request);
      },
      [](const ItemPage& page) { return page.last_evaluated_key; }, std::move(start));
}

Result<std::optional<std::string>> DynamoDbClient::GetItem(std::string_view table_name,
                                                           std::string_view key_json,
                                                           bool consistent_read) const {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Member("TableName", table_name).MemberRaw("Key", key_json);
  if (consistent_read) w.MemberBool("ConsistentRead", true);
  w.EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("GetItem", std::move(body));
  if (!response.ok()) return std::move(response).error();
  od::document doc;
  if (IterateBody(response->body).get(doc)) return MalformedResponse("GetItem", "not JSON");
  od::object root;
  if (doc.get_object().get(root)) return MalformedResponse("GetItem", "not a JSON object");
  for (auto field : root) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) {
      return MalformedResponse("GetItem", "bad member");
    }
    if (key == "Item") {
      std::string_view raw;
      if (RawObject(value, &raw)) return MalformedResponse("GetItem", "Item is not an object");
      return std::optional<std::string>(std::string(raw));
    }
  }
  return std::optional<std::string>();
}

Status DynamoDbClient::PutItem(std::string_view table_name, std::string_view item_json) const {
  std::string body;
  JsonWriter(&body)
      .BeginObject()
      .Member("TableName", table_name)
      .MemberRaw("Item", item_json)
      .EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("PutItem", std::move(body));
  if (!response.ok()) return std::move(response).error();
  return Status::Ok();
}

Status DynamoDbClient::DeleteItem(std::string_view table_name, std::string_view key_json) const {
  std::string body;
  JsonWriter(&body)
      .BeginObject()
      .Member("TableName", table_name)
      .MemberRaw("Key", key_json)
      .EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("DeleteItem", std::move(body));
  if (!response.ok()) return std::move(response).error();
  return Status::Ok();
}

std::string DynamoDbClient::BatchWriteItemRequestJson(std::string_view table_name,
                                                      std::span<const WriteRequest> requests,
                                                      bool return_consumed_capacity) {
  std::string body;
  size_t size = 64 + table_name.size();
  for (const WriteRequest& r : requests) size += r.json.size() + 32;
  body.reserve(size);
  JsonWriter w(&body);
  w.BeginObject().Key("RequestItems").BeginObject().Key(table_name).BeginArray();
  for (const WriteRequest& r : requests) {
    if (r.kind == WriteRequest::Kind::kPut) {
      w.BeginObject()
          .Key("PutRequest")
          .BeginObject()
          .MemberRaw("Item", r.json)
          .EndObject()
          .EndObject();
    } else {
      w.BeginObject()
          .Key("DeleteRequest")
          .BeginObject()
          .MemberRaw("Key", r.json)
          .EndObject()
          .EndObject();
    }
  }
  w.EndArray().EndObject();
  if (return_consumed_capacity) w.Member("ReturnConsumedCapacity", "TOTAL");
  w.EndObject();
  return body;
}

Result<BatchWriteItemResult> DynamoDbClient::BatchWriteItem(std::string_view table_name,
                                                            std::span<const WriteRequest> requests,
                                                            bool return_consumed_capacity) const {
  Result<aws::HttpResponse> response = rpc_.Call(
      "BatchWriteItem", BatchWriteItemRequestJson(table_name, requests, return_consumed_capacity));
  if (!response.ok()) return std::move(response).error();
  constexpr std::string_view kOp = "BatchWriteItem";
  auto shared = std::make_shared<std::string>(std::move(response->body));
  BatchWriteItemResult result;
  od::document doc;
  if (IterateBody(*shared).get(doc)) return MalformedResponse(kOp, "not JSON");
  od::object root;
  if (doc.get_object().get(root)) return MalformedResponse(kOp, "not a JSON object");
  for (auto field : root) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) {
      return MalformedResponse(kOp, "bad member");
    }
    if (key == "ConsumedCapacity") {
      result.consumed_capacity = SumCapacity(value);
    } else if (key == "UnprocessedItems") {
      od::object tables;
      if (value.get_object().get(tables)) return MalformedResponse(kOp, "bad UnprocessedItems");
      for (auto table : tables) {
        od::array writes;
        if (table.value().get_array().get(writes)) {
          return MalformedResponse(kOp, "bad UnprocessedItems list");
        }
        for (auto write : writes) {
          od::object request;
          if (write.get_object().get(request)) return MalformedResponse(kOp, "bad write");
          for (auto kind_field : request) {
            std::string_view kind;
            od::value inner;
            if (kind_field.unescaped_key().get(kind) || kind_field.value().get(inner)) {
              return MalformedResponse(kOp, "bad write");
            }
            const bool put = kind == "PutRequest";
            od::object inner_object;
            if (inner.get_object().get(inner_object)) return MalformedResponse(kOp, "bad write");
            for (auto member : inner_object) {
              std::string_view name;
              od::value payload;
              std::string_view raw;
              if (member.unescaped_key().get(name) || member.value().get(payload) ||
                  RawObject(payload, &raw)) {
                return MalformedResponse(kOp, "bad write");
              }
              result.unprocessed.push_back(
                  {put ? WriteRequest::Kind::kPut : WriteRequest::Kind::kDelete, raw});
            }
          }
        }
      }
    }
  }
  result.body = std::move(shared);
  return result;
}

Result<BatchGetItemResult> DynamoDbClient::BatchGetItem(std::string_view table_name,
                                                        std::span<const std::string_view> keys,
                                                        bool consistent_read,
                                                        bool return_consumed_capacity) const {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("RequestItems").BeginObject().Key(table_name).BeginObject();
  w.Key("Keys").BeginArray();
  for (std::string_view key : keys) w.Raw(key);
  w.EndArray();
  if (consistent_read) w.MemberBool("ConsistentRead", true);
  w.EndObject().EndObject();
  if (return_consumed_capacity) w.Member("ReturnConsumedCapacity", "TOTAL");
  w.EndObject();
  Result<aws::HttpResponse> response = rpc_.Call("BatchGetItem", std::move(body));
  if (!response.ok()) return std::move(response).error();
  constexpr std::string_view kOp = "BatchGetItem";
  auto shared = std::make_shared<std::string>(std::move(response->body));
  BatchGetItemResult result;
  od::document doc;
  if (IterateBody(*shared).get(doc)) return MalformedResponse(kOp, "not JSON");
  od::object root;
  if (doc.get_object().get(root)) return MalformedResponse(kOp, "not a JSON object");
  for (auto field : root) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) {
      return MalformedResponse(kOp, "bad member");
    }
    if (key == "Responses") {
      od::object tables;
      if (value.get_object().get(tables)) return MalformedResponse(kOp, "bad Responses");
      for (auto table : tables) {
        od::array items;
        if (table.value().get_array().get(items)) return MalformedResponse(kOp, "bad items");
        for (auto element : items) {
          od::value item;
          std::string_view raw;
          if (element.get(item) || RawObject(item, &raw)) {
            return MalformedResponse(kOp, "bad item");
          }
          result.items.push_back(raw);
        }
      }
    } else if (key == "UnprocessedKeys") {
      od::object tables;
      if (value.get_object().get(tables)) return MalformedResponse(kOp, "bad UnprocessedKeys");
      for (auto table : tables) {
        od::object attributes;
        if (table.value().get_object().get(attributes)) {
          return MalformedResponse(kOp, "bad UnprocessedKeys");
        }
        for (auto member : attributes) {
          std::string_view name;
          if (member.unescaped_key().get(name)) return MalformedResponse(kOp, "bad member");
          if (name != "Keys") continue;
          od::array unprocessed;
          if (member.value().get_array().get(unprocessed)) {
            return MalformedResponse(kOp, "bad Keys");
          }
          for (auto element : unprocessed) {
            od::value k;
            std::string_view raw;
            if (element.get(k) || RawObject(k, &raw)) return MalformedResponse(kOp, "bad key");
            result.unprocessed_keys.push_back(raw);
          }
        }
      }
    } else if (key == "ConsumedCapacity") {
      result.consumed_capacity = SumCapacity(value);
    }
  }
  result.body = std::move(shared);
  return result;
}

}  // namespace ddbm::dynamodb
