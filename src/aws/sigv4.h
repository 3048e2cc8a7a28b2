// AWS Signature Version 4, as small pure functions over plain values.
//
// Each step of the algorithm is its own function so that tests can check it against the
// canonical request, string to sign and signature files of the official test suites.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http.h"

namespace ddbm::aws::sigv4 {

// How far a request's signing time may be from the service's clock before it is refused: SigV4's
// allowance (DynamoDB, STS), and S3's.
inline constexpr std::chrono::minutes kClockSkewAllowed{5};
inline constexpr std::chrono::minutes kS3ClockSkewAllowed{15};

struct SigningParams {
  std::string region;   // e.g. "us-east-1"
  std::string service;  // signing name, e.g. "dynamodb", "s3", "sts"
  std::chrono::system_clock::time_point time;
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"; empty means: hash the body.
  std::string payload_hash;
  // S3 style: also send x-amz-content-sha256 (and sign it).
  bool add_content_sha256_header = false;
  // How the URL's path (already percent-encoded once, as HttpRequest::url requires) becomes the
  // canonical URI.
  // true, every service but S3: remove "." and ".." segments, collapse "//", then percent-encode
  // the result again, so "/a%20b" signs as "/a%2520b" (the "double encoding").
  // false, S3: keep the segments exactly as sent ("//", "." and ".." included) and only bring
  // each segment to its RFC 3986 encoded-once form (decode, then encode), so "/a%20b" signs as
  // "/a%20b" and a raw "/a b" as "/a%20b".
  bool normalize_path = true;
  // Seconds a presigned URL stays valid (query signing only).
  int expires_in_seconds = 900;
  // Whether X-Amz-Security-Token (when the credentials have a session token) is part of the
  // signature. A few services want it added only after signing; those set this to false and the
  // token is then sent unsigned.
  bool sign_session_token = true;
};

// The SHA-256 of `data`: 32 raw bytes, or as lower-case hex.
std::string Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);
// Raw HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
// "20150830T123600Z" and "20150830".
std::string AmzDate(std::chrono::system_clock::time_point time);
std::string AmzDateStamp(std::chrono::system_clock::time_point time);
// "20150830/us-east-1/service/aws4_request".
std::string CredentialScope(std::string_view date_stamp, std::string_view region,
                            std::string_view service);

struct CanonicalRequestParts {
  std::string canonical_request;
  std::string signed_headers;  // "host;x-amz-date"
};

// The canonical request of `request` (headers as they are now, all of them signed except
// those AWS never signs), with `payload_hash` on its last line.
CanonicalRequestParts CanonicalRequest(const HttpRequest& request, std::string_view payload_hash,
                                       bool normalize_path);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
std::string SigningKey(std::string_view secret_access_key, std::string_view date_stamp,
                       std::string_view region, std::string_view service);
// Lower-case hex signature.
std::string Signature(std::string_view signing_key, std::string_view string_to_sign);

// Signs `request` in place with an Authorization header: adds X-Amz-Date, and
// X-Amz-Security-Token when the credentials have a session token (signed). Adds a Host header
// when missing.
void SignRequest(HttpRequest& request, const Credentials& credentials, const SigningParams& params);

// Presigns `request` in place: adds X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders (and X-Amz-Security-Token) and X-Amz-Signature to the
// query string of its URL.
void PresignRequest(HttpRequest& request, const Credentials& credentials,
                    const SigningParams& params);

}  // namespace ddbm::aws::sigv4
