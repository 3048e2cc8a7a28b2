// `ddbmigrate copy`: table-to-table copy (parallel scan, batched writes, retried to the end).
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "aws/json_writer.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "pipeline/table_copy.h"

namespace ddbm::commands {
namespace {

class CopyCommand final : public Command {
 public:
  std::string name() const override { return "copy"; }
  std::string description() const override {
    return "Copy every item of one table into another [API: DescribeTable, Scan, BatchWriteItem]";
  }
  void AddFlags(CLI::App& app) override {
    app.add_option("--source-table", options_.source_table, "Table to read")->required();
    app.add_option("--target-table", options_.target_table, "Table to write")->required();
    app.add_option("--segments", options_.segments, "Parallel scan segments")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--page-size", options_.page_size,
                   "Items per Scan page (Scan Limit); 0 lets DynamoDB fill 1 MB pages")
        ->check(CLI::Range(0, 1000000));
    app.add_option("--writers", options_.writers, "Concurrent BatchWriteItem requests")
        ->check(CLI::Range(1, 1024));
    app.add_flag("--consistent-read", options_.consistent_read, "Strongly consistent scan");
  }

  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    aws::Result<std::unique_ptr<Connection>> connection = Connection::Open(global, {});
    if (!connection.ok()) return std::move(connection).error();
    const dynamodb::DynamoDbClient& ddb = (*connection)->dynamodb();
    aws::Result<dynamodb::TableDescription> source = ddb.DescribeTable(options_.source_table);
    if (!source.ok()) return NameTable(std::move(source).error(), "source", options_.source_table);
    aws::Result<dynamodb::TableDescription> target = ddb.DescribeTable(options_.target_table);
    if (!target.ok()) return NameTable(std::move(target).error(), "target", options_.target_table);
    if (source->KeySchemaText() != target->KeySchemaText()) {
      return aws::Error::Make(
          aws::ErrorKind::kInvalidInput,
          fmt::format("key schemas differ: source {} has {}, target {} has {}; copy into a table "
                      "with the same key schema",
                      source->table_name, source->KeySchemaText(), target->table_name,
                      target->KeySchemaText()));
    }
    pipeline::CopyCounters counters;
    pipeline::TableCopy copy(&ddb, &ddb, &ddb.service_client().retry_policy(), options_);
    const auto start = std::chrono::steady_clock::now();
    aws::Status status = copy.Run(&counters);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    PrintSummary(global, counters, seconds);
    if (!status.ok()) return std::move(status).error();
    return Outcome::kSuccess;
  }

 private:
  static aws::Error NameTable(aws::Error error, std::string_view side, std::string_view table) {
    if (error.code == "ResourceNotFoundException") {
      error.kind = aws::ErrorKind::kInvalidInput;
      error.message = fmt::format(
          "{} table {} does not exist in this account and region; check "
          "the name, --region and --endpoint-url",
          side, table);
    }
    return error;
  }

  void PrintSummary(const GlobalOptions& global, const pipeline::CopyCounters& c,
                    double seconds) const {
    const uint64_t read = c.items_read.load();
    const uint64_t written = c.writes.items_written.load();
    const double rate = seconds > 0 ? static_cast<double>(written) / seconds : 0;
    if (global.output == "json") {
      std::string out;
      aws::JsonWriter(&out)
          .BeginObject()
          .Member("SourceTable", options_.source_table)
          .Member("TargetTable", options_.target_table)
          .MemberInt("ItemsRead", static_cast<int64_t>(read))
          .MemberInt("ItemsWritten", static_cast<int64_t>(written))
          .MemberInt("UnprocessedResent", static_cast<int64_t>(c.writes.unprocessed_resent.load()))
          .Key("Seconds")
          .Double(seconds)
          .Key("ItemsPerSecond")
          .Double(rate)
          .EndObject();
      std::cout << out << '\n';
    } else {
      std::cout << fmt::format(
          "copied {} of {} items from {} to {} in {:.1f} s ({:.0f} items/s), {} writes resent "
          "after UnprocessedItems\n",
          written, read, options_.source_table, options_.target_table, seconds, rate,
          c.writes.unprocessed_resent.load());
    }
  }

  pipeline::CopyOptions options_;
};

}  // namespace

std::unique_ptr<Command> MakeCopyCommand() { return std::make_unique<CopyCommand>(); }

}  // namespace ddbm::commands
