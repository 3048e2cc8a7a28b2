#include "dynamodb/types.h"

namespace ddbm::dynamodb {

const KeySchemaElement* TableDescription::hash_key() const {
  for (const auto& k : key_schema) {
    if (k.key_type == "HASH") return &k;
  }
  return nullptr;
}

const KeySchemaElement* TableDescription::range_key() const {
  for (const auto& k : key_schema) {
    if (k.key_type == "RANGE") return &k;
  }
  return nullptr;
}

std::string TableDescription::KeySchemaText() const {
  std::string out;
  for (const auto& k : key_schema) {
    if (!out.empty()) out += ", ";
    out += k.attribute_name + " (" + k.attribute_type + ", " + k.key_type + ")";
  }
  return out;
}

}  // namespace ddbm::dynamodb
