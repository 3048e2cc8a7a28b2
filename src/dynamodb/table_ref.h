// A table named by the user: a plain name, or a table ARN that also carries region and account.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "dynamodb/types.h"

namespace ddbm::dynamodb {

struct TableRef {
  std::string name;
  std::optional<std::string> region;   // from an ARN
  std::optional<std::string> account;  // from an ARN
};

// Accepts "Name" or "arn:<partition>:dynamodb:<region>:<account>:table/<Name>". Names follow
// DynamoDB's rule: 3 to 255 of a-z A-Z 0-9 _ - . ; anything else is kInvalidInput saying so.
aws::Result<TableRef> ParseTableRef(std::string_view text);

// Checks, before any request, that the region flag `flag` (e.g. "--source-region"), when given
// as `region_flag`, agrees with the region of an ARN `ref` came from: requests go to the flag's
// region, where the table the ARN names is not. A contradiction is kUsage naming both.
aws::Status CheckRegionFlag(const TableRef& ref, const std::optional<std::string>& region_flag,
                            std::string_view flag);

// Checks that `table`, as DescribeTable answered for ref.name, is the table `ref` names: when ref
// came from an ARN, the answer's ARN must have the same account and region (the request named
// only the table, so other credentials or another region reach another table of that name).
// DynamoDB Local answers region "ddblocal" for every table, which is not compared. A mismatch is
// kInvalidInput naming both tables and what to change.
aws::Status CheckDescribedTable(const TableRef& ref, const TableDescription& table);

// Whether two descriptions are of one table, wherever they were described from (endpoints and
// regions can name one table in several ways: "localhost" and "127.0.0.1", or a region that
// DynamoDB Local with -sharedDb ignores). Different ARNs are different tables; for one ARN, the
// TableIds decide when both have one (AWS), else the creation times (DynamoDB Local, which has no
// TableId and answers the same ARN for tables of one name in other regions); with neither, the
// ARN alone says they are the same.
bool IsSameTable(const TableDescription& a, const TableDescription& b);

}  // namespace ddbm::dynamodb
