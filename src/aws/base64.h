// Standard base64 (RFC 4648 §4: the alphabet with '+' and '/', '=' padding), the form DynamoDB
// gives binary values in and AWS gives MD5 checksums in. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace ddbm::aws {

// Padded standard base64 of `bytes`; "" for no bytes.
std::string EncodeBase64(std::string_view bytes);

// Decodes padded standard base64 into `bytes` ("" decodes to no bytes). False when `text` is not
// that: a length that is not a multiple of 4, a character outside the alphabet, '=' anywhere but
// in the last one or two places. The bits that padding leaves over are not checked, so "AQ==" and
// "AR==" both decode to the byte 0x01: EncodeBase64 of the bytes is the one canonical spelling.
bool DecodeBase64(std::string_view text, std::string* bytes);

}  // namespace ddbm::aws
