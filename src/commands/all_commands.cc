#include "commands/command.h"

namespace ddbm::commands {

std::unique_ptr<Command> MakeTablesCommand();
std::unique_ptr<Command> MakeCopyCommand();
std::unique_ptr<Command> MakeWhoamiCommand();

std::vector<std::unique_ptr<Command>> AllCommands() {
  std::vector<std::unique_ptr<Command>> all;
  all.push_back(MakeTablesCommand());
  all.push_back(MakeCopyCommand());
  all.push_back(MakeWhoamiCommand());
  return all;
}

}  // namespace ddbm::commands
