#include "dynamodb/table_ref.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace ddbm::dynamodb {
namespace {

bool ValidName(std::string_view name) {
  return name.size() >= 3 && name.size() <= 255 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
         });
}

}  // namespace

aws::Result<TableRef> ParseTableRef(std::string_view text) {
  TableRef ref;
  std::string_view name = text;
  if (text.starts_with("arn:")) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (int i = 0; i < 5; ++i) {
      const size_t colon = text.find(':', start);
      if (colon == std::string_view::npos) break;
      parts.push_back(text.substr(start, colon - start));
      start = colon + 1;
    }
    const std::string_view resource = text.substr(start);
    if (parts.size() != 5 || parts[2] != "dynamodb" || !resource.starts_with("table/") ||
        parts[3].empty()) {
      return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                              "'" + std::string(text) +
                                  "' is not a table ARN; expected "
                                  "arn:aws:dynamodb:<region>:<account>:table/<name>");
    }
    ref.region = std::string(parts[3]);
    if (!parts[4].empty()) ref.account = std::string(parts[4]);
    name = resource.substr(6);
    if (const size_t slash = name.find('/'); slash != std::string_view::npos) {
      name = name.substr(0, slash);  // e.g. .../table/Name/stream/...
    }
  }
  if (!ValidName(name)) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "invalid table name '" + std::string(name) +
                                "': use 3 to 255 letters, digits, '_', '-' or '.'");
  }
  ref.name = std::string(name);
  return ref;
}

}  // namespace ddbm::dynamodb
