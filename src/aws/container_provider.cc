#include "aws/container_provider.h"

#include <arpa/inet.h>

#include <fstream>
#include <iterator>

#include "aws/credentials_json.h"
#include "aws/url.h"

namespace ddbm::aws {
namespace {

constexpr char kEcsHost[] = "http://169.254.170.2";

// A literal IPv4 loopback address: 127.0.0.0/8, written as a dotted quad (not a name that only
// begins with "127.").
bool IsIpv4Loopback(const std::string& host) {
  in_addr address{};
  return ::inet_pton(AF_INET, host.c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

bool AllowedPlainHttpHost(const std::string& host) {
  return host == "localhost" || IsIpv4Loopback(host) || host == "[::1]" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

Error ConfigError(std::string message) {
  return Error::Make(ErrorKind::kConfig, std::move(message));
}

}  // namespace

bool HasContainerCredentials(const Env& env) {
  return env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").has_value() ||
         env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI").has_value();
}

Result<Credentials> ContainerProvider::GetCredentials() {
  HttpRequest request;
  request.method = "GET";
  if (auto relative = env_->Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    request.url = kEcsHost + (relative->starts_with("/") ? *relative : "/" + *relative);
  } else if (auto full = env_->Get("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    Result<Url> url = ParseUrl(*full);
    if (!url.ok()) {
      return ConfigError("AWS_CONTAINER_CREDENTIALS_FULL_URI: " + url.error().message);
    }
    if (url->scheme == "http" && !AllowedPlainHttpHost(url->host)) {
      return ConfigError(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI uses http with host " + url->host +
          "; plain http is allowed only for loopback and the ECS/EKS agent addresses, use https");
    }
    request.url = *full;
  } else {
    return Error::Make(ErrorKind::kCredentials,
                       "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                       "AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
  }

  std::optional<std::string> token;
  if (auto token_file = env_->Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    std::ifstream in(*token_file, std::ios::binary);
    token.emplace(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in || in.bad()) {
      return Error::Make(ErrorKind::kCredentials,
                         "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *token_file);
    }
    while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) {
      token->pop_back();
    }
  } else {
    token = env_->Get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token) {
    if (token->find_first_of("\r\n") != std::string::npos) {
      return ConfigError("the container authorization token contains a line break");
    }
    request.SetHeader("Authorization", std::move(*token));
  }
  request.SetHeader("Accept", "application/json");

  Result<HttpResponse> response = transport_->Send(request);
  if (!response.ok()) {
    // Given up on at a stop (kCancelled): the run is stopping, nothing is wrong.
    const ErrorKind kind = response.error().kind == ErrorKind::kCancelled ? ErrorKind::kCancelled
                                                                          : ErrorKind::kCredentials;
    return Error::Make(kind, "container credentials endpoint: " + response.error().message);
  }
  if (response->status != 200) {
    return Error::Make(ErrorKind::kCredentials, "container credentials endpoint answered HTTP " +
                                                    std::to_string(response->status));
  }
  return ParseCredentialsJson(response->body, CredentialsJsonFormat::kContainer, "container");
}

}  // namespace ddbm::aws
