#include "storage/export_layout.h"

#include <fmt/format.h>

#include <cctype>

namespace ddbm::storage {

std::string ExportsRoot(std::string_view prefix) {
  if (prefix.empty()) return "AWSDynamoDB/";
  return fmt::format("{}/AWSDynamoDB/", prefix);
}

std::string ExportFolder(std::string_view prefix, std::string_view export_id) {
  return fmt::format("{}{}/", ExportsRoot(prefix), export_id);
}

std::string FullExportDataFolder(std::string_view prefix, std::string_view export_id) {
  return ExportFolder(prefix, export_id) + "data/";
}

std::string NewExportId(std::chrono::system_clock::time_point start, std::mt19937_64& random) {
  const int64_t millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count();
  const auto suffix = static_cast<uint32_t>(random());
  return fmt::format("{:014d}-{:08x}", millis, suffix);
}

std::string NewDataFileName(std::mt19937_64& random) {
  static constexpr char kBase32[] = "abcdefghijklmnopqrstuvwxyz234567";
  // 128 bits in 26 five-bit groups: 25 whole groups, then the last 3 bits padded with zeros.
  const uint64_t high = random();
  const uint64_t low = random();
  std::string name;
  name.reserve(26 + 8);
  for (int group = 0; group < 26; ++group) {
    unsigned value = 0;
    for (int bit = 0; bit < 5; ++bit) {
      const int index = group * 5 + bit;  // 0 = the most significant of the 128 bits
      unsigned b = 0;
      if (index < 64) {
        b = (high >> (63 - index)) & 1U;
      } else if (index < 128) {
        b = (low >> (127 - index)) & 1U;
      }
      value = (value << 1) | b;
    }
    name.push_back(kBase32[value]);
  }
  name += ".json.gz";
  return name;
}

bool IsExportId(std::string_view text) {
  if (text.size() != 23 || text[14] != '-') return false;
  for (size_t i = 0; i < 14; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  for (size_t i = 15; i < 23; ++i) {
    const char c = text[i];
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

std::string FormatIso8601Millis(std::chrono::system_clock::time_point time) {
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(millis);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss<std::chrono::milliseconds> clock(millis - day);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", int(date.year()),
                     unsigned(date.month()), unsigned(date.day()), clock.hours().count(),
                     clock.minutes().count(), clock.seconds().count(), clock.subseconds().count());
}

}  // namespace ddbm::storage
