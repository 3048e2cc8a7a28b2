// Env: read access to environment variables, injectable so tests control what the
// credentials chain and region resolution see.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ddbm::aws {

class Env {
 public:
  virtual ~Env() = default;
  // The variable's value; nullopt when unset. An empty value counts as unset, as in the AWS CLI.
  virtual std::optional<std::string> Get(std::string_view name) const = 0;
  // The process environment. Never null.
  static const Env* Process();
};

// A fixed set of variables, for tests.
class MapEnv final : public Env {
 public:
  MapEnv() = default;
  explicit MapEnv(std::map<std::string, std::string, std::less<>> vars) : vars_(std::move(vars)) {}
  void Set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  std::optional<std::string> Get(std::string_view name) const override {
    auto it = vars_.find(name);
    if (it == vars_.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

}  // namespace ddbm::aws
