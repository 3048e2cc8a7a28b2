#include "commands/capacity_flag.h"

#include <fmt/format.h>

#include "commands/command.h"

namespace ddbm::commands {

aws::Status ConsumedCapacityFlag::CheckRates(bool rate_limited,
                                             std::string_view limit_flags) const {
  if (mode != "none" || !rate_limited) return aws::Status::Ok();
  return UsageError(
      fmt::format("--consumed-capacity none cannot go with {}: the rate limits "
                  "are fed by the consumed capacity; drop one of them",
                  limit_flags));
}

aws::Status ConsumedCapacityFlag::CheckScanRates(const ScanFlags& scan) const {
  return CheckRates(scan.read_rate || scan.read_percent, "--read-rate or --read-percent");
}

std::string ConsumedCapacityText(bool reads_asked, double read_units, bool writes_asked,
                                 double write_units) {
  if (reads_asked && writes_asked) {
    return fmt::format("{:.0f} RCU, {:.0f} WCU consumed", read_units, write_units);
  }
  if (reads_asked) return fmt::format("{:.0f} RCU consumed (WCU not asked for)", read_units);
  if (writes_asked) return fmt::format("{:.0f} WCU consumed (RCU not asked for)", write_units);
  return "consumed capacity not asked for (--consumed-capacity all shows it)";
}

std::string ReadCapacityText(bool asked, double read_units) {
  if (asked) return fmt::format("{:.0f} RCU consumed", read_units);
  return "consumed capacity not asked for (--consumed-capacity reads shows it)";
}

void AddConsumedCapacityFlag(CLI::App& app, ConsumedCapacityFlag* flag, CapacityRequests requests) {
  const char* help = nullptr;
  switch (requests) {
    case CapacityRequests::kScansOnly:
      help =
          "Whether Scans ask DynamoDB for the capacity they consumed, shown as RCU in the "
          "progress (and in export's summary): limits (only under --read-rate or "
          "--read-percent, which need the figure), reads or all (every Scan), or none (not with "
          "rate limits). Free on AWS; on DynamoDB Local asking slows the server down";
      break;
    case CapacityRequests::kWritesOnly:
      help =
          "Whether writes ask DynamoDB for the capacity they consumed, shown as WCU in the "
          "progress and summary: limits or reads (only under --write-rate or --write-percent, "
          "which need the figure), all (every write), or none (not with rate limits). Free on "
          "AWS; on DynamoDB Local asking slows the server down";
      break;
    case CapacityRequests::kScansAndWrites:
      help =
          "Which requests ask DynamoDB for the capacity they consumed, shown as RCU and WCU in "
          "the progress and summary: limits (only where --read-rate/--write-rate or a percent "
          "limit needs the figure), reads (every Scan too), all, or none (not with rate "
          "limits). Free on AWS; on DynamoDB Local asking slows the server down";
      break;
  }
  app.add_option("--consumed-capacity", flag->mode, help)
      ->capture_default_str()
      ->check(CLI::IsMember({"limits", "reads", "all", "none"}));
}

}  // namespace ddbm::commands
