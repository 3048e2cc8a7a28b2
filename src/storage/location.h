// Location: where an export lives, as a user names it on the command line.
//
//   s3://bucket                 S3, no key prefix
//   s3://bucket/some/prefix/    S3, key prefix "some/prefix"
//   file:///abs/dir             a local directory (absolute path only)
//   dir, ./dir, /abs/dir        a local directory, relative paths against the working directory
//
// A local directory plays the bucket root: keys start right under it. Parsing only: nothing is
// checked on disk or in S3. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aws/error.h"

namespace ddbm::storage {

struct Location {
  enum class Kind { kS3, kLocal };

  Kind kind = Kind::kLocal;
  std::string bucket;     // kS3: a valid bucket name; kLocal: empty
  std::string directory;  // kLocal: the path as given (file:// removed, trailing '/' removed
                          // except for "/"), not made absolute; kS3: empty
  std::string prefix;     // kS3: key prefix without leading or trailing '/', may be empty;
                          // kLocal: always empty

  // The canonical spelling: "s3://bucket/prefix", "s3://bucket", or the directory.
  std::string ToString() const;
};

// Parses `text` as above. kInvalidInput, one line naming the text, for an empty location, an
// unknown scheme ("gs://", "s3a://"), a malformed URL ("s3:/bucket", "file://relative"), an
// S3 URL without a bucket, an invalid bucket name, or a prefix starting with '/'. File URLs
// are taken literally (no percent-decoding).
aws::Result<Location> ParseLocation(std::string_view text);

// kInvalidInput unless `name` follows S3's rules for general purpose buckets: 3 to 63
// characters of lowercase letters, digits, '.' and '-', starting and ending with a letter or
// digit, no "..", not shaped like an IPv4 address.
aws::Status CheckBucketName(std::string_view name);

}  // namespace ddbm::storage
