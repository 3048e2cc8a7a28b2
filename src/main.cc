// ddbmigrate's entry point: parses the command line, runs one command, and alone decides the
// exit code: 0 success, 1 failure, 2 bad usage, 3 finished but incomplete (items not moved),
// 130 interrupted (Ctrl-C; 143 for SIGTERM) after saving the checkpoint.
#include <CLI/CLI.hpp>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
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
  // A flag of the command itself is left over only when it came before the command's name.
  if (command != nullptr) {
    for (const CLI::Option* option : command->get_options()) {
      for (const std::string& name : option->get_lnames()) {
        if ("--" + name == flag) {
          return flag + " is a flag of " + command->get_name() +
                 ": put it after the command name (ddbmigrate " + command->get_name() + " " + flag +
                 " ...)";
        }
      }
    }
  }
  return "unknown flag " + flag + Suggestion(flag, FlagNames(command != nullptr ? *command : app)) +
         " (see ddbmigrate " + (command != nullptr ? command->get_name() + " " : std::string()) +
         "--help)";
}

// Whether `word` is a long flag one of `apps` takes; with `value_only`, one taking a value.
bool IsFlagOf(const std::vector<const CLI::App*>& apps, std::string_view word, bool value_only) {
  if (!word.starts_with("--")) return false;
  for (const CLI::App* a : apps) {
    for (const CLI::Option* option : a->get_options()) {
      if (value_only && option->get_expected_min() < 1) continue;
      for (const std::string& name : option->get_lnames()) {
        if (word.substr(2) == name) return true;
      }
    }
  }
  return false;
}

// The parser's errors that would not say plainly what is wrong, said plainly: a flag left
// without its value (the parser reads the next flag as its value, or the word after that as
// an unknown command or argument), or a flag given twice (once before the command name, once
// after). Empty for the other errors. `args`: the command line in order.
std::string PlainParseError(const CLI::App& app, const CLI::ParseError& error,
                            const std::vector<std::string>& args) {
  std::vector<const CLI::App*> apps = {&app};
  for (const CLI::App* sub : app.get_subcommands({})) apps.push_back(sub);
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].ends_with('=') &&
        IsFlagOf(apps, args[i].substr(0, args[i].size() - 1), /*value_only=*/true)) {
      return args[i].substr(0, args[i].size() - 1) + " is given an empty value";
    }
    if (!IsFlagOf(apps, args[i], /*value_only=*/true)) continue;
    if (i + 1 == args.size()) return args[i] + " needs a value";
    if (IsFlagOf(apps, args[i + 1].substr(0, args[i + 1].find('=')), /*value_only=*/false)) {
      return args[i] + " needs a value, but is followed by the flag " +
             args[i + 1].substr(0, args[i + 1].find('='));
    }
  }
  const std::string what = error.what();
  if (const size_t at = what.find(": At Most 1 required but received "); at != std::string::npos) {
    return what.substr(0, at) +
           " is given more than once (before and after the command name count alike); give "
           "it once";
  }
  return {};
}

// Flags naming a file or a command line, of any command: an empty value there is a mistake
// (an unset shell variable, say) that would otherwise pass for the flag's absence.
constexpr std::string_view kNonEmptyFlags[] = {"ca-bundle",  "report",      "verify-report",
                                               "checkpoint", "dead-letter", "transform"};

// "--report is empty; give a file name" for the first such flag given an empty value, by `app`
// or the command parsed; empty when there is none.
std::string EmptyValueError(const CLI::App& app, const CLI::App* command) {
  for (const CLI::App* a : {&app, command}) {
    if (a == nullptr) continue;
    for (const CLI::Option* option : a->get_options()) {
      for (const std::string& name : option->get_lnames()) {
        if (std::find(std::begin(kNonEmptyFlags), std::end(kNonEmptyFlags), name) ==
            std::end(kNonEmptyFlags)) {
          continue;
        }
        for (const std::string& value : option->results()) {
          if (value.empty()) {
            return "--" + name + " is given an empty value; give a " +
                   (name == "transform" ? "command" : "file name");
          }
        }
      }
    }
  }
  return {};
}

// The exit code of a run that ended with `code`, once what it wrote to stdout is flushed: a
// run that wrote nothing wrong otherwise fails (one line, exit 1) when its output could not be
// written, so that `ddbmigrate tables > full-disk/file` is not taken for a success.
int FlushStdout(int code) {
  errno = 0;
  std::cout.flush();
  const bool stream_failed = std::cout.fail();
  const int flushed = std::fflush(stdout);
  const int flush_errno = errno;
  if (!stream_failed && flushed == 0 && std::ferror(stdout) == 0) return code;
  if (code != 0 && code != kExitIncomplete) return code;  // it failed already, and said why
  int reason = flush_errno;
  if (reason == 0) {
    // The write that failed was an earlier one, whose errno is gone: one more byte of output,
    // already incomplete, tells why (a full disk, a closed descriptor, a reader gone).
    std::clearerr(stdout);
    if (::write(STDOUT_FILENO, "\n", 1) < 0) reason = errno;
  }
  std::cerr << "ddbmigrate: error: writing to standard output failed: "
            << (reason != 0 ? std::strerror(reason) : "an earlier write failed") << '\n';
  return kExitFailure;
}

int Run(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) { return FlushStdout(Run(argc, argv)); }

namespace {

int Run(int argc, char** argv) {
  // Fixed allocator thresholds: glibc's adaptive ones end up either mapping and unmapping
  // memory per Scan page (page faults and cross-thread TLB flushes) or never returning it
  // (growth with the table). Large bodies are recycled by aws::BufferPool instead.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  // Every reader and writer holds connections (an export's readers an upload each too): the
  // soft limit on open files, often 1,024, is raised towards the hard one, as servers do, but
  // no further than 65,536: the commands we start (--transform, credential_process) inherit
  // it, and some programs walk every descriptor up to it.
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    const rlim_t wanted = std::min<rlim_t>(files.rlim_max, 65536);
    if (files.rlim_cur < wanted) {
      files.rlim_cur = wanted;
      (void)::setrlimit(RLIMIT_NOFILE, &files);
    }
  }
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
    const std::vector<std::string> in_order = args;
    std::reverse(args.begin(), args.end());  // the order CLI11 takes a vector in
    try {
      app.parse(args);
    } catch (const CLI::Success& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);
      // The help of the command being parsed, when the parser got that far.
      const std::vector<CLI::App*> parsed = app.get_subcommands();
      if (const std::string plain = PlainParseError(app, e, in_order); !plain.empty()) {
        std::cerr << "ddbmigrate: error: " << plain << " (see ddbmigrate "
                  << (parsed.empty() ? "" : parsed.front()->get_name() + " ") << "--help)\n";
        return kExitUsage;
      }
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
    {
      const std::vector<CLI::App*> parsed = app.get_subcommands();
      if (const std::string empty = EmptyValueError(app, parsed.empty() ? nullptr : parsed.front());
          !empty.empty()) {
        std::cerr << "ddbmigrate: error: " << empty << " (see ddbmigrate "
                  << (parsed.empty() ? "" : parsed.front()->get_name() + " ") << "--help)\n";
        return kExitUsage;
      }
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

}  // namespace
