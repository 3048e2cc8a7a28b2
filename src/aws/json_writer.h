// JsonWriter: appends compact JSON to a string. Values that are already JSON (raw DynamoDB
// items and keys) are spliced in byte for byte with Raw(), never re-encoded.
//
// The caller is responsible for well-formedness (matching Begin/End, Key before each member
// value); commas are inserted automatically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ddbm::aws {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Splices `json`, which must be one complete JSON value, as the next value.
  JsonWriter& Raw(std::string_view json);

  // Shorthands for one member.
  JsonWriter& Member(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  JsonWriter& MemberInt(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& MemberBool(std::string_view key, bool value) { return Key(key).Bool(value); }
  JsonWriter& MemberRaw(std::string_view key, std::string_view json) { return Key(key).Raw(json); }

 private:
  JsonWriter& Open(char c);
  JsonWriter& Close(char c);
  void BeforeValue();

  std::string* out_;
  std::vector<bool> first_;  // per open container: no member written yet
  bool after_key_ = false;
};

// Appends `value` as a quoted JSON string with the escapes JSON requires.
void AppendJsonString(std::string* out, std::string_view value);

}  // namespace ddbm::aws
