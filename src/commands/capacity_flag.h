// --consumed-capacity, shared by the commands that write (copy, migrate, truncate, import,
// replicate): which of their requests ask DynamoDB for ReturnConsumedCapacity. Commands that
// read no table (import, replicate) only have writes to ask on.
//
// `reads` (the default) asks on every Scan and on writes only when a write rate limit needs the
// figure; `all` asks on writes too; `none` asks on nothing and cannot go with a rate limit. On AWS
// asking is free either way. On DynamoDB Local a write that asks costs the server CPU on the one
// thread that runs every Scan page and every write, which is what bounds a copy there; a Scan
// that asks costs it next to nothing.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

#include "aws/error.h"

namespace ddbm::commands {

struct ConsumedCapacityFlag {
  std::string mode = "reads";

  bool reads() const { return mode != "none"; }
  // Whether writes ask, `write_limited` saying if a write rate limit is set (its limiter settles
  // every estimate against the figure).
  bool writes(bool write_limited) const { return mode == "all" || write_limited; }
  // kInvalidInput when the mode is `none` and `rate_limited` (any read or write limit is set);
  // the message names the command's limit flags, `limit_flags` ("--write-rate or ...").
  aws::Status CheckRates(bool rate_limited, std::string_view limit_flags) const;
};

// The summary's words for the consumed capacity: "12 RCU, 40 WCU consumed", "12 RCU consumed
// (WCU not asked for)" or "consumed capacity not asked for".
std::string ConsumedCapacityText(bool reads_asked, double read_units, bool writes_asked,
                                 double write_units);

// Adds --consumed-capacity to `app`; `flag` must outlive the parse.
void AddConsumedCapacityFlag(CLI::App& app, ConsumedCapacityFlag* flag);

}  // namespace ddbm::commands
