// `ddbmigrate whoami`: which account and identity the resolved credentials act as.
#include <iostream>

#include "aws/json_writer.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "commands/output.h"

namespace ddbm::commands {
namespace {

class WhoamiCommand final : public Command {
 public:
  std::string name() const override { return "whoami"; }
  std::string description() const override {
    return "Show the account and identity the credentials resolve to [API: sts:GetCallerIdentity; "
           "sts:AssumeRole with --role-arn]";
  }
  void AddFlags(CLI::App& app) override {
    CLI::Option* role = app.add_option("--role-arn", side_.role_arn,
                                       "Assume this role first [API: sts:AssumeRole]");
    app.add_option("--external-id", side_.external_id, "External id for --role-arn")->needs(role);
  }
  aws::Result<Outcome> Run(const GlobalOptions& options) override {
    // The global flag names a DynamoDB endpoint; applied to STS it would send
    // GetCallerIdentity to DynamoDB Local, ignored it would let the run seem to use it.
    if (options.endpoint_url) {
      return aws::Error::Make(aws::ErrorKind::kUsage,
                              "--endpoint-url is where DynamoDB requests go, and whoami sends "
                              "none; set AWS_ENDPOINT_URL_STS to choose STS's endpoint");
    }
    aws::Result<std::unique_ptr<Connection>> connection = Connection::Open(options, side_);
    if (!connection.ok()) return std::move(connection).error();
    aws::Result<aws::CallerIdentity> identity = (*connection)->sts().GetCallerIdentity();
    if (!identity.ok()) return std::move(identity).error();
    aws::Result<aws::Credentials> credentials = (*connection)->credentials().GetCredentials();
    const std::string source = credentials.ok() ? credentials->source : "";
    if (options.output == "json") {
      std::string out;
      aws::JsonWriter(&out)
          .BeginObject()
          .Member("Account", identity->account)
          .Member("Arn", identity->arn)
          .Member("UserId", identity->user_id)
          .Member("Region", (*connection)->region())
          .Member("CredentialsSource", source)
          .EndObject();
      std::cout << out << '\n';
    } else {
      std::cout << RenderTable(
          {"ACCOUNT", "ARN", "REGION", "CREDENTIALS"},
          {{identity->account, identity->arn, (*connection)->region(), source}});
    }
    return Outcome::kSuccess;
  }

 private:
  SideOptions side_;
};

}  // namespace

std::unique_ptr<Command> MakeWhoamiCommand() { return std::make_unique<WhoamiCommand>(); }

}  // namespace ddbm::commands
