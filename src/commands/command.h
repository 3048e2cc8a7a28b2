// Command: one subcommand of the CLI. Each lives in its own file, registers its flags on its
// CLI11 subcommand, and runs with the shared global options. Commands write data to stdout,
// diagnostics to stderr, and never exit the process: main maps their outcome to an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/error.h"

namespace ddbm::commands {

// Flags that every command accepts, before or after the subcommand name, as in the AWS CLI.
struct GlobalOptions {
  std::optional<std::string> region;
  std::optional<std::string> profile;
  std::optional<std::string> endpoint_url;
  std::string output = "table";  // "table" or "json"
  bool no_verify_ssl = false;
  std::optional<std::string> ca_bundle;
  int max_attempts = 0;  // 0: the retry policy's default
  // Seconds a call failing with 5xx or connection errors is retried once the service has
  // answered (aws::RetryOptions::outage_window); unset: kDefaultRetryWindowSeconds, or 0 when
  // max_attempts is set.
  std::optional<int> retry_window;
  bool debug = false;  // request-level diagnostics on stderr (never secrets)
};

inline constexpr int kDefaultRetryWindowSeconds = 300;

// A mistake in the command line alone (flags that need or exclude one another, a flag value that
// cannot be read), found after parsing; main exits with 2 for it, as for the parser's errors.
inline aws::Error UsageError(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kUsage, std::move(message));
}
// The error of a flag's value that its parser refused (a table name or ARN, a location), as a
// usage error.
inline aws::Error AsUsageError(aws::Error error) {
  error.kind = aws::ErrorKind::kUsage;
  return error;
}

// How a command that ran to its end went.
enum class Outcome {
  kSuccess,      // everything done
  kIncomplete,   // finished, but some items were not moved (dead-lettered) or differ
  kInterrupted,  // stopped on request (Ctrl-C) after saving its checkpoint
};

// Rewrites a ResourceNotFoundException into a message that names the table and its role
// ("source table X does not exist in this account and region; ..."), and names them after
// any other error of the service or of the transport too (with two sides, whose credentials
// were refused, which endpoint could not be reached), with what to check where there is a rule.
aws::Error DescribeError(aws::Error error, std::string_view role, std::string_view table);

// DescribeError for an error of a run that reads one table and writes another, the side told by
// the failed operation: writes are the target's; Scans, lookups and stream reads the source's
// (a stream or shard not found is left as it is: the table may well exist). Errors of other
// operations are returned unchanged.
aws::Error DescribeSideError(aws::Error error, std::string_view source_table,
                             std::string_view target_table);

class Command {
 public:
  virtual ~Command() = default;
  virtual std::string name() const = 0;
  // One line for the command list; must name the AWS APIs the command calls ("[API: Scan]").
  virtual std::string description() const = 0;
  // Adds the command's own flags to `app` (its subcommand). Bound variables live in *this.
  virtual void AddFlags(CLI::App& app) = 0;
  // Runs after parsing. REQUIRES: AddFlags was called and parsing succeeded.
  virtual aws::Result<Outcome> Run(const GlobalOptions& options) = 0;
};

// Every command, in the order `--help` lists them.
std::vector<std::unique_ptr<Command>> AllCommands();

}  // namespace ddbm::commands
