#include "storage/s3_client.h"

#include <tinyxml2.h>

#include <charconv>
#include <initializer_list>
#include <utility>

#include "aws/paginator.h"
#include "aws/url.h"

namespace ddbm::storage {
namespace {

using aws::Error;
using aws::ErrorKind;
using aws::HttpRequest;
using aws::HttpResponse;
using aws::Result;

// What a request was about, for error messages.
struct Target {
  std::string_view operation;
  std::string_view bucket;
  std::string_view key;  // empty for bucket operations
  std::string_view region;
};

std::string Describe(std::string_view bucket, std::string_view key) {
  std::string out = "s3://" + std::string(bucket);
  if (!key.empty()) out += "/" + std::string(key);
  return out;
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

bool ParseXml(tinyxml2::XMLDocument& doc, const std::string& body) {
  return doc.Parse(body.data(), body.size()) == tinyxml2::XML_SUCCESS &&
         doc.RootElement() != nullptr;
}

// The element reached from `from` through children named `path`, or nullptr.
const tinyxml2::XMLElement* Find(const tinyxml2::XMLElement* from,
                                 std::initializer_list<const char*> path) {
  for (const char* name : path) {
    if (from == nullptr) return nullptr;
    from = from->FirstChildElement(name);
  }
  return from;
}

std::string Text(const tinyxml2::XMLElement* element) {
  const char* text = element == nullptr ? nullptr : element->GetText();
  return text == nullptr ? std::string() : std::string(text);
}

bool IsRoot(const tinyxml2::XMLDocument& doc, std::string_view name) {
  return doc.RootElement() != nullptr && name == doc.RootElement()->Name();
}

std::string Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Keys in a listing asked for with encoding-type=url: form-style, so '+' is a space.
std::string DecodeListedKey(std::string_view text) {
  std::string plus_as_space(text);
  for (char& c : plus_as_space) {
    if (c == '+') c = ' ';
  }
  return aws::UriDecode(plus_as_space);
}

Error Corrupt(const Target& target, const std::string& what) {
  Error error = Error::Make(ErrorKind::kCorruption,
                            "the answer for " + Describe(target.bucket, target.key) + " " + what);
  error.service = "s3";
  error.operation = std::string(target.operation);
  return error;
}

// Every entry of a listing, page after page through the one pagination loop. An error the loop
// finds itself (a page naming itself as the next) is tagged with the operation.
template <class Page, class Token, class Entry>
Result<std::vector<Entry>> ListAll(const Target& target, aws::Paginator<Page, Token> pages,
                                   std::vector<Entry> Page::*entries) {
  std::vector<Entry> all;
  while (!pages.done()) {
    Result<Page> page = pages.Next();
    if (!page.ok()) {
      Error error = std::move(page).error();
      if (error.operation.empty()) {
        error.service = "s3";
        error.operation = std::string(target.operation);
      }
      return error;
    }
    for (Entry& entry : (*page).*entries) all.push_back(std::move(entry));
  }
  return all;
}

Error Invalid(const Target& target, std::string message) {
  Error error = Error::Make(ErrorKind::kInvalidInput, std::move(message));
  error.service = "s3";
  error.operation = std::string(target.operation);
  return error;
}

// The IAM permission an operation needs, for AccessDenied messages.
const char* PermissionFor(std::string_view operation) {
  if (operation == "GetObject" || operation == "HeadObject") return "s3:GetObject";
  if (operation == "ListObjectsV2" || operation == "HeadBucket") return "s3:ListBucket";
  if (operation == "ListMultipartUploads") return "s3:ListBucketMultipartUploads";
  if (operation == "AbortMultipartUpload") return "s3:AbortMultipartUpload";
  if (operation == "DeleteObject") return "s3:DeleteObject";
  return "s3:PutObject";
}

// A code for a bodiless answer (HEAD, or a proxy that sent nothing), after botocore's names.
std::string CodeForStatus(int status, const Target& target) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 307:
      return "TemporaryRedirect";
    case 400:
      return "BadRequest";
    case 403:
      return "AccessDenied";
    case 404:
      return target.key.empty() ? "NoSuchBucket" : "NotFound";
    case 503:
      return "ServiceUnavailable";
    default:
      return {};
  }
}

// Rewrites the errors a user can act on into one line naming the location and what to do.
// `bodiless`: the code was inferred from the status alone (a HEAD answer).
void Explain(Error& error, const Target& target, const std::string& bucket_region, bool bodiless) {
  const std::string where = Describe(target.bucket, target.key);
  const std::string bucket = Describe(target.bucket, {});
  const std::string said = error.message.empty() ? "" : " (S3: " + error.message + ")";
  if (error.code == "NoSuchBucket") {
    error.kind = ErrorKind::kInvalidInput;
    error.message = "bucket " + bucket + " does not exist: check the bucket name and region";
  } else if (error.code == "NoSuchKey" || (error.code == "NotFound" && !target.key.empty())) {
    error.kind = ErrorKind::kInvalidInput;
    error.code = "NoSuchKey";
    error.message = where + " does not exist: check the key (and the export's prefix)";
  } else if (error.code == "InvalidBucketName") {
    error.kind = ErrorKind::kInvalidInput;
    error.message = "'" + std::string(target.bucket) + "' is not a valid bucket name" + said;
  } else if (error.code == "AccessDenied") {
    error.message = "access denied to " + where + ": the credentials in use need " +
                    PermissionFor(target.operation) + " on it";
    if (target.operation == "HeadObject") {
      error.message += " (and s3:ListBucket on the bucket, or S3 answers a missing key with 403)";
    }
    // A HEAD's 403 also stands for a bad signature, which only a body could name.
    if (bodiless) error.message += "; or the credentials are not valid for this endpoint";
    error.message += said;
  } else if (error.code == "PermanentRedirect" || error.code == "AuthorizationHeaderMalformed" ||
             error.code == "IllegalLocationConstraintException") {
    if (!bucket_region.empty() && bucket_region != target.region) {
      error.kind = ErrorKind::kInvalidInput;
      error.message = "bucket " + bucket + " is in region " + bucket_region + ", not " +
                      std::string(target.region) + ": use region " + bucket_region + " for it";
    } else if (error.code == "PermanentRedirect") {
      error.kind = ErrorKind::kInvalidInput;
      error.message = "bucket " + bucket + " must be addressed through another endpoint" + said +
                      ": check the region";
    }
  }
}

// The Error in an S3 answer, or nullopt for a good one. `xml_answer`: a 2xx body must be XML
// (and may be an <Error> document: CompleteMultipartUpload reports late failures in a 200).
std::optional<Error> DecodeAnswer(const HttpResponse& response, const Target& target,
                                  bool xml_answer) {
  tinyxml2::XMLDocument doc;
  if (IsSuccess(response.status)) {
    if (!xml_answer) return std::nullopt;
    if (!ParseXml(doc, response.body)) {
      Error error = Error::Make(ErrorKind::kCorruption, "the answer is not well-formed XML");
      error.http_status = response.status;
      return error;
    }
    if (!IsRoot(doc, "Error")) return std::nullopt;
  }
  Error error = Error::Make(ErrorKind::kService, "");
  error.http_status = response.status;
  std::string bucket_region;
  if (const std::string* region = response.FindHeader("x-amz-bucket-region")) {
    bucket_region = *region;
  }
  if (!response.body.empty() && (IsSuccess(response.status) || ParseXml(doc, response.body))) {
    const tinyxml2::XMLElement* root = doc.RootElement();
    error.code = Text(Find(root, {"Code"}));
    error.message = Text(Find(root, {"Message"}));
    error.request_id = Text(Find(root, {"RequestId"}));
    if (bucket_region.empty()) bucket_region = Text(Find(root, {"Region"}));
  }
  if (IsSuccess(response.status)) {
    // A failure reported inside a 200: as botocore does, treat it as the 500 it stands for, so
    // the retry policy sends the request again.
    error.http_status = 500;
  }
  const bool bodiless = error.code.empty();
  if (bodiless) error.code = CodeForStatus(response.status, target);
  if (error.code.empty() && error.message.empty()) {
    error.message =
        response.body.empty() ? "the answer has no error body" : "the answer has no XML error body";
  }
  Explain(error, target, bucket_region, bodiless);
  return error;
}

// Keys are sent percent-encoded per segment; curl would collapse "." and ".." segments, so a
// key holding one cannot be addressed as written.
aws::Status CheckKey(const Target& target) {
  if (target.bucket.empty()) return Invalid(target, "the S3 bucket name is empty");
  if (target.bucket.find('/') != std::string_view::npos) {
    return Invalid(target, "'" + std::string(target.bucket) +
                               "' is not a bucket name: it must not contain '/'");
  }
  if (target.key.empty()) return Invalid(target, "the S3 key is empty");
  size_t start = 0;
  while (start <= target.key.size()) {
    size_t end = target.key.find('/', start);
    if (end == std::string_view::npos) end = target.key.size();
    const std::string_view segment = target.key.substr(start, end - start);
    if (segment == "." || segment == "..") {
      return Invalid(target, Describe(target.bucket, target.key) +
                                 ": keys with '.' or '..' path segments are not supported");
    }
    start = end + 1;
  }
  return aws::Status::Ok();
}

aws::Status CheckBucket(const Target& target) {
  if (target.bucket.empty()) return Invalid(target, "the S3 bucket name is empty");
  if (target.bucket.find('/') != std::string_view::npos) {
    return Invalid(target, "'" + std::string(target.bucket) +
                               "' is not a bucket name: it must not contain '/'");
  }
  return aws::Status::Ok();
}

// Asks for `encryption` on the object `request` creates. Added before the request is signed, so
// the headers are part of the signature as every x-amz-* header must be.
void AddEncryptionHeaders(HttpRequest& request, const S3ServerSideEncryption& encryption) {
  if (encryption.algorithm.empty()) return;
  request.SetHeader("x-amz-server-side-encryption", encryption.algorithm);
  if (!encryption.kms_key_id.empty()) {
    request.SetHeader("x-amz-server-side-encryption-aws-kms-key-id", encryption.kms_key_id);
  }
}

S3WriteResult WriteResult(const HttpResponse& response) {
  S3WriteResult result;
  if (const std::string* etag = response.FindHeader("ETag")) result.etag = Unquote(*etag);
  if (const std::string* sse = response.FindHeader("x-amz-server-side-encryption")) {
    result.server_side_encryption = *sse;
  }
  return result;
}

}  // namespace

bool IsVirtualHostableBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) return false;
  for (char c : bucket) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

bool IsAwsS3Endpoint(const aws::Url& endpoint) {
  const std::string& host = endpoint.host;
  const bool aws_domain = host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn");
  return aws_domain && (host.starts_with("s3.") || host.starts_with("s3-"));
}

S3Client::S3Client(const aws::ServiceClient* service, S3ClientOptions options)
    : service_(service), options_(options) {}

bool S3Client::UsesVirtualHost(std::string_view bucket) const {
  switch (options_.addressing) {
    case S3AddressingStyle::kPath:
      return false;
    case S3AddressingStyle::kVirtualHosted:
      return true;
    case S3AddressingStyle::kAuto:
      break;
  }
  return IsAwsS3Endpoint(service_->config().endpoint) && IsVirtualHostableBucket(bucket);
}

std::string S3Client::RequestUrl(std::string_view bucket, std::string_view key,
                                 std::string_view query) const {
  std::string url;
  if (UsesVirtualHost(bucket)) {
    aws::Url host = service_->config().endpoint;
    host.host = std::string(bucket) + "." + host.host;
    url = host.Origin();
    if (host.path != "/") {
      url += host.path;
      if (url.back() == '/') url.pop_back();
    }
    url += "/";
  } else {
    url = "/" + aws::UriEncode(bucket);
    if (!key.empty()) url += "/";
  }
  url += aws::UriEncode(key, /*keep_slash=*/true);
  if (!query.empty()) url.append("?").append(query);
  return url;
}

Result<HttpResponse> S3Client::Send(std::string_view operation, HttpRequest request,
                                    std::string_view bucket, std::string_view key,
                                    bool xml_answer) const {
  const Target target{operation, bucket, key, service_->config().region};
  return service_->Call(operation, std::move(request), [&](const HttpResponse& response) {
    return DecodeAnswer(response, target, xml_answer);
  });
}

Result<S3WriteResult> S3Client::PutObject(std::string_view bucket, std::string_view key,
                                          std::string_view body) const {
  if (aws::Status ok = CheckKey({"PutObject", bucket, key, {}}); !ok) {
    return std::move(ok).error();
  }
  HttpRequest request;
  request.method = "PUT";
  request.url = RequestUrl(bucket, key);
  request.SetHeader("Content-Type", "application/octet-stream");
  AddEncryptionHeaders(request, options_.encryption);
  request.body = std::string(body);
  Result<HttpResponse> response = Send("PutObject", std::move(request), bucket, key, false);
  if (!response.ok()) return std::move(response).error();
  return WriteResult(*response);
}

Result<std::string> S3Client::GetObject(std::string_view bucket, std::string_view key) const {
  if (aws::Status ok = CheckKey({"GetObject", bucket, key, {}}); !ok) {
    return std::move(ok).error();
  }
  HttpRequest request;
  request.method = "GET";
  request.url = RequestUrl(bucket, key);
  Result<HttpResponse> response = Send("GetObject", std::move(request), bucket, key, false);
  if (!response.ok()) return std::move(response).error();
  return std::move(response->body);
}

namespace {

// A Content-Range header: "bytes FIRST-LAST/SIZE", or "bytes */SIZE" (first and last -1).
struct ContentRange {
  int64_t first = -1;
  int64_t last = -1;
  int64_t size = 0;
};

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

std::optional<ContentRange> ParseContentRange(const std::string* header) {
  constexpr std::string_view kUnit = "bytes ";
  if (header == nullptr || !header->starts_with(kUnit)) return std::nullopt;
  const std::string_view text = std::string_view(*header).substr(kUnit.size());
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::optional<int64_t> size = ParseInt(text.substr(slash + 1));
  if (!size) return std::nullopt;
  const std::string_view span = text.substr(0, slash);
  if (span == "*") return ContentRange{-1, -1, *size};
  const size_t dash = span.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::optional<int64_t> first = ParseInt(span.substr(0, dash));
  const std::optional<int64_t> last = ParseInt(span.substr(dash + 1));
  if (!first || !last || *first > *last || *last >= *size) return std::nullopt;
  return ContentRange{*first, *last, *size};
}

}  // namespace

Result<S3ObjectRange> S3Client::GetObjectRange(std::string_view bucket, std::string_view key,
                                               int64_t offset, size_t length) const {
  if (aws::Status ok = CheckKey({"GetObject", bucket, key, {}}); !ok) {
    return std::move(ok).error();
  }
  HttpRequest request;
  request.method = "GET";
  request.url = RequestUrl(bucket, key);
  request.SetHeader("Range", "bytes=" + std::to_string(offset) + "-" +
                                 std::to_string(offset + static_cast<int64_t>(length) - 1));
  Result<HttpResponse> response = Send("GetObject", std::move(request), bucket, key, false);
  S3ObjectRange range;
  if (!response.ok()) {
    if (response.error().http_status != 416) return std::move(response).error();
    range.object_size = offset;  // nothing at or after it
    return range;
  }
  if (const std::string* etag = response->FindHeader("ETag")) range.etag = Unquote(*etag);
  if (response->status != 206) {
    range.whole = true;
    range.object_size = static_cast<int64_t>(response->body.size());
    range.bytes = std::move(response->body);
    return range;
  }
  const std::optional<ContentRange> got = ParseContentRange(response->FindHeader("Content-Range"));
  if (!got || got->first != offset ||
      got->last - got->first + 1 != static_cast<int64_t>(response->body.size()) ||
      response->body.size() > length) {
    const std::string* header = response->FindHeader("Content-Range");
    return Error::Make(ErrorKind::kService,
                       "S3 GetObject of " + Describe(bucket, key) + " from byte " +
                           std::to_string(offset) + ": a partial answer of " +
                           std::to_string(response->body.size()) + " bytes with Content-Range \"" +
                           (header == nullptr ? std::string() : *header) +
                           "\", not the range asked for");
  }
  range.object_size = got->size;
  range.bytes = std::move(response->body);
  return range;
}

aws::Status S3Client::DeleteObject(std::string_view bucket, std::string_view key) const {
  if (aws::Status ok = CheckKey({"DeleteObject", bucket, key, {}}); !ok) return ok;
  HttpRequest request;
  request.method = "DELETE";
  request.url = RequestUrl(bucket, key);
  Result<HttpResponse> response = Send("DeleteObject", std::move(request), bucket, key, false);
  if (!response.ok()) return std::move(response).error();
  return aws::Status::Ok();
}

Result<std::optional<S3ObjectHead>> S3Client::HeadObject(std::string_view bucket,
                                                         std::string_view key) const {
  if (aws::Status ok = CheckKey({"HeadObject", bucket, key, {}}); !ok) {
    return std::move(ok).error();
  }
  HttpRequest request;
  request.method = "HEAD";
  request.url = RequestUrl(bucket, key);
  Result<HttpResponse> response = Send("HeadObject", std::move(request), bucket, key, false);
  if (!response.ok()) {
    if (response.error().http_status == 404) return std::optional<S3ObjectHead>();
    return std::move(response).error();
  }
  S3ObjectHead head;
  if (const std::string* length = response->FindHeader("Content-Length")) {
    std::from_chars(length->data(), length->data() + length->size(), head.size);
  }
  if (const std::string* etag = response->FindHeader("ETag")) head.etag = Unquote(*etag);
  return std::optional<S3ObjectHead>(std::move(head));
}

Result<S3ListPage> S3Client::ListObjectsV2Page(std::string_view bucket, std::string_view prefix,
                                               const std::optional<std::string>& continuation_token,
                                               int max_keys) const {
  const Target target{"ListObjectsV2", bucket, {}, service_->config().region};
  if (aws::Status ok = CheckBucket(target); !ok) return std::move(ok).error();
  // encoding-type=url: keys may hold bytes XML 1.0 cannot carry.
  std::string query = "list-type=2&encoding-type=url";
  if (!prefix.empty()) query += "&prefix=" + aws::UriEncode(prefix);
  if (continuation_token) query += "&continuation-token=" + aws::UriEncode(*continuation_token);
  if (max_keys > 0) query += "&max-keys=" + std::to_string(max_keys);
  HttpRequest request;
  request.method = "GET";
  request.url = RequestUrl(bucket, {}, query);
  Result<HttpResponse> response = Send("ListObjectsV2", std::move(request), bucket, {}, true);
  if (!response.ok()) return std::move(response).error();

  tinyxml2::XMLDocument doc;
  if (!ParseXml(doc, response->body) || !IsRoot(doc, "ListBucketResult")) {
    return Corrupt(target, "is not a ListBucketResult document");
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  const bool url_encoded = Text(Find(root, {"EncodingType"})) == "url";
  S3ListPage page;
  for (const tinyxml2::XMLElement* e = root->FirstChildElement("Contents"); e != nullptr;
       e = e->NextSiblingElement("Contents")) {
    ObjectInfo info;
    const std::string key = Text(Find(e, {"Key"}));
    info.key = url_encoded ? DecodeListedKey(key) : key;
    const std::string size = Text(Find(e, {"Size"}));
    auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), info.size);
    if (info.key.empty() || ec != std::errc() || ptr != size.data() + size.size()) {
      return Corrupt(target, "lists an object without a key or a size");
    }
    page.objects.push_back(std::move(info));
  }
  if (Text(Find(root, {"IsTruncated"})) == "true") {
    std::string token = Text(Find(root, {"NextContinuationToken"}));
    if (token.empty()) return Corrupt(target, "is truncated but has no NextContinuationToken");
    page.next_continuation_token = std::move(token);
  }
  return page;
}

Result<std::vector<ObjectInfo>> S3Client::ListObjectsV2(std::string_view bucket,
                                                        std::string_view prefix) const {
  return ListAll({"ListObjectsV2", bucket, {}, {}},
                 aws::Paginator<S3ListPage>(
                     [&](const std::optional<std::string>& token) {
                       return ListObjectsV2Page(bucket, prefix, token);
                     },
                     [](const S3ListPage& page) { return page.next_continuation_token; }),
                 &S3ListPage::objects);
}

Result<std::string> S3Client::CreateMultipartUpload(std::string_view bucket,
                                                    std::string_view key) const {
  const Target target{"CreateMultipartUpload", bucket, key, {}};
  if (aws::Status ok = CheckKey(target); !ok) return std::move(ok).error();
  HttpRequest request;
  request.method = "POST";
  request.url = RequestUrl(bucket, key, "uploads");
  request.SetHeader("Content-Type", "application/octet-stream");
  AddEncryptionHeaders(request, options_.encryption);
  Result<HttpResponse> response =
      Send("CreateMultipartUpload", std::move(request), bucket, key, true);
  if (!response.ok()) return std::move(response).error();
  tinyxml2::XMLDocument doc;
  std::string upload_id;
  if (ParseXml(doc, response->body)) upload_id = Text(Find(doc.RootElement(), {"UploadId"}));
  if (upload_id.empty()) return Corrupt(target, "lacks InitiateMultipartUploadResult/UploadId");
  return upload_id;
}

Result<S3WriteResult> S3Client::UploadPart(std::string_view bucket, std::string_view key,
                                           std::string_view upload_id, int part_number,
                                           std::string_view body) const {
  const Target target{"UploadPart", bucket, key, {}};
  if (aws::Status ok = CheckKey(target); !ok) return std::move(ok).error();
  HttpRequest request;
  request.method = "PUT";
  request.url = RequestUrl(
      bucket, key,
      "partNumber=" + std::to_string(part_number) + "&uploadId=" + aws::UriEncode(upload_id));
  // Without a type of its own the transport would label the bytes a form, and servers such as
  // moto then parse them away.
  request.SetHeader("Content-Type", "application/octet-stream");
  request.body = std::string(body);
  Result<HttpResponse> response = Send("UploadPart", std::move(request), bucket, key, false);
  if (!response.ok()) return std::move(response).error();
  S3WriteResult result = WriteResult(*response);
  if (result.etag.empty()) return Corrupt(target, "lacks the part's ETag");
  return result;
}

Result<S3WriteResult> S3Client::CompleteMultipartUpload(
    std::string_view bucket, std::string_view key, std::string_view upload_id,
    const std::vector<S3CompletedPart>& parts) const {
  const Target target{"CompleteMultipartUpload", bucket, key, {}};
  if (aws::Status ok = CheckKey(target); !ok) return std::move(ok).error();
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const S3CompletedPart& part : parts) {
    body += "<Part><PartNumber>" + std::to_string(part.part_number) + "</PartNumber><ETag>" +
            XmlEscape("\"" + part.etag + "\"") + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  HttpRequest request;
  request.method = "POST";
  request.url = RequestUrl(bucket, key, "uploadId=" + aws::UriEncode(upload_id));
  request.SetHeader("Content-Type", "application/xml");
  request.body = std::move(body);
  Result<HttpResponse> response =
      Send("CompleteMultipartUpload", std::move(request), bucket, key, true);
  if (!response.ok()) return std::move(response).error();
  tinyxml2::XMLDocument doc;
  S3WriteResult result = WriteResult(*response);
  if (ParseXml(doc, response->body)) result.etag = Unquote(Text(Find(doc.RootElement(), {"ETag"})));
  if (result.etag.empty()) return Corrupt(target, "lacks CompleteMultipartUploadResult/ETag");
  return result;
}

Result<S3UploadsPage> S3Client::ListMultipartUploadsPage(
    std::string_view bucket, std::string_view prefix, const std::optional<S3UploadMarker>& marker,
    int max_uploads) const {
  const Target target{"ListMultipartUploads", bucket, {}, service_->config().region};
  if (aws::Status ok = CheckBucket(target); !ok) return std::move(ok).error();
  // encoding-type=url: keys may hold bytes XML 1.0 cannot carry.
  std::string query = "uploads&encoding-type=url";
  if (!prefix.empty()) query += "&prefix=" + aws::UriEncode(prefix);
  if (marker) {
    query += "&key-marker=" + aws::UriEncode(marker->key);
    if (!marker->upload_id.empty()) {
      query += "&upload-id-marker=" + aws::UriEncode(marker->upload_id);
    }
  }
  if (max_uploads > 0) query += "&max-uploads=" + std::to_string(max_uploads);
  HttpRequest request;
  request.method = "GET";
  request.url = RequestUrl(bucket, {}, query);
  Result<HttpResponse> response =
      Send("ListMultipartUploads", std::move(request), bucket, {}, true);
  if (!response.ok()) return std::move(response).error();

  tinyxml2::XMLDocument doc;
  if (!ParseXml(doc, response->body) || !IsRoot(doc, "ListMultipartUploadsResult")) {
    return Corrupt(target, "is not a ListMultipartUploadsResult document");
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  // Keys and key markers come encoded when S3 honoured encoding-type (moto does not).
  const bool url_encoded = Text(Find(root, {"EncodingType"})) == "url";
  auto key_of = [&](const tinyxml2::XMLElement* element) {
    const std::string key = Text(element);
    return url_encoded ? DecodeListedKey(key) : key;
  };
  S3UploadsPage page;
  for (const tinyxml2::XMLElement* e = root->FirstChildElement("Upload"); e != nullptr;
       e = e->NextSiblingElement("Upload")) {
    S3MultipartUpload upload{key_of(Find(e, {"Key"})), Text(Find(e, {"UploadId"}))};
    if (upload.key.empty() || upload.upload_id.empty()) {
      return Corrupt(target, "lists an upload without a key or an upload id");
    }
    page.uploads.push_back(std::move(upload));
  }
  if (Text(Find(root, {"IsTruncated"})) == "true") {
    S3UploadMarker next{key_of(Find(root, {"NextKeyMarker"})),
                        Text(Find(root, {"NextUploadIdMarker"}))};
    if (next.key.empty()) return Corrupt(target, "is truncated but has no NextKeyMarker");
    page.next_marker = std::move(next);
  }
  return page;
}

Result<std::vector<S3MultipartUpload>> S3Client::ListMultipartUploads(
    std::string_view bucket, std::string_view prefix) const {
  return ListAll({"ListMultipartUploads", bucket, {}, {}},
                 aws::Paginator<S3UploadsPage, S3UploadMarker>(
                     [&](const std::optional<S3UploadMarker>& marker) {
                       return ListMultipartUploadsPage(bucket, prefix, marker);
                     },
                     [](const S3UploadsPage& page) { return page.next_marker; }),
                 &S3UploadsPage::uploads);
}

aws::Status S3Client::AbortMultipartUpload(std::string_view bucket, std::string_view key,
                                           std::string_view upload_id) const {
  if (aws::Status ok = CheckKey({"AbortMultipartUpload", bucket, key, {}}); !ok) return ok;
  HttpRequest request;
  request.method = "DELETE";
  request.url = RequestUrl(bucket, key, "uploadId=" + aws::UriEncode(upload_id));
  Result<HttpResponse> response =
      Send("AbortMultipartUpload", std::move(request), bucket, key, false);
  if (!response.ok() && response.error().code != "NoSuchUpload") {
    return std::move(response).error();
  }
  return aws::Status::Ok();
}

aws::Status S3Client::HeadBucket(std::string_view bucket) const {
  if (aws::Status ok = CheckBucket({"HeadBucket", bucket, {}, {}}); !ok) return ok;
  HttpRequest request;
  request.method = "HEAD";
  request.url = RequestUrl(bucket, {});
  Result<HttpResponse> response = Send("HeadBucket", std::move(request), bucket, {}, false);
  if (!response.ok()) return std::move(response).error();
  return aws::Status::Ok();
}

}  // namespace ddbm::storage
