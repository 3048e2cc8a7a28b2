#include "commands/dry_run_plan.h"

#include <fmt/format.h>

namespace ddbm::commands {
namespace {

// A rate as the user would write it: whole from 100 up, else with at most two decimals
// (0.5, 12.25), or two significant digits below 0.01.
std::string RateNumber(double value) {
  if (value >= 100) return fmt::format("{:.0f}", value);
  std::string text = fmt::format("{:.2f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text == "0" ? fmt::format("{:.2g}", value) : text;
}

std::string Rate(double units_per_second, std::string_view unit) {
  return units_per_second > 0 ? fmt::format("{} {}/s", RateNumber(units_per_second), unit)
                              : "unlimited";
}

}  // namespace

std::string RatesLine(double read_rate, double write_rate) {
  return fmt::format("  rates: read {}, write {}\n", Rate(read_rate, "RCU"),
                     Rate(write_rate, "WCU"));
}

std::string FirstRequestsText(const std::vector<PlannedRequest>& requests,
                              std::string_view batch_note) {
  std::string text = "  first requests (not sent):\n";
  for (const PlannedRequest& request : requests) {
    text += fmt::format("    {} {}", request.operation, request.body);
    if (request.operation == "BatchWriteItem" && !batch_note.empty()) {
      text += fmt::format("  ({})", batch_note);
    }
    text += '\n';
  }
  return text;
}

void WriteRates(aws::JsonWriter* w, double read_rate, double write_rate) {
  w->Key("ReadRate").Double(read_rate).Key("WriteRate").Double(write_rate);
}

void WriteFirstRequests(aws::JsonWriter* w, const std::vector<PlannedRequest>& requests) {
  w->Key("FirstRequests").BeginArray();
  for (const PlannedRequest& request : requests) {
    w->BeginObject()
        .Member("Operation", request.operation)
        .MemberRaw("Body", request.body)
        .EndObject();
  }
  w->EndArray();
}

}  // namespace ddbm::commands
