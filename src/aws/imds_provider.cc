#include "aws/imds_provider.h"

#include <cctype>

#include "aws/credentials_json.h"

namespace ddbm::aws {
namespace {

bool IsTrue(const std::optional<std::string>& value) {
  return value && EqualsIgnoreCase(*value, "true");
}

Error Fail(const std::string& what) {
  return Error::Make(ErrorKind::kCredentials, "EC2 instance metadata: " + what);
}

// A request the transport gave up on at a stop: the run is stopping, nothing is wrong.
Error Stopped(const Error& error) {
  return Error::Make(ErrorKind::kCancelled, "EC2 instance metadata: " + error.message);
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

bool InstanceMetadataEnabled(const Env& env) {
  return !IsTrue(env.Get("AWS_EC2_METADATA_DISABLED"));
}

std::string InstanceMetadataEndpoint(const Env& env) {
  if (auto endpoint = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    std::string url = *endpoint;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  auto mode = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
  if (mode && EqualsIgnoreCase(*mode, "IPv6")) return "http://[fd00:ec2::254]";
  return "http://169.254.169.254";
}

Result<Credentials> InstanceMetadataProvider::GetCredentials() {
  const std::string base = InstanceMetadataEndpoint(*env_);

  HttpRequest token_request;
  token_request.method = "PUT";
  token_request.url = base + "/latest/api/token";
  token_request.SetHeader("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  Result<HttpResponse> token_response = transport_->Send(token_request);
  const bool v1_disabled = IsTrue(env_->Get("AWS_EC2_METADATA_V1_DISABLED"));
  std::optional<std::string> token;
  // Set when IMDSv1 is tried because the token request went unanswered: in a container on an
  // instance whose metadata hop limit is 1, the token's answer never arrives while IMDSv1 may
  // still answer, and the AWS CLI falls back likewise.
  bool token_unanswered = false;
  if (!token_response.ok()) {
    const Error& error = token_response.error();
    if (error.kind == ErrorKind::kCancelled) return Stopped(error);
    if (v1_disabled || !error.message.starts_with(kNoAnswerInTime)) {
      return Fail("unreachable (" + error.message + ")");
    }
    token_unanswered = true;
  } else if (token_response->status == 200) {
    token = std::string(TrimSpace(token_response->body));
  } else if (const int status = token_response->status;
             status == 403 || status == 404 || status == 405) {
    if (v1_disabled) {
      return Fail("the IMDSv2 token request answered HTTP " + std::to_string(status) +
                  " and AWS_EC2_METADATA_V1_DISABLED forbids falling back to IMDSv1");
    }
  } else {
    return Fail("the IMDSv2 token request answered HTTP " + std::to_string(status));
  }
  auto unreachable = [&](const Error& error) {
    if (error.kind == ErrorKind::kCancelled) return Stopped(error);
    return Fail("unreachable (" + error.message + ")" +
                (token_unanswered
                     ? "; the IMDSv2 token request went unanswered too: if this runs in a "
                       "container on EC2, raise the instance's metadata hop limit "
                       "(HttpPutResponseHopLimit) to 2"
                     : ""));
  };

  auto get = [&](const std::string& path) {
    HttpRequest request;
    request.method = "GET";
    request.url = base + path;
    if (token) request.SetHeader("X-aws-ec2-metadata-token", *token);
    return transport_->Send(request);
  };

  const std::string roles_path = "/latest/meta-data/iam/security-credentials/";
  Result<HttpResponse> roles = get(roles_path);
  if (!roles.ok()) return unreachable(roles.error());
  if (roles->status == 404) return Fail("this instance has no IAM role (instance profile)");
  if (roles->status != 200) {
    return Fail("listing the instance's IAM role answered HTTP " + std::to_string(roles->status));
  }
  std::string_view role = TrimSpace(roles->body);
  role = role.substr(0, role.find('\n'));
  role = TrimSpace(role);
  if (role.empty()) return Fail("this instance has no IAM role (instance profile)");

  Result<HttpResponse> document = get(roles_path + std::string(role));
  if (!document.ok()) return unreachable(document.error());
  if (document->status != 200) {
    return Fail("fetching the credentials of role " + std::string(role) + " answered HTTP " +
                std::to_string(document->status));
  }
  return ParseCredentialsJson(document->body, CredentialsJsonFormat::kInstanceMetadata,
                              "ec2-imds " + std::string(role));
}

}  // namespace ddbm::aws
