// ScriptedDynamoDb: a DynamoDbClient whose requests go to a ScriptedTransport, signed with
// static credentials, timed by a FakeClock. For unit tests of code above the client.
#pragma once

#include <memory>

#include "aws/credentials.h"
#include "aws/service_client.h"
#include "aws/url.h"
#include "dynamodb/client.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"

namespace ddbm::testing {

class StaticTestCredentials final : public aws::CredentialsProvider {
 public:
  aws::Result<aws::Credentials> GetCredentials() override {
    return aws::Credentials{"AKID", "secret", "", std::nullopt, "test"};
  }
};

struct ScriptedDynamoDb {
  explicit ScriptedDynamoDb(int max_attempts = 3) {
    aws::ServiceClientConfig config;
    config.service = "dynamodb";
    config.signing_name = "dynamodb";
    config.region = "us-east-1";
    config.endpoint = *aws::ParseUrl("http://127.0.0.1:1");
    config.credentials = std::make_shared<StaticTestCredentials>();
    config.transport = &transport;
    config.clock = &clock;
    config.retry.max_attempts = max_attempts;
    retry = config.retry;
    service = std::make_unique<aws::ServiceClient>(config);
    client = std::make_unique<dynamodb::DynamoDbClient>(service.get());
  }

  ScriptedTransport transport;
  FakeClock clock;
  aws::RetryOptions retry;
  std::unique_ptr<aws::ServiceClient> service;
  std::unique_ptr<dynamodb::DynamoDbClient> client;
};

}  // namespace ddbm::testing
