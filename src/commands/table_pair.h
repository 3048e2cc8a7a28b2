// What the two-table commands (copy, verify, replicate, migrate) share before their own work:
// both names parsed, both sides opened, the source described, and the checks that the two
// tables can be paired.
#pragma once

#include <memory>
#include <string_view>

#include "aws/error.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "dynamodb/table_ref.h"
#include "dynamodb/types.h"

namespace ddbm::commands {

struct TablePair {
  dynamodb::TableRef source_ref;
  dynamodb::TableRef target_ref;
  std::unique_ptr<Connection> source;
  std::unique_ptr<Connection> target;
  dynamodb::TableDescription source_table;
};

// Parses both names (or ARNs; an ARN's region applies unless the side's own region flag is
// set), opens both sides and describes the source (a missing one is DescribeError's message).
aws::Result<TablePair> OpenTablePair(const GlobalOptions& global, std::string_view source_table,
                                     SideOptions source_side, std::string_view target_table,
                                     SideOptions target_side);

// DescribeTable of ref.name, and the answer checked against the account and region of an ARN
// (dynamodb::CheckDescribedTable). DescribeTable's own errors come back as they are.
aws::Result<dynamodb::TableDescription> DescribeRef(const Connection& connection,
                                                    const dynamodb::TableRef& ref);

// Before a CreateTable of `ref` named by an ARN: that `connection` reaches the ARN's account, as
// the ARN of another table it can list and describe tells. Ok when it cannot tell (no other
// table, no permission to list or describe one); a created table is then checked by DescribeRef.
// The error is DescribeRef's, saying nothing was created.
aws::Status CheckAccountBeforeCreate(const Connection& connection, const dynamodb::TableRef& ref);

// DescribeRef, a missing table named with its `role` ("target table").
aws::Result<dynamodb::TableDescription> DescribeRole(const Connection& connection,
                                                     const dynamodb::TableRef& ref,
                                                     std::string_view role);

// "key schemas differ: source A has ..., target B has ...; <advice>" (kInvalidInput) when
// they do, else Ok.
aws::Status CheckSameKeySchema(const dynamodb::TableDescription& source,
                               const dynamodb::TableDescription& target, std::string_view advice);

}  // namespace ddbm::commands
