// `ddbmigrate tables`: lists the tables of an account and region with their size and keys.
#include <fmt/format.h>

#include <iostream>

#include "aws/json_writer.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/interrupt.h"
#include "commands/output.h"

namespace ddbm::commands {
namespace {

class TablesCommand final : public Command {
 public:
  std::string name() const override { return "tables"; }
  std::string description() const override {
    return "List tables with item count, size, key schema and billing mode "
           "[API: ListTables, DescribeTable]";
  }
  void AddFlags(CLI::App& app) override {
    app.add_option("--prefix", prefix_, "Only tables whose name starts with this");
  }

  aws::Result<Outcome> Run(const GlobalOptions& options) override {
    aws::Result<std::unique_ptr<Connection>> connection = Connection::Open(options, {});
    if (!connection.ok()) return std::move(connection).error();
    const std::atomic<bool>* stop = StopFlag();
    const dynamodb::DynamoDbClient& ddb = (*connection)->dynamodb();
    aws::Result<std::vector<std::string>> names = ddb.ListTables();
    if (!names.ok()) return std::move(names).error();
    std::vector<dynamodb::TableDescription> tables;
    std::vector<Unreadable> unreadable;
    std::vector<std::vector<std::string>> rows;  // in ListTables' order
    for (const std::string& name : *names) {
      if (!name.starts_with(prefix_)) continue;
      if (stop->load()) return aws::Error::Make(aws::ErrorKind::kCancelled, "listing stopped");
      aws::Result<dynamodb::TableDescription> table = ddb.DescribeTable(name);
      if (table.ok()) {
        const dynamodb::TableDescription& t = *table;
        rows.push_back({t.table_name, t.table_status, std::to_string(t.item_count),
                        std::to_string(t.table_size_bytes), t.KeySchemaText(), t.billing_mode});
        tables.push_back(std::move(*table));
        continue;
      }
      // Deleted since it was listed: no longer one of the tables.
      if (table.error().code == "ResourceNotFoundException") continue;
      // What is about this table alone (AccessDenied for it, say) is shown with it; what would
      // fail for every table (no credentials, no connection, a stop) ends the run.
      if (table.error().kind != aws::ErrorKind::kService) return std::move(table).error();
      unreadable.push_back({name, table.error().ToString()});
      rows.push_back({name, "?", "?", "?", "?", "?"});
    }
    if (options.output == "json") {
      std::cout << RenderJson(tables, unreadable) << '\n';
    } else {
      std::cout << RenderTable({"TABLE", "STATUS", "ITEMS", "BYTES", "KEY SCHEMA", "BILLING"},
                               rows);
    }
    if (unreadable.empty()) return Outcome::kSuccess;
    std::cout.flush();
    for (const Unreadable& u : unreadable) {
      std::cerr << "ddbmigrate: cannot describe table " << u.name << ": " << u.error << '\n';
    }
    return Outcome::kIncomplete;
  }

 private:
  struct Unreadable {
    std::string name;
    std::string error;  // why DescribeTable failed, one line
  };

  // {"Tables": [...]}, and "Unreadable": [{"TableName", "Error"}] when some could not be
  // described.
  static std::string RenderJson(const std::vector<dynamodb::TableDescription>& tables,
                                const std::vector<Unreadable>& unreadable) {
    std::string out;
    aws::JsonWriter w(&out);
    w.BeginObject().Key("Tables").BeginArray();
    for (const auto& t : tables) {
      w.BeginObject()
          .Member("TableName", t.table_name)
          .Member("TableStatus", t.table_status)
          .MemberInt("ItemCount", t.item_count)
          .MemberInt("TableSizeBytes", t.table_size_bytes)
          .Member("BillingMode", t.billing_mode)
          .Key("KeySchema")
          .BeginArray();
      for (const auto& k : t.key_schema) {
        w.BeginObject()
            .Member("AttributeName", k.attribute_name)
            .Member("KeyType", k.key_type)
            .Member("AttributeType", k.attribute_type)
            .EndObject();
      }
      w.EndArray().EndObject();
    }
    w.EndArray();
    if (!unreadable.empty()) {
      w.Key("Unreadable").BeginArray();
      for (const Unreadable& u : unreadable) {
        w.BeginObject().Member("TableName", u.name).Member("Error", u.error).EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
    return out;
  }

  std::string prefix_;
};

}  // namespace

std::unique_ptr<Command> MakeTablesCommand() { return std::make_unique<TablesCommand>(); }

}  // namespace ddbm::commands
