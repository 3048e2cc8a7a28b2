#include "aws/iso8601.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>

namespace ddbm::aws {
namespace {

// Reads exactly `digits` decimal digits at `pos`, advancing it.
std::optional<int> Digits(std::string_view text, size_t& pos, int digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return value;
}

bool Expect(std::string_view text, size_t& pos, std::string_view allowed) {
  if (pos >= text.size() || allowed.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

// Reads "HH:MM:SS" at `pos`, advancing it; with `date` (unchecked yet), the time in whole
// seconds, or nullopt when either is out of range (a leap second 60 is let through).
std::optional<std::chrono::sys_seconds> TimeOfDay(std::string_view text, size_t& pos,
                                                  const std::chrono::year_month_day& date) {
  using namespace std::chrono;
  auto hour = Digits(text, pos, 2);
  if (!hour || !Expect(text, pos, ":")) return std::nullopt;
  auto minute = Digits(text, pos, 2);
  if (!minute || !Expect(text, pos, ":")) return std::nullopt;
  auto second = Digits(text, pos, 2);
  if (!second) return std::nullopt;
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  return sys_days(date) + hours(*hour) + minutes(*minute) + seconds(*second);
}

// The parsed time in whole seconds, and its fraction of a second.
struct Parsed {
  std::chrono::sys_seconds whole;
  std::chrono::nanoseconds fraction;
};

std::optional<Parsed> Parse(std::string_view text) {
  using namespace std::chrono;
  size_t pos = 0;
  auto year = Digits(text, pos, 4);
  if (!year || !Expect(text, pos, "-")) return std::nullopt;
  auto month = Digits(text, pos, 2);
  if (!month || !Expect(text, pos, "-")) return std::nullopt;
  auto day = Digits(text, pos, 2);
  if (!day || !Expect(text, pos, "Tt ")) return std::nullopt;
  const year_month_day date{std::chrono::year(*year), std::chrono::month(*month),
                            std::chrono::day(*day)};
  const std::optional<sys_seconds> whole = TimeOfDay(text, pos, date);
  if (!whole) return std::nullopt;

  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }

  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    auto off_hour = Digits(text, pos, 2);
    if (!off_hour || !Expect(text, pos, ":")) return std::nullopt;
    auto off_minute = Digits(text, pos, 2);
    if (!off_minute || *off_hour > 23 || *off_minute > 59) return std::nullopt;
    offset = minutes(sign * (*off_hour * 60 + *off_minute));
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  return Parsed{*whole - offset, fraction};
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text) {
  using namespace std::chrono;
  const std::optional<Parsed> parsed = Parse(text);
  if (!parsed) return std::nullopt;
  // system_clock counts nanoseconds here: outside about 1678..2262 the sum would wrap.
  constexpr int64_t kLimit = duration_cast<seconds>(system_clock::duration::max()).count() - 1;
  const int64_t since_epoch = parsed->whole.time_since_epoch().count();
  if (since_epoch > kLimit || since_epoch < -kLimit) return std::nullopt;
  return time_point_cast<system_clock::duration>(parsed->whole) + parsed->fraction;
}

std::optional<int64_t> ParseIso8601Seconds(std::string_view text) {
  const std::optional<Parsed> parsed = Parse(text);
  if (!parsed) return std::nullopt;
  return parsed->whole.time_since_epoch().count();
}

std::optional<int64_t> ParseHttpDateSeconds(std::string_view text) {
  using namespace std::chrono;
  constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed width.
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT" ||
      std::find(std::begin(kDays), std::end(kDays), text.substr(0, 3)) == std::end(kDays)) {
    return std::nullopt;
  }
  size_t pos = 5;
  auto day = Digits(text, pos, 2);
  if (!day || !Expect(text, pos, " ")) return std::nullopt;
  const auto month_name = std::find(std::begin(kMonths), std::end(kMonths), text.substr(pos, 3));
  if (month_name == std::end(kMonths)) return std::nullopt;
  pos += 3;
  if (!Expect(text, pos, " ")) return std::nullopt;
  auto year = Digits(text, pos, 4);
  if (!year || !Expect(text, pos, " ")) return std::nullopt;
  const year_month_day date{
      std::chrono::year(*year),
      std::chrono::month(static_cast<unsigned>(month_name - std::begin(kMonths)) + 1),
      std::chrono::day(*day)};
  const std::optional<sys_seconds> time = TimeOfDay(text, pos, date);
  if (!time) return std::nullopt;
  return time->time_since_epoch().count();
}

std::string FormatIso8601(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(time);
  const auto day_point = floor<days>(secs);
  const year_month_day date{day_point};
  const hh_mm_ss clock{secs - day_point};
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return buffer;
}

std::string FormatEpochSeconds(int64_t epoch_seconds) {
  return FormatIso8601(std::chrono::system_clock::time_point(std::chrono::seconds(epoch_seconds)));
}

}  // namespace ddbm::aws
