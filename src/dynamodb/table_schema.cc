#include "dynamodb/table_schema.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "aws/clock.h"
#include "aws/json_writer.h"
#include "dynamodb/json_rpc.h"

namespace ddbm::dynamodb {
namespace {

using aws::Error;
using aws::ErrorKind;
using aws::JsonWriter;
using aws::Result;
using aws::Status;
namespace dom = simdjson::dom;

constexpr std::string_view kDescribe = "DescribeTable";

// Note names that CreateTargetTable amends after the fact.
constexpr std::string_view kTtlSetting = "time to live";
constexpr std::string_view kPitrSetting = "point-in-time recovery";

// DynamoDB refuses UpdateContinuousBackups with ContinuousBackupsUnavailableException for a
// while after a table is created; it is retried this long.
constexpr std::chrono::minutes kBackupsReadyTimeout(5);
constexpr std::chrono::seconds kBackupsRetryInterval(5);
// An index that UpdateTable accepted but DescribeTable does not show after this long was
// dropped by DynamoDB.
constexpr std::chrono::seconds kIndexAppearTimeout(60);
constexpr std::chrono::seconds kIndexMaxPollInterval(15);
// How often a long wait for an index is told about.
constexpr std::chrono::seconds kIndexNoticeInterval(60);

// Members of a DescribeTable "Table" object.
constexpr std::array<std::string_view, 11> kTableCopied = {
    "AttributeDefinitions",     "KeySchema",
    "BillingModeSummary",       "ProvisionedThroughput",
    "OnDemandThroughput",       "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",   "StreamSpecification",
    "SSEDescription",           "TableClassSummary",
    "DeletionProtectionEnabled"};
constexpr std::array<std::string_view, 11> kTableReadOnly = {
    "TableName",       "TableStatus",    "CreationDateTime", "TableSizeBytes",
    "ItemCount",       "TableArn",       "TableId",          "LatestStreamLabel",
    "LatestStreamArn", "RestoreSummary", "ArchivalSummary"};
// Noted as not copied on their own (global tables, warm throughput).
constexpr std::array<std::string_view, 5> kTableNoted = {"GlobalTableVersion", "Replicas",
                                                         "MultiRegionConsistency",
                                                         "GlobalTableWitnesses", "WarmThroughput"};
// Members of a "GlobalSecondaryIndexes" / "LocalSecondaryIndexes" element that are copied or
// have a note of their own (WarmThroughput: in the table's warm throughput note).
constexpr std::array<std::string_view, 6> kIndexKnown = {
    "IndexName",          "KeySchema",     "Projection", "ProvisionedThroughput",
    "OnDemandThroughput", "WarmThroughput"};
constexpr std::array<std::string_view, 5> kIndexReadOnly = {
    "IndexStatus", "Backfilling", "IndexSizeBytes", "ItemCount", "IndexArn"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& set, std::string_view value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

struct KeyPart {
  std::string attribute_name;
  std::string key_type;
};

struct AttributeDefinition {
  std::string name;
  std::string type;
};

struct Throughput {
  int64_t read = 0;
  int64_t write = 0;
};

struct IndexSpec {
  std::string name;
  std::vector<KeyPart> key_schema;
  std::string projection_type;
  std::vector<std::string> non_key_attributes;
  std::optional<Throughput> provisioned;
  std::optional<Throughput> on_demand_max;  // a member below 1 means "no maximum"
  std::optional<Throughput> warm;
};

std::string StringOf(dom::element e, std::string_view key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

// `parent[key]` as two integers named `read_key` and `write_key` (missing ones are 0).
std::optional<Throughput> ThroughputOf(dom::element parent, std::string_view key,
                                       std::string_view read_key, std::string_view write_key) {
  dom::element t;
  if (parent[key].get(t) != simdjson::SUCCESS || !t.is_object()) return std::nullopt;
  Throughput out;
  int64_t v = 0;
  if (t[read_key].get(v) == simdjson::SUCCESS) out.read = v;
  if (t[write_key].get(v) == simdjson::SUCCESS) out.write = v;
  return out;
}

bool HasMaximum(const std::optional<Throughput>& max) {
  return max && (max->read >= 1 || max->write >= 1);
}

// "read 100, write 50 request units/s", naming only the maxima that are set.
std::string MaximaText(const Throughput& max) {
  std::vector<std::string> parts;
  if (max.read >= 1) parts.push_back(fmt::format("read {}", max.read));
  if (max.write >= 1) parts.push_back(fmt::format("write {}", max.write));
  return fmt::format("{} request units/s", fmt::join(parts, ", "));
}

Result<std::vector<KeyPart>> KeySchemaOf(dom::element parent, std::string_view owner) {
  dom::array array;
  if (parent["KeySchema"].get(array) != simdjson::SUCCESS || array.size() == 0) {
    return MalformedResponse(kDescribe, fmt::format("{} has no KeySchema", owner));
  }
  std::vector<KeyPart> keys;
  for (dom::element k : array) {
    KeyPart part{StringOf(k, "AttributeName"), StringOf(k, "KeyType")};
    if (part.attribute_name.empty() || part.key_type.empty()) {
      return MalformedResponse(kDescribe, fmt::format("{} has an incomplete KeySchema", owner));
    }
    keys.push_back(std::move(part));
  }
  std::stable_sort(keys.begin(), keys.end(), [](const KeyPart& a, const KeyPart& b) {
    return a.key_type == "HASH" && b.key_type != "HASH";
  });
  return keys;
}

std::string KeySchemaText(const std::vector<KeyPart>& keys,
                          const std::vector<AttributeDefinition>& definitions) {
  std::string out;
  for (const KeyPart& k : keys) {
    std::string type = "?";
    for (const AttributeDefinition& d : definitions) {
      if (d.name == k.attribute_name) type = d.type;
    }
    if (!out.empty()) out += ", ";
    out += fmt::format("{} ({}, {})", k.attribute_name, type, k.key_type);
  }
  return out;
}

std::string SecondaryIndexSetting(bool global, std::string_view name) {
  return fmt::format("{} secondary index {}", global ? "global" : "local", name);
}

// Parses one index of the description; members it does not know become notes.
Result<IndexSpec> IndexOf(dom::element e, bool global, bool provisioned_billing,
                          std::vector<SettingNote>* unknown) {
  IndexSpec index;
  index.name = StringOf(e, "IndexName");
  if (index.name.empty()) {
    return MalformedResponse(kDescribe, fmt::format("a {} secondary index has no IndexName",
                                                    global ? "global" : "local"));
  }
  const std::string setting = SecondaryIndexSetting(global, index.name);
  Result<std::vector<KeyPart>> keys = KeySchemaOf(e, setting);
  if (!keys.ok()) return std::move(keys).error();
  index.key_schema = std::move(*keys);
  dom::element projection;
  if (e["Projection"].get(projection) == simdjson::SUCCESS) {
    index.projection_type = StringOf(projection, "ProjectionType");
  }
  if (index.projection_type.empty()) {
    return MalformedResponse(kDescribe, fmt::format("{} has no Projection", setting));
  }
  dom::array non_key;
  if (projection["NonKeyAttributes"].get(non_key) == simdjson::SUCCESS) {
    for (dom::element a : non_key) {
      std::string_view name;
      if (a.get(name) == simdjson::SUCCESS) index.non_key_attributes.emplace_back(name);
    }
  }
  if (global) {
    index.provisioned =
        ThroughputOf(e, "ProvisionedThroughput", "ReadCapacityUnits", "WriteCapacityUnits");
    if (provisioned_billing && !index.provisioned) {
      return MalformedResponse(
          kDescribe,
          fmt::format("{} of a PROVISIONED table has no ProvisionedThroughput", setting));
    }
    index.on_demand_max =
        ThroughputOf(e, "OnDemandThroughput", "MaxReadRequestUnits", "MaxWriteRequestUnits");
    index.warm = ThroughputOf(e, "WarmThroughput", "ReadUnitsPerSecond", "WriteUnitsPerSecond");
  }
  dom::object members;
  if (e.get(members) == simdjson::SUCCESS) {
    for (dom::key_value_pair member : members) {
      if (Contains(kIndexKnown, member.key) || Contains(kIndexReadOnly, member.key)) continue;
      unknown->push_back({fmt::format("{}: {}", setting, member.key), false,
                          "not copied: ddbmigrate does not know this index member; check "
                          "whether the target needs it"});
    }
  }
  return index;
}

// The definitions of every attribute in `schemas`, in the source's order.
Result<std::vector<AttributeDefinition>> DefinitionsFor(
    const std::vector<AttributeDefinition>& all,
    const std::vector<const std::vector<KeyPart>*>& schemas) {
  std::vector<std::string> used;
  for (const auto* schema : schemas) {
    for (const KeyPart& k : *schema) {
      if (std::find(used.begin(), used.end(), k.attribute_name) != used.end()) continue;
      const bool defined = std::any_of(all.begin(), all.end(), [&](const AttributeDefinition& d) {
        return d.name == k.attribute_name;
      });
      if (!defined) {
        return MalformedResponse(
            kDescribe,
            fmt::format("key attribute {} has no entry in AttributeDefinitions", k.attribute_name));
      }
      used.push_back(k.attribute_name);
    }
  }
  std::vector<AttributeDefinition> out;
  for (const AttributeDefinition& d : all) {
    if (std::find(used.begin(), used.end(), d.name) != used.end()) out.push_back(d);
  }
  return out;
}

void WriteDefinitions(JsonWriter& w, const std::vector<AttributeDefinition>& definitions) {
  w.Key("AttributeDefinitions").BeginArray();
  for (const AttributeDefinition& d : definitions) {
    w.BeginObject().Member("AttributeName", d.name).Member("AttributeType", d.type).EndObject();
  }
  w.EndArray();
}

void WriteKeySchema(JsonWriter& w, const std::vector<KeyPart>& keys) {
  w.Key("KeySchema").BeginArray();
  for (const KeyPart& k : keys) {
    w.BeginObject().Member("AttributeName", k.attribute_name).Member("KeyType", k.key_type);
    w.EndObject();
  }
  w.EndArray();
}

void WriteProvisioned(JsonWriter& w, const Throughput& t) {
  w.Key("ProvisionedThroughput")
      .BeginObject()
      .MemberInt("ReadCapacityUnits", t.read)
      .MemberInt("WriteCapacityUnits", t.write)
      .EndObject();
}

// Nothing when neither maximum is set; else both, "no maximum" as -1 (as DescribeTable reports
// it): DynamoDB Local refuses an OnDemandThroughput that lacks one of the two.
void WriteOnDemandMax(JsonWriter& w, const std::optional<Throughput>& max) {
  if (!HasMaximum(max)) return;
  w.Key("OnDemandThroughput")
      .BeginObject()
      .MemberInt("MaxReadRequestUnits", max->read >= 1 ? max->read : -1)
      .MemberInt("MaxWriteRequestUnits", max->write >= 1 ? max->write : -1)
      .EndObject();
}

// One index in the shape CreateTable's index lists and UpdateTable's "Create" take.
void WriteIndex(JsonWriter& w, const IndexSpec& index, bool global, bool provisioned_billing) {
  w.BeginObject().Member("IndexName", index.name);
  WriteKeySchema(w, index.key_schema);
  w.Key("Projection").BeginObject().Member("ProjectionType", index.projection_type);
  if (!index.non_key_attributes.empty()) {
    w.Key("NonKeyAttributes").BeginArray();
    for (const std::string& a : index.non_key_attributes) w.String(a);
    w.EndArray();
  }
  w.EndObject();
  if (global) {
    if (provisioned_billing) {
      WriteProvisioned(w, *index.provisioned);
    } else {
      WriteOnDemandMax(w, index.on_demand_max);
    }
  }
  w.EndObject();
}

std::string IndexDetail(const IndexSpec& index, bool provisioned_billing) {
  std::string out = fmt::format("projection {}", index.projection_type);
  if (!index.non_key_attributes.empty()) {
    out += fmt::format(" ({})", fmt::join(index.non_key_attributes, ", "));
  }
  if (provisioned_billing && index.provisioned) {
    out += fmt::format("; read {}, write {} capacity units", index.provisioned->read,
                       index.provisioned->write);
  } else if (HasMaximum(index.on_demand_max)) {
    out += "; on-demand maximum " + MaximaText(*index.on_demand_max);
  }
  return out;
}

// The region of "arn:<partition>:<service>:<region>:<account>:<resource>"; empty when `arn` is
// not of that shape.
std::string_view ArnRegion(std::string_view arn) {
  if (!arn.starts_with("arn:")) return {};
  for (int field = 0; field < 3; ++field) {
    const size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return {};
    arn.remove_prefix(colon + 1);
  }
  const size_t end = arn.find(':');
  return end == std::string_view::npos ? std::string_view() : arn.substr(0, end);
}

void SetNote(std::vector<SettingNote>* notes, std::string_view setting, bool copied,
             std::string detail) {
  for (SettingNote& note : *notes) {
    if (note.setting == setting) {
      note.copied = copied;
      note.detail = std::move(detail);
      return;
    }
  }
  notes->push_back({std::string(setting), copied, std::move(detail)});
}

Result<TargetTablePlan> BuildPlan(const TableDescription& source, const TargetTableOptions& options,
                                  const std::optional<TimeToLiveDescription>& ttl,
                                  const std::optional<ContinuousBackupsDescription>& backups,
                                  const std::vector<Tag>& tags, const TableSettings& unread) {
  if (options.target_table_name.empty()) {
    return Error::Make(ErrorKind::kInvalidInput, "the target table name is empty");
  }
  dom::parser parser;
  dom::element table;
  if (parser.parse(simdjson::padded_string(source.raw_json)).get(table) != simdjson::SUCCESS ||
      !table.is_object()) {
    return MalformedResponse(kDescribe, "the source's table description is not a JSON object");
  }
  TargetTablePlan plan;
  plan.table_name = options.target_table_name;
  std::vector<SettingNote>& notes = plan.notes;
  std::vector<SettingNote> unknown;  // reported last

  // --- What the description says ---
  Result<std::vector<KeyPart>> key_schema = KeySchemaOf(table, "the table");
  if (!key_schema.ok()) return std::move(key_schema).error();
  std::vector<AttributeDefinition> all_definitions;
  dom::array definitions_array;
  if (table["AttributeDefinitions"].get(definitions_array) == simdjson::SUCCESS) {
    for (dom::element d : definitions_array) {
      all_definitions.push_back({StringOf(d, "AttributeName"), StringOf(d, "AttributeType")});
    }
  }
  std::string billing_mode = "PROVISIONED";  // tables never switched to on-demand have no summary
  dom::element billing;
  if (table["BillingModeSummary"].get(billing) == simdjson::SUCCESS) {
    const std::string mode = StringOf(billing, "BillingMode");
    if (!mode.empty()) billing_mode = mode;
  }
  const bool provisioned = billing_mode != "PAY_PER_REQUEST";
  const std::optional<Throughput> table_throughput =
      ThroughputOf(table, "ProvisionedThroughput", "ReadCapacityUnits", "WriteCapacityUnits");
  if (provisioned && !table_throughput) {
    return MalformedResponse(kDescribe, "a PROVISIONED table has no ProvisionedThroughput");
  }
  const std::optional<Throughput> table_max =
      ThroughputOf(table, "OnDemandThroughput", "MaxReadRequestUnits", "MaxWriteRequestUnits");

  std::vector<IndexSpec> lsis, gsis;
  for (const bool global : {false, true}) {
    dom::array array;
    if (table[global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes"].get(array) !=
        simdjson::SUCCESS) {
      continue;
    }
    for (dom::element e : array) {
      if (global && StringOf(e, "IndexStatus") == "DELETING") {
        unknown.push_back({SecondaryIndexSetting(true, StringOf(e, "IndexName")), false,
                           "not copied: it is being deleted from the source"});
        continue;
      }
      Result<IndexSpec> index = IndexOf(e, global, provisioned, &unknown);
      if (!index.ok()) return std::move(index).error();
      (global ? gsis : lsis).push_back(std::move(*index));
    }
  }

  std::string stream_view_type;
  dom::element stream;
  if (table["StreamSpecification"].get(stream) == simdjson::SUCCESS) {
    bool enabled = false;
    if (stream["StreamEnabled"].get(enabled) == simdjson::SUCCESS && enabled) {
      stream_view_type = StringOf(stream, "StreamViewType");
    }
  }

  bool kms = false;
  std::string kms_key;
  dom::element sse;
  if (table["SSEDescription"].get(sse) == simdjson::SUCCESS) {
    const std::string status = StringOf(sse, "Status");
    kms = StringOf(sse, "SSEType") == "KMS" && status != "DISABLED" && status != "DISABLING";
    kms_key = StringOf(sse, "KMSMasterKeyArn");
  }
  // A key lives in one region.
  std::string foreign_kms_key;
  if (kms && !kms_key.empty() && !options.target_region.empty()) {
    const std::string_view key_region = ArnRegion(kms_key);
    if (!key_region.empty() && key_region != options.target_region) {
      foreign_kms_key = std::exchange(kms_key, std::string());
    }
  }

  std::string table_class;
  dom::element class_summary;
  if (table["TableClassSummary"].get(class_summary) == simdjson::SUCCESS) {
    table_class = StringOf(class_summary, "TableClass");
  }

  bool deletion_protection = false;
  if (table["DeletionProtectionEnabled"].get(deletion_protection) != simdjson::SUCCESS) {
    deletion_protection = false;
  }

  for (const Tag& tag : tags) {
    if (tag.key.starts_with("aws:")) continue;
    plan.tags.push_back(tag);
  }

  // --- The CreateTable request ---
  std::vector<const std::vector<KeyPart>*> created_keys = {&*key_schema};
  for (const IndexSpec& index : lsis) created_keys.push_back(&index.key_schema);
  if (!options.create_indexes_after) {
    for (const IndexSpec& index : gsis) created_keys.push_back(&index.key_schema);
  }
  Result<std::vector<AttributeDefinition>> create_definitions =
      DefinitionsFor(all_definitions, created_keys);
  if (!create_definitions.ok()) return std::move(create_definitions).error();

  JsonWriter w(&plan.create_table_json);
  w.BeginObject().Member("TableName", plan.table_name);
  WriteDefinitions(w, *create_definitions);
  WriteKeySchema(w, *key_schema);
  w.Member("BillingMode", provisioned ? "PROVISIONED" : "PAY_PER_REQUEST");
  if (provisioned) {
    WriteProvisioned(w, *table_throughput);
  } else {
    WriteOnDemandMax(w, table_max);
  }
  if (!lsis.empty()) {
    w.Key("LocalSecondaryIndexes").BeginArray();
    for (const IndexSpec& index : lsis) WriteIndex(w, index, /*global=*/false, provisioned);
    w.EndArray();
  }
  if (!gsis.empty() && !options.create_indexes_after) {
    w.Key("GlobalSecondaryIndexes").BeginArray();
    for (const IndexSpec& index : gsis) WriteIndex(w, index, /*global=*/true, provisioned);
    w.EndArray();
  }
  if (!stream_view_type.empty()) {
    w.Key("StreamSpecification")
        .BeginObject()
        .MemberBool("StreamEnabled", true)
        .Member("StreamViewType", stream_view_type)
        .EndObject();
  }
  if (kms) {
    w.Key("SSESpecification").BeginObject().MemberBool("Enabled", true).Member("SSEType", "KMS");
    if (!kms_key.empty()) w.Member("KMSMasterKeyId", kms_key);
    w.EndObject();
  }
  if (!table_class.empty()) w.Member("TableClass", table_class);
  if (deletion_protection) w.MemberBool("DeletionProtectionEnabled", true);
  if (!plan.tags.empty()) {
    w.Key("Tags").BeginArray();
    for (const Tag& tag : plan.tags) {
      w.BeginObject().Member("Key", tag.key).Member("Value", tag.value).EndObject();
    }
    w.EndArray();
  }
  w.EndObject();

  if (options.create_indexes_after) {
    for (const IndexSpec& index : gsis) {
      Result<std::vector<AttributeDefinition>> definitions =
          DefinitionsFor(all_definitions, {&index.key_schema});
      if (!definitions.ok()) return std::move(definitions).error();
      std::string body;
      JsonWriter u(&body);
      u.BeginObject().Member("TableName", plan.table_name);
      WriteDefinitions(u, *definitions);
      u.Key("GlobalSecondaryIndexUpdates").BeginArray().BeginObject().Key("Create");
      WriteIndex(u, index, /*global=*/true, provisioned);
      u.EndObject().EndArray().EndObject();
      plan.deferred_index_updates.push_back(std::move(body));
    }
  }

  // --- The report: copied settings first ---
  notes.push_back({"key schema", true, KeySchemaText(*key_schema, all_definitions)});
  notes.push_back({"billing mode", true, billing_mode});
  if (provisioned) {
    notes.push_back({"provisioned throughput", true,
                     fmt::format("read {}, write {} capacity units", table_throughput->read,
                                 table_throughput->write)});
  } else if (HasMaximum(table_max)) {
    notes.push_back({"maximum on-demand throughput", true, MaximaText(*table_max)});
  }
  for (const IndexSpec& index : lsis) {
    notes.push_back({SecondaryIndexSetting(false, index.name), true,
                     IndexDetail(index, provisioned) + "; created with the table"});
  }
  for (const IndexSpec& index : gsis) {
    notes.push_back(
        {SecondaryIndexSetting(true, index.name), true,
         IndexDetail(index, provisioned) + (options.create_indexes_after
                                                ? "; created with UpdateTable after the data load"
                                                : "; created with the table")});
  }
  notes.push_back({"stream", true,
                   stream_view_type.empty()
                       ? "disabled on the source"
                       : fmt::format("{}; the target's stream is new: it holds the copy's writes, "
                                     "not the source's records, and the source's consumers and "
                                     "triggers are not attached to it",
                                     stream_view_type)});
  if (!foreign_kms_key.empty()) {
    notes.push_back({"encryption key", false,
                     fmt::format("{} is a key of another region than the target's ({}); the "
                                 "target is encrypted with its account's AWS managed KMS key "
                                 "(aws/dynamodb). To use a key of your own, change it with "
                                 "UpdateTable (SSESpecification) after the copy",
                                 foreign_kms_key, options.target_region)});
  }
  notes.push_back(
      {"encryption", true,
       !kms ? "AWS owned key, DynamoDB's default"
       : kms_key.empty()
           ? "the target account's AWS managed KMS key (aws/dynamodb)"
           : fmt::format("KMS key {}; the key must be usable from the target's account and "
                         "region, or CreateTable fails",
                         kms_key)});
  notes.push_back(
      {"table class", true, table_class.empty() ? "STANDARD, the default" : table_class});
  notes.push_back({"deletion protection", true,
                   deletion_protection
                       ? "enabled: the target cannot be deleted until it is turned off"
                       : "disabled"});
  if (unread.tags_unread) {
    notes.push_back({"tags", false, "not copied: " + *unread.tags_unread});
  } else {
    std::vector<std::string> keys;
    for (const Tag& tag : plan.tags) keys.push_back(tag.key);
    notes.push_back({"tags", true,
                     keys.empty() ? "none on the source"
                                  : fmt::format("{} ({})", keys.size(), fmt::join(keys, ", "))});
    std::vector<std::string> reserved;
    for (const Tag& tag : tags) {
      if (tag.key.starts_with("aws:")) reserved.push_back(tag.key);
    }
    if (!reserved.empty()) {
      notes.push_back({"tags reserved for AWS", false,
                       fmt::format("not copied: {}; keys starting with aws: are set by AWS "
                                   "services and cannot be set by users",
                                   fmt::join(reserved, ", "))});
    }
  }
  if (!ttl) {
    notes.push_back({std::string(kTtlSetting), false, "not copied: " + unread.ttl_unread});
  } else if ((ttl->status == "ENABLED" || ttl->status == "ENABLING") &&
             !ttl->attribute_name.empty()) {
    plan.ttl = TimeToLiveDescription{"ENABLED", ttl->attribute_name};
    notes.push_back({std::string(kTtlSetting), true,
                     fmt::format("enabled on attribute {} once the table exists; copied items "
                                 "whose expiry time has passed may be deleted from the target",
                                 ttl->attribute_name)});
  } else {
    notes.push_back({std::string(kTtlSetting), true, "disabled on the source"});
  }
  if (!backups) {
    notes.push_back({std::string(kPitrSetting), false, "not copied: " + unread.backups_unread});
  } else if (backups->point_in_time_recovery_status == "ENABLED") {
    plan.point_in_time_recovery = true;
    plan.recovery_period_in_days = backups->recovery_period_in_days;
    notes.push_back(
        {std::string(kPitrSetting), true,
         backups->recovery_period_in_days > 0
             ? fmt::format("enabled once the table exists, with the source's recovery period "
                           "({} days)",
                           backups->recovery_period_in_days)
             : std::string("enabled once the table exists; the source's description gives no "
                           "recovery period, so the target gets DynamoDB's default (35 days)")});
  } else {
    notes.push_back({std::string(kPitrSetting), true, "disabled on the source"});
  }

  // --- Settings not copied ---
  dom::array replicas;
  std::vector<std::string> regions;
  if (table["Replicas"].get(replicas) == simdjson::SUCCESS) {
    for (dom::element r : replicas) regions.push_back(StringOf(r, "RegionName"));
  }
  const std::string global_version = StringOf(table, "GlobalTableVersion");
  if (!regions.empty() || !global_version.empty()) {
    std::string detail = "not copied: the source is a global table";
    if (!global_version.empty()) detail += fmt::format(" (version {})", global_version);
    if (!regions.empty()) detail += fmt::format(" with replicas in {}", fmt::join(regions, ", "));
    const std::string consistency = StringOf(table, "MultiRegionConsistency");
    if (!consistency.empty()) detail += fmt::format(", {} multi-Region consistency", consistency);
    detail +=
        "; the target is a single-Region table: add replicas with UpdateTable once the copy is "
        "done";
    notes.push_back({"global table replicas", false, std::move(detail)});
  }
  std::vector<std::string> warm;
  if (std::optional<Throughput> t =
          ThroughputOf(table, "WarmThroughput", "ReadUnitsPerSecond", "WriteUnitsPerSecond")) {
    warm.push_back(fmt::format("table {} reads/s, {} writes/s", t->read, t->write));
  }
  for (const IndexSpec& index : gsis) {
    if (index.warm) {
      warm.push_back(fmt::format("index {} {} reads/s, {} writes/s", index.name, index.warm->read,
                                 index.warm->write));
    }
  }
  if (!warm.empty()) {
    notes.push_back({"warm throughput", false,
                     fmt::format("not copied: the source reports {}; these follow the source's "
                                 "traffic history and pre-warming is billed, so the target "
                                 "starts at DynamoDB's default (raise it with UpdateTable)",
                                 fmt::join(warm, "; "))});
  }
  if (provisioned) {
    notes.push_back({"auto scaling", false,
                     "not copied: Application Auto Scaling policies are not part of the table's "
                     "description; the target's capacity stays fixed until you add them"});
  }
  notes.push_back({"contributor insights", false,
                   "not copied: not part of DescribeTable; not read from the source"});
  notes.push_back({"Kinesis streaming destinations", false,
                   "not copied: not part of DescribeTable; not read from the source"});
  notes.push_back({"resource policy", false,
                   "not copied: not part of DescribeTable, and it names the source's ARN"});

  dom::object members;
  if (table.get(members) == simdjson::SUCCESS) {
    for (dom::key_value_pair member : members) {
      if (Contains(kTableCopied, member.key) || Contains(kTableReadOnly, member.key) ||
          Contains(kTableNoted, member.key)) {
        continue;
      }
      unknown.push_back({std::string(member.key), false,
                         "not copied: ddbmigrate does not know this table member; check whether "
                         "the target needs it"});
    }
  }
  notes.insert(notes.end(), unknown.begin(), unknown.end());
  return plan;
}

// True when the service answered (so the setting is merely unavailable to us) rather than the
// connection or credentials failing.
bool ServiceAnswered(const Error& error) {
  return error.kind == ErrorKind::kService || error.kind == ErrorKind::kCorruption;
}

std::string CouldNotRead(const Error& error) {
  return fmt::format("could not be read from the source ({})", error.ToString());
}

Status EnablePointInTimeRecovery(const DynamoDbClient& client, const std::string& table,
                                 int64_t recovery_period_in_days) {
  aws::Clock* clock = client.service_client().config().clock;
  const auto deadline = clock->SteadyNow() + kBackupsReadyTimeout;
  for (;;) {
    Status status = client.UpdateContinuousBackups(table, true, recovery_period_in_days);
    if (status.ok() || status.error().code != "ContinuousBackupsUnavailableException" ||
        clock->SteadyNow() >= deadline) {
      return status;
    }
    clock->SleepFor(kBackupsRetryInterval);
  }
}

// The IndexStatus of global secondary index `index` in a table description; empty when the
// table has no such index.
std::string GlobalIndexStatus(const std::string& table_json, std::string_view index) {
  dom::parser parser;
  dom::element table;
  if (parser.parse(simdjson::padded_string(table_json)).get(table) != simdjson::SUCCESS) return {};
  dom::array gsis;
  if (table["GlobalSecondaryIndexes"].get(gsis) != simdjson::SUCCESS) return {};
  for (dom::element e : gsis) {
    if (StringOf(e, "IndexName") == index) return StringOf(e, "IndexStatus");
  }
  return {};
}

Error WaitFailure(std::string message) {
  Error error = Error::Make(ErrorKind::kService, std::move(message));
  error.service = "dynamodb";
  error.operation = "DescribeTable";
  return error;
}

// Sleeps `duration` on `clock`, in slices of at most a second when `stop` is given; false when
// `stop` turned true (the rest of the sleep is skipped).
bool SleepUnlessStopped(aws::Clock* clock, std::chrono::seconds duration,
                        const std::atomic<bool>* stop) {
  if (stop == nullptr) {
    clock->SleepFor(duration);
    return true;
  }
  for (std::chrono::seconds left = duration; left.count() > 0; left -= std::chrono::seconds(1)) {
    if (stop->load()) return false;
    clock->SleepFor(std::min(left, std::chrono::seconds(1)));
  }
  return !stop->load();
}

Error StoppedWaiting(const std::string& table, const std::string& index, bool sent) {
  return Error::Make(ErrorKind::kCancelled,
                     sent
                         ? fmt::format("stopped waiting for index {} of table {}; DynamoDB goes "
                                       "on building it",
                                       index, table)
                         : fmt::format("stopped before adding index {} to table {}", index, table));
}

Status WaitForIndex(const DynamoDbClient& client, const std::string& table,
                    const std::string& index, std::chrono::seconds timeout,
                    const std::atomic<bool>* stop,
                    const std::function<void(const std::string&)>& notice) {
  aws::Clock* clock = client.service_client().config().clock;
  const auto start = clock->SteadyNow();
  auto last_notice = start;
  std::chrono::seconds interval(1);
  for (;;) {
    Result<TableDescription> description = client.DescribeTable(table);
    if (!description.ok()) return std::move(description).error();
    const std::string status = GlobalIndexStatus(description->raw_json, index);
    if (status == "ACTIVE" && description->table_status == "ACTIVE") return Status::Ok();
    const auto elapsed = clock->SteadyNow() - start;
    if (status.empty() && elapsed >= kIndexAppearTimeout) {
      return WaitFailure(fmt::format(
          "index {} of table {} is gone: DynamoDB accepted it but did not build it", index, table));
    }
    if (elapsed >= timeout) {
      return WaitFailure(fmt::format("index {} of table {} is still {} after {} s", index, table,
                                     status.empty() ? "missing" : status, timeout.count()));
    }
    if (notice && clock->SteadyNow() - last_notice >= kIndexNoticeInterval) {
      last_notice = clock->SteadyNow();
      notice(fmt::format(
          "index {} of table {} is still {} after {} s", index, table,
          status.empty() ? "missing" : status,
          std::chrono::duration_cast<std::chrono::seconds>(last_notice - start).count()));
    }
    if (!SleepUnlessStopped(clock, interval, stop)) return StoppedWaiting(table, index, true);
    interval = std::min(interval * 2, kIndexMaxPollInterval);
  }
}

// The index an UpdateTable body of CreateDeferredIndexes creates.
Result<std::string> CreatedIndexName(const std::string& body) {
  dom::parser parser;
  std::string_view name;
  if (parser.parse(simdjson::padded_string(body))
          .at_pointer("/GlobalSecondaryIndexUpdates/0/Create/IndexName")
          .get(name) != simdjson::SUCCESS) {
    return Error::Make(ErrorKind::kInternal,
                       "a deferred index update does not create a global secondary index");
  }
  return std::string(name);
}

}  // namespace

std::string SettingNoteText(const SettingNote& note) {
  std::string detail = note.detail;
  for (const char* prefix : {"not copied: ", "copied: "}) {
    if (detail.starts_with(prefix)) detail.erase(0, std::string_view(prefix).size());
  }
  std::string text = note.setting + (note.copied   ? ": copied"
                                     : note.failed ? ": not applied"
                                                   : ": not copied");
  if (!detail.empty()) text += (note.copied ? " (" + detail + ")" : ": " + detail);
  return text;
}

Result<TargetTablePlan> PlanTargetTable(const TableDescription& source,
                                        const TargetTableOptions& options,
                                        const std::optional<TimeToLiveDescription>& ttl,
                                        const std::optional<ContinuousBackupsDescription>& backups,
                                        const std::vector<Tag>& tags) {
  return BuildPlan(source, options, ttl, backups, tags, TableSettings{});
}

Result<TableSettings> ReadTableSettings(const DynamoDbClient& source_client,
                                        const TableDescription& source) {
  TableSettings settings;
  Result<TimeToLiveDescription> ttl_answer = source_client.DescribeTimeToLive(source.table_name);
  if (ttl_answer.ok()) {
    settings.ttl = std::move(*ttl_answer);
  } else if (ServiceAnswered(ttl_answer.error())) {
    settings.ttl_unread = CouldNotRead(ttl_answer.error());
  } else {
    return std::move(ttl_answer).error();
  }

  Result<ContinuousBackupsDescription> backups_answer =
      source_client.DescribeContinuousBackups(source.table_name);
  if (backups_answer.ok()) {
    settings.backups = std::move(*backups_answer);
  } else if (ServiceAnswered(backups_answer.error())) {
    settings.backups_unread = CouldNotRead(backups_answer.error());
  } else {
    return std::move(backups_answer).error();
  }

  if (source.table_arn.empty()) {
    settings.tags_unread = "the source's description has no TableArn to read them with";
  } else {
    Result<std::vector<Tag>> tags_answer = source_client.ListTagsOfResource(source.table_arn);
    if (tags_answer.ok()) {
      settings.tags = std::move(*tags_answer);
    } else if (ServiceAnswered(tags_answer.error())) {
      settings.tags_unread = CouldNotRead(tags_answer.error());
    } else {
      return std::move(tags_answer).error();
    }
  }
  return settings;
}

Result<TargetTablePlan> PlanTargetTableWith(const TableDescription& source,
                                            const TargetTableOptions& options,
                                            const TableSettings& settings) {
  return BuildPlan(source, options, settings.ttl, settings.backups, settings.tags, settings);
}

Result<TargetTablePlan> PlanTargetTableFrom(const DynamoDbClient& source_client,
                                            const TableDescription& source,
                                            const TargetTableOptions& options) {
  Result<TableSettings> settings = ReadTableSettings(source_client, source);
  if (!settings.ok()) return std::move(settings).error();
  return PlanTargetTableWith(source, options, *settings);
}

namespace {

// `setting` could not be applied to the new table: noted so, and listed as not applied.
void SetFailedNote(TargetTablePlan* plan, std::string_view setting, std::string detail) {
  SetNote(&plan->notes, setting, false, std::move(detail));
  for (SettingNote& note : plan->notes) {
    if (note.setting == setting) note.failed = true;
  }
  plan->settings_not_applied.emplace_back(setting);
}

// Waits until the table of `plan` is ACTIVE, then enables TTL and point-in-time recovery as
// planned. `may_be_on`: an earlier run may have enabled them, so ask first (asking again for
// TTL already on is a ValidationException, and point-in-time recovery on with the planned
// period needs no write).
Status FinishCreatedTable(const DynamoDbClient& target_client, TargetTablePlan& plan,
                          bool may_be_on) {
  Result<TableDescription> active =
      target_client.WaitUntilActive(plan.table_name, plan.table_timeout);
  if (!active.ok()) return std::move(active).error();

  bool enable_ttl = plan.ttl.has_value();
  if (enable_ttl && may_be_on) {
    Result<TimeToLiveDescription> ttl = target_client.DescribeTimeToLive(plan.table_name);
    if (ttl.ok() && (ttl->status == "ENABLED" || ttl->status == "ENABLING")) enable_ttl = false;
  }
  // A stop is not a failure to enable: the table is left unfinished, for a resume to finish.
  if (enable_ttl) {
    Status status = target_client.UpdateTimeToLive(plan.table_name, plan.ttl->attribute_name, true);
    if (!status.ok() && status.error().kind == ErrorKind::kCancelled) return status;
    if (!status.ok()) {
      SetFailedNote(&plan, kTtlSetting,
                    fmt::format("enabling it on attribute {} failed ({})", plan.ttl->attribute_name,
                                status.error().ToString()));
    }
  }
  bool enable_pitr = plan.point_in_time_recovery;
  if (enable_pitr && may_be_on) {
    Result<ContinuousBackupsDescription> backups =
        target_client.DescribeContinuousBackups(plan.table_name);
    if (backups.ok() && backups->point_in_time_recovery_status == "ENABLED" &&
        (plan.recovery_period_in_days == 0 ||
         backups->recovery_period_in_days == plan.recovery_period_in_days)) {
      enable_pitr = false;
    }
  }
  if (enable_pitr) {
    Status status =
        EnablePointInTimeRecovery(target_client, plan.table_name, plan.recovery_period_in_days);
    if (!status.ok() && status.error().kind == ErrorKind::kCancelled) return status;
    if (!status.ok()) {
      SetFailedNote(&plan, kPitrSetting,
                    fmt::format("enabling it failed ({})", status.error().ToString()));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CreateTargetTable(const DynamoDbClient& target_client, TargetTablePlan& plan) {
  Result<TableDescription> created = target_client.CreateTable(plan.create_table_json);
  if (!created.ok()) {
    Error error = std::move(created).error();
    if (error.code == "ResourceInUseException") {
      error.kind = ErrorKind::kInvalidInput;
      error.message = fmt::format(
          "target table {} already exists (or is being created or deleted){}; drop "
          "--create-target to copy into the existing table, or pick another --target-table name",
          plan.table_name,
          error.earlier_sending_unanswered
              ? " and could not be shown to be this run's own (an earlier sending of its "
                "CreateTable went unanswered)"
              : "");
    }
    return error;
  }
  return FinishCreatedTable(target_client, plan, /*may_be_on=*/false);
}

Status FinishTargetTable(const DynamoDbClient& target_client, TargetTablePlan& plan) {
  return FinishCreatedTable(target_client, plan, /*may_be_on=*/true);
}

Status CreateDeferredIndexes(const DynamoDbClient& target_client, const TargetTablePlan& plan,
                             const std::atomic<bool>* stop,
                             const std::function<void(const std::string&)>& notice) {
  if (plan.deferred_index_updates.empty()) return Status::Ok();
  Result<TableDescription> target = target_client.DescribeTable(plan.table_name);
  if (!target.ok()) return std::move(target).error();
  const size_t count = plan.deferred_index_updates.size();
  for (size_t i = 0; i < count; ++i) {
    Result<std::string> index = CreatedIndexName(plan.deferred_index_updates[i]);
    if (!index.ok()) return std::move(index).error();
    const std::string status = GlobalIndexStatus(target->raw_json, *index);
    const bool asked = !status.empty();
    if (!asked) {
      if (stop != nullptr && stop->load()) return StoppedWaiting(plan.table_name, *index, false);
      Result<TableDescription> updated = target_client.UpdateTable(plan.deferred_index_updates[i]);
      if (!updated.ok()) return std::move(updated).error();
    }
    if (notice && status != "ACTIVE") {
      notice(
          fmt::format("{} index {} of table {} ({} of {}); DynamoDB builds it from the items, "
                      "which can take a while",
                      asked ? "waiting for" : "adding", *index, plan.table_name, i + 1, count));
    }
    Status active =
        WaitForIndex(target_client, plan.table_name, *index, plan.index_timeout, stop, notice);
    if (!active.ok()) return active;
  }
  return Status::Ok();
}

}  // namespace ddbm::dynamodb
