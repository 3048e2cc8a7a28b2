#include "aws/sts_providers.h"

#include <cctype>
#include <fstream>
#include <iterator>

namespace ddbm::aws {

std::string DefaultRoleSessionName(Clock::WallTime now) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return "ddbmigrate-" + std::to_string(seconds);
}

Result<Credentials> AssumeRoleProvider::GetCredentials() {
  AssumeRoleParams params = params_;
  if (params.role_session_name.empty()) {
    params.role_session_name = DefaultRoleSessionName(clock_->Now());
  }
  Result<AssumedRole> role = sts_->AssumeRole(params);
  if (!role.ok()) return std::move(role).error();
  return std::move(role->credentials);
}

Result<Credentials> WebIdentityProvider::GetCredentials() {
  AssumeRoleWithWebIdentityParams params;
  params.role_arn = params_.role_arn;
  params.role_session_name = params_.role_session_name.empty()
                                 ? DefaultRoleSessionName(clock_->Now())
                                 : params_.role_session_name;
  params.duration_seconds = params_.duration_seconds;
  std::ifstream in(params_.token_file, std::ios::binary);
  params.web_identity_token.assign(std::istreambuf_iterator<char>(in), {});
  if (!in || in.bad()) {
    return Error::Make(ErrorKind::kCredentials,
                       "cannot read the web identity token file " + params_.token_file);
  }
  while (!params.web_identity_token.empty() &&
         std::isspace(static_cast<unsigned char>(params.web_identity_token.back()))) {
    params.web_identity_token.pop_back();
  }
  if (params.web_identity_token.empty()) {
    return Error::Make(ErrorKind::kCredentials,
                       "the web identity token file " + params_.token_file + " is empty");
  }
  Result<AssumedRole> role = sts_->AssumeRoleWithWebIdentity(params);
  if (!role.ok()) return std::move(role).error();
  return std::move(role->credentials);
}

}  // namespace ddbm::aws
