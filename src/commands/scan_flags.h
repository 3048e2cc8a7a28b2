// The flags of every command that scans a table (copy, export, verify, checksum): how the scan is
// cut into segments and pages, and how fast it may read.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "commands/flag_checks.h"
#include "dynamodb/types.h"

namespace ddbm::commands {

// Segments when --segments is not given and the command has no better guess.
inline constexpr int kDefaultScanSegments = 8;
// Segments scanned at once by the commands that hand out segments to a pool of readers.
inline constexpr int kDefaultScanReaders = 8;

struct ScanFlags {
  int segments = 0;              // --segments; 0: not given, the command picks (see Segments)
  std::optional<int> page_size;  // --page-size, the Scan Limit; 0: DynamoDB fills 1 MB pages
  bool consistent_read = false;
  std::optional<double> read_rate;     // --read-rate, capacity units per second
  std::optional<double> read_percent;  // --read-percent of the provisioned read capacity

  // --segments when given, else `fallback`.
  int Segments(int fallback = kDefaultScanSegments) const {
    return segments > 0 ? segments : fallback;
  }
  // --page-size when given, else `fallback` (0: 1 MB pages).
  int PageSize(int fallback = 0) const { return page_size.value_or(fallback); }
  // The read limit in units per second for a table with `provisioned_read_units` (0 for
  // on-demand); 0 means unlimited. Errors as pipeline::ResolveRate.
  aws::Result<double> ReadRate(int64_t provisioned_read_units) const;
};

// What the flags say in this command's --help; the defaults fit a command reading one table.
struct ScanFlagsHelp {
  std::string segments = "Parallel scan segments";
  std::string page_size = "Items per Scan page (Scan Limit); 0 lets DynamoDB fill 1 MB pages";
  std::string consistent_read = "Strongly consistent scan (2x RCU)";
  std::string read_rate = "Read capacity units per second, at most";
  std::string read_percent = "At most this percent of the table's provisioned read capacity";
};

// Adds --segments, --page-size, --consistent-read, --read-rate and --read-percent. `flags` must
// outlive the parse.
void AddScanFlags(CLI::App& app, ScanFlags* flags, const ScanFlagsHelp& help = {});

// Adds --write-rate (capacity units per second) and --write-percent (of the provisioned write
// capacity of `table`, e.g. "the target's"), which exclude each other. Both must outlive the
// parse.
void AddWriteRateFlags(CLI::App& app, std::optional<double>* rate, std::optional<double>* percent,
                       const std::string& table);

// Adds --readers: how many segments are scanned at once (default kDefaultScanReaders), each by
// its own thread holding one page; more segments than readers are handed out as readers finish.
void AddReadersFlag(CLI::App& app, int* readers, const std::string& help);

// Adds --ignore-attributes: top-level attribute names, comma-separated, each trimmed of the
// blanks around it ("a, b" names a and b); the flag may be repeated. `names` receives each
// occurrence's text as given, to be split with SplitAttributeNames. A name left empty is a
// usage error.
void AddIgnoreAttributesFlag(CLI::App& app, std::vector<std::string>* names,
                             const std::string& help);

// "a, b" -> {"a", "b"}: the text between commas, trimmed of blanks; empty names are kept (as "").
std::vector<std::string> SplitAttributeNames(std::string_view text);

// Bytes per item by the table's description; 0 when it says the table is empty.
double AverageItemBytes(const dynamodb::TableDescription& table);

// Read units one Scan page of `table` will likely cost, by its description: `page_size` items of
// the average size (1 MB for 0, and at most 1 MB), and no more than one segment's share of the
// table. 0 when the description says the table is empty. A read limiter's first guess
// (RateLimiterOptions::first_request_units), before any page has answered.
double ScanPageReadUnits(const dynamodb::TableDescription& table, int page_size, int segments,
                         bool consistent_read);

}  // namespace ddbm::commands
