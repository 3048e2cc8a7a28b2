// The target table of --create-target, made from a plan (dynamodb::PlanTargetTable), and the
// plan's setting notes told to the user; shared by copy and import.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "aws/json_writer.h"
#include "dynamodb/client.h"
#include "dynamodb/table_schema.h"

namespace ddbm::commands {

// dynamodb::CreateTargetTable, or with `finish` dynamodb::FinishTargetTable (the settings that
// follow a CreateTable a stopped run sent), then the plan's notes on stderr, one
// "create-target: ..." line each: every note when the table was made, and only the settings not
// copied when it was not (what was left out may be why).
aws::Status MakeTargetTable(const dynamodb::DynamoDbClient& client, dynamodb::TargetTablePlan& plan,
                            bool finish);

// The notes of settings not copied on stderr, one "create-target: ..." line each.
void PrintSettingsNotCopied(const std::vector<dynamodb::SettingNote>& notes);

// The settings of the made table that failed to be enabled (plan.settings_not_applied), in a
// summary: the JSON member "TargetSettingsNotApplied" (a list, empty when none failed), and a
// line of text on stdout when some did, `whose` naming where the settings came from ("the
// source", "the export's table").
void AddSettingsNotApplied(aws::JsonWriter& w, const std::vector<std::string>& settings);
void PrintSettingsNotApplied(const std::vector<std::string>& settings, std::string_view whose);

}  // namespace ddbm::commands
