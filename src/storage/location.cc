#include "storage/location.h"

#include <cctype>

#include "aws/url.h"

namespace ddbm::storage {
namespace {

aws::Error Invalid(std::string_view text, const std::string& what) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                          "location \"" + std::string(text) + "\": " + what);
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool LooksLikeIpv4(std::string_view name) {
  int dots = 0;
  for (char c : name) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 3;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The scheme of "scheme://..." (RFC 3986 characters), or empty when `text` has none.
std::string_view Scheme(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  if (!std::isalpha(static_cast<unsigned char>(text[0]))) return {};
  for (char c : text.substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  }
  return text.substr(0, colon);
}

std::string_view StripTrailingSlashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace

std::string Location::ToString() const {
  if (kind == Kind::kLocal) return directory;
  return prefix.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + prefix;
}

aws::Status CheckBucketName(std::string_view name) {
  auto invalid = [&](const std::string& why) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "invalid S3 bucket name \"" + std::string(name) + "\": " + why);
  };
  if (name.size() < 3 || name.size() > 63) return invalid("it must be 3 to 63 characters long");
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') {
      return invalid("only lowercase letters, digits, '.' and '-' are allowed");
    }
  }
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) {
    return invalid("it must start and end with a letter or digit");
  }
  if (name.find("..") != std::string_view::npos) return invalid("it must not contain \"..\"");
  if (LooksLikeIpv4(name)) return invalid("it must not look like an IP address");
  return aws::Status::Ok();
}

aws::Result<Location> ParseLocation(std::string_view text) {
  if (text.empty()) return Invalid(text, "empty; give s3://bucket/prefix or a directory");
  const std::string scheme = Lower(Scheme(text));
  const bool has_slashes = !scheme.empty() && text.substr(scheme.size()).starts_with("://");
  Location location;

  if (scheme.empty() || (!has_slashes && scheme != "s3" && scheme != "file")) {
    // A plain path; "name:rest" without "//" is a path too (a colon is legal in file names).
    location.kind = Location::Kind::kLocal;
    location.directory = std::string(StripTrailingSlashes(text));
    return location;
  }
  if (!has_slashes) {
    return Invalid(text, "malformed URL; write " + scheme + "://...");
  }
  const std::string_view rest = text.substr(scheme.size() + 3);

  if (scheme == "file") {
    if (!rest.starts_with("/")) {
      return Invalid(text, "a file URL needs an absolute path: file:///path/to/dir");
    }
    location.kind = Location::Kind::kLocal;
    // A file URL's path is percent-encoded (RFC 8089): file:///data/my%20exports.
    location.directory = aws::UriDecode(StripTrailingSlashes(rest));
    return location;
  }
  if (scheme != "s3") {
    return Invalid(text, "unsupported scheme \"" + scheme +
                             "://\"; use s3://bucket/prefix, file:///dir or a directory");
  }

  const size_t slash = rest.find('/');
  const std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) return Invalid(text, "no bucket; write s3://bucket/prefix");
  if (aws::Status s = CheckBucketName(bucket); !s.ok()) return Invalid(text, s.error().message);
  std::string_view prefix =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.starts_with("/")) {
    return Invalid(text, "the key prefix must not start with '/' (write s3://bucket/prefix)");
  }
  location.kind = Location::Kind::kS3;
  location.bucket = std::string(bucket);
  location.prefix = std::string(prefix);
  return location;
}

}  // namespace ddbm::storage
