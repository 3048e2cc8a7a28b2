// One DynamoDB Streams record: an element of GetRecords' "Records", which Lambda also delivers,
// in the same shape, as the elements of a DynamoDB event's "Records".
#pragma once

#include <string_view>

#include "aws/error.h"

namespace ddbm::dynamodb {

struct StreamRecord {
  enum class Event { kInsert, kModify, kRemove };  // eventName INSERT, MODIFY, REMOVE
  Event event = Event::kInsert;
  // The members below are slices of the record's JSON: valid while its buffer lives.
  std::string_view sequence_number;  // SequenceNumber, a string of decimal digits
  // ApproximateCreationDateTime in seconds since the epoch; 0 when absent. Accepted as a JSON
  // number (1479499740, 1.479499740E9) or a string holding one (as in the API reference's
  // examples); a value too large for seconds (from 1E11, the year 5138) is read as milliseconds,
  // from 1E14 as microseconds.
  double created_epoch_seconds = 0;
  std::string_view keys;       // Keys: the raw JSON object of the key attributes, byte-exact
  std::string_view new_image;  // NewImage, byte-exact; empty when the record carries none
  std::string_view old_image;  // OldImage, byte-exact; empty when the record carries none
  // A REMOVE made by DynamoDB itself, i.e. a TTL expiry (userIdentity type "Service", principalId
  // "dynamodb.amazonaws.com"); false for every other event.
  // DynamoDB Local sends its TTL deletions as eventName UNKNOWN_TO_SDK_VERSION without an image
  // or userIdentity; those are read as REMOVE with service_delete set.
  bool service_delete = false;
};

// Parses one raw record. Members are returned as slices of `raw`, never re-serialised; other
// members (eventID, StreamViewType, ...) are ignored. kInvalidInput naming what is
// wrong when: eventName is missing or not INSERT, MODIFY or REMOVE; the dynamodb member is
// missing or not an object; Keys is missing or not an object; NewImage is not an object (an
// OldImage that is not one is left empty);
// SequenceNumber is missing or not a string of digits; ApproximateCreationDateTime is not a
// number; `raw` is not a JSON object. Thread-safe (a parser per thread, not ThreadParser()).
// REQUIRES: simdjson::SIMDJSON_PADDING readable bytes follow `raw` in memory (true for the
// records of a RecordsPage).
aws::Result<StreamRecord> ParseStreamRecord(std::string_view raw);

}  // namespace ddbm::dynamodb
