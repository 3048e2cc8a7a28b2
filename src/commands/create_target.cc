#include "commands/create_target.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

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

void AddSettingsNotApplied(aws::JsonWriter& w, const std::vector<std::string>& settings) {
  w.Key("TargetSettingsNotApplied").BeginArray();
  for (const std::string& setting : settings) w.String(setting);
  w.EndArray();
}

void PrintSettingsNotApplied(const std::vector<std::string>& settings, std::string_view whose) {
  if (settings.empty()) return;
  std::cout << fmt::format(
      "the target table lacks settings of {} that enabling failed: {}; see the create-target "
      "lines above, and enable them yourself (UpdateTimeToLive, UpdateContinuousBackups)\n",
      whose, fmt::join(settings, ", "));
}

}  // namespace ddbm::commands
