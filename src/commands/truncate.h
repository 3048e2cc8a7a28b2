// Deleting every item of a table, shared by `ddbmigrate truncate` and `copy --truncate-target`.
#pragma once

#include <atomic>
#include <string>
#include <utility>

#include "aws/error.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/scan_flags.h"
#include "dynamodb/types.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/table_transfer.h"

namespace ddbm::commands {

struct TruncateOptions {
  int segments = kDefaultScanSegments;
  int readers = kDefaultScanReaders;  // segments scanned at once
  int page_size = 0;
  int writers = 16;
  bool yes = false;  // skip the confirmation prompt
  // Ask for ConsumedCapacity on the key scan and on the deletes (the progress line's RCU and WCU
  // figures). Requests paced by a limiter ask even when their flag is false.
  bool read_consumed_capacity = true;
  bool write_consumed_capacity = true;
  // Null when unlimited (a limiter makes every request ask for ConsumedCapacity). Not owned; must
  // outlive the call. The read limiter paces the key scan, the write limiter the deletes.
  pipeline::RateLimiter* read_limiter = nullptr;
  pipeline::RateLimiter* write_limiter = nullptr;
  bool json_summary = false;  // also print the summary as a JSON object on stdout
  // What a Ctrl-C says once the deletes have begun (a string literal: it is kept, not copied).
  const char* on_stop = "finishing the deletes in flight";
  // What the warning about a table not empty after the deletes ends with.
  std::string not_empty_advice = "stop the writers and empty it again";
};

// The ProjectionExpression and ExpressionAttributeNames (a raw JSON object) of a Scan that reads
// `table`'s key attributes only: "#k0, #k1" and {"#k0":"pk","#k1":"sk"}.
std::pair<std::string, std::string> KeyProjection(const dynamodb::TableDescription& table);

// Whether `table` holds an item: keys-only Scans of Limit 1 (strongly consistent when asked),
// following LastEvaluatedKey past empty pages, until an item or the end. `limiter` (may be
// null) paces them.
aws::Result<bool> TableHoldsItems(const Connection& connection,
                                  const dynamodb::TableDescription& table, bool consistent_read,
                                  pipeline::RateLimiter* limiter);

// Asks on the terminal before every item of `table` is deleted (see Confirm); the error of a
// refusal or of no terminal says to pass --yes.
aws::Status ConfirmTruncate(const Connection& connection, const dynamodb::TableDescription& table);

// Deletes every item of `table` (scanning keys only, in parallel, batched deletes with the
// retry policy), after confirming unless options.yes, then reads one key to check the table is
// empty: kIncomplete, with a warning, when items were written behind the scan. Prints a
// one-line summary to stderr (and with options.json_summary a JSON one to stdout). Installs the
// interrupt handler's messages (interrupt.h): one for the prompt, then options.on_stop.
aws::Result<Outcome> TruncateTable(const Connection& connection,
                                   const dynamodb::TableDescription& table,
                                   const TruncateOptions& options, const std::atomic<bool>* stop);

}  // namespace ddbm::commands
