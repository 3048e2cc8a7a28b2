// `ddbmigrate verify`: proves two tables hold the same items, or lists where they differ.
// `ddbmigrate checksum`: an order-independent digest of one table, to compare tables that
// cannot see each other.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <charconv>
#include <iostream>

#include "aws/json_writer.h"
#include "commands/capacity_flag.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/interrupt.h"
#include "commands/output.h"
#include "commands/scan_flags.h"
#include "commands/side_flags.h"
#include "commands/table_pair.h"
#include "commands/transfer_runner.h"
#include "commands/verify_runner.h"
#include "dynamodb/table_ref.h"
#include "pipeline/progress.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/table_digest.h"

namespace ddbm::commands {
namespace {

// REQUIRES: `flags` were parsed by AddIgnoreAttributesFlag (no name in them empty).
dynamodb::IgnoredAttributes ParseIgnored(const std::vector<std::string>& flags) {
  dynamodb::IgnoredAttributes ignored;
  for (const std::string& text : flags) {
    for (std::string& name : SplitAttributeNames(text)) ignored.insert(std::move(name));
  }
  return ignored;
}

class VerifyCommand final : public Command {
 public:
  std::string name() const override { return "verify"; }
  std::string description() const override {
    return "Check that two tables hold the same items; list the keys and attributes that "
           "differ [API: DescribeTable, Scan, BatchGetItem]";
  }

  void AddFlags(CLI::App& app) override {
    app.add_option("--source-table", source_table_, "Table copied from (name or ARN)")->required();
    app.add_option("--target-table", target_table_, "Table copied to (name or ARN)")->required();
    AddSideFlags(app, "source", &source_side_);
    AddSideFlags(app, "target", &target_side_);
    ScanFlagsHelp scan_help;
    scan_help.segments = "Parallel scan segments per table (default 8)";
    scan_help.consistent_read = "Strongly consistent reads (2x RCU)";
    scan_help.read_rate = "Read capacity units per second, at most, on each table";
    scan_help.read_percent = "At most this percent of each table's provisioned read capacity";
    AddScanFlags(app, &scan_, scan_help);
    AddConsumedCapacityFlag(app, &capacity_, CapacityRequests::kScansOnly);
    AddReadersFlag(app, &settings_.readers,
                   "Segments scanned at once on each table, and batches of changed items read "
                   "back at once (default 8)");
    AddIgnoreAttributesFlag(
        app, &ignored_, "Top-level attributes to leave out of the comparison (comma-separated)");
    app.add_option("--sample", settings_.sample,
                   "Compare only about this fraction of the source's items (e.g. 0.01), looked "
                   "up in the target by key; 1 compares every item")
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
              // A fraction of nothing would verify nothing: 0 is refused, not taken as "all".
              double fraction = 0;
              const char* end = text.data() + text.size();
              const auto [stop, error] = std::from_chars(text.data(), end, fraction);
              if (error != std::errc() || stop != end || !(fraction > 0 && fraction <= 1)) {
                return "'" + text + "' is not a fraction more than 0 and at most 1 (e.g. 0.01)";
              }
              return {};
            },
            "FRACTION"));
    app.add_option("--report", settings_.report_path, "Write every difference here as JSON lines");
  }

  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    if (aws::Status s = capacity_.CheckScanRates(scan_); !s.ok()) return std::move(s).error();
    if (settings_.sample > 0 && settings_.sample < 1 && scan_.segments > 0) {
      return aws::Error::Make(aws::ErrorKind::kUsage,
                              "--segments does not apply to --sample, which reads segments "
                              "chosen at random out of 1,000 (--readers of them at once); drop "
                              "--segments");
    }
    aws::Result<TablePair> pair =
        OpenTablePair(global, source_table_, source_side_, target_table_, target_side_);
    if (!pair.ok()) return std::move(pair).error();
    const Connection& src = *pair->source;
    const Connection& dst = *pair->target;
    const dynamodb::TableDescription& source_table = pair->source_table;
    aws::Result<dynamodb::TableDescription> target_table =
        DescribeRole(dst, pair->target_ref, "target table");
    if (!target_table.ok()) return std::move(target_table).error();
    if (aws::Status s = CheckSameKeySchema(
            source_table, *target_table,
            "items cannot match key for key, so there is nothing to compare item by item");
        !s.ok()) {
      return s.error();
    }
    aws::Result<double> source_rate = scan_.ReadRate(source_table.read_capacity_units);
    if (!source_rate.ok()) return std::move(source_rate).error();
    aws::Result<double> target_rate = scan_.ReadRate(target_table->read_capacity_units);
    if (!target_rate.ok()) return std::move(target_rate).error();
    settings_.segments = scan_.Segments();
    settings_.page_size = scan_.PageSize();
    settings_.consistent_read = scan_.consistent_read;
    settings_.source_read_rate = *source_rate;
    settings_.target_read_rate = *target_rate;
    settings_.source_consumed_capacity = capacity_.reads(*source_rate > 0);
    settings_.target_consumed_capacity = capacity_.reads(*target_rate > 0);
    settings_.ignored = ParseIgnored(ignored_);

    const std::atomic<bool>* stop = InstallInterruptHandler();
    aws::Result<VerifyResult> result =
        VerifyTables(src, dst, source_table, *target_table, settings_, stop);
    if (!result.ok()) return std::move(result).error();
    PrintVerifyResult(global, source_table, *target_table, settings_, *result);
    if (result->interrupted) return Outcome::kInterrupted;
    return result->match() ? Outcome::kSuccess : Outcome::kIncomplete;
  }

 private:
  std::string source_table_;
  std::string target_table_;
  SideOptions source_side_;
  SideOptions target_side_;
  VerifySettings settings_;
  ScanFlags scan_;
  ConsumedCapacityFlag capacity_;
  std::vector<std::string> ignored_;
};

class ChecksumCommand final : public Command {
 public:
  std::string name() const override { return "checksum"; }
  std::string description() const override {
    return "Print an order-independent digest of a table's items, to compare tables that "
           "cannot see each other [API: DescribeTable, Scan]";
  }

  void AddFlags(CLI::App& app) override {
    app.add_option("--table", table_, "Table to digest (name or ARN)")->required();
    ScanFlagsHelp scan_help;
    scan_help.segments = "Parallel scan segments (default 8)";
    AddScanFlags(app, &scan_, scan_help);
    AddConsumedCapacityFlag(app, &capacity_, CapacityRequests::kScansOnly);
    AddReadersFlag(app, &readers_, "Segments scanned at once (default 8)");
    AddIgnoreAttributesFlag(app, &ignored_,
                            "Top-level attributes to leave out of the digest (comma-separated)");
  }

  aws::Result<Outcome> Run(const GlobalOptions& global) override {
    if (aws::Status s = capacity_.CheckScanRates(scan_); !s.ok()) return std::move(s).error();
    aws::Result<TableConnection> opened_table = OpenTableConnection(global, table_);
    if (!opened_table.ok()) return std::move(opened_table).error();
    const dynamodb::TableRef& ref = opened_table->ref;
    const Connection& c = *opened_table->connection;
    aws::Result<dynamodb::TableDescription> table = DescribeRole(c, ref, "table");
    if (!table.ok()) return std::move(table).error();
    aws::Result<double> rate = scan_.ReadRate(table->read_capacity_units);
    if (!rate.ok()) return std::move(rate).error();

    pipeline::DigestOptions options;
    options.table = table->table_name;
    options.key_schema = table->key_schema;
    options.ignored = ParseIgnored(ignored_);
    for (const auto& k : options.key_schema) {
      if (options.ignored.contains(k.attribute_name)) {
        return aws::Error::Make(aws::ErrorKind::kUsage,
                                "--ignore-attributes names the key attribute " + k.attribute_name +
                                    "; key attributes are always digested");
      }
    }
    options.segments = scan_.Segments();
    options.readers = readers_;
    options.page_size = scan_.PageSize();
    options.consistent_read = scan_.consistent_read;
    options.return_consumed_capacity = capacity_.reads(*rate > 0);
    options.buckets = 1;  // only the total matters here
    pipeline::RateLimiterOptions limit;
    limit.units_per_second = *rate;
    limit.first_request_units =
        ScanPageReadUnits(*table, options.page_size, options.segments, options.consistent_read);
    pipeline::RateLimiter limiter(limit, aws::Clock::Real());

    const std::atomic<bool>* stop = InstallInterruptHandler();
    pipeline::ScanCounters counters;
    pipeline::ProgressReporter reporter(
        [&] {
          pipeline::ProgressSample s;
          s.items_read = counters.items.load();
          s.items_written = counters.items.load();
          s.read_capacity = counters.read_capacity.load();
          s.read_capacity_asked = options.return_consumed_capacity;
          s.write_capacity_asked = false;  // nothing is written
          s.throttles = Throttles(c, c);
          s.retries = Retries(c, c);
          s.expected_items = static_cast<uint64_t>(table->item_count);
          s.read_label = "read";
          s.written_label = "digested";
          return s;
        },
        stderr, ::isatty(STDERR_FILENO) == 1, aws::Clock::Real());
    reporter.Start();
    aws::Result<pipeline::BucketDigests> digests =
        pipeline::DigestTable(c.dynamodb(), options, pipeline::IfLimited(limiter), stop, &counters);
    reporter.Stop();
    if (!digests.ok()) {
      return DescribeError(std::move(digests).error(), "table", table->table_name);
    }
    const bool interrupted = stop->load();
    if (interrupted) {
      std::cerr << "interrupted: no checksum (the table was not read to its end)\n";
    }
    const dynamodb::DigestSum total = digests->Total();
    const std::string checksum = "v1:" + total.Hex();
    if (global.output == "json") {
      // Stopped: the items digested so far, and no checksum.
      std::string out;
      aws::JsonWriter w(&out);
      w.BeginObject().Member("Table", table->table_name);
      if (interrupted) {
        w.MemberInt("ItemsDigested", static_cast<int64_t>(counters.items.load()))
            .MemberBool("Interrupted", true);
      } else {
        w.MemberInt("Items", static_cast<int64_t>(total.count)).Member("Checksum", checksum);
      }
      // Digests compare only when they leave out the same attributes.
      w.Key("IgnoredAttributes").BeginArray();
      for (const std::string& name : options.ignored) w.String(name);
      w.EndArray().EndObject();
      std::cout << out << '\n';
    } else if (!interrupted) {
      std::cout << fmt::format(
          "{}  {}  {}{}\n", checksum, Counted(total.count, "item"), table->table_name,
          options.ignored.empty()
              ? ""
              : fmt::format("  (leaving out {})", fmt::join(options.ignored, ", ")));
    }
    return interrupted ? Outcome::kInterrupted : Outcome::kSuccess;
  }

 private:
  std::string table_;
  ScanFlags scan_;
  int readers_ = kDefaultScanReaders;
  ConsumedCapacityFlag capacity_;
  std::vector<std::string> ignored_;
};

}  // namespace

std::unique_ptr<Command> MakeVerifyCommand() { return std::make_unique<VerifyCommand>(); }
std::unique_ptr<Command> MakeChecksumCommand() { return std::make_unique<ChecksumCommand>(); }

}  // namespace ddbm::commands
