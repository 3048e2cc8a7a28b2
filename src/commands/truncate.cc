// `ddbmigrate truncate`: deletes every item of a table, keeping the table and its settings.
#include "commands/truncate.h"

#include <fmt/format.h>

#include <iostream>

#include "aws/json_writer.h"
#include "commands/interrupt.h"
#include "commands/table_pair.h"
#include "commands/transfer_runner.h"
#include "dynamodb/table_ref.h"

namespace ddbm::commands {

aws::Result<Outcome> TruncateTable(const Connection& connection,
                                   const dynamodb::TableDescription& table,
                                   const TruncateOptions& options, const std::atomic<bool>* stop) {
  if (!options.yes) {
    aws::Status confirmed =
        Confirm(fmt::format("This deletes all {} items (approximate count) of table {} in {}",
                            table.item_count, table.table_name, connection.region()),
                table.table_name);
    if (!confirmed.ok()) return std::move(confirmed).error();
  }
  pipeline::TransferOptions transfer;
  transfer.operation = "truncate";
  transfer.source_table = table.table_name;
  transfer.target_table = table.table_name;
  transfer.write_kind = dynamodb::WriteRequest::Kind::kDelete;
  transfer.segments = options.segments;
  transfer.readers = options.readers;
  transfer.page_size = options.page_size;
  transfer.writers = options.writers;
  transfer.consumed_capacity = options.consumed_capacity;
  // Keys only: each scanned "item" is then exactly the key to delete.
  std::string names;
  aws::JsonWriter w(&names);
  w.BeginObject();
  for (size_t i = 0; i < table.key_schema.size(); ++i) {
    if (i > 0) transfer.projection_expression += ", ";
    transfer.projection_expression += "#k" + std::to_string(i);
    w.Member("#k" + std::to_string(i), table.key_schema[i].attribute_name);
  }
  w.EndObject();
  transfer.expression_attribute_names = names;

  const aws::RetryPolicy& policy = connection.dynamodb().service_client().retry_policy();
  pipeline::TransferContext context;
  context.source = &connection.dynamodb();
  context.target = &connection.dynamodb();
  context.write_policy = &policy;
  context.stop = stop;
  context.clock = aws::Clock::Real();
  pipeline::TransferCounters counters;
  pipeline::TableTransfer run(context, transfer);
  aws::Result<pipeline::TransferResult> result = RunWithProgress(
      run, &counters, connection, connection, static_cast<uint64_t>(table.item_count));
  if (!result.ok()) return std::move(result).error();
  std::cerr << fmt::format("deleted {} items from {}{}\n", counters.writes.items_written.load(),
                           table.table_name, result->interrupted ? " (interrupted)" : "");
  return result->interrupted ? Outcome::kInterrupted : Outcome::kSuccess;
}

namespace {

class TruncateCommand final : public Command {
 public:
  std::string name() const override { return "truncate"; }
  std::string description() const override {
    return "Delete every item of a table, keeping the table [API: DescribeTable, Scan, "
           "BatchWriteItem]";
  }
  void AddFlags(CLI::App& app) override {
    app.add_option("--table", table_, "Table to empty (name or ARN)")->required();
    app.add_option("--segments", options_.segments, "Scan segments (TotalSegments)")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--readers", options_.readers, "Segments scanned at once")
        ->check(CLI::Range(1, 1000));
    app.add_option("--page-size", options_.page_size, "Keys per Scan page (Scan Limit)")
        ->check(CLI::Range(0, 1000000));
    app.add_option("--writers", options_.writers, "Concurrent BatchWriteItem requests (default 16)")
        ->check(CLI::Range(1, 1024));
    app.add_flag("--yes", options_.yes, "Do not ask for confirmation");
    app.add_flag("--no-consumed-capacity", no_consumed_capacity_,
                 "Do not ask DynamoDB for the capacity each request consumed (no RCU/WCU in the "
                 "progress); saves server work on DynamoDB Local");
  }
  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    aws::Result<TableConnection> opened_table = OpenTableConnection(global, table_);
    if (!opened_table.ok()) return std::move(opened_table).error();
    const dynamodb::TableRef& ref = opened_table->ref;
    const Connection& db = *opened_table->connection;
    aws::Result<dynamodb::TableDescription> table = DescribeRole(db, ref, "table");
    if (!table.ok()) return std::move(table).error();
    options_.consumed_capacity = !no_consumed_capacity_;
    return TruncateTable(db, *table, options_, InstallInterruptHandler());
  }

 private:
  std::string table_;
  TruncateOptions options_;
  bool no_consumed_capacity_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeTruncateCommand() { return std::make_unique<TruncateCommand>(); }

}  // namespace ddbm::commands
