// A table named by the user: a plain name, or a table ARN that also carries region and account.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/error.h"

namespace ddbm::dynamodb {

struct TableRef {
  std::string name;
  std::optional<std::string> region;   // from an ARN
  std::optional<std::string> account;  // from an ARN
};

// Accepts "Name" or "arn:<partition>:dynamodb:<region>:<account>:table/<Name>". Names follow
// DynamoDB's rule: 3 to 255 of a-z A-Z 0-9 _ - . ; anything else is kInvalidInput saying so.
aws::Result<TableRef> ParseTableRef(std::string_view text);

}  // namespace ddbm::dynamodb
