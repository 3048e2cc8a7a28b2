// `ddbmigrate truncate`: deletes every item of a table, keeping the table and its settings.
#include "commands/truncate.h"

#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "aws/json_writer.h"
#include "commands/capacity_flag.h"
#include "commands/dry_run_plan.h"
#include "commands/interrupt.h"
#include "commands/output.h"
#include "commands/scan_flags.h"
#include "commands/table_pair.h"
#include "commands/transfer_runner.h"
#include "dynamodb/table_ref.h"

namespace ddbm::commands {

std::pair<std::string, std::string> KeyProjection(const dynamodb::TableDescription& table) {
  std::string expression;
  std::string names;
  aws::JsonWriter w(&names);
  w.BeginObject();
  for (size_t i = 0; i < table.key_schema.size(); ++i) {
    if (i > 0) expression += ", ";
    expression += "#k" + std::to_string(i);
    w.Member("#k" + std::to_string(i), table.key_schema[i].attribute_name);
  }
  w.EndObject();
  return {expression, names};
}

aws::Status ConfirmTruncate(const Connection& connection, const dynamodb::TableDescription& table) {
  InstallInterruptHandler("nothing was deleted");
  return Confirm(fmt::format("This deletes all {} items (approximate count) of table {} in {}",
                             table.item_count, table.table_name, connection.region()),
                 table.table_name);
}

aws::Result<bool> TableHoldsItems(const Connection& connection,
                                  const dynamodb::TableDescription& table, bool consistent_read,
                                  pipeline::RateLimiter* limiter) {
  dynamodb::ScanRequest probe;
  probe.table_name = table.table_name;
  probe.limit = 1;
  probe.consistent_read = consistent_read;
  std::tie(probe.projection_expression, probe.expression_attribute_names) = KeyProjection(table);
  while (true) {
    if (limiter != nullptr) limiter->Acquire(consistent_read ? 1.0 : 0.5);
    aws::Result<dynamodb::ItemPage> page = connection.dynamodb().Scan(probe);
    if (!page.ok()) return std::move(page).error();
    if (!page->items.empty()) return true;
    if (!page->last_evaluated_key) return false;
    probe.exclusive_start_key = std::move(page->last_evaluated_key);
  }
}

aws::Result<Outcome> TruncateTable(const Connection& connection,
                                   const dynamodb::TableDescription& table,
                                   const TruncateOptions& options, const std::atomic<bool>* stop) {
  if (!options.yes) {
    if (aws::Status s = ConfirmTruncate(connection, table); !s.ok()) return std::move(s).error();
  }
  InstallInterruptHandler(options.on_stop);
  pipeline::TransferOptions transfer;
  transfer.operation = "truncate";
  transfer.source_table = table.table_name;
  transfer.target_table = table.table_name;
  transfer.write_kind = dynamodb::WriteRequest::Kind::kDelete;
  transfer.segments = options.segments;
  transfer.readers = options.readers;
  transfer.page_size = options.page_size;
  transfer.writers = options.writers;
  transfer.read_consumed_capacity = options.read_consumed_capacity;
  transfer.write_consumed_capacity = options.write_consumed_capacity;
  // Keys only: each scanned "item" is then exactly the key to delete.
  std::tie(transfer.projection_expression, transfer.expression_attribute_names) =
      KeyProjection(table);

  const aws::RetryPolicy& policy = connection.dynamodb().service_client().retry_policy();
  pipeline::TransferContext context;
  context.source = &connection.dynamodb();
  context.target = &connection.dynamodb();
  context.write_policy = &policy;
  context.read_limiter = options.read_limiter;
  context.write_limiter = options.write_limiter;
  context.stop = stop;
  context.clock = aws::Clock::Real();
  pipeline::TransferCounters counters;
  pipeline::TableTransfer run(context, transfer);
  const auto started = std::chrono::steady_clock::now();
  aws::Result<pipeline::TransferResult> result = RunWithProgress(
      run, &counters, connection, connection, static_cast<uint64_t>(table.item_count));
  if (!result.ok()) return DescribeError(std::move(result).error(), "table", table.table_name);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const uint64_t deleted = counters.writes.items_written.load();
  std::cerr << fmt::format("deleted {} from {}{}\n", Counted(deleted, "item"), table.table_name,
                           result->interrupted ? " (interrupted)" : "");
  // Items written while the scan ran behind them are not deleted: a strongly consistent read
  // of one key says whether the table is empty now.
  std::optional<bool> empty;
  if (!result->interrupted) {
    aws::Result<bool> holds =
        TableHoldsItems(connection, table, /*consistent_read=*/true, options.read_limiter);
    if (!holds.ok()) {
      aws::Error error = DescribeError(std::move(holds).error(), "table", table.table_name);
      error.AddAdvice("the deletes are done, only the check that the table is empty failed");
      return error;
    }
    empty = !*holds;
    if (!*empty) {
      std::cerr << fmt::format(
          "ddbmigrate: warning: {} is not empty: items were written to it while it was being "
          "emptied{}; {}\n",
          table.table_name,
          counters.items_dead_lettered.load() > 0 ? ", or could not be deleted" : "",
          options.not_empty_advice);
    }
  }
  if (options.json_summary) {
    std::string out;
    aws::JsonWriter w(&out);
    w.BeginObject()
        .Member("Table", table.table_name)
        .MemberInt("ItemsDeleted", static_cast<int64_t>(deleted))
        .MemberInt("ItemsDeadLettered", static_cast<int64_t>(counters.items_dead_lettered.load()));
    if (options.read_consumed_capacity) {
      w.Key("ReadCapacityUnits").Double(counters.scan.read_capacity.load());
    }
    if (options.write_consumed_capacity) {
      w.Key("WriteCapacityUnits").Double(counters.writes.consumed_capacity.load());
    }
    w.Key("Seconds").Double(seconds).MemberBool("Interrupted", result->interrupted);
    if (empty) w.MemberBool("Empty", *empty);
    w.EndObject();
    std::cout << out << '\n';
  }
  if (result->interrupted) return Outcome::kInterrupted;
  return *empty ? Outcome::kSuccess : Outcome::kIncomplete;
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
        ->transform(WholeNumberRange(1, 1000000));
    AddReadersFlag(app, &options_.readers, "Segments scanned at once (default 8)");
    app.add_option("--page-size", options_.page_size, "Keys per Scan page (Scan Limit)")
        ->transform(WholeNumberRange(0, 1000000));
    app.add_option("--writers", options_.writers, "Concurrent BatchWriteItem requests (default 16)")
        ->transform(WholeNumberRange(1, 1024));
    app.add_flag("--yes", options_.yes, "Do not ask for confirmation");
    AddConsumedCapacityFlag(app, &capacity_);
    CLI::Option* read_units =
        app.add_option("--read-rate", read_rate_, "Read capacity units per second, at most")
            ->check(PositiveRate());
    app.add_option("--read-percent", read_percent_,
                   "At most this percent of the table's provisioned read capacity")
        ->check(DecimalRange(1, 100))
        ->excludes(read_units);
    AddWriteRateFlags(app, &write_rate_, &write_percent_, "the table's");
    app.add_flag("--dry-run", dry_run_,
                 "Print what would be deleted and the first requests; delete nothing");
  }
  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    aws::Result<TableConnection> opened_table = OpenTableConnection(global, table_);
    if (!opened_table.ok()) return std::move(opened_table).error();
    const dynamodb::TableRef& ref = opened_table->ref;
    const Connection& db = *opened_table->connection;
    aws::Result<dynamodb::TableDescription> table = DescribeRole(db, ref, "table");
    if (!table.ok()) return std::move(table).error();
    if (aws::Status s =
            capacity_.CheckRates(read_rate_ || read_percent_ || write_rate_ || write_percent_,
                                 "--read-rate, --write-rate, --read-percent or --write-percent");
        !s.ok()) {
      return std::move(s).error();
    }
    aws::Result<double> read_rate =
        pipeline::ResolveRate(read_rate_, read_percent_, table->read_capacity_units, "read");
    if (!read_rate.ok()) return std::move(read_rate).error();
    aws::Result<double> write_rate =
        pipeline::ResolveRate(write_rate_, write_percent_, table->write_capacity_units, "write");
    if (!write_rate.ok()) return std::move(write_rate).error();
    if (dry_run_) {
      PrintPlan(global, db, *table, *read_rate, *write_rate);
      return Outcome::kSuccess;
    }
    options_.read_consumed_capacity = capacity_.reads(*read_rate > 0);
    options_.write_consumed_capacity = capacity_.writes(*write_rate > 0);
    options_.json_summary = global.output == "json";
    pipeline::RateLimiterOptions read_limit;
    read_limit.units_per_second = *read_rate;
    // Keys only come back, but a Scan is charged for the whole items it reads.
    read_limit.first_request_units =
        ScanPageReadUnits(*table, options_.page_size, options_.segments, false);
    pipeline::RateLimiterOptions write_limit;
    write_limit.units_per_second = *write_rate;
    pipeline::RateLimiter read_limiter(read_limit, aws::Clock::Real());
    pipeline::RateLimiter write_limiter(write_limit, aws::Clock::Real());
    options_.read_limiter = pipeline::IfLimited(read_limiter);
    options_.write_limiter = pipeline::IfLimited(write_limiter);
    return TruncateTable(db, *table, options_, StopFlag());
  }

 private:
  // The --dry-run plan: the table, how many items would go, the rates, and the first Scan (keys
  // only) and the BatchWriteItem of deletes that would follow, on stdout (one JSON object with
  // --output json).
  void PrintPlan(const GlobalOptions& global, const Connection& db,
                 const dynamodb::TableDescription& table, double read_rate,
                 double write_rate) const {
    dynamodb::ScanRequest scan;
    scan.table_name = table.table_name;
    scan.segment = 0;
    scan.total_segments = options_.segments;
    scan.limit = options_.page_size;
    scan.projection_expression = KeyProjection(table).first;
    scan.expression_attribute_names = KeyProjection(table).second;
    const dynamodb::WriteRequest placeholder{dynamodb::WriteRequest::Kind::kDelete, "\"...\""};
    const std::vector<PlannedRequest> requests = {
        {"Scan", dynamodb::DynamoDbClient::ScanRequestJson(scan)},
        {"BatchWriteItem", dynamodb::DynamoDbClient::BatchWriteItemRequestJson(
                               table.table_name, std::span(&placeholder, 1), false)}};
    if (global.output == "json") {
      std::string out;
      aws::JsonWriter w(&out);
      w.BeginObject()
          .MemberBool("DryRun", true)
          .Member("Table", table.table_name)
          .Member("Region", db.region())
          .MemberInt("ItemCount", table.item_count)
          .MemberInt("Segments", options_.segments)
          .MemberInt("Writers", options_.writers);
      WriteRates(&w, read_rate, write_rate);
      WriteFirstRequests(&w, requests);
      w.EndObject();
      std::cout << out << '\n';
      return;
    }
    std::cout << fmt::format(
        "plan: delete every item of {} ({}): about {} items by its description, keys read in "
        "{} segments, {} writers\n",
        table.table_name, db.region(), table.item_count, options_.segments, options_.writers);
    std::cout << RatesLine(read_rate, write_rate)
              << FirstRequestsText(requests,
                                   "\"...\" is a key read by the Scan; up to 25 per "
                                   "request");
    std::cerr << "dry run: nothing was deleted\n";
  }

  std::string table_;
  TruncateOptions options_;
  ConsumedCapacityFlag capacity_;
  std::optional<double> read_rate_;  // units/s
  std::optional<double> read_percent_;
  std::optional<double> write_rate_;
  std::optional<double> write_percent_;
  bool dry_run_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeTruncateCommand() { return std::make_unique<TruncateCommand>(); }

}  // namespace ddbm::commands
