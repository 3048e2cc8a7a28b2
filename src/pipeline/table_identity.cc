#include "pipeline/table_identity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "aws/iso8601.h"
#include "dynamodb/table_ref.h"

namespace ddbm::pipeline {
namespace {

dynamodb::TableDescription AsDescription(const TableIdentity& identity) {
  dynamodb::TableDescription d;
  d.table_arn = identity.arn;
  d.table_id = identity.id;
  d.creation_date_time = identity.created;
  return d;
}

std::string Describe(const TableIdentity& identity) {
  std::string text = identity.arn;
  if (identity.created > 0) {
    // To the millisecond: a table created again at once differs only there.
    const double seconds = std::floor(identity.created);
    const int millis =
        static_cast<int>(std::min(999.0, std::round((identity.created - seconds) * 1000)));
    std::string time = aws::FormatEpochSeconds(static_cast<int64_t>(seconds));
    time.insert(time.size() - 1, fmt::format(".{:03d}", millis));  // before the "Z"
    text += ", created " + time;
  }
  if (!identity.id.empty()) text += ", id " + identity.id;
  return text;
}

}  // namespace

TableIdentity IdentityOf(const dynamodb::TableDescription& table) {
  return TableIdentity{table.table_arn, table.table_id, table.creation_date_time};
}

void WriteTableIdentity(aws::JsonWriter& w, std::string_view key, const TableIdentity& identity) {
  if (!identity.known()) return;
  w.Key(key).BeginObject().Member("TableArn", identity.arn);
  if (!identity.id.empty()) w.Member("TableId", identity.id);
  if (identity.created > 0) w.Key("CreationDateTime").Double(identity.created);
  w.EndObject();
}

std::optional<TableIdentity> ReadTableIdentity(simdjson::dom::element root, std::string_view key) {
  TableIdentity identity;
  simdjson::dom::element value;
  if (root[key].get(value) == simdjson::NO_SUCH_FIELD) return identity;
  simdjson::dom::object o;
  std::string_view s;
  if (value.get(o) != simdjson::SUCCESS || o["TableArn"].get(s) != simdjson::SUCCESS || s.empty()) {
    return std::nullopt;
  }
  identity.arn = std::string(s);
  // Optional members: absent is fine, another type is damage.
  if (auto id = o["TableId"]; id.error() != simdjson::NO_SUCH_FIELD) {
    if (id.get(s) != simdjson::SUCCESS) return std::nullopt;
    identity.id = std::string(s);
  }
  if (auto created = o["CreationDateTime"]; created.error() != simdjson::NO_SUCH_FIELD) {
    if (created.get(identity.created) != simdjson::SUCCESS) return std::nullopt;
  }
  return identity;
}

bool ReadTableIdentities(simdjson::dom::element root, TableIdentity* source,
                         TableIdentity* target) {
  std::optional<TableIdentity> read_source = ReadTableIdentity(root, "SourceTable");
  std::optional<TableIdentity> read_target = ReadTableIdentity(root, "TargetTable");
  if (!read_source || !read_target) return false;
  *source = std::move(*read_source);
  *target = std::move(*read_target);
  return true;
}

aws::Status CheckSameTable(const TableIdentity& recorded, const dynamodb::TableDescription& now,
                           std::string_view side, const std::string& path,
                           std::string_view start_over) {
  if (!recorded.known() || dynamodb::IsSameTable(AsDescription(recorded), now)) {
    return aws::Status::Ok();
  }
  const std::string why = recorded.arn == now.table_arn
                              ? "it was deleted and created again since, or this run reaches "
                                "another endpoint (or, on DynamoDB Local, another region or "
                                "access key)"
                              : "this run reaches another region, account or endpoint";
  return aws::Error::Make(
      aws::ErrorKind::kInvalidInput,
      fmt::format("{} table {} is not the table checkpoint {} was written for ({}; now {}): {}, "
                  "and resuming would skip what the checkpoint counts as done; point the run at "
                  "the table of the checkpoint, or {}",
                  side, now.table_name, path, Describe(recorded), Describe(IdentityOf(now)), why,
                  start_over));
}

aws::Status CheckSameTables(const TableIdentity& recorded_source,
                            const dynamodb::TableDescription& source,
                            const TableIdentity& recorded_target,
                            const dynamodb::TableDescription* target, const std::string& path,
                            std::string_view start_over) {
  if (aws::Status s = CheckSameTable(recorded_source, source, "source", path, start_over);
      !s.ok()) {
    return s;
  }
  if (target == nullptr) return aws::Status::Ok();
  return CheckSameTable(recorded_target, *target, "target", path, start_over);
}

}  // namespace ddbm::pipeline
