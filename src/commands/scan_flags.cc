#include "commands/scan_flags.h"

#include "pipeline/rate_limiter.h"

namespace ddbm::commands {

aws::Result<double> ScanFlags::ReadRate(int64_t provisioned_read_units) const {
  return pipeline::ResolveRate(read_rate, read_percent, provisioned_read_units, "read");
}

void AddScanFlags(CLI::App& app, ScanFlags* flags, const ScanFlagsHelp& help) {
  app.add_option("--segments", flags->segments, help.segments)->check(CLI::Range(1, 1000000));
  app.add_option("--page-size", flags->page_size, help.page_size)->check(CLI::Range(0, 1000000));
  app.add_flag("--consistent-read", flags->consistent_read, help.consistent_read);
  app.add_option("--read-rate", flags->read_rate, help.read_rate)->check(CLI::PositiveNumber);
  app.add_option("--read-percent", flags->read_percent, help.read_percent)
      ->check(CLI::Range(1.0, 100.0));
}

}  // namespace ddbm::commands
