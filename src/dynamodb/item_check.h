// Checks an item against the rules DynamoDB applies to attribute values, so an item the service
// would refuse can be set aside (dead-lettered, reported) before a write fails on it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ddbm::dynamodb {

// Why DynamoDB would refuse `item_json`, a raw item (a JSON object of typed attribute values such
// as {"pk":{"S":"a"},"n":{"N":"1.5"}}), or nullopt when it would accept it. Refused are: an empty
// set; duplicate set members (SS by text, NS by numeric value, BS by decoded bytes); a number that
// is not decimal, has more than 38 significant digits or a magnitude outside
// 1E-130..9.9999999999999999999999999999999999999E+125; a value that is not an object with
// exactly one known type tag; a value whose JSON shape does not fit its type ("BOOL":"yes",
// "NULL":false, "L" not a list); binary that is not padded standard base64; an empty attribute
// name (of the item's own attributes); an attribute name given twice in the item or in one map;
// JSON longer than kMaxItemJsonBytes. Maps and lists are checked recursively. The first problem
// found is named with its attribute path, e.g. "attribute tags: empty string set (SS)" or
// "attribute a.b[2]: NULL value is not true". Key rules (which attributes are keys, non-empty key
// values) need the table's schema and are not checked here; empty strings and binary are valid in
// other attributes. Thread-safe (a parser per thread, not the one ThreadParser() returns).
// REQUIRES: simdjson::SIMDJSON_PADDING readable bytes follow `item_json` in memory (true for a
// slice of a page body).
std::optional<std::string> InvalidItemReason(std::string_view item_json);

// No item DynamoDB accepts (400 KB by its size rules) is longer as JSON: its strings escaped
// (\u0001 is six bytes for one) and its binary in base64. A line longer than this is refused
// before it is sent (a BatchWriteItem body over 16 MB fails the whole request).
inline constexpr size_t kMaxItemJsonBytes = size_t{4} << 20;

// DynamoDB Local writes an empty map as {} instead of {"M":{}} in the images of its stream
// records. Returns `item_json` with each such untyped {} value replaced by {"M":{}}, every other
// byte unchanged, or nullopt when it holds none. The text is scanned as JSON tokens (strings are
// skipped), so {} inside a string value is left alone. Pure; thread-safe.
std::optional<std::string> RepairUntypedEmptyMaps(std::string_view item_json);

}  // namespace ddbm::dynamodb
