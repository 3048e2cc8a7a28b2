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

// For a --resume of a run that made the target, long done creating it: dynamodb::FinishTargetTable
// again, so that time to live and point-in-time recovery the made table lacks (enabling them
// failed, or they were turned off since) are enabled, and those that fail again are in
// plan.settings_not_applied and told on stderr ("create-target: ..."); nothing else is told.
// Errors only when the table cannot be described.
aws::Status ReapplyTargetSettings(const dynamodb::DynamoDbClient& client,
                                  dynamodb::TargetTablePlan& plan);

// The notes of settings not copied on stderr, one "create-target: ..." line each.
void PrintSettingsNotCopied(const std::vector<dynamodb::SettingNote>& notes);

// The settings of the made table that failed to be enabled (plan.settings_not_applied), in a
// summary: the JSON member "TargetSettingsNotApplied" (a list, empty when none failed), and a
// line of text on stdout when some did, `whose` naming where the settings came from ("the
// source", "the export's table").
void AddSettingsNotApplied(aws::JsonWriter& w, const std::vector<std::string>& settings);
void PrintSettingsNotApplied(const std::vector<std::string>& settings, std::string_view whose);

}  // namespace ddbm::commands
