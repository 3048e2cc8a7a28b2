#include "dynamodb/item.h"

#include <simdjson.h>

#include "aws/json_writer.h"
#include "dynamodb/json_rpc.h"

namespace ddbm::dynamodb {

namespace od = simdjson::ondemand;

namespace {

// Whether `raw`, an attribute value whose type name's closing quote is at `type_end`, holds an
// empty string ({"S":""}, {"B":""}), whitespace allowed around the colon.
bool IsEmptyScalar(std::string_view raw, size_t type_end) {
  if (type_end == std::string_view::npos) return false;
  size_t at = raw.find_first_not_of(" \t\r\n", type_end + 1);
  if (at == std::string_view::npos || raw[at] != ':') return false;
  at = raw.find_first_not_of(" \t\r\n", at + 1);
  return at != std::string_view::npos && raw.substr(at, 2) == "\"\"";
}

// ExtractKey; with `exact`, an attribute outside the key schema is an error too.
aws::Result<std::string> ExtractKeyOf(std::string_view item_json,
                                      const std::vector<KeySchemaElement>& key_schema, bool exact) {
  auto invalid = [](std::string message) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
  };
  std::string_view found[2];  // raw values in key-schema order
  od::document doc;
  if (ThreadParser()
          .iterate(item_json.data(), item_json.size(),
                   item_json.size() + simdjson::SIMDJSON_PADDING)
          .get(doc)) {
    return invalid("item is not JSON");
  }
  od::object item;
  if (doc.get_object().get(item)) return invalid("item is not a JSON object");
  size_t remaining = key_schema.size();
  for (auto field : item) {
    std::string_view name;
    if (field.unescaped_key().get(name)) return invalid("item has a bad attribute name");
    bool in_key = false;
    for (size_t i = 0; i < key_schema.size() && i < 2; ++i) {
      if (name != key_schema[i].attribute_name) continue;
      in_key = true;
      od::object value;
      if (field.value().get_object().get(value)) {
        return invalid("key attribute " + std::string(name) + " is not an attribute value");
      }
      std::string_view raw;
      if (value.raw_json().get(raw))
        return invalid("key attribute " + std::string(name) + " is malformed");
      // An attribute value is {"<type>":...}; the type is the first member's name.
      const size_t quote = raw.find('"');
      const size_t close = quote == std::string_view::npos ? quote : raw.find('"', quote + 1);
      std::string_view type = close == std::string_view::npos
                                  ? std::string_view()
                                  : raw.substr(quote + 1, close - quote - 1);
      if (!key_schema[i].attribute_type.empty() && type != key_schema[i].attribute_type) {
        return invalid("key attribute " + std::string(name) + " has type " + std::string(type) +
                       " but the table's key schema says " + key_schema[i].attribute_type);
      }
      if (!found[i].empty()) {
        return invalid("key attribute " + std::string(name) + " appears twice in the item");
      }
      if (IsEmptyScalar(raw, close)) {
        return invalid("key attribute " + std::string(name) +
                       " is empty; DynamoDB refuses an empty string or binary key value");
      }
      found[i] = TrimTrailingJsonSpace(raw);
      --remaining;
      break;
    }
    if (exact && !in_key) {
      std::string names;
      for (size_t i = 0; i < key_schema.size() && i < 2; ++i) {
        names += (i == 0 ? "" : ", ") + key_schema[i].attribute_name;
      }
      return invalid("the key holds attribute " + std::string(name) +
                     ", which is not in the table's key schema (" + names +
                     "): the table is keyed otherwise than the data");
    }
    if (remaining == 0 && !exact) break;
  }
  std::string key;
  aws::JsonWriter w(&key);
  w.BeginObject();
  for (size_t i = 0; i < key_schema.size() && i < 2; ++i) {
    if (found[i].empty()) {
      return invalid("item lacks key attribute " + key_schema[i].attribute_name);
    }
    w.MemberRaw(key_schema[i].attribute_name, found[i]);
  }
  w.EndObject();
  return key;
}

}  // namespace

aws::Result<std::string> ExtractKey(std::string_view item_json,
                                    const std::vector<KeySchemaElement>& key_schema) {
  return ExtractKeyOf(item_json, key_schema, false);
}

aws::Result<std::string> ExtractExactKey(std::string_view keys_json,
                                         const std::vector<KeySchemaElement>& key_schema) {
  return ExtractKeyOf(keys_json, key_schema, true);
}

}  // namespace ddbm::dynamodb
