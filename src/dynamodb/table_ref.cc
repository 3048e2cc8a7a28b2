#include "dynamodb/table_ref.h"

#include <fmt/format.h>

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
                              fmt::format("'{}' is not a table ARN; expected "
                                          "arn:aws:dynamodb:<region>:<account>:table/<name>",
                                          text));
    }
    ref.region = std::string(parts[3]);
    if (!parts[4].empty()) ref.account = std::string(parts[4]);
    name = resource.substr(6);
    if (const size_t slash = name.find('/'); slash != std::string_view::npos) {
      // A stream's ARN names its table. Any other part of a table (an index, a backup, an
      // export, an import) is not the table: taking its table would move the live one unasked.
      const std::string_view part = name.substr(slash + 1);
      if (!part.starts_with("stream/")) {
        const std::string_view kind = part.substr(0, part.find('/'));
        return aws::Error::Make(
            aws::ErrorKind::kInvalidInput,
            fmt::format("'{}' names {} {} of table {}, not the table; ddbmigrate moves whole "
                        "live tables: name the table",
                        text, kind, part.substr(std::min(part.size(), kind.size() + 1)),
                        name.substr(0, slash)));
      }
      name = name.substr(0, slash);  // .../table/Name/stream/<label>
    }
  }
  if (!ValidName(name)) {
    return aws::Error::Make(
        aws::ErrorKind::kInvalidInput,
        fmt::format("invalid table name '{}': use 3 to 255 letters, digits, '_', '-' or '.'",
                    name));
  }
  ref.name = std::string(name);
  return ref;
}

aws::Status CheckRegionFlag(const TableRef& ref, const std::optional<std::string>& region_flag,
                            std::string_view flag) {
  if (!ref.region || !region_flag || *ref.region == *region_flag) return aws::Status::Ok();
  return aws::Error::Make(
      aws::ErrorKind::kUsage,
      fmt::format("table {} is named in region {} (by its ARN), but {} {} sends the requests to "
                  "region {}; drop the region flag that contradicts the ARN",
                  ref.name, *ref.region, flag, *region_flag, *region_flag));
}

aws::Status CheckDescribedTable(const TableRef& ref, const TableDescription& table) {
  if (!ref.account && !ref.region) return aws::Status::Ok();
  aws::Result<TableRef> described = ParseTableRef(table.table_arn);
  if (!described.ok()) return aws::Status::Ok();  // no ARN to compare (not from AWS's API)
  auto mismatch = [&](std::string_view what, const std::string& named, const std::string& reached,
                      std::string_view advice) {
    return aws::Error::Make(
        aws::ErrorKind::kInvalidInput,
        fmt::format("table {} is named in {} {}, but these settings reach {} in {} {}; {}",
                    ref.name, what, named, table.table_arn, what, reached, advice));
  };
  if (ref.account && described->account && *ref.account != *described->account) {
    return mismatch("account", *ref.account, *described->account,
                    "use credentials of the account that owns it (a profile, or a role to "
                    "assume in that account)");
  }
  if (ref.region && described->region && *ref.region != *described->region &&
      *described->region != "ddblocal") {
    return mismatch("region", *ref.region, *described->region,
                    "drop the region flag that contradicts the ARN");
  }
  return aws::Status::Ok();
}

bool IsSameTable(const TableDescription& a, const TableDescription& b) {
  if (a.table_arn != b.table_arn) return false;
  if (!a.table_id.empty() && !b.table_id.empty()) return a.table_id == b.table_id;
  if (a.creation_date_time != 0 && b.creation_date_time != 0) {
    return a.creation_date_time == b.creation_date_time;
  }
  return true;
}

}  // namespace ddbm::dynamodb
