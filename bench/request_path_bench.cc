// Micro-benchmark of the request path, without the network: for one 1 MB Scan page of 1 KB
// items, sign the Scan request, parse the page into raw item slices, serialize those items into
// BatchWriteItem bodies of 25 and sign each. Reports items per second.
//
//   build/request_path_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <string>

#include "aws/sigv4.h"
#include "dynamodb/client.h"

namespace {

using ddbm::dynamodb::DynamoDbClient;
using ddbm::dynamodb::WriteRequest;

// A Scan answer of `count` items of about 1 KB each, with every attribute type.
std::string MakeScanPage(int count) {
  std::string body = "{\"Count\":" + std::to_string(count) + ",\"Items\":[";
  const std::string filler(700, 'x');
  for (int i = 0; i < count; ++i) {
    if (i > 0) body += ',';
    body += fmt::format(
        "{{\"pk\":{{\"S\":\"customer#{:08d}\"}},\"sk\":{{\"N\":\"{}\"}},"
        "\"amount\":{{\"N\":\"12345678901234567890.123456789012345678\"}},"
        "\"blob\":{{\"B\":\"AAECAwQFBgcICQoLDA0ODw==\"}},\"tags\":{{\"SS\":[\"a\",\"b\",\"c\"]}},"
        "\"nested\":{{\"M\":{{\"l\":{{\"L\":[{{\"N\":\"1\"}},{{\"S\":\"caf\\u00e9\"}},"
        "{{\"BOOL\":true}},{{\"NULL\":true}}]}}}}}},\"note\":{{\"S\":\"{}\"}}}}",
        i, i * 7, filler);
  }
  body += "],\"LastEvaluatedKey\":{\"pk\":{\"S\":\"customer#99999999\"},\"sk\":{\"N\":\"1\"}},"
          "\"ScannedCount\":" +
          std::to_string(count) + "}";
  return body;
}

ddbm::aws::HttpRequest MakeRequest(std::string body, std::string_view target) {
  ddbm::aws::HttpRequest request;
  request.url = "https://dynamodb.us-east-1.amazonaws.com/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", std::string(target)}};
  request.body = std::move(body);
  return request;
}

void BM_ScanPageRequestPath(benchmark::State& state) {
  const int items_per_page = 1000;  // about 1 MB of 1 KB items
  const std::string page_text = MakeScanPage(items_per_page);
  ddbm::aws::Credentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                     "session-token", std::nullopt, "bench"};
  ddbm::aws::sigv4::SigningParams params;
  params.region = "us-east-1";
  params.service = "dynamodb";
  params.time = std::chrono::system_clock::now();
  ddbm::dynamodb::ScanRequest scan;
  scan.table_name = "source";
  scan.segment = 3;
  scan.total_segments = 16;
  scan.return_consumed_capacity = true;
  int64_t items = 0;
  for (auto _ : state) {
    ddbm::aws::HttpRequest scan_request =
        MakeRequest(DynamoDbClient::ScanRequestJson(scan), "DynamoDB_20120810.Scan");
    ddbm::aws::sigv4::SignRequest(scan_request, credentials, params);
    auto page = DynamoDbClient::ParseItemPage("Scan", page_text);
    if (!page.ok()) state.SkipWithError("parse failed");
    std::vector<WriteRequest> batch;
    for (size_t i = 0; i < page->items.size(); i += 25) {
      batch.clear();
      for (size_t j = i; j < std::min(page->items.size(), i + 25); ++j) {
        batch.push_back({WriteRequest::Kind::kPut, page->items[j]});
      }
      ddbm::aws::HttpRequest write = MakeRequest(
          DynamoDbClient::BatchWriteItemRequestJson("target", batch, true),
          "DynamoDB_20120810.BatchWriteItem");
      ddbm::aws::sigv4::SignRequest(write, credentials, params);
      benchmark::DoNotOptimize(write.headers.back().value.data());
    }
    items += static_cast<int64_t>(page->items.size());
  }
  state.SetItemsProcessed(items);
  state.SetBytesProcessed(static_cast<int64_t>(page_text.size()) * state.iterations());
}
BENCHMARK(BM_ScanPageRequestPath)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
