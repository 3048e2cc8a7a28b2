// Parsing of the JSON credential documents that credential_process, the ECS/EKS container
// endpoint and EC2 instance metadata return.
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/error.h"

namespace ddbm::aws {

enum class CredentialsJsonFormat {
  // {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}
  kProcess,
  // {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", ...}
  kContainer,
  // {"Code": "Success", "AccessKeyId", "SecretAccessKey", "Token", "Expiration", ...}
  kInstanceMetadata,
};

// Parses `json`. `source` names the source in messages and becomes Credentials::source. Errors
// are kCredentials and never quote the document (it may hold secrets); they name the field that
// is missing or wrong. Thread-safe.
Result<Credentials> ParseCredentialsJson(std::string_view json, CredentialsJsonFormat format,
                                         const std::string& source);

}  // namespace ddbm::aws
