#include "pipeline/table_identity.h"

#include <fmt/format.h>

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
    text +=
        ", created " + aws::FormatEpochSeconds(static_cast<int64_t>(std::floor(identity.created)));
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

TableIdentity ReadTableIdentity(simdjson::dom::element root, std::string_view key) {
  TableIdentity identity;
  simdjson::dom::object o;
  if (root[key].get(o) != simdjson::SUCCESS) return identity;
  std::string_view s;
  if (o["TableArn"].get(s) == simdjson::SUCCESS) identity.arn = std::string(s);
  if (o["TableId"].get(s) == simdjson::SUCCESS) identity.id = std::string(s);
  double created = 0;
  if (o["CreationDateTime"].get(created) == simdjson::SUCCESS) identity.created = created;
  return identity;
}

aws::Status CheckSameTable(const TableIdentity& recorded, const dynamodb::TableDescription& now,
                           std::string_view side, const std::string& path) {
  if (!recorded.known() || dynamodb::IsSameTable(AsDescription(recorded), now)) {
    return aws::Status::Ok();
  }
  const std::string why =
      recorded.arn == now.table_arn
          ? "it was deleted and created again since, or this run reaches another endpoint"
          : "this run reaches another region, account or endpoint";
  return aws::Error::Make(
      aws::ErrorKind::kInvalidInput,
      fmt::format("{} table {} is not the table checkpoint {} was written for ({}; now {}): {}, "
                  "and resuming would skip what the checkpoint counts as done; point the run at "
                  "the table of the checkpoint, or start over without --resume and without that "
                  "checkpoint",
                  side, now.table_name, path, Describe(recorded), Describe(IdentityOf(now)), why));
}

aws::Status CheckSameTables(const TableIdentity& recorded_source,
                            const dynamodb::TableDescription& source,
                            const TableIdentity& recorded_target,
                            const dynamodb::TableDescription* target, const std::string& path) {
  if (aws::Status s = CheckSameTable(recorded_source, source, "source", path); !s.ok()) return s;
  if (target == nullptr) return aws::Status::Ok();
  return CheckSameTable(recorded_target, *target, "target", path);
}

}  // namespace ddbm::pipeline
