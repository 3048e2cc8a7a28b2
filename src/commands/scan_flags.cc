#include "commands/scan_flags.h"

#include <algorithm>

#include "pipeline/rate_limiter.h"

namespace ddbm::commands {

aws::Result<double> ScanFlags::ReadRate(int64_t provisioned_read_units) const {
  return pipeline::ResolveRate(read_rate, read_percent, provisioned_read_units, "read");
}

double AverageItemBytes(const dynamodb::TableDescription& table) {
  if (table.item_count <= 0 || table.table_size_bytes <= 0) return 0;
  return static_cast<double>(table.table_size_bytes) / static_cast<double>(table.item_count);
}

double ScanPageReadUnits(const dynamodb::TableDescription& table, int page_size, int segments,
                         bool consistent_read) {
  const double average = AverageItemBytes(table);
  if (average <= 0) return 0;
  constexpr double kMaxPageBytes = 1 << 20;
  double bytes = page_size > 0 ? std::min(page_size * average, kMaxPageBytes) : kMaxPageBytes;
  bytes = std::min(bytes, static_cast<double>(table.table_size_bytes) / std::max(1, segments));
  return pipeline::EstimateReadUnits(static_cast<size_t>(bytes), consistent_read);
}

void AddScanFlags(CLI::App& app, ScanFlags* flags, const ScanFlagsHelp& help) {
  app.add_option("--segments", flags->segments, help.segments)
      ->transform(WholeNumberRange(1, 1000000));
  app.add_option("--page-size", flags->page_size, help.page_size)
      ->transform(WholeNumberRange(0, 1000000));
  app.add_flag("--consistent-read", flags->consistent_read, help.consistent_read);
  CLI::Option* rate =
      app.add_option("--read-rate", flags->read_rate, help.read_rate)->check(PositiveRate());
  app.add_option("--read-percent", flags->read_percent, help.read_percent)
      ->check(DecimalRange(1, 100))
      ->excludes(rate);
}

void AddWriteRateFlags(CLI::App& app, std::optional<double>* rate, std::optional<double>* percent,
                       const std::string& table) {
  CLI::Option* units =
      app.add_option("--write-rate", *rate, "Write capacity units per second, at most")
          ->check(PositiveRate());
  app.add_option("--write-percent", *percent,
                 "At most this percent of " + table + " provisioned write capacity")
      ->check(DecimalRange(1, 100))
      ->excludes(units);
}

void AddReadersFlag(CLI::App& app, int* readers, const std::string& help) {
  app.add_option("--readers", *readers, help)->transform(WholeNumberRange(1, 1000));
}

void AddIgnoreAttributesFlag(CLI::App& app, std::vector<std::string>* names,
                             const std::string& help) {
  // One token per occurrence, split here rather than by the parser: a token of commas alone
  // must be refused, not expand to nothing and let the option take the next flag as its value.
  app.add_option("--ignore-attributes", *names, help)
      ->allow_extra_args(false)
      ->take_all()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            for (const std::string& name : SplitAttributeNames(text)) {
              if (name.empty()) {
                return "an attribute name is empty: give names separated by commas, such as "
                       "--ignore-attributes migrated_at,version";
              }
            }
            return {};
          },
          "NAME,..."));
}

std::vector<std::string> SplitAttributeNames(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r\n";
  std::vector<std::string> names;
  for (size_t start = 0;;) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string_view name = text.substr(start, comma - start);
    const size_t first = name.find_first_not_of(kBlanks);
    name = first == std::string_view::npos
               ? std::string_view()
               : name.substr(first, name.find_last_not_of(kBlanks) - first + 1);
    names.emplace_back(name);
    if (comma == text.size()) return names;
    start = comma + 1;
  }
}

}  // namespace ddbm::commands
