#include "dynamodb/table_definition.h"

#include <simdjson.h>

#include "aws/json_writer.h"
#include "dynamodb/client.h"

namespace ddbm::dynamodb {
namespace {

namespace dom = simdjson::dom;

std::string StringAt(dom::element e, std::string_view key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

}  // namespace

std::string SerializeTableDefinition(const TableDefinition& definition) {
  const TableSettings& s = definition.settings;
  std::string out;
  aws::JsonWriter w(&out);
  w.BeginObject().MemberInt("Version", 1).MemberRaw("Table", definition.table.raw_json);
  if (s.ttl) {
    w.Key("TimeToLiveDescription").BeginObject().Member("TimeToLiveStatus", s.ttl->status);
    if (!s.ttl->attribute_name.empty()) w.Member("AttributeName", s.ttl->attribute_name);
    w.EndObject();
  }
  if (s.backups) {
    w.Key("ContinuousBackupsDescription")
        .BeginObject()
        .Member("ContinuousBackupsStatus", s.backups->continuous_backups_status)
        .Key("PointInTimeRecoveryDescription")
        .BeginObject()
        .Member("PointInTimeRecoveryStatus", s.backups->point_in_time_recovery_status);
    if (s.backups->recovery_period_in_days > 0) {
      w.MemberInt("RecoveryPeriodInDays", s.backups->recovery_period_in_days);
    }
    w.EndObject().EndObject();
  }
  if (!s.tags_unread) {
    w.Key("Tags").BeginArray();
    for (const Tag& tag : s.tags) {
      w.BeginObject().Member("Key", tag.key).Member("Value", tag.value).EndObject();
    }
    w.EndArray();
  }
  w.Key("NotRead").BeginObject();
  if (!s.ttl) w.Member("TimeToLive", s.ttl_unread);
  if (!s.backups) w.Member("ContinuousBackups", s.backups_unread);
  if (s.tags_unread) w.Member("Tags", *s.tags_unread);
  w.EndObject().EndObject();
  return out;
}

aws::Result<TableDefinition> ParseTableDefinition(std::string_view text, const std::string& path) {
  auto invalid = [&](const std::string& what) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            path + ": " + what + "; is it a table definition written by export?");
  };
  dom::parser parser;
  dom::element root;
  if (parser.parse(simdjson::padded_string(text)).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return invalid("not a JSON object");
  }
  int64_t version = 0;
  if (root["Version"].get(version) != simdjson::SUCCESS || version != 1) {
    return invalid("missing or unknown \"Version\"");
  }
  dom::element table;
  if (root["Table"].get(table) != simdjson::SUCCESS || !table.is_object()) {
    return invalid("no \"Table\" object");
  }
  aws::Result<TableDescription> description =
      ParseTableDescription("export", simdjson::to_string(table));
  if (!description.ok()) return invalid(description.error().message);

  TableDefinition definition;
  definition.table = std::move(*description);
  TableSettings& s = definition.settings;
  dom::element not_read;
  const bool has_not_read = root["NotRead"].get(not_read) == simdjson::SUCCESS;
  dom::element ttl;
  if (root["TimeToLiveDescription"].get(ttl) == simdjson::SUCCESS) {
    s.ttl =
        TimeToLiveDescription{StringAt(ttl, "TimeToLiveStatus"), StringAt(ttl, "AttributeName")};
  } else if (has_not_read && !StringAt(not_read, "TimeToLive").empty()) {
    s.ttl_unread = StringAt(not_read, "TimeToLive");
  }
  dom::element backups;
  if (root["ContinuousBackupsDescription"].get(backups) == simdjson::SUCCESS) {
    ContinuousBackupsDescription b;
    b.continuous_backups_status = StringAt(backups, "ContinuousBackupsStatus");
    dom::element pitr;
    if (backups["PointInTimeRecoveryDescription"].get(pitr) == simdjson::SUCCESS) {
      b.point_in_time_recovery_status = StringAt(pitr, "PointInTimeRecoveryStatus");
      int64_t days = 0;
      if (pitr["RecoveryPeriodInDays"].get(days) == simdjson::SUCCESS && days > 0) {
        b.recovery_period_in_days = days;
      }
    }
    s.backups = std::move(b);
  } else if (has_not_read && !StringAt(not_read, "ContinuousBackups").empty()) {
    s.backups_unread = StringAt(not_read, "ContinuousBackups");
  }
  dom::array tags;
  if (root["Tags"].get(tags) == simdjson::SUCCESS) {
    for (dom::element tag : tags) s.tags.push_back({StringAt(tag, "Key"), StringAt(tag, "Value")});
  } else {
    s.tags_unread = has_not_read && !StringAt(not_read, "Tags").empty()
                        ? StringAt(not_read, "Tags")
                        : std::string("the export holds no tags");
  }
  return definition;
}

}  // namespace ddbm::dynamodb
