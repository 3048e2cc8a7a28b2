// The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials): INI parsing
// and the merged per-profile view the credentials chain and region resolution read.
//
// Parsing follows the AWS CLI (Python configparser as botocore uses it): full-line comments
// starting with '#' or ';'; "key = value" or "key: value" with the key lower-cased and both sides
// trimmed; no inline comments in values; an indented line after a setting continues it; under a
// setting with an empty value, indented "key = value" lines are its nested settings (as in
// "dynamodb =\n  endpoint_url = URL"), kept as "dynamodb.endpoint_url"; a repeated section or a
// repeated key within a section is an error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aws/env.h"
#include "aws/error.h"

namespace ddbm::aws {

// One section's settings: lower-case key -> trimmed value.
using ProfileSettings = std::map<std::string, std::string, std::less<>>;

struct IniFile {
  std::string path;  // for messages
  // Section name as written between the brackets (trimmed) -> settings.
  std::map<std::string, ProfileSettings, std::less<>> sections;
};

// Parses `text`. A malformed line is kConfig naming `path` and the line number and saying what to
// change; messages never quote the line, which may hold a secret.
Result<IniFile> ParseIni(std::string_view text, std::string path);

// Reads and parses the file at `path`. A missing file is an empty IniFile; an unreadable one is
// kConfig.
Result<IniFile> ReadIniFile(const std::string& path);

// AWS_CONFIG_FILE, else $HOME/.aws/config; AWS_SHARED_CREDENTIALS_FILE, else
// $HOME/.aws/credentials. A leading "~/" is expanded with HOME.
std::string ConfigFilePath(const Env& env);
std::string CredentialsFilePath(const Env& env);

// Both files, as profiles. Immutable once built, so safe to share between threads.
class SharedConfig {
 public:
  SharedConfig() = default;

  // Reads both files from the paths above.
  static Result<SharedConfig> Load(const Env& env);
  // From files already parsed. In `config`, "[default]" and "[profile NAME]" are profiles (a
  // "[profile default]" wins over "[default]") and "[services NAME]" are services sections;
  // other sections ("[sso-session x]", "[x]") are ignored, as the AWS CLI does. In
  // `credentials`, every section is a profile.
  static SharedConfig FromFiles(const IniFile& config, const IniFile& credentials);

  // True when either file has the profile.
  bool HasProfile(std::string_view profile) const;
  // The merged value: the credentials file wins over the config file for the same profile, as in
  // the AWS CLI. nullopt when the profile or key is missing or the value is empty.
  std::optional<std::string> Get(std::string_view profile, std::string_view key) const;
  // The value from one file only; same rules.
  std::optional<std::string> GetFromConfigFile(std::string_view profile,
                                               std::string_view key) const;
  std::optional<std::string> GetFromCredentialsFile(std::string_view profile,
                                                    std::string_view key) const;

  // The endpoint_url that the services section named by the profile's `services` setting gives
  // `service` (its key there: "dynamodb", "dynamodb_streams", "sts", "s3"); nullopt when the
  // profile names no services section or that section has none for `service`. A profile naming
  // a services section the config file does not have is kConfig.
  Result<std::optional<std::string>> ServiceEndpoint(std::string_view profile,
                                                     std::string_view service) const;

  const std::string& config_path() const { return config_path_; }
  const std::string& credentials_path() const { return credentials_path_; }
  // "CONFIG_PATH or CREDENTIALS_PATH", for messages about a profile.
  std::string Paths() const { return config_path_ + " or " + credentials_path_; }

 private:
  using Profiles = std::map<std::string, ProfileSettings, std::less<>>;
  static std::optional<std::string> Lookup(const Profiles& profiles, std::string_view profile,
                                           std::string_view key);

  std::string config_path_;
  std::string credentials_path_;
  Profiles config_profiles_;
  Profiles credentials_profiles_;
  Profiles services_;  // "[services NAME]" of the config file, by NAME
};

}  // namespace ddbm::aws
