#include "aws/credentials_chain.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <vector>

#include "aws/container_provider.h"
#include "aws/imds_provider.h"
#include "aws/process_provider.h"
#include "aws/static_providers.h"
#include "aws/sts.h"
#include "aws/sts_providers.h"

namespace ddbm::aws {
namespace {

using ProviderPtr = std::shared_ptr<CredentialsProvider>;

constexpr char kUnableToLocate[] =
    "Unable to locate credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile, "
    "or configure a profile";

Error ConfigError(std::string message) {
  return Error::Make(ErrorKind::kConfig, std::move(message));
}

// The last resort: instance metadata that cannot be reached (or has no role) before it ever
// answered means that no credentials are configured anywhere, so say that, keeping the metadata
// service's reason. Once it has answered, a failure (a renewal mid-run) is its own. Thread-safe.
class LastResortProvider final : public CredentialsProvider {
 public:
  explicit LastResortProvider(ProviderPtr inner) : inner_(std::move(inner)) {}
  Result<Credentials> GetCredentials() override {
    Result<Credentials> credentials = inner_->GetCredentials();
    if (credentials.ok()) {
      answered_.store(true, std::memory_order_relaxed);
      return credentials;
    }
    Error error = std::move(credentials).error();
    if (error.kind == ErrorKind::kCancelled) return error;  // a stop, not missing credentials
    error.kind = ErrorKind::kCredentials;
    if (!answered_.load(std::memory_order_relaxed)) {
      error.message = std::string(kUnableToLocate) + " (" + error.message + ")";
    }
    return error;
  }

 private:
  const ProviderPtr inner_;
  std::atomic<bool> answered_{false};
};

std::string Chain(const std::vector<std::string>& visited, const std::string& next) {
  std::string out;
  for (const auto& name : visited) out += name + " -> ";
  return out + next;
}

class ChainBuilder {
 public:
  ChainBuilder(const CredentialsOptions& options, const SharedConfig& config, const Env* env,
               Transport* transport, Clock* clock)
      : options_(options),
        config_(config),
        env_(env),
        transport_(transport),
        metadata_transport_(options.metadata_transport ? options.metadata_transport : transport),
        clock_(clock),
        active_profile_(ActiveProfile(options.profile, *env)) {}

  Result<ProviderPtr> Build() {
    Result<ProviderPtr> base = Base();
    if (!base.ok() || !options_.role_arn) return base;
    AssumeRoleParams params;
    params.role_arn = *options_.role_arn;
    params.role_session_name = options_.role_session_name.value_or("");
    params.external_id = options_.external_id;
    params.duration_seconds = options_.duration_seconds;
    return AssumeRole(std::move(*base), std::move(params));
  }

 private:
  Result<ProviderPtr> Base() {
    // 1. Explicit credentials.
    if (options_.access_key_id || options_.secret_access_key || options_.session_token) {
      if (!options_.access_key_id || !options_.secret_access_key) {
        return Error::Make(ErrorKind::kInvalidInput,
                           "explicit credentials need both an access key id and a secret access "
                           "key");
      }
      Credentials credentials;
      credentials.access_key_id = *options_.access_key_id;
      credentials.secret_access_key = *options_.secret_access_key;
      credentials.session_token = options_.session_token.value_or("");
      credentials.source = "flags";
      return ProviderPtr(std::make_shared<StaticProvider>(std::move(credentials)));
    }

    // 2. --profile. The AWS CLI would go on to the container and instance metadata when the
    // profile holds no credentials; naming a profile here means "use exactly this", so a profile
    // without credentials is an error rather than a silent fall-through to the instance role.
    if (options_.profile) {
      Result<ProviderPtr> provider = NamedProfile(*options_.profile);
      if (!provider.ok() || *provider) return provider;
      return Error::Make(ErrorKind::kCredentials,
                         "The config profile (" + *options_.profile +
                             ") has no credentials: add aws_access_key_id and "
                             "aws_secret_access_key, role_arn with source_profile or "
                             "credential_source, credential_process, or web_identity_token_file "
                             "to it in " +
                             config_.Paths());
    }

    // 3. Environment keys. Checked for completeness here so that a half-set pair fails now, and
    // read once: the process does not change its own environment, and every request signs with
    // them.
    if (HasEnvironmentCredentials(*env_)) {
      Result<Credentials> keys = EnvironmentProvider(env_).GetCredentials();
      if (!keys.ok()) return std::move(keys).error();
      return ProviderPtr(std::make_shared<StaticProvider>(std::move(*keys)));
    }

    // 4. AWS_PROFILE or AWS_DEFAULT_PROFILE. botocore tries web identity before a profile's
    // keys; here a profile the user selected wins over the web identity variables that EKS
    // injects into every pod.
    const std::optional<EnvironmentProfile> env_profile = ProfileFromEnvironment(*env_);
    if (env_profile) {
      Result<ProviderPtr> provider = NamedProfile(env_profile->name);
      if (!provider.ok() || *provider) return provider;
    }

    // 5. Web identity from the environment.
    if (auto token_file = env_->Get("AWS_WEB_IDENTITY_TOKEN_FILE")) {
      auto role_arn = env_->Get("AWS_ROLE_ARN");
      if (!role_arn) {
        return ConfigError(
            "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set the role to assume "
            "with the web identity token");
      }
      WebIdentityParams params;
      params.role_arn = std::move(*role_arn);
      params.token_file = std::move(*token_file);
      params.role_session_name = env_->Get("AWS_ROLE_SESSION_NAME").value_or("");
      return WebIdentity(std::move(params));
    }

    // 6. [default], which a profile variable replaces.
    if (!env_profile && config_.HasProfile("default")) {
      std::vector<std::string> visited;
      Result<ProviderPtr> provider = FromProfile("default", visited);
      if (!provider.ok() || *provider) return provider;
    }

    // 7, 8. Metadata services.
    if (HasContainerCredentials(*env_)) return Container();
    if (InstanceMetadataEnabled(*env_)) {
      return ProviderPtr(std::make_shared<LastResortProvider>(InstanceMetadata()));
    }
    return Error::Make(ErrorKind::kCredentials, kUnableToLocate);
  }

  // A profile the user named; missing is an error. Null when it holds no credentials.
  Result<ProviderPtr> NamedProfile(const std::string& name) {
    if (!config_.HasProfile(name)) {
      return ConfigError("The config profile (" + name + ") could not be found in " +
                         config_.Paths());
    }
    std::vector<std::string> visited;
    return FromProfile(name, visited);
  }

  // The provider for profile `name` (which exists). Null when it holds no credentials.
  Result<ProviderPtr> FromProfile(const std::string& name, std::vector<std::string>& visited) {
    visited.push_back(name);
    if (config_.Get(name, "role_arn") && !config_.Get(name, "web_identity_token_file")) {
      return AssumeRoleFromProfile(name, visited);
    }
    return OwnCredentials(name);
  }

  // Credentials the profile holds itself, as opposed to through role_arn + a source: web
  // identity, keys in the credentials file, credential_process, keys in the config file, in the
  // AWS CLI's order. Null when there are none.
  Result<ProviderPtr> OwnCredentials(const std::string& name) {
    if (auto token_file = config_.Get(name, "web_identity_token_file")) {
      auto role_arn = config_.Get(name, "role_arn");
      if (!role_arn) {
        return ConfigError("profile " + name +
                           " sets web_identity_token_file but no role_arn; add the role to "
                           "assume to the profile");
      }
      WebIdentityParams params;
      params.role_arn = std::move(*role_arn);
      params.token_file = std::move(*token_file);
      params.role_session_name = config_.Get(name, "role_session_name").value_or("");
      Result<std::optional<int>> duration = DurationSeconds(name);
      if (!duration.ok()) return std::move(duration).error();
      params.duration_seconds = *duration;
      return WebIdentity(std::move(params));
    }
    if (config_.Get(name, "sso_session") || config_.Get(name, "sso_start_url")) {
      return ConfigError(
          "profile " + name +
          " uses IAM Identity Center (sso_* settings), which ddbmigrate cannot sign in to; add "
          "credential_process = aws configure export-credentials --profile " +
          name + " --format process to another profile and use that one");
    }
    Result<ProviderPtr> keys = KeysFrom(name, /*credentials_file=*/true);
    if (!keys.ok() || *keys) return keys;
    if (auto command = config_.Get(name, "credential_process")) {
      return Refreshing(
          std::make_shared<ProcessProvider>(std::move(*command), name, options_.stop));
    }
    return KeysFrom(name, /*credentials_file=*/false);
  }

  // aws_access_key_id etc. from one file. Null when the file sets neither key setting.
  Result<ProviderPtr> KeysFrom(const std::string& name, bool credentials_file) {
    auto get = [&](std::string_view key) {
      return credentials_file ? config_.GetFromCredentialsFile(name, key)
                              : config_.GetFromConfigFile(name, key);
    };
    auto access_key = get("aws_access_key_id");
    auto secret = get("aws_secret_access_key");
    if (!access_key && !secret) return ProviderPtr();
    const std::string& path = credentials_file ? config_.credentials_path() : config_.config_path();
    if (!access_key || !secret) {
      return ConfigError(
          "profile " + name + " in " + path + " sets " +
          (access_key ? "aws_access_key_id" : "aws_secret_access_key") + " but not " +
          (access_key ? "aws_secret_access_key" : "aws_access_key_id") + "; set both");
    }
    Credentials credentials;
    credentials.access_key_id = std::move(*access_key);
    credentials.secret_access_key = std::move(*secret);
    credentials.session_token = get("aws_session_token").value_or("");
    credentials.source = "profile " + name;
    return ProviderPtr(std::make_shared<StaticProvider>(std::move(credentials)));
  }

  bool HasKeys(const std::string& name) const {
    return config_.Get(name, "aws_access_key_id") && config_.Get(name, "aws_secret_access_key");
  }

  Result<ProviderPtr> AssumeRoleFromProfile(const std::string& name,
                                            std::vector<std::string>& visited) {
    const auto source_profile = config_.Get(name, "source_profile");
    const auto credential_source = config_.Get(name, "credential_source");
    if (source_profile && credential_source) {
      return ConfigError("profile " + name +
                         " sets both source_profile and credential_source; keep one of them");
    }
    if (config_.Get(name, "mfa_serial")) {
      return ConfigError("profile " + name +
                         " sets mfa_serial, and ddbmigrate cannot prompt for an MFA code; use "
                         "a profile with credential_process or temporary keys instead");
    }

    ProviderPtr source;
    if (source_profile) {
      Result<ProviderPtr> resolved = SourceProfile(name, *source_profile, visited);
      if (!resolved.ok()) return resolved;
      source = std::move(*resolved);
    } else if (credential_source) {
      if (*credential_source == "Environment") {
        if (!HasEnvironmentCredentials(*env_)) {
          return ConfigError("profile " + name +
                             " has credential_source = Environment, but AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY are not set; set them, or use "
                             "source_profile instead");
        }
        source = std::make_shared<EnvironmentProvider>(env_);
      } else if (*credential_source == "Ec2InstanceMetadata") {
        if (!InstanceMetadataEnabled(*env_)) {
          return ConfigError("profile " + name +
                             " has credential_source = Ec2InstanceMetadata, but "
                             "AWS_EC2_METADATA_DISABLED is true; unset it, or use another "
                             "credential_source");
        }
        source = InstanceMetadata();
      } else if (*credential_source == "EcsContainer") {
        source = Container();
      } else {
        return ConfigError("profile " + name + " has credential_source = " + *credential_source +
                           "; use Environment, Ec2InstanceMetadata or EcsContainer");
      }
    } else {
      return ConfigError("profile " + name +
                         " sets role_arn but neither source_profile nor credential_source; add "
                         "source_profile = PROFILE or credential_source = Environment, "
                         "Ec2InstanceMetadata or EcsContainer");
    }

    AssumeRoleParams params;
    params.role_arn = *config_.Get(name, "role_arn");
    params.role_session_name = config_.Get(name, "role_session_name").value_or("");
    params.external_id = config_.Get(name, "external_id");
    Result<std::optional<int>> duration = DurationSeconds(name);
    if (!duration.ok()) return std::move(duration).error();
    params.duration_seconds = *duration;
    return AssumeRole(std::move(source), std::move(params));
  }

  // The credentials profile `name` assumes its role with, from its source_profile `source`.
  Result<ProviderPtr> SourceProfile(const std::string& name, const std::string& source,
                                    std::vector<std::string>& visited) {
    const bool seen = std::find(visited.begin(), visited.end(), source) != visited.end();
    if (seen) {
      // A profile may name itself as source_profile to assume its role with its own keys.
      if (source == name && HasKeys(name)) {
        Result<ProviderPtr> keys = KeysFrom(name, /*credentials_file=*/true);
        if (!keys.ok() || *keys) return keys;
        return KeysFrom(name, /*credentials_file=*/false);
      }
      return ConfigError("source_profile loop: " + Chain(visited, source) +
                         "; make one profile in the chain use keys or credential_source");
    }
    if (!config_.HasProfile(source)) {
      return ConfigError("profile " + name + " has source_profile = " + source +
                         ", but the config profile (" + source + ") could not be found in " +
                         config_.Paths());
    }
    // As in the AWS CLI, a source profile's own credentials (keys, credential_process, web
    // identity) win over its role_arn; only a source without them is assumed in turn.
    const bool own_credentials = HasKeys(source) || !config_.Get(source, "role_arn").has_value() ||
                                 config_.Get(source, "web_identity_token_file").has_value();
    Result<ProviderPtr> provider = ProviderPtr();
    if (own_credentials) {
      visited.push_back(source);
      provider = OwnCredentials(source);
    } else {
      provider = FromProfile(source, visited);
    }
    if (!provider.ok()) return provider;
    if (!*provider) {
      return ConfigError("profile " + name + " has source_profile = " + source + ", but profile " +
                         source +
                         " has no credentials; add keys, "
                         "credential_process or role_arn to it");
    }
    return provider;
  }

  Result<std::optional<int>> DurationSeconds(const std::string& name) {
    const std::optional<std::string> text = config_.Get(name, "duration_seconds");
    if (!text) return std::optional<int>();
    const std::string_view digits = *text;
    int value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || value < 900 || value > 43200) {
      return ConfigError("profile " + name + " has duration_seconds = " + *text +
                         "; use a whole number of seconds from 900 to 43200");
    }
    return std::optional<int>(value);
  }

  // An StsClient signing with `credentials` (unsigned when null).
  Result<std::shared_ptr<const StsClient>> Sts(ProviderPtr credentials) {
    Result<std::string> region = StsRegion(options_.region, *env_, config_, active_profile_);
    if (!region.ok()) return std::move(region).error();
    Result<ServiceClientConfig> config = StsClientConfig(
        *region, *env_, ConfiguredEndpointsOf(config_, active_profile_, *env_, "STS"),
        std::move(credentials), transport_, clock_);
    if (!config.ok()) return std::move(config).error();
    config->retry = options_.sts_retry;
    config->notice = options_.sts_notice;
    config->debug_log = options_.sts_debug_log;
    config->stop = options_.stop;
    return std::shared_ptr<const StsClient>(std::make_shared<StsClient>(std::move(*config)));
  }

  Result<ProviderPtr> AssumeRole(ProviderPtr source, AssumeRoleParams params) {
    Result<std::shared_ptr<const StsClient>> sts = Sts(std::move(source));
    if (!sts.ok()) return std::move(sts).error();
    return Refreshing(
        std::make_shared<AssumeRoleProvider>(std::move(*sts), std::move(params), clock_));
  }

  Result<ProviderPtr> WebIdentity(WebIdentityParams params) {
    Result<std::shared_ptr<const StsClient>> sts = Sts(nullptr);
    if (!sts.ok()) return std::move(sts).error();
    return Refreshing(
        std::make_shared<WebIdentityProvider>(std::move(*sts), std::move(params), clock_));
  }

  ProviderPtr Container() {
    return Refreshing(std::make_shared<ContainerProvider>(env_, metadata_transport_));
  }

  ProviderPtr InstanceMetadata() {
    RefreshOptions refresh = options_.refresh;
    refresh.expired_grace = std::chrono::minutes(10);
    return std::make_shared<RefreshingProvider>(
        std::make_shared<InstanceMetadataProvider>(env_, metadata_transport_), clock_, refresh);
  }

  ProviderPtr Refreshing(ProviderPtr inner) {
    return std::make_shared<RefreshingProvider>(std::move(inner), clock_, options_.refresh);
  }

  const CredentialsOptions& options_;
  const SharedConfig& config_;
  const Env* env_;
  Transport* transport_;
  Transport* metadata_transport_;
  Clock* clock_;
  const std::string active_profile_;
};

}  // namespace

Result<std::shared_ptr<CredentialsProvider>> BuildCredentialsProvider(
    const CredentialsOptions& options, const SharedConfig& config, const Env* env,
    Transport* transport, Clock* clock) {
  return ChainBuilder(options, config, env, transport, clock).Build();
}

Result<std::shared_ptr<CredentialsProvider>> BuildCredentialsProvider(
    const CredentialsOptions& options, const Env* env, Transport* transport, Clock* clock) {
  Result<SharedConfig> config = SharedConfig::Load(*env);
  if (!config.ok()) return std::move(config).error();
  return BuildCredentialsProvider(options, *config, env, transport, clock);
}

std::optional<EnvironmentProfile> ProfileFromEnvironment(const Env& env) {
  for (const char* variable : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) {
    if (std::optional<std::string> name = env.Get(variable)) {
      return EnvironmentProfile{std::move(*name), variable};
    }
  }
  return std::nullopt;
}

bool ConflictingProfileVariables(const Env& env) {
  const std::optional<std::string> profile = env.Get("AWS_PROFILE");
  const std::optional<std::string> default_profile = env.Get("AWS_DEFAULT_PROFILE");
  return profile && default_profile && *profile != *default_profile;
}

std::string ActiveProfile(const std::optional<std::string>& profile_flag, const Env& env) {
  if (profile_flag) return *profile_flag;
  std::optional<EnvironmentProfile> from_env = ProfileFromEnvironment(env);
  return from_env ? from_env->name : "default";
}

bool IsRegionName(std::string_view region) {
  return !region.empty() && std::all_of(region.begin(), region.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<std::string> ResolveRegion(const std::optional<std::string>& region_flag, const Env& env,
                                  const SharedConfig& config, std::string_view profile) {
  auto checked = [](std::string region, const std::string& source) -> Result<std::string> {
    if (IsRegionName(region)) return region;
    return Error::Make(ErrorKind::kInvalidInput, "invalid region '" + region + "' from " + source +
                                                     "; expected a name such as us-east-1");
  };
  if (region_flag) return checked(*region_flag, "--region");
  if (auto region = env.Get("AWS_REGION")) return checked(*region, "AWS_REGION");
  if (auto region = env.Get("AWS_DEFAULT_REGION")) return checked(*region, "AWS_DEFAULT_REGION");
  if (auto region = config.Get(profile, "region")) {
    return checked(*region, "profile " + std::string(profile));
  }
  return ConfigError("no region: pass --region, set AWS_REGION, or add region to the profile");
}

Result<std::string> StsRegion(const std::optional<std::string>& region_flag, const Env& env,
                              const SharedConfig& config, std::string_view profile) {
  Result<std::string> region = ResolveRegion(region_flag, env, config, profile);
  if (!region.ok() && region.error().kind == ErrorKind::kConfig) return std::string("us-east-1");
  return region;
}

}  // namespace ddbm::aws
