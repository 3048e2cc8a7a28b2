// ddbmigrate's entry point: parses the command line, runs one command, and alone decides the
// exit code: 0 success, 1 failure, 2 bad usage, 3 finished but incomplete (items not moved),
// 130 interrupted (Ctrl-C; 143 for SIGTERM) after saving the checkpoint.
#include <CLI/CLI.hpp>

#include <malloc.h>

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "commands/flag_checks.h"
#include "commands/interrupt.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitIncomplete = 3;

void AddGlobalFlags(CLI::App& app, ddbm::commands::GlobalOptions& o) {
  app.add_option("--region", o.region, "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, profile)")
      ->check(ddbm::commands::RegionName());
  app.add_option("--profile", o.profile, "Named profile from the AWS config files");
  app.add_option("--endpoint-url", o.endpoint_url,
                 "Send DynamoDB requests here (e.g. http://127.0.0.1:8000 for DynamoDB Local)");
  app.add_option("--output", o.output, "Output format")->check(CLI::IsMember({"table", "json"}));
  app.add_flag("--no-verify-ssl", o.no_verify_ssl, "Do not verify TLS certificates");
  app.add_option("--ca-bundle", o.ca_bundle, "PEM bundle of CA certificates to trust");
  CLI::Option* max_attempts =
      app.add_option("--max-attempts", o.max_attempts,
                     "Attempts per request before giving up, throttled ones included (default: "
                     "10 for 5xx and connection errors, more once the service has answered, see "
                     "--retry-window; no limit while throttled)")
          ->transform(ddbm::commands::WholeNumberRange(1, 1000));
  app.add_option("--retry-window", o.retry_window,
                 "Once a service has answered, a request failing with 5xx or connection errors "
                 "is retried past its 10 attempts for up to this many seconds, so that a run "
                 "rides out an outage (default: " +
                     std::to_string(ddbm::commands::kDefaultRetryWindowSeconds) +
                     "; 0: 10 attempts only)")
      ->transform(ddbm::commands::WholeNumberRange(0, 86400))
      ->excludes(max_attempts);
  app.add_flag("--debug", o.debug, "Print request-level diagnostics to stderr");
}

// Levenshtein distance of two short words.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean X?" for the candidate nearest `word`, when one is near enough to be a typo.
std::string Suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(3, word.size() / 4) + 1;
  for (const std::string& candidate : candidates) {
    const size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best.empty() ? std::string() : "; did you mean " + best + "?";
}

// The long flag names `app` takes, and its parent's when it falls through to them.
std::vector<std::string> FlagNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* option : a->get_options()) {
      for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    }
  }
  return names;
}

bool IsCommand(const CLI::App& app, std::string_view word) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == word) return true;
  }
  return false;
}

// "unknown command 'X'; did you mean Y? (the commands: ...)".
std::string UnknownCommand(const CLI::App& app, const std::string& word) {
  std::vector<std::string> names;
  std::string list;
  for (const CLI::App* sub : app.get_subcommands({})) {
    names.push_back(sub->get_name());
    list += (list.empty() ? "" : ", ") + sub->get_name();
  }
  return "unknown command '" + word + "'" + Suggestion(word, names) + " (the commands: " + list +
         "; see ddbmigrate --help)";
}

// What the parser could not place, told plainly: a word where a command belongs, or a flag no
// command takes. Empty when the parse failed for another reason. Parse errors such as a missing
// required flag are checked before such leftovers, and would hide the typo behind them.
std::string LeftoverError(const CLI::App& app, const CLI::App* command) {
  std::vector<std::string> leftover = app.remaining(true);
  if (leftover.empty()) return {};
  const std::string& first = leftover.front();
  if (command == nullptr && !first.starts_with("-")) return UnknownCommand(app, first);
  if (!first.starts_with("-")) return {};
  const std::string flag = first.substr(0, first.find('='));
  return "unknown flag " + flag + Suggestion(flag, FlagNames(command != nullptr ? *command : app)) +
         " (see ddbmigrate " + (command != nullptr ? command->get_name() + " " : std::string()) +
         "--help)";
}

}  // namespace

int main(int argc, char** argv) {
  // Fixed allocator thresholds: glibc's adaptive ones end up either mapping and unmapping
  // memory per Scan page (page faults and cross-thread TLB flushes) or never returning it
  // (growth with the table). Large bodies are recycled by aws::BufferPool instead.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  try {
    CLI::App app("ddbmigrate: move Amazon DynamoDB data exactly, resumably, fast", "ddbmigrate");
    app.set_version_flag("--version", std::string("ddbmigrate ") + DDBM_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // global flags may follow the subcommand name
    ddbm::commands::GlobalOptions options;
    AddGlobalFlags(app, options);
    std::vector<std::unique_ptr<ddbm::commands::Command>> commands = ddbm::commands::AllCommands();
    for (auto& command : commands) {
      CLI::App* sub = app.add_subcommand(command->name(), command->description());
      command->AddFlags(*sub);
    }
    // `ddbmigrate help [COMMAND]` is `ddbmigrate [COMMAND] --help`.
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args.front() == "help") {
      args.erase(args.begin());
      args.resize(std::min<size_t>(args.size(), 1));
      // A misspelt command is named as such, not answered with the general help.
      if (!args.empty() && !args.front().starts_with("-") && !IsCommand(app, args.front())) {
        std::cerr << "ddbmigrate: error: " << UnknownCommand(app, args.front()) << '\n';
        return kExitUsage;
      }
      args.push_back("--help");
    }
    std::reverse(args.begin(), args.end());  // the order CLI11 takes a vector in
    try {
      app.parse(args);
    } catch (const CLI::Success& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);
      // The help of the command being parsed, when the parser got that far.
      const std::vector<CLI::App*> parsed = app.get_subcommands();
      if (const std::string leftover =
              LeftoverError(app, parsed.empty() ? nullptr : parsed.front());
          !leftover.empty()) {
        std::cerr << "ddbmigrate: error: " << leftover << '\n';
        return kExitUsage;
      }
      std::cerr << "ddbmigrate: error: " << e.what() << " (see ddbmigrate "
                << (parsed.empty() ? "" : parsed.front()->get_name() + " ") << "--help)\n";
      return kExitUsage;
    }
    for (auto& command : commands) {
      if (!app.got_subcommand(command->name())) continue;
      ddbm::aws::Result<ddbm::commands::Outcome> outcome = command->Run(options);
      if (!outcome.ok()) {
        // A request whose retries a Ctrl-C ended: the run was stopped, not failed.
        if (outcome.error().kind == ddbm::aws::ErrorKind::kCancelled &&
            ddbm::commands::StopFlag()->load()) {
          std::cerr << "ddbmigrate: stopped: " << outcome.error().ToString() << '\n';
          return ddbm::commands::InterruptExitStatus();
        }
        std::cerr << "ddbmigrate: error: " << outcome.error().ToString();
        if (outcome.error().kind == ddbm::aws::ErrorKind::kUsage) {
          std::cerr << " (see ddbmigrate " << command->name() << " --help)\n";
          return kExitUsage;
        }
        std::cerr << '\n';
        return kExitFailure;
      }
      switch (*outcome) {
        case ddbm::commands::Outcome::kSuccess:
          return 0;
        case ddbm::commands::Outcome::kIncomplete:
          return kExitIncomplete;
        case ddbm::commands::Outcome::kInterrupted:
          return ddbm::commands::InterruptExitStatus();
      }
    }
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "ddbmigrate: internal error: " << e.what() << '\n';
    return kExitFailure;
  }
}
