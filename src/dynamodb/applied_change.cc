#include "dynamodb/applied_change.h"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ddbm::dynamodb {
namespace {

namespace dom = simdjson::dom;

// A key schema as (attribute, key type) pairs in a fixed order, so that two can be compared
// whatever order they were written in.
using KeyPairs = std::vector<std::pair<std::string, std::string>>;

std::optional<KeyPairs> KeysOf(dom::element holder) {
  dom::array keys;
  if (holder["KeySchema"].get(keys) != simdjson::SUCCESS) return std::nullopt;
  KeyPairs pairs;
  for (dom::element key : keys) {
    std::string_view name;
    std::string_view type;
    if (key["AttributeName"].get(name) != simdjson::SUCCESS ||
        key["KeyType"].get(type) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    pairs.emplace_back(name, type);
  }
  if (pairs.empty()) return std::nullopt;
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

struct Index {
  KeyPairs keys;
  std::string status;  // IndexStatus; empty for local indexes, which have none
};

// The indexes under `member` ("GlobalSecondaryIndexes", "LocalSecondaryIndexes") by name; empty
// when there is no such member, nullopt when it is malformed.
std::optional<std::map<std::string, Index>> IndexesOf(dom::element holder,
                                                      std::string_view member) {
  std::map<std::string, Index> indexes;
  dom::element value;
  if (holder[member].get(value) != simdjson::SUCCESS) return indexes;
  dom::array array;
  if (value.get(array) != simdjson::SUCCESS) return std::nullopt;
  for (dom::element e : array) {
    std::string_view name;
    if (e["IndexName"].get(name) != simdjson::SUCCESS) return std::nullopt;
    std::optional<KeyPairs> keys = KeysOf(e);
    if (!keys) return std::nullopt;
    std::string_view status;
    if (e["IndexStatus"].get(status) != simdjson::SUCCESS) status = {};
    indexes[std::string(name)] = Index{std::move(*keys), std::string(status)};
  }
  return indexes;
}

bool SameKeys(const std::map<std::string, Index>& asked, const std::map<std::string, Index>& has) {
  if (asked.size() != has.size()) return false;
  for (const auto& [name, index] : asked) {
    auto found = has.find(name);
    if (found == has.end() || found->second.keys != index.keys) return false;
  }
  return true;
}

// AttributeDefinitions as name -> type (S, N, B); nullopt when malformed.
std::optional<std::map<std::string, std::string>> AttributeTypesOf(dom::element holder) {
  std::map<std::string, std::string> types;
  dom::array definitions;
  if (holder["AttributeDefinitions"].get(definitions) != simdjson::SUCCESS) return std::nullopt;
  for (dom::element d : definitions) {
    std::string_view name;
    std::string_view type;
    if (d["AttributeName"].get(name) != simdjson::SUCCESS ||
        d["AttributeType"].get(type) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    types[std::string(name)] = std::string(type);
  }
  return types;
}

// Whether every attribute of `keys` has the same type in both definitions.
bool SameTypes(const KeyPairs& keys, const std::map<std::string, std::string>& asked,
               const std::map<std::string, std::string>& has) {
  for (const auto& [name, key_type] : keys) {
    auto a = asked.find(name);
    auto h = has.find(name);
    if (a == asked.end() || h == has.end() || a->second != h->second) return false;
  }
  return true;
}

// A request and the table's description as DynamoDB answered it, both parsed as objects.
// The elements point into the parsers: they live as long as this.
struct AskedAndHas {
  dom::parser asked_parser;
  dom::parser has_parser;
  dom::element asked;
  dom::element has;

  bool Parse(std::string_view request, const TableDescription& table) {
    return ParseObject(asked_parser, request, &asked) &&
           ParseObject(has_parser, table.raw_json, &has);
  }

 private:
  static bool ParseObject(dom::parser& parser, std::string_view json, dom::element* out) {
    return parser.parse(simdjson::padded_string(json)).get(*out) == simdjson::SUCCESS &&
           out->is_object();
  }
};

}  // namespace

bool MayBeRefusedAsAlreadyMade(const aws::Error& error,
                               std::initializer_list<std::string_view> codes) {
  return error.earlier_sending_unanswered && error.kind == aws::ErrorKind::kService &&
         std::find(codes.begin(), codes.end(), error.code) != codes.end();
}

bool TableShowsCreate(std::string_view request, const TableDescription& table,
                      aws::Clock::WallTime first_sent) {
  if (table.table_status != "CREATING" && table.table_status != "ACTIVE") return false;
  if (table.creation_date_time <= 0) return false;
  const double earliest =
      std::chrono::duration<double>(
          (first_sent -
           std::chrono::duration_cast<aws::Clock::WallTime::duration>(kClockSkewAllowed))
              .time_since_epoch())
          .count();
  if (table.creation_date_time < earliest) return false;

  AskedAndHas parsed;
  if (!parsed.Parse(request, table)) return false;
  const dom::element& asked = parsed.asked;
  const dom::element& has = parsed.has;
  std::string_view name;
  if (asked["TableName"].get(name) != simdjson::SUCCESS || name != table.table_name) return false;
  std::optional<KeyPairs> asked_keys = KeysOf(asked);
  if (!asked_keys || asked_keys != KeysOf(has)) return false;
  // Key attributes of the same types too: a table keyed id:S is not the answer to id:N.
  const std::optional<std::map<std::string, std::string>> asked_types = AttributeTypesOf(asked);
  const std::optional<std::map<std::string, std::string>> has_types = AttributeTypesOf(has);
  if (!asked_types || !has_types || !SameTypes(*asked_keys, *asked_types, *has_types)) {
    return false;
  }
  for (std::string_view member : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    std::optional<std::map<std::string, Index>> asked_indexes = IndexesOf(asked, member);
    std::optional<std::map<std::string, Index>> has_indexes = IndexesOf(has, member);
    if (!asked_indexes || !has_indexes || !SameKeys(*asked_indexes, *has_indexes)) return false;
    for (const auto& [name, index] : *asked_indexes) {
      if (!SameTypes(index.keys, *asked_types, *has_types)) return false;
    }
  }
  return true;
}

bool TableShowsIndexesCreated(std::string_view request, const TableDescription& table) {
  AskedAndHas parsed;
  if (!parsed.Parse(request, table)) return false;
  const dom::element& asked = parsed.asked;
  const dom::element& has = parsed.has;
  dom::object members;
  if (asked.get(members) != simdjson::SUCCESS) return false;
  for (dom::key_value_pair member : members) {
    if (member.key != "TableName" && member.key != "AttributeDefinitions" &&
        member.key != "GlobalSecondaryIndexUpdates") {
      return false;
    }
  }
  std::string_view name;
  if (asked["TableName"].get(name) != simdjson::SUCCESS || name != table.table_name) return false;
  dom::array updates;
  if (asked["GlobalSecondaryIndexUpdates"].get(updates) != simdjson::SUCCESS ||
      updates.size() == 0) {
    return false;
  }
  std::optional<std::map<std::string, Index>> has_indexes =
      IndexesOf(has, "GlobalSecondaryIndexes");
  if (!has_indexes) return false;
  for (dom::element update : updates) {
    dom::object actions;
    dom::element create;
    if (update.get(actions) != simdjson::SUCCESS || actions.size() != 1 ||
        update["Create"].get(create) != simdjson::SUCCESS) {
      return false;
    }
    std::string_view index_name;
    if (create["IndexName"].get(index_name) != simdjson::SUCCESS) return false;
    std::optional<KeyPairs> keys = KeysOf(create);
    auto found = has_indexes->find(std::string(index_name));
    if (!keys || found == has_indexes->end() || found->second.keys != *keys) return false;
    if (found->second.status != "CREATING" && found->second.status != "ACTIVE") return false;
  }
  return true;
}

bool TimeToLiveShows(const TimeToLiveDescription& ttl, std::string_view attribute, bool enabled) {
  if (!enabled) return ttl.status == "DISABLED" || ttl.status == "DISABLING";
  return (ttl.status == "ENABLED" || ttl.status == "ENABLING") && ttl.attribute_name == attribute;
}

}  // namespace ddbm::dynamodb
