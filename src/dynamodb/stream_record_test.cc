// ParseStreamRecord on hand-written records, then on every DynamoDB stream record in
// testdata/refdata/streams (see PROVENANCE.md there), whose images also go through
// InvalidItemReason.
#include "dynamodb/stream_record.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dynamodb/item_check.h"
#include "dynamodb/streams_client.h"

namespace ddbm::dynamodb {
namespace {

namespace fs = std::filesystem;
namespace dom = simdjson::dom;
using aws::Result;
using Event = StreamRecord::Event;

std::string Padded(std::string json) {
  json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  return json;
}

class StreamRecordTest : public ::testing::Test {
 protected:
  // Parses `json` from a padded buffer that lives as long as the test.
  Result<StreamRecord> Parse(std::string json) {
    buffers_.push_back(std::make_unique<std::string>(Padded(std::move(json))));
    return ParseStreamRecord(*buffers_.back());
  }
  StreamRecord ParseOk(std::string json) {
    Result<StreamRecord> record = Parse(std::move(json));
    EXPECT_TRUE(record.ok()) << record.error().ToString();
    return record.ok() ? *record : StreamRecord{};
  }
  // The message of the kInvalidInput error parsing `json` gives.
  std::string Rejection(std::string json) {
    Result<StreamRecord> record = Parse(std::move(json));
    if (record.ok()) return "parsed";
    EXPECT_EQ(record.error().kind, aws::ErrorKind::kInvalidInput);
    return record.error().message;
  }

 private:
  std::vector<std::unique_ptr<std::string>> buffers_;
};

constexpr std::string_view kKeys = R"({"pk":{"S":"user#1"},"sk":{"N":"7"}})";
constexpr std::string_view kImage = R"({"pk":{"S":"user#1"},"sk":{"N":"7"},"name":{"S":"Ann"}})";

// A record whose "dynamodb" member holds `change`, plus `extra` members at the top.
std::string Record(std::string_view event_name, std::string_view change,
                   std::string_view extra = "") {
  return R"({"eventID":"c4ca4238","eventName":")" + std::string(event_name) +
         R"(","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"eu-west-1",)" +
         std::string(extra) + R"("dynamodb":)" + std::string(change) + "}";
}

// A "dynamodb" member with Keys, SequenceNumber and creation time, plus `images`.
std::string Change(std::string_view images = "") {
  return R"({"ApproximateCreationDateTime":1479499740,"Keys":)" + std::string(kKeys) + "," +
         std::string(images) +
         R"("SequenceNumber":"111000000000000000001","SizeBytes":26,)"
         R"("StreamViewType":"NEW_AND_OLD_IMAGES"})";
}

const std::string kNewImage = R"("NewImage":)" + std::string(kImage) + ",";
const std::string kOldImage = R"("OldImage":)" + std::string(kImage) + ",";
const std::string kTtlIdentity =
    R"("userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"},)";

TEST_F(StreamRecordTest, ParsesInsertModifyAndRemove) {
  const StreamRecord insert = ParseOk(Record("INSERT", Change(kNewImage)));
  EXPECT_EQ(insert.event, Event::kInsert);
  EXPECT_EQ(insert.sequence_number, "111000000000000000001");
  EXPECT_EQ(insert.created_epoch_seconds, 1479499740.0);
  EXPECT_EQ(insert.keys, kKeys);
  EXPECT_EQ(insert.new_image, kImage);
  EXPECT_FALSE(insert.service_delete);

  const StreamRecord modify = ParseOk(Record("MODIFY", Change(kOldImage + kNewImage)));
  EXPECT_EQ(modify.event, Event::kModify);
  EXPECT_EQ(modify.new_image, kImage);

  EXPECT_EQ(modify.old_image, kImage);
  EXPECT_TRUE(insert.old_image.empty());

  const StreamRecord remove = ParseOk(Record("REMOVE", Change(kOldImage)));
  EXPECT_EQ(remove.event, Event::kRemove);
  EXPECT_EQ(remove.keys, kKeys);
  EXPECT_TRUE(remove.new_image.empty());
  EXPECT_EQ(remove.old_image, kImage);
  EXPECT_FALSE(remove.service_delete);
}

TEST_F(StreamRecordTest, OnlyARemoveByTheDynamoDbServiceIsAServiceDelete) {
  EXPECT_TRUE(ParseOk(Record("REMOVE", Change(kOldImage), kTtlIdentity)).service_delete);
  // Member order does not matter, nor does userIdentity coming after the dynamodb member.
  EXPECT_TRUE(
      ParseOk(Change(kOldImage).insert(0, "{\"dynamodb\":") +
              R"(,"userIdentity":{"principalId":"dynamodb.amazonaws.com","type":"Service"},)"
              R"("eventName":"REMOVE"})")
          .service_delete);
  EXPECT_FALSE(ParseOk(Record("REMOVE", Change(),
                              R"("userIdentity":{"type":"User","principalId":"AIDAEXAMPLE"},)"))
                   .service_delete);
  EXPECT_FALSE(
      ParseOk(Record("REMOVE", Change(),
                     R"("userIdentity":{"type":"Service","principalId":"lambda.amazonaws.com"},)"))
          .service_delete);
  EXPECT_FALSE(ParseOk(Record("REMOVE", Change(), R"("userIdentity":null,)")).service_delete);
  // Some SDK fixtures put the TTL identity on an INSERT; only a REMOVE can be a TTL expiry.
  EXPECT_FALSE(ParseOk(Record("INSERT", Change(kNewImage), kTtlIdentity)).service_delete);
}

TEST_F(StreamRecordTest, KeysOnlyRecordCarriesNoImage) {
  const StreamRecord record = ParseOk(
      Record("MODIFY",
             R"({"Keys":{"ForumName":{"S":"DynamoDB"}},"SequenceNumber":"400000000000000499660",)"
             R"("SizeBytes":41,"StreamViewType":"KEYS_ONLY"})"));
  EXPECT_EQ(record.keys, R"({"ForumName":{"S":"DynamoDB"}})");
  EXPECT_TRUE(record.new_image.empty());
  EXPECT_EQ(record.created_epoch_seconds, 0);
}

TEST_F(StreamRecordTest, ReadsEveryFormOfTheCreationTime) {
  auto created = [this](std::string_view value) {
    std::string change = Change();
    change.replace(change.find("1479499740"), 10, value);
    return ParseOk(Record("INSERT", change)).created_epoch_seconds;
  };
  EXPECT_EQ(created("1.479499740E9"), 1479499740.0);
  EXPECT_EQ(created("1.47949974e+9"), 1479499740.0);
  EXPECT_NEAR(created("1.635734407123456789E9"), 1635734407.123456789, 1e-6);
  EXPECT_EQ(created("1693997155.0"), 1693997155.0);
  EXPECT_EQ(created("\"1.46480646E9\""), 1464806460.0);
  EXPECT_EQ(created("1480642020000"), 1480642020.0);          // milliseconds
  EXPECT_EQ(created("1731924555370"), 1731924555.37);         // milliseconds
  EXPECT_EQ(created("1731924555370123"), 1731924555.370123);  // microseconds
}

TEST_F(StreamRecordTest, SlicesAreTheRecordsOwnBytes) {
  const std::string keys = "{ \"pk\" :\n {\"S\": \"a\\u0062\"} }";
  const std::string image = "{\"pk\":{\"S\":\"a\\u0062\"},\t\"n\":{\"N\":\"1.50\"}}";
  const StreamRecord record =
      ParseOk("{ \"eventName\" : \"INSERT\" , \"dynamodb\" : { \"Keys\" : " + keys +
              " \n, \"NewImage\":" + image + "\r\n ,\"SequenceNumber\" : \"42\" } }");
  EXPECT_EQ(record.keys, keys);
  EXPECT_EQ(record.new_image, image);
  EXPECT_EQ(record.sequence_number, "42");
}

TEST_F(StreamRecordTest, MalformedRecordsAreInvalidInput) {
  EXPECT_EQ(Rejection(Record("UPSERT", Change())), "stream record: unknown eventName \"UPSERT\"");
  EXPECT_EQ(Rejection(Record("insert", Change())), "stream record: unknown eventName \"insert\"");
  EXPECT_EQ(Rejection(R"({"dynamodb":)" + Change() + "}"), "stream record: missing eventName");
  EXPECT_EQ(Rejection(R"({"eventName":7,"dynamodb":)" + Change() + "}"),
            "stream record: eventName is not a string");
  EXPECT_EQ(Rejection(R"({"eventName":"INSERT","eventSource":"aws:dynamodb"})"),
            "stream record: missing dynamodb member");
  EXPECT_EQ(Rejection(Record("INSERT", "[]")),
            "stream record: the dynamodb member is not an object");
  EXPECT_EQ(Rejection(Record("INSERT", R"({"SequenceNumber":"1"})")),
            "stream record: missing Keys in the dynamodb member");
  EXPECT_EQ(Rejection(Record("INSERT", R"({"Keys":{"pk":{"S":"a"}}})")),
            "stream record: missing SequenceNumber in the dynamodb member");
  EXPECT_EQ(Rejection(Record("INSERT", R"({"Keys":[{"pk":{"S":"a"}}],"SequenceNumber":"1"})")),
            "stream record: Keys is not an object");
  EXPECT_EQ(Rejection(Record("INSERT", R"({"Keys":"pk","SequenceNumber":"1"})")),
            "stream record: Keys is not an object");
  EXPECT_EQ(Rejection(Record("INSERT", R"({"Keys":{},"NewImage":null,"SequenceNumber":"1"})")),
            "stream record: NewImage is not an object");
  EXPECT_TRUE(ParseOk(Record("REMOVE", R"({"Keys":{},"OldImage":null,"SequenceNumber":"1"})"))
                  .old_image.empty());
  for (const char* sequence_number : {"111", "\"\"", "\"12a\"", "\"1\\u0032\"", "null"}) {
    EXPECT_EQ(Rejection(Record("INSERT", R"({"Keys":{},"SequenceNumber":)" +
                                             std::string(sequence_number) + "}")),
              "stream record: SequenceNumber is not a string of digits")
        << sequence_number;
  }
  EXPECT_EQ(
      Rejection(Record("INSERT",
                       R"({"Keys":{},"SequenceNumber":"1","ApproximateCreationDateTime":"soon"})")),
      "stream record: ApproximateCreationDateTime is not a number");
  EXPECT_EQ(
      Rejection(Record("INSERT",
                       R"({"Keys":{},"SequenceNumber":"1","ApproximateCreationDateTime":true})")),
      "stream record: ApproximateCreationDateTime is not a number");
  EXPECT_EQ(Rejection("[]"), "stream record: not a JSON object");
  EXPECT_EQ(Rejection(""), "stream record: not a JSON object");
}

// ---- Reference fixtures ----

const fs::path kStreams = fs::path(DDBM_REFDATA_DIR) / "streams";

// The bytes of a fixture. The .NET fixtures begin with a UTF-8 byte order mark, which is dropped
// (a GetRecords answer or Lambda event never starts with one).
std::string ReadFixture(const std::string& name) {
  std::ifstream in(kStreams / name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream out;
  out << in.rdbuf();
  std::string text = out.str();
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  return text;
}

// A file of DynamoDB stream records: a Lambda event or GetRecords answer ({"Records": [...]}).
struct RecordsFile {
  const char* name;
  size_t records;
};

const RecordsFile kRecordsFiles[] = {
    {"aws-lambda-dotnet/dynamodb-event.json", 2},
    {"aws-lambda-dotnet/dynamodb-timewindow-event.json", 3},
    {"aws-lambda-dotnet/dynamodb-with-ms-event.json", 2},
    {"aws-lambda-go/dynamodb-event.json", 2},
    {"aws-lambda-go/dynamodb-time-window-event.json", 3},
    {"aws-lambda-java-libs/dynamo_event.json", 3},
    {"aws-lambda-java-libs/dynamo_event_roundtrip.json", 3},
    {"aws-lambda-java-libs/dynamo_time_window_event.json", 2},
    {"aws-lambda-rust-runtime/example-dynamodb-event.json", 2},
    {"aws-sam-cli/DynamoDBUpdate.json", 3},  // {{{placeholders}}} only inside strings
    {"powertools-lambda-python/dynamoStreamEvent.json", 2},
    {"powertools-lambda-python/getting_started_dynamodb_event.json", 2},
    {"powertools-lambda-typescript/dynamodb__base.json", 2},
};

// Files holding records of another shape, or none: each has its own test below or is no record.
const char* const kOtherFiles[] = {
    "aws-lambda-java-libs/dynamo_ddb_stream_record.json",  // one bare record
    "botocore/examples-1.json",                            // GetRecords inside the API examples
    "aws-lambda-rust-runtime/example-dynamodb-event-record-with-optional-fields.json",  // Kinesis
    "powertools-lambda-typescript/kinesis__dynamodb-stream.json",       // base64 Kinesis envelope
    "aws-lambda-go/dynamodb-event-malformed.2.json",                    // truncated on purpose
    "aws-lambda-dotnet/dynamodb-batchitemfailures-response.json",       // a Lambda answer
    "powertools-lambda-python/getting_started_dynamodb_response.json",  // a Lambda answer
};

// The GetRecords answer among the Streams API examples, copied byte for byte.
std::string GetRecordsExample() {
  const simdjson::padded_string examples(ReadFixture("botocore/examples-1.json"));
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object output;
  std::string_view raw;
  EXPECT_EQ(parser.iterate(examples).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(doc["examples"]["GetRecords"].at(0)["output"].get_object().get(output),
            simdjson::SUCCESS);
  EXPECT_EQ(output.raw_json().get(raw), simdjson::SUCCESS);
  return std::string(raw);
}

// One record of a fixture, as a slice of a page body the way the streams client slices one.
struct FixtureRecord {
  std::string file;
  size_t index = 0;
  std::string_view raw;
};

class StreamRecordFixturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(kStreams)) GTEST_SKIP() << "no reference fixtures in " << kStreams;
  }

  // Slices the records of `body` ({"Records": [...]}) from `file`; `text` is the file's text.
  void AddPage(const std::string& file, std::string body, const std::string& text) {
    Result<RecordsPage> page = DynamoDbStreamsClient::ParseRecordsPage(std::move(body));
    ASSERT_TRUE(page.ok()) << file << ": " << page.error().ToString();
    texts_.push_back(text);
    for (size_t i = 0; i < page->records.size(); ++i) {
      records_.push_back({file, i, page->records[i]});
    }
    pages_.push_back(std::move(*page));
  }

  // Every record of kRecordsFiles, the bare Java record and the botocore GetRecords example.
  void LoadAll() {
    for (const RecordsFile& f : kRecordsFiles) {
      const std::string text = ReadFixture(f.name);
      const size_t before = records_.size();
      AddPage(f.name, text, text);
      EXPECT_EQ(records_.size() - before, f.records) << f.name;
    }
    const std::string bare = ReadFixture("aws-lambda-java-libs/dynamo_ddb_stream_record.json");
    AddPage("aws-lambda-java-libs/dynamo_ddb_stream_record.json", "{\"Records\":[" + bare + "]}",
            bare);
    AddPage("botocore/examples-1.json", GetRecordsExample(),
            ReadFixture("botocore/examples-1.json"));
  }

  // Whether `slice` is an object copied verbatim from the fixture text of its file.
  bool Verbatim(std::string_view slice) const {
    return !slice.empty() && slice.front() == '{' && slice.back() == '}' &&
           std::any_of(texts_.begin(), texts_.end(), [&](const std::string& text) {
             return text.find(slice) != std::string::npos;
           });
  }

  std::vector<RecordsPage> pages_;
  std::vector<std::string> texts_;
  std::vector<FixtureRecord> records_;
};

std::string Minify(std::string_view json) {
  dom::parser parser;
  dom::element element;
  EXPECT_EQ(parser.parse(simdjson::padded_string(json)).get(element), simdjson::SUCCESS) << json;
  return simdjson::minify(element);
}

std::string_view EventName(Event event) {
  switch (event) {
    case Event::kInsert:
      return "INSERT";
    case Event::kModify:
      return "MODIFY";
    case Event::kRemove:
      return "REMOVE";
  }
  return "";
}

// The attributes of `image` that InvalidItemReason rejects when each is checked on its own.
std::string RejectedAttributes(dom::object image) {
  std::string names;
  for (dom::key_value_pair member : image) {
    std::string alone = "{\"";
    alone.append(member.key).append("\":").append(simdjson::minify(member.value)).append("}");
    if (!InvalidItemReason(Padded(std::move(alone)))) continue;
    if (!names.empty()) names += ',';
    names.append(member.key);
  }
  return names;
}

TEST_F(StreamRecordFixturesTest, EveryFixtureFileIsAccountedFor) {
  std::vector<std::string> listed;
  for (const RecordsFile& f : kRecordsFiles) listed.push_back(f.name);
  for (const char* name : kOtherFiles) listed.push_back(name);
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(kStreams)) {
    const std::string name = fs::relative(entry.path(), kStreams).generic_string();
    // localstack's snapshots hold values after boto3 decoded them, with <placeholders> for
    // sequence numbers and times: not records as the service sends them.
    if (entry.is_regular_file() && name.ends_with(".json") && !name.starts_with("localstack/")) {
      found.push_back(name);
    }
  }
  std::sort(listed.begin(), listed.end());
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, listed);
}

TEST_F(StreamRecordFixturesTest, EveryRecordParsesAsTheFileSays) {
  LoadAll();
  ASSERT_EQ(records_.size(), 35u);
  for (const FixtureRecord& r : records_) {
    SCOPED_TRACE(r.file + " record " + std::to_string(r.index));
    Result<StreamRecord> record = ParseStreamRecord(r.raw);
    ASSERT_TRUE(record.ok()) << record.error().ToString();
    dom::parser parser;
    dom::element expected;
    ASSERT_EQ(parser.parse(simdjson::padded_string(r.raw)).get(expected), simdjson::SUCCESS);
    EXPECT_EQ(EventName(record->event), std::string_view(expected["eventName"]));
    EXPECT_EQ(record->sequence_number, std::string_view(expected["dynamodb"]["SequenceNumber"]));
    EXPECT_TRUE(Verbatim(record->keys)) << record->keys;
    EXPECT_EQ(Minify(record->keys), simdjson::minify(expected["dynamodb"]["Keys"]));
    dom::element new_image;
    if (expected["dynamodb"]["NewImage"].get(new_image) == simdjson::SUCCESS) {
      EXPECT_TRUE(Verbatim(record->new_image)) << record->new_image;
      EXPECT_EQ(Minify(record->new_image), simdjson::minify(new_image));
    } else {
      EXPECT_TRUE(record->new_image.empty());
    }
    // Seconds, whatever unit or form the file used; every fixture dates from 2015 to 2024.
    dom::element created;
    if (expected["dynamodb"]["ApproximateCreationDateTime"].get(created) == simdjson::SUCCESS) {
      EXPECT_GT(record->created_epoch_seconds, 1.4e9);
      EXPECT_LT(record->created_epoch_seconds, 1.8e9);
    } else {
      EXPECT_EQ(record->created_epoch_seconds, 0);
    }
  }
}

TEST_F(StreamRecordFixturesTest, ConcreteValues) {
  LoadAll();
  auto find = [this](std::string_view file, size_t index) {
    for (const FixtureRecord& r : records_) {
      if (r.file == file && r.index == index) return *ParseStreamRecord(r.raw);
    }
    ADD_FAILURE() << file << " record " << index << " not loaded";
    return StreamRecord{};
  };
  StreamRecord r = find("aws-lambda-go/dynamodb-time-window-event.json", 0);
  EXPECT_EQ(r.event, Event::kInsert);
  EXPECT_EQ(r.sequence_number, "111");
  EXPECT_EQ(r.keys, "{\n          \"Id\":{\n            \"N\":\"101\"\n          }\n        }");
  EXPECT_EQ(r.created_epoch_seconds, 1480642020.0);
  r = find("aws-lambda-go/dynamodb-time-window-event.json", 2);
  EXPECT_EQ(r.event, Event::kRemove);
  EXPECT_TRUE(r.new_image.empty());
  EXPECT_FALSE(r.service_delete);

  r = find("botocore/examples-1.json", 0);
  EXPECT_EQ(r.event, Event::kInsert);
  EXPECT_EQ(r.sequence_number, "300000000000000499659");
  EXPECT_EQ(r.created_epoch_seconds, 1464806460.0);  // given as the string "1.46480646E9"
  EXPECT_EQ(r.keys,
            "{\n                  \"ForumName\": {\n                    \"S\": \"DynamoDB\"\n"
            "                  },\n                  \"Subject\": {\n                    \"S\": "
            "\"DynamoDB Thread 3\"\n                  }\n                }");
  EXPECT_TRUE(r.new_image.empty());  // KEYS_ONLY
  EXPECT_EQ(find("botocore/examples-1.json", 1).event, Event::kModify);
  EXPECT_EQ(find("botocore/examples-1.json", 2).event, Event::kRemove);
  EXPECT_EQ(find("botocore/examples-1.json", 2).sequence_number, "500000000000000499661");

  r = find("aws-lambda-java-libs/dynamo_event.json", 0);
  EXPECT_EQ(r.sequence_number, "4421584500000000017450439091");
  EXPECT_FALSE(r.service_delete);  // the TTL identity, but on an INSERT
  EXPECT_NEAR(find("aws-lambda-java-libs/dynamo_event.json", 1).created_epoch_seconds,
              1635734407.123456789, 1e-6);
  EXPECT_EQ(find("aws-lambda-java-libs/dynamo_event_roundtrip.json", 0).created_epoch_seconds,
            1428537600.0);  // 1.4285376E9
  EXPECT_TRUE(find("aws-lambda-dotnet/dynamodb-event.json", 1).service_delete);
  EXPECT_EQ(find("aws-lambda-dotnet/dynamodb-with-ms-event.json", 0).created_epoch_seconds,
            1480642020.0);  // 1480642020000 milliseconds
  EXPECT_EQ(find("powertools-lambda-python/dynamoStreamEvent.json", 1).event, Event::kModify);
  EXPECT_EQ(find("aws-lambda-java-libs/dynamo_ddb_stream_record.json", 0).sequence_number,
            "4421584500000000017450439092");
}

// The SDK fixtures are hand-written, and a few hold values DynamoDB would never have stored:
// an empty string set and binary sets with duplicate members. Every other image must pass.
// (powertools' getting_started event has NewImages without the key attribute Id; that needs the
// table's key schema to see, so InvalidItemReason passes them.)
TEST_F(StreamRecordFixturesTest, ImagesDynamoDbWouldRejectAreFlagged) {
  LoadAll();
  std::vector<std::string> flagged;
  for (const FixtureRecord& r : records_) {
    Result<StreamRecord> record = ParseStreamRecord(r.raw);
    ASSERT_TRUE(record.ok());
    dom::parser parser;
    dom::element change;
    ASSERT_EQ(parser.parse(simdjson::padded_string(r.raw))["dynamodb"].get(change),
              simdjson::SUCCESS);
    // OldImage is not part of StreamRecord: checked from a minified copy.
    dom::element old;
    const std::string old_image =
        change["OldImage"].get(old) == simdjson::SUCCESS ? Padded(simdjson::minify(old)) : "";
    const std::pair<const char*, std::string_view> images[] = {
        {"Keys", record->keys}, {"NewImage", record->new_image}, {"OldImage", old_image}};
    for (const auto& [member, image] : images) {
      dom::object object;
      if (change[member].get(object) != simdjson::SUCCESS) continue;
      if (std::optional<std::string> reason = InvalidItemReason(image)) {
        flagged.push_back(r.file + " #" + std::to_string(r.index) + " " + member + ": " + *reason +
                          " [" + RejectedAttributes(object) + "]");
      }
    }
  }
  const std::string duplicate = "attribute asdf2: duplicate member \"AAEqQQ==\" in binary set (BS)";
  const std::vector<std::string> expected = {
      "aws-lambda-dotnet/dynamodb-event.json #1 OldImage: " + duplicate + " [asdf2]",
      "aws-lambda-dotnet/dynamodb-with-ms-event.json #1 OldImage: " + duplicate + " [asdf2]",
      "aws-lambda-go/dynamodb-event.json #1 NewImage: " + duplicate +
          " [asdf2,BinarySet,EmptyStringSet]",
      "aws-lambda-rust-runtime/example-dynamodb-event.json #1 NewImage: " + duplicate +
          " [asdf2,BinarySet,EmptyStringSet]",
  };
  std::sort(flagged.begin(), flagged.end());
  EXPECT_EQ(flagged, expected);
}

// Kinesis Data Streams for DynamoDB delivers the same "dynamodb" member without SequenceNumber
// (the position is the Kinesis record's own sequence number) and with ApproximateCreationDateTime
// in milliseconds, next to recordFormat, tableName and "userIdentity": null. ParseStreamRecord
// is for DynamoDB Streams records and refuses these; their images are still valid items.
TEST_F(StreamRecordFixturesTest, KinesisRecordsLackASequenceNumber) {
  std::vector<std::string> lines;
  std::istringstream jsonl(
      ReadFixture("powertools-lambda-typescript/kinesis__dynamodb-stream.data-decoded.jsonl"));
  for (std::string line; std::getline(jsonl, line);) lines.push_back(Padded(line));
  ASSERT_EQ(lines.size(), 2u);
  lines.push_back(Padded(ReadFixture(
      "aws-lambda-rust-runtime/example-dynamodb-event-record-with-optional-fields.json")));
  for (const std::string& line : lines) {
    Result<StreamRecord> record = ParseStreamRecord(line);
    ASSERT_FALSE(record.ok());
    EXPECT_EQ(record.error().kind, aws::ErrorKind::kInvalidInput);
    EXPECT_EQ(record.error().message,
              "stream record: missing SequenceNumber in the dynamodb member");
    dom::parser parser;
    dom::element root;
    ASSERT_EQ(parser.parse(simdjson::padded_string(line)).get(root), simdjson::SUCCESS);
    EXPECT_EQ(std::string_view(root["eventName"]), "INSERT");
    EXPECT_EQ(std::string_view(root["recordFormat"]), "application/json");
    EXPECT_TRUE(root["userIdentity"].is_null());
    for (const char* member : {"Keys", "NewImage"}) {
      EXPECT_EQ(InvalidItemReason(Padded(simdjson::minify(root["dynamodb"][member]))),
                std::nullopt);
    }
  }
}

TEST_F(StreamRecordFixturesTest, TheMalformedFixtureIsNotJson) {
  // aws-lambda-go's dynamodb-event-malformed.2.json is cut off on purpose.
  EXPECT_FALSE(DynamoDbStreamsClient::ParseRecordsPage(
                   ReadFixture("aws-lambda-go/dynamodb-event-malformed.2.json"))
                   .ok());
}

}  // namespace
}  // namespace ddbm::dynamodb
