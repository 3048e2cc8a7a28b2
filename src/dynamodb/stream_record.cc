#include "dynamodb/stream_record.h"

#include <simdjson.h>

#include <algorithm>
#include <string>

#include "dynamodb/json_rpc.h"

namespace ddbm::dynamodb {
namespace {

namespace od = simdjson::ondemand;

aws::Error Invalid(std::string_view detail) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, "stream record: " + std::string(detail));
}

// Its own parser, so that a caller may be in the middle of a ThreadParser() document.
od::parser& RecordParser() {
  thread_local od::parser parser;
  return parser;
}

// Seconds from an ApproximateCreationDateTime in seconds, milliseconds or microseconds
// (Kinesis Data Streams for DynamoDB and some Lambda event fixtures use the finer units).
double EpochSeconds(double value) {
  if (value >= 1e14) return value / 1e6;
  if (value >= 1e11) return value / 1e3;
  return value;
}

// The byte-exact text of an object member, or an error naming `member`.
aws::Status RawObject(od::value value, std::string_view member, std::string_view* raw) {
  od::object object;
  if (value.get_object().get(object) || object.raw_json().get(*raw)) {
    return Invalid(std::string(member) + " is not an object");
  }
  *raw = TrimTrailingJsonSpace(*raw);
  return aws::Status::Ok();
}

// The digits of a SequenceNumber string, as a slice of the record (digits need no unescaping).
aws::Status SequenceNumber(od::value value, std::string_view* digits) {
  const std::string_view token = TrimTrailingJsonSpace(value.raw_json_token());
  std::string_view text;
  if (value.get_string().get(text) || token.size() < 3 || token.front() != '"' ||
      token.back() != '"') {
    return Invalid("SequenceNumber is not a string of digits");
  }
  *digits = token.substr(1, token.size() - 2);
  if (!std::all_of(digits->begin(), digits->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Invalid("SequenceNumber is not a string of digits");
  }
  return aws::Status::Ok();
}

aws::Status CreationTime(od::value value, double* seconds) {
  od::json_type type;
  double number = 0;
  simdjson::error_code error = value.type().get(type);
  if (!error && type == od::json_type::number) {
    error = value.get_double().get(number);
  } else if (!error && type == od::json_type::string) {
    error = value.get_double_in_string().get(number);
  } else {
    error = simdjson::INCORRECT_TYPE;
  }
  if (error) return Invalid("ApproximateCreationDateTime is not a number");
  *seconds = EpochSeconds(number);
  return aws::Status::Ok();
}

// The "dynamodb" member: Keys, NewImage, OldImage, SequenceNumber, ApproximateCreationDateTime.
aws::Status ParseChange(od::value value, StreamRecord* record) {
  od::object change;
  if (value.get_object().get(change)) return Invalid("the dynamodb member is not an object");
  bool has_keys = false;
  bool has_sequence_number = false;
  for (auto field : change) {
    std::string_view key;
    od::value member;
    if (field.unescaped_key().get(key) || field.value().get(member)) {
      return Invalid("not valid JSON");
    }
    aws::Status status;
    if (key == "Keys") {
      status = RawObject(member, key, &record->keys);
      has_keys = true;
    } else if (key == "NewImage") {
      status = RawObject(member, key, &record->new_image);
    } else if (key == "OldImage") {
      // Only a kept TTL expiry reads it: one that is not an object is left out, not refused.
      if (!RawObject(member, key, &record->old_image).ok()) record->old_image = {};
    } else if (key == "SequenceNumber") {
      status = SequenceNumber(member, &record->sequence_number);
      has_sequence_number = true;
    } else if (key == "ApproximateCreationDateTime") {
      status = CreationTime(member, &record->created_epoch_seconds);
    }
    if (!status.ok()) return status;
  }
  if (!has_keys) return Invalid("missing Keys in the dynamodb member");
  if (!has_sequence_number) return Invalid("missing SequenceNumber in the dynamodb member");
  return aws::Status::Ok();
}

// Whether a userIdentity names the DynamoDB service; false for null or any other identity.
bool IsDynamoDbService(od::value value) {
  od::object identity;
  if (value.get_object().get(identity)) return false;
  bool service = false;
  bool dynamodb = false;
  for (auto field : identity) {
    std::string_view key;
    std::string_view text;
    if (field.unescaped_key().get(key)) return false;
    if (field.value().get_string().get(text)) continue;
    if (key == "type") service = text == "Service";
    if (key == "principalId") dynamodb = text == "dynamodb.amazonaws.com";
  }
  return service && dynamodb;
}

}  // namespace

aws::Result<StreamRecord> ParseStreamRecord(std::string_view raw) {
  od::document doc;
  od::object object;
  if (RecordParser()
          .iterate(simdjson::padded_string_view(raw.data(), raw.size(),
                                                raw.size() + simdjson::SIMDJSON_PADDING))
          .get(doc) ||
      doc.get_object().get(object)) {
    return Invalid("not a JSON object");
  }
  StreamRecord record;
  std::string event_name;
  bool has_event_name = false;
  bool has_change = false;
  bool by_dynamodb = false;
  for (auto field : object) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) {
      return Invalid("not valid JSON");
    }
    if (key == "eventName") {
      std::string_view text;
      if (value.get_string().get(text)) return Invalid("eventName is not a string");
      event_name = text;
      has_event_name = true;
    } else if (key == "dynamodb") {
      if (aws::Status s = ParseChange(value, &record); !s.ok()) return std::move(s).error();
      has_change = true;
    } else if (key == "userIdentity") {
      by_dynamodb = IsDynamoDbService(value);
    }
  }
  if (!has_event_name) return Invalid("missing eventName");
  if (event_name == "INSERT") {
    record.event = StreamRecord::Event::kInsert;
  } else if (event_name == "MODIFY") {
    record.event = StreamRecord::Event::kModify;
  } else if (event_name == "REMOVE") {
    record.event = StreamRecord::Event::kRemove;
  } else if (event_name == "UNKNOWN_TO_SDK_VERSION" && has_change && record.new_image.empty()) {
    // DynamoDB Local's TTL deletion: this name, no image, no userIdentity.
    record.event = StreamRecord::Event::kRemove;
    by_dynamodb = true;
  } else {
    return Invalid("unknown eventName \"" + event_name + "\"");
  }
  if (!has_change) return Invalid("missing dynamodb member");
  record.service_delete = record.event == StreamRecord::Event::kRemove && by_dynamodb;
  return record;
}

}  // namespace ddbm::dynamodb
