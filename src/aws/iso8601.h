// Parsing of the ISO 8601 timestamps in credential answers ("Expiration" of STS, ECS, EC2
// instance metadata and credential_process), and of the HTTP Date header of service answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ddbm::aws {

// Accepts "YYYY-MM-DDTHH:MM:SS" with optional fractional seconds, then "Z" or a "+HH:MM" /
// "-HH:MM" offset (a lower-case 't' / 'z' or a space for 'T' too). Returns nullopt for anything
// else, including out-of-range fields and times system_clock cannot hold (before 1678 or after
// 2262). Pure; thread-safe.
std::optional<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text);

// The same forms as whole seconds since the epoch (the fraction dropped), for any year 0000 to
// 9999: for callers that compare times rather than keep them.
std::optional<int64_t> ParseIso8601Seconds(std::string_view text);

// An HTTP date in the IMF-fixdate form every AWS service sends in its Date header
// ("Sun, 06 Nov 1994 08:49:37 GMT"), as seconds since the epoch; nullopt for anything else
// (the obsolete RFC 850 and asctime forms included). Pure; thread-safe.
std::optional<int64_t> ParseHttpDateSeconds(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ" in UTC, whole seconds. For messages and tests.
std::string FormatIso8601(std::chrono::system_clock::time_point time);
// FormatIso8601 of a time given in seconds since the epoch.
std::string FormatEpochSeconds(int64_t epoch_seconds);

}  // namespace ddbm::aws
