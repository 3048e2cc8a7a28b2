#include "aws/config_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace ddbm::aws {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ExpandHome(std::string path, const Env& env) {
  if (path == "~" || path.starts_with("~/")) {
    if (auto home = env.Get("HOME")) return *home + path.substr(1);
  }
  return path;
}

std::string DefaultPath(const Env& env, std::string_view file) {
  std::string home = env.Get("HOME").value_or("~");
  if (!home.empty() && home.back() == '/') home.pop_back();
  return home + "/.aws/" + std::string(file);
}

}  // namespace

Result<IniFile> ParseIni(std::string_view text, std::string path) {
  IniFile file;
  file.path = std::move(path);
  auto fail = [&](int line, const std::string& what) {
    return Error::Make(ErrorKind::kConfig,
                       file.path + " line " + std::to_string(line) + ": " + what);
  };
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark

  std::map<std::string, int, std::less<>> section_lines;
  std::map<std::string, int, std::less<>> key_lines;  // of the current section
  ProfileSettings* section = nullptr;
  std::string section_name;
  // Indentation of the current section's last setting, if any; a deeper line continues it.
  bool in_setting = false;
  size_t setting_indent = 0;
  // The current section's last setting when its value is empty: deeper "key = value" lines are
  // its nested settings, kept as "setting.key".
  std::string nested_parent;

  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);

    const std::string_view content = Trim(line);
    if (content.empty() || content.front() == '#' || content.front() == ';') continue;
    size_t indent = 0;
    while (indent < line.size() && IsBlank(line[indent])) ++indent;
    if (in_setting && indent > setting_indent) {  // continuation / nested setting
      const size_t delimiter = content.find('=');
      if (!nested_parent.empty() && delimiter != std::string_view::npos) {
        std::string key = nested_parent + "." + Lower(Trim(content.substr(0, delimiter)));
        (*section)[std::move(key)] = std::string(Trim(content.substr(delimiter + 1)));
      }
      continue;
    }

    if (content.front() == '[') {
      const size_t close = content.find(']');
      if (close == std::string_view::npos) {
        return fail(line_number, "section header without a closing ']'; write it as [NAME]");
      }
      const std::string_view after = Trim(content.substr(close + 1));
      if (!after.empty() && after.front() != '#' && after.front() != ';') {
        return fail(line_number,
                    "unexpected text after the section header; put only [NAME] on the line");
      }
      std::string name(Trim(content.substr(1, close - 1)));
      if (name.empty()) return fail(line_number, "empty section name; write it as [NAME]");
      if (auto it = section_lines.find(name); it != section_lines.end()) {
        return fail(line_number, "section [" + name + "] appears again (first at line " +
                                     std::to_string(it->second) +
                                     "); merge the two sections into one");
      }
      section_lines.emplace(name, line_number);
      section = &file.sections[name];
      section_name = std::move(name);
      key_lines.clear();
      in_setting = false;
      nested_parent.clear();
      continue;
    }

    const size_t delimiter = content.find_first_of("=:");
    if (delimiter == std::string_view::npos) {
      return fail(line_number,
                  "expected a [section] header or a 'key = value' setting; fix or remove the line");
    }
    std::string key = Lower(Trim(content.substr(0, delimiter)));
    if (key.empty())
      return fail(line_number, "setting without a name before '='; write key = value");
    if (section == nullptr) {
      return fail(line_number,
                  "setting before any section header; put it under [default] or a named profile");
    }
    if (auto it = key_lines.find(key); it != key_lines.end()) {
      return fail(line_number, key + " is set twice in [" + section_name + "] (first at line " +
                                   std::to_string(it->second) + "); keep only one");
    }
    key_lines.emplace(key, line_number);
    std::string value(Trim(content.substr(delimiter + 1)));
    nested_parent = value.empty() ? key : std::string();
    (*section)[std::move(key)] = std::move(value);
    in_setting = true;
    setting_indent = indent;
  }
  return file;
}

Result<IniFile> ReadIniFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      IniFile empty;
      empty.path = path;
      return empty;
    }
    return Error::Make(ErrorKind::kConfig, "cannot read " + path + ": " + std::strerror(errno) +
                                               "; fix its permissions or point to another file");
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      return Error::Make(ErrorKind::kConfig, "cannot read " + path + ": " + std::strerror(saved) +
                                                 "; fix its permissions or point to another file");
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return ParseIni(text, path);
}

std::string ConfigFilePath(const Env& env) {
  if (auto path = env.Get("AWS_CONFIG_FILE")) return ExpandHome(*path, env);
  return DefaultPath(env, "config");
}

std::string CredentialsFilePath(const Env& env) {
  if (auto path = env.Get("AWS_SHARED_CREDENTIALS_FILE")) return ExpandHome(*path, env);
  return DefaultPath(env, "credentials");
}

Result<SharedConfig> SharedConfig::Load(const Env& env) {
  Result<IniFile> config = ReadIniFile(ConfigFilePath(env));
  if (!config.ok()) return std::move(config).error();
  Result<IniFile> credentials = ReadIniFile(CredentialsFilePath(env));
  if (!credentials.ok()) return std::move(credentials).error();
  return FromFiles(*config, *credentials);
}

SharedConfig SharedConfig::FromFiles(const IniFile& config, const IniFile& credentials) {
  SharedConfig shared;
  shared.config_path_ = config.path;
  shared.credentials_path_ = credentials.path;
  for (const auto& [name, settings] : config.sections) {
    if (name == "default") {
      // Sections iterate sorted, so a [profile default] comes later and replaces this.
      shared.config_profiles_[name] = settings;
      continue;
    }
    if (name.starts_with("services") && name.size() > 8 && IsBlank(name[8])) {
      shared.services_[std::string(Trim(std::string_view(name).substr(8)))] = settings;
      continue;
    }
    // "profile NAME": exactly one word after "profile", as in the AWS CLI.
    if (!name.starts_with("profile") || name.size() == 7 || !IsBlank(name[7])) continue;
    const std::string_view profile = Trim(std::string_view(name).substr(7));
    if (profile.empty() || profile.find_first_of(" \t") != std::string_view::npos) continue;
    shared.config_profiles_[std::string(profile)] = settings;
  }
  for (const auto& [name, settings] : credentials.sections) {
    shared.credentials_profiles_[name] = settings;
  }
  return shared;
}

Result<std::optional<std::string>> SharedConfig::ServiceEndpoint(std::string_view profile,
                                                                 std::string_view service) const {
  const std::optional<std::string> name = Get(profile, "services");
  if (!name) return std::optional<std::string>();
  const auto section = services_.find(*name);
  if (section == services_.end()) {
    return Error::Make(ErrorKind::kConfig, "profile " + std::string(profile) + " names services " +
                                               *name + ", but " + config_path_ +
                                               " has no [services " + *name +
                                               "] section; add it or remove the setting");
  }
  return Lookup(services_, *name, std::string(service) + ".endpoint_url");
}

bool SharedConfig::HasProfile(std::string_view profile) const {
  return config_profiles_.contains(profile) || credentials_profiles_.contains(profile);
}

std::optional<std::string> SharedConfig::Lookup(const Profiles& profiles, std::string_view profile,
                                                std::string_view key) {
  auto section = profiles.find(profile);
  if (section == profiles.end()) return std::nullopt;
  auto it = section->second.find(key);
  if (it == section->second.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<std::string> SharedConfig::Get(std::string_view profile, std::string_view key) const {
  if (auto value = Lookup(credentials_profiles_, profile, key)) return value;
  return Lookup(config_profiles_, profile, key);
}

std::optional<std::string> SharedConfig::GetFromConfigFile(std::string_view profile,
                                                           std::string_view key) const {
  return Lookup(config_profiles_, profile, key);
}

std::optional<std::string> SharedConfig::GetFromCredentialsFile(std::string_view profile,
                                                                std::string_view key) const {
  return Lookup(credentials_profiles_, profile, key);
}

}  // namespace ddbm::aws
