#include "commands/flag_checks.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "aws/credentials_chain.h"

namespace ddbm::commands {
namespace {

// A decimal number as written on the command line: digits, a point, an exponent; not hex,
// whatever the locale. nullopt for anything else, infinities and NaN included.
std::optional<double> ParseDecimal(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (text.empty() || error != std::errc() || stop != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

CLI::Validator PositiveRate() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::optional<double> value = ParseDecimal(text);
        if (!value || *value <= 0) {
          return "'" + text + "' is not a rate: give capacity units per second above 0";
        }
        return {};
      },
      "UNITS/S");
}

CLI::Validator DecimalRange(double min, double max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const std::optional<double> value = ParseDecimal(text);
        if (!value) return fmt::format("'{}' is not a number", text);
        if (*value < min || *value > max) {
          return fmt::format("{} is not in the range {} to {}", text, min, max);
        }
        return {};
      },
      fmt::format("[{} - {}]", min, max));
}

CLI::Validator WholeNumberRange(int64_t min, int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        int64_t value = 0;
        const char* end = text.data() + text.size();
        auto [stop, error] = std::from_chars(text.data(), end, value);
        if (text.empty() || stop != end || error == std::errc::invalid_argument) {
          return fmt::format("'{}' is not a whole number", text);
        }
        if (error != std::errc() || value < min || value > max) {
          return fmt::format("{} is not in the range {} to {}", text, min, max);
        }
        // Rewritten in plain decimal: the parser would read "010" as octal 8.
        text = std::to_string(value);
        return {};
      },
      fmt::format("[{} - {}]", min, max));
}

CLI::Validator RegionName() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (aws::IsRegionName(text)) return {};
        return fmt::format("'{}' is not a region name; give one such as us-east-1", text);
      },
      "REGION");
}

}  // namespace ddbm::commands
