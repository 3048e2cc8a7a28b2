#include "pipeline/import_checkpoint.h"

#include <simdjson.h>

#include "aws/json_writer.h"

namespace ddbm::pipeline {

ImportCheckpoint::Export& ImportCheckpoint::For(const std::string& export_id) {
  for (Export& e : exports) {
    if (e.export_id == export_id) return e;
  }
  exports.push_back({export_id, false, {}});
  return exports.back();
}

std::string SerializeImportCheckpoint(const ImportCheckpoint& c) {
  std::string out;
  aws::JsonWriter w(&out);
  w.BeginObject()
      .MemberInt("Version", 1)
      .Member("Operation", "import")
      .Member("Source", c.source)
      .Member("Target", c.target)
      .Key("Exports")
      .BeginArray();
  for (const ImportCheckpoint::Export& e : c.exports) {
    w.BeginObject().Member("ExportId", e.export_id).MemberBool("Done", e.done);
    w.Key("Files").BeginArray();
    for (const std::string& f : e.files) w.String(f);
    w.EndArray().EndObject();
  }
  w.EndArray();
  if (!c.dead_letter_file.empty()) w.Member("DeadLetterFile", c.dead_letter_file);
  if (c.dead_lettered > 0) w.MemberInt("DeadLettered", static_cast<int64_t>(c.dead_lettered));
  if (c.creating_target) w.MemberBool("CreatingTarget", true);
  WriteTableIdentity(w, "TargetTable", c.target_identity);
  w.EndObject();
  out += '\n';
  return out;
}

aws::Result<ImportCheckpoint> ParseImportCheckpoint(std::string_view text,
                                                    const std::string& path) {
  auto invalid = [&](const std::string& what) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            path + ": " + what + "; is it a checkpoint written by import?");
  };
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(text)).get(root) != simdjson::SUCCESS) {
    return invalid("not JSON");
  }
  std::string_view operation, source, target;
  simdjson::dom::array exports;
  if (root["Operation"].get(operation) != simdjson::SUCCESS || operation != "import" ||
      root["Source"].get(source) != simdjson::SUCCESS ||
      root["Target"].get(target) != simdjson::SUCCESS ||
      root["Exports"].get(exports) != simdjson::SUCCESS) {
    return invalid("not an import checkpoint");
  }
  ImportCheckpoint c;
  c.source = std::string(source);
  c.target = std::string(target);
  std::string_view dead_letter_file;
  if (root["DeadLetterFile"].get(dead_letter_file) == simdjson::SUCCESS) {
    c.dead_letter_file = std::string(dead_letter_file);
  }
  int64_t dead = 0;
  if (root["DeadLettered"].get(dead) == simdjson::SUCCESS && dead > 0) {
    c.dead_lettered = static_cast<uint64_t>(dead);
  }
  bool creating = false;
  if (root["CreatingTarget"].get(creating) == simdjson::SUCCESS) c.creating_target = creating;
  std::optional<TableIdentity> identity = ReadTableIdentity(root, "TargetTable");
  if (!identity) return invalid("its TargetTable is damaged");
  c.target_identity = std::move(*identity);
  for (simdjson::dom::element e : exports) {
    ImportCheckpoint::Export entry;
    std::string_view id;
    simdjson::dom::array files;
    if (e["ExportId"].get(id) != simdjson::SUCCESS ||
        e["Done"].get(entry.done) != simdjson::SUCCESS ||
        e["Files"].get(files) != simdjson::SUCCESS) {
      return invalid("an export entry lacks ExportId, Done or Files");
    }
    entry.export_id = std::string(id);
    for (simdjson::dom::element f : files) {
      std::string_view key;
      if (f.get(key) != simdjson::SUCCESS) return invalid("a file entry is not a string");
      entry.files.insert(std::string(key));
    }
    c.exports.push_back(std::move(entry));
  }
  return c;
}

}  // namespace ddbm::pipeline
