#include "aws/env.h"

#include <cstdlib>

namespace ddbm::aws {
namespace {

class ProcessEnv final : public Env {
 public:
  std::optional<std::string> Get(std::string_view name) const override {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  }
};

}  // namespace

const Env* Env::Process() {
  static ProcessEnv env;
  return &env;
}

}  // namespace ddbm::aws
