// Raw item helpers: the only place that looks inside an item, and only at its key attributes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "dynamodb/types.h"

namespace ddbm::dynamodb {

// The item's primary key as raw JSON: {"<hash>":<value>[,"<range>":<value>]}, values copied
// byte for byte, members in key-schema order. kInvalidInput when a key attribute is missing, is
// an empty string or binary, or its type differs from the schema's (S, N or B), and when one
// appears again before the key is complete (the attributes after it are not read).
// REQUIRES: `item_json` is one JSON object followed in memory by at least 64 readable bytes
// (true for slices of a page body or any std::string padded by the transport).
aws::Result<std::string> ExtractKey(std::string_view item_json,
                                    const std::vector<KeySchemaElement>& key_schema);

// As ExtractKey, for an object that must hold the key and nothing else (an incremental
// export's "Keys"): kInvalidInput too when it holds an attribute the key schema lacks, the
// sign of a key of another schema. Same REQUIRES.
aws::Result<std::string> ExtractExactKey(std::string_view keys_json,
                                         const std::vector<KeySchemaElement>& key_schema);

}  // namespace ddbm::dynamodb
