// AWS credentials and the provider interface every credential source implements.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "aws/error.h"

namespace ddbm::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // Never logged, printed or written anywhere.
  std::string session_token;      // Empty for long-term keys.
  // When temporary credentials stop working; empty for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  // Which source produced them, e.g. "environment", "profile dev", "assume-role"; for messages.
  std::string source;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Returns credentials valid for at least a few more minutes, refreshing them when needed.
  // Thread-safe.
  virtual Result<Credentials> GetCredentials() = 0;
};

}  // namespace ddbm::aws
