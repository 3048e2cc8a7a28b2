// `ddbmigrate copy`: table-to-table migration, across accounts and regions, resumable.
#include "commands/command.h"
#include "commands/copy_job.h"

namespace ddbm::commands {
namespace {

class CopyCommand final : public Command {
 public:
  std::string name() const override { return "copy"; }
  std::string description() const override {
    return "Copy every item of one table into another, across accounts and regions "
           "[API: DescribeTable, Scan, BatchWriteItem; DescribeTimeToLive, "
           "DescribeContinuousBackups, ListTagsOfResource, CreateTable (its tags need the "
           "dynamodb:TagResource permission) and, as the source's settings need, "
           "UpdateTimeToLive, UpdateContinuousBackups, UpdateTable with --create-target; "
           "BatchGetItem with --verify]";
  }
  void AddFlags(CLI::App& app) override { job_.AddFlags(app, /*with_verify=*/true); }
  aws::Result<Outcome> Run(const GlobalOptions& global) override { return job_.Run(global); }

 private:
  CopyJob job_;
};

}  // namespace

std::unique_ptr<Command> MakeCopyCommand() { return std::make_unique<CopyCommand>(); }

}  // namespace ddbm::commands
