#include "pipeline/progress.h"

#include <fmt/format.h>

namespace ddbm::pipeline {

std::string GroupThousands(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

uint64_t ProgressDone(const ProgressSample& s) {
  return s.rate_of_reads ? s.items_read : s.items_written + s.items_dead_lettered;
}

std::string FormatProgress(const ProgressSample& s, double items_per_second) {
  std::string line =
      fmt::format("{} {}  {} {}  {} {}", s.read_label, GroupThousands(s.items_read),
                  s.written_label, GroupThousands(s.items_written),
                  GroupThousands(static_cast<uint64_t>(items_per_second)), s.rate_label);
  if (s.read_capacity_asked) {
    line += fmt::format("  {} {}", s.read_units,
                        GroupThousands(static_cast<uint64_t>(s.read_capacity)));
  }
  if (s.write_capacity_asked) {
    line += fmt::format("  {} {}", s.written_units,
                        GroupThousands(static_cast<uint64_t>(s.write_capacity)));
  }
  line += fmt::format("  throttles {}  retries {}", s.throttles, s.retries);
  // Writes the service held back are throttling too: a slow run says why.
  if (s.unprocessed_resent > 0) line += "  unprocessed " + GroupThousands(s.unprocessed_resent);
  if (s.items_dead_lettered > 0) {
    line += fmt::format("  dead-lettered {}", GroupThousands(s.items_dead_lettered));
  }
  if (!s.extra.empty()) line += "  " + s.extra;
  if (s.expected_items > 0 && items_per_second > 0) {
    const uint64_t done = ProgressDone(s);
    if (done < s.expected_items) {
      const auto seconds =
          static_cast<uint64_t>(static_cast<double>(s.expected_items - done) / items_per_second);
      line += fmt::format("  ETA {}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
  }
  return line;
}

ProgressReporter::ProgressReporter(std::function<ProgressSample()> sample, std::FILE* out,
                                   bool terminal, aws::Clock* clock)
    : sample_(std::move(sample)), out_(out), terminal_(terminal), clock_(clock) {}

ProgressReporter::~ProgressReporter() { Stop(); }

void ProgressReporter::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ProgressReporter::Stop() {
  if (stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  if (terminal_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
  }
}

void ProgressReporter::Loop() {
  const auto interval = terminal_ ? std::chrono::seconds(1) : std::chrono::seconds(10);
  const auto step = std::chrono::milliseconds(100);
  auto last_time = clock_->SteadyNow();
  uint64_t last_done = 0;
  double rate = 0;
  while (!stop_.load()) {
    auto waited = std::chrono::nanoseconds(0);
    while (waited < interval && !stop_.load()) {
      clock_->SleepFor(step);
      waited += step;
    }
    if (stop_.load()) break;
    const ProgressSample s = sample_();
    const auto now = clock_->SteadyNow();
    const double seconds = std::chrono::duration<double>(now - last_time).count();
    const uint64_t done = ProgressDone(s);
    const double instant = seconds > 0 ? static_cast<double>(done - last_done) / seconds : 0;
    rate = rate == 0 ? instant : 0.7 * rate + 0.3 * instant;  // smooth, but follow changes
    last_time = now;
    last_done = done;
    const std::string line = FormatProgress(s, rate);
    if (terminal_) {
      std::fprintf(out_, "\r\033[K%s", line.c_str());
    } else {
      std::fprintf(out_, "progress: %s\n", line.c_str());
    }
    std::fflush(out_);
  }
}

}  // namespace ddbm::pipeline
