// Checks of flag values for the command-line parser. Each refuses a bad value with a message
// that names the value and what would do instead; the parser prefixes the flag's name and the
// command exits with the usage status.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>

namespace ddbm::commands {

// For --read-rate and --write-rate: a finite number of capacity units per second above 0.
CLI::Validator PositiveRate();
// CLI::Range for a flag with a fractional value: its error shows the bounds as given ("0 to
// 86400"), where CLI::Range's shows "0.000000 to 86400.000000".
CLI::Validator DecimalRange(double min, double max);
// CLI::Range for a whole-number flag: "'abc' is not a whole number" for what is not one, where
// CLI::Range says "Value abc not in range 1 to 1000000". Apply it with ->transform, not ->check:
// it rewrites the value in plain decimal, which the parser would otherwise read "010" as octal.
CLI::Validator WholeNumberRange(int64_t min, int64_t max);
// A region name such as us-east-1 (letters, digits and hyphens).
CLI::Validator RegionName();

}  // namespace ddbm::commands
