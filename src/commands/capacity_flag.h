// --consumed-capacity: which requests of a command ask DynamoDB for ReturnConsumedCapacity.
// Commands that read no table (import, replicate) only have writes to ask on; commands that
// write no table (export, verify, checksum) only have Scans.
//
// `limits` (the default) asks only where a rate limit needs the figure: on Scans under a read
// limit, on writes under a write limit; `reads` asks on every Scan too; `all` on every Scan and
// write (lookups by key never ask); `none` on nothing and cannot go with a rate limit. On AWS
// asking is free either way. On DynamoDB Local it costs the server CPU (it sizes every item again),
// on writes most of all, and the server's CPU is what bounds a copy there.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

#include "aws/error.h"
#include "commands/scan_flags.h"

namespace ddbm::commands {

struct ConsumedCapacityFlag {
  std::string mode = "limits";

  // Whether Scans (writes) ask, `read_limited` (`write_limited`) saying if a read (write) rate
  // limit is set: its limiter settles every estimate against the figure, so it always asks.
  bool reads(bool read_limited) const { return mode == "reads" || mode == "all" || read_limited; }
  bool writes(bool write_limited) const { return mode == "all" || write_limited; }
  // kUsage when the mode is `none` and `rate_limited` (any read or write limit is set);
  // the message names the command's limit flags, `limit_flags` ("--write-rate or ...").
  aws::Status CheckRates(bool rate_limited, std::string_view limit_flags) const;
  // CheckRates for a command whose only limits are `scan`'s --read-rate and --read-percent.
  aws::Status CheckScanRates(const ScanFlags& scan) const;
};

// The summary's words for the consumed capacity: "12 RCU, 40 WCU consumed", "12 RCU consumed
// (WCU not asked for)" or "consumed capacity not asked for (--consumed-capacity all shows it)".
std::string ConsumedCapacityText(bool reads_asked, double read_units, bool writes_asked,
                                 double write_units);

// The summary's words for a command that only reads: "12 RCU consumed" or "consumed capacity
// not asked for (--consumed-capacity reads shows it)".
std::string ReadCapacityText(bool asked, double read_units);

// The requests of a command that --consumed-capacity can concern, for the wording of its help.
enum class CapacityRequests {
  kScansAndWrites,  // copy, truncate
  kScansOnly,       // export, verify, checksum
  kWritesOnly,      // import, replicate
};

// Adds --consumed-capacity to `app`, its help worded for `requests`; `flag` must outlive the
// parse.
void AddConsumedCapacityFlag(CLI::App& app, ConsumedCapacityFlag* flag,
                             CapacityRequests requests = CapacityRequests::kScansAndWrites);

}  // namespace ddbm::commands
