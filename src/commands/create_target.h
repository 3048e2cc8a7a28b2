// The target table of --create-target, made from a plan (dynamodb::PlanTargetTable), and the
// plan's setting notes told to the user; shared by copy and import.
#pragma once

#include <vector>

#include "aws/error.h"
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

}  // namespace ddbm::commands
