#include "commands/command.h"

#include <fmt/format.h>

namespace ddbm::commands {

std::unique_ptr<Command> MakeTablesCommand();
std::unique_ptr<Command> MakeCopyCommand();
std::unique_ptr<Command> MakeWhoamiCommand();
std::unique_ptr<Command> MakeTruncateCommand();
std::unique_ptr<Command> MakeVerifyCommand();
std::unique_ptr<Command> MakeChecksumCommand();
std::unique_ptr<Command> MakeReplicateCommand();
std::unique_ptr<Command> MakeMigrateCommand();
std::unique_ptr<Command> MakeExportCommand();
std::unique_ptr<Command> MakeImportCommand();

aws::Error DescribeError(aws::Error error, std::string_view role, std::string_view table) {
  if (error.code == "ResourceNotFoundException") {
    error.kind = aws::ErrorKind::kInvalidInput;
    error.message = fmt::format(
        "{} {} does not exist in this account and region; check the name, --region and "
        "--endpoint-url",
        role, table);
  } else if (error.code == "AccessDeniedException") {
    // Each side has credentials of its own: say whose were refused.
    error.message += fmt::format(
        " (the {} {}: the credentials used for it are not allowed this; check that side's "
        "profile or role and its IAM policy)",
        role, table);
  } else if (error.kind == aws::ErrorKind::kTransport) {
    // Two sides may have two endpoints: say which one could not be reached.
    error.message +=
        fmt::format(" (the {} {}: check its endpoint URL and the network)", role, table);
  } else if (error.kind == aws::ErrorKind::kService) {
    // Any other refusal (a KMS key disabled, a table being deleted): say whose it was.
    error.message += fmt::format(" (the {} {})", role, table);
  }
  return error;
}

aws::Error DescribeSideError(aws::Error error, std::string_view source_table,
                             std::string_view target_table) {
  const std::string_view op = error.operation;
  if (op == "BatchWriteItem") return DescribeError(std::move(error), "target table", target_table);
  const bool stream = op == "GetRecords" || op == "GetShardIterator" || op == "DescribeStream";
  if (op == "Scan" || op == "BatchGetItem" ||
      (stream && error.code != "ResourceNotFoundException")) {
    return DescribeError(std::move(error), "source table", source_table);
  }
  return error;
}

std::vector<std::unique_ptr<Command>> AllCommands() {
  std::vector<std::unique_ptr<Command>> all;
  all.push_back(MakeTablesCommand());
  all.push_back(MakeCopyCommand());
  all.push_back(MakeTruncateCommand());
  all.push_back(MakeVerifyCommand());
  all.push_back(MakeChecksumCommand());
  all.push_back(MakeReplicateCommand());
  all.push_back(MakeMigrateCommand());
  all.push_back(MakeExportCommand());
  all.push_back(MakeImportCommand());
  all.push_back(MakeWhoamiCommand());
  return all;
}

}  // namespace ddbm::commands
