#include "commands/create_target.h"

#include <iostream>

namespace ddbm::commands {
namespace {

void PrintNotes(const std::vector<dynamodb::SettingNote>& notes, bool all) {
  for (const dynamodb::SettingNote& note : notes) {
    if (all || !note.copied)
      std::cerr << "create-target: " << dynamodb::SettingNoteText(note) << '\n';
  }
}

}  // namespace

aws::Status MakeTargetTable(const dynamodb::DynamoDbClient& client, dynamodb::TargetTablePlan& plan,
                            bool finish) {
  aws::Status made = finish ? dynamodb::FinishTargetTable(client, plan)
                            : dynamodb::CreateTargetTable(client, plan);
  PrintNotes(plan.notes, /*all=*/made.ok());
  return made;
}

void PrintSettingsNotCopied(const std::vector<dynamodb::SettingNote>& notes) {
  PrintNotes(notes, /*all=*/false);
}

}  // namespace ddbm::commands
