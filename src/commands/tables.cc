// `ddbmigrate tables`: lists the tables of an account and region with their size and keys.
#include <fmt/format.h>

#include <iostream>

#include "aws/json_writer.h"
#include "commands/command.h"
#include "commands/connection.h"
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
    const dynamodb::DynamoDbClient& ddb = (*connection)->dynamodb();
    aws::Result<std::vector<std::string>> names = ddb.ListTables();
    if (!names.ok()) return std::move(names).error();
    std::vector<dynamodb::TableDescription> tables;
    for (const std::string& name : *names) {
      if (!name.starts_with(prefix_)) continue;
      aws::Result<dynamodb::TableDescription> table = ddb.DescribeTable(name);
      if (!table.ok()) return std::move(table).error();
      tables.push_back(std::move(*table));
    }
    if (options.output == "json") {
      std::cout << RenderJson(tables) << '\n';
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& t : tables) {
        rows.push_back({t.table_name, t.table_status, std::to_string(t.item_count),
                        std::to_string(t.table_size_bytes), t.KeySchemaText(), t.billing_mode});
      }
      std::cout << RenderTable({"TABLE", "STATUS", "ITEMS", "BYTES", "KEY SCHEMA", "BILLING"},
                               rows);
    }
    return Outcome::kSuccess;
  }

 private:
  static std::string RenderJson(const std::vector<dynamodb::TableDescription>& tables) {
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
    w.EndArray().EndObject();
    return out;
  }

  std::string prefix_;
};

}  // namespace

std::unique_ptr<Command> MakeTablesCommand() { return std::make_unique<TablesCommand>(); }

}  // namespace ddbm::commands
