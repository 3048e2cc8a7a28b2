// The parts every --dry-run plan shares: the rates it would run at and the first requests it would
// send, as text for people and as members of the plan's JSON object.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/json_writer.h"

namespace ddbm::commands {

// A request a dry run shows and does not send: its operation and its JSON body.
struct PlannedRequest {
  std::string operation;
  std::string body;
};

// "  rates: read 100 RCU/s, write unlimited\n" (a rate of 0 is unlimited).
std::string RatesLine(double read_rate, double write_rate);

// "  first requests (not sent):\n" and one line per request; `batch_note` follows a
// BatchWriteItem's body (what its placeholder stands for).
std::string FirstRequestsText(const std::vector<PlannedRequest>& requests,
                              std::string_view batch_note);

// Members "ReadRate", "WriteRate" into the object `w` has open.
void WriteRates(aws::JsonWriter* w, double read_rate, double write_rate);

// Member "FirstRequests": [{"Operation", "Body"}, ...] into the object `w` has open; every body
// must be a JSON object.
void WriteFirstRequests(aws::JsonWriter* w, const std::vector<PlannedRequest>& requests);

}  // namespace ddbm::commands
