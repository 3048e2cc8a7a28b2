#include "commands/replay_job.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>

#include "aws/iso8601.h"
#include "aws/json_writer.h"
#include "commands/dead_letters.h"
#include "commands/output.h"
#include "commands/transfer_runner.h"
#include "pipeline/checkpoint.h"
#include "pipeline/dead_letter.h"
#include "pipeline/progress.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/stream_replicator.h"
#include "pipeline/table_identity.h"

namespace ddbm::commands {
namespace {

aws::Error Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

std::string LagText(double lag) {
  if (lag < 0) return "unknown";
  return fmt::format("{:.0f} s", lag);
}

}  // namespace

aws::Result<ReplayStart> ParseReplayStart(std::string_view text, aws::Clock::WallTime now,
                                          bool check_window) {
  ReplayStart start;
  start.text = std::string(text);
  if (text == "trim-horizon") return start;
  if (text == "latest") {
    start.latest = true;
    // A resume (which cannot use LATEST again) skips what came before the first start.
    start.skip_before = aws::EpochSeconds(now) - kReplayMarginSeconds;
    return start;
  }
  const int64_t now_seconds = aws::EpochSeconds(now);
  int64_t seconds = 0;
  if (!text.empty() && text.size() <= 12 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    seconds = std::stoll(std::string(text));
  } else if (std::optional<int64_t> time = aws::ParseIso8601Seconds(text)) {
    seconds = *time;
  } else {
    return UsageError(fmt::format(
        "--from {}: expected trim-horizon, latest, a UTC time such as 2026-11-23T10:00:00Z, or "
        "seconds since the epoch",
        text));
  }
  if (!check_window) return start;
  if (seconds > now_seconds + 300) {
    return Invalid(fmt::format("--from {} is in the future", text));
  }
  if (seconds < now_seconds - kStreamRetentionSeconds) {
    return Invalid(fmt::format(
        "--from {} is older than the 24 hours a DynamoDB stream keeps records, so the changes "
        "made since then are no longer in the stream; take a fresh snapshot instead (migrate "
        "--live, or copy then replicate --from the time the copy started)",
        text));
  }
  start.skip_before = seconds - kReplayMarginSeconds;
  return start;
}

aws::Status CheckStreamUsable(const dynamodb::TableDescription& table, const Connection& source,
                              std::string_view resumed_checkpoint) {
  if (!resumed_checkpoint.empty() && table.stream_view_type.empty() &&
      !table.latest_stream_arn.empty()) {
    return Invalid(fmt::format(
        "gap in the stream: the stream of table {} ({}) was turned off since checkpoint {} was "
        "written, so changes made after are in no stream and the target misses them. Enable a "
        "stream and recover with a fresh snapshot: {}",
        table.table_name, table.latest_stream_arn, resumed_checkpoint, pipeline::kFreshSnapshot));
  }
  if (table.stream_view_type.empty() || table.latest_stream_arn.empty()) {
    // The command names the table by its ARN (its account and region), and the endpoint when
    // that is not AWS's: pasted as is, it must not change a table of the same name elsewhere.
    const aws::Url& endpoint = source.dynamodb().service_client().config().endpoint;
    const std::string endpoint_flag =
        endpoint.host.ends_with(".amazonaws.com") || endpoint.host.ends_with(".amazonaws.com.cn")
            ? std::string()
            : " --endpoint-url " + endpoint.Origin();
    return Invalid(fmt::format(
        "table {} has no stream enabled; enable one with: aws dynamodb update-table --table-name "
        "{} --region {}{} --stream-specification "
        "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES (changes made before it is "
        "enabled are not in the stream)",
        table.table_name, table.table_arn.empty() ? table.table_name : table.table_arn,
        source.region(), endpoint_flag));
  }
  if (pipeline::StreamReplicator::NeedsLookups(table.stream_view_type)) {
    std::cerr << fmt::format(
        "ddbmigrate: warning: the stream of {} is {}: its records carry no new image, so each "
        "changed item is read from the source (BatchGetItem, strongly consistent reads); "
        "NEW_IMAGE or NEW_AND_OLD_IMAGES avoids that\n",
        table.table_name, table.stream_view_type);
  }
  return {};
}

aws::Result<std::optional<pipeline::StreamCheckpoint>> PrepareStreamCheckpoint(
    const ReplaySettings& settings, const std::string& source_table,
    const std::string& target_table) {
  const std::string& path = settings.checkpoint;
  if (aws::Status s = pipeline::CheckCheckpointWritable(path); !s.ok()) {
    return std::move(s).error();
  }
  aws::Result<std::optional<pipeline::StreamCheckpoint>> loaded =
      pipeline::LoadStreamCheckpoint(path);
  if (!loaded.ok()) return std::move(loaded).error();
  if (!settings.resume) {
    if (loaded->has_value()) {
      return Invalid("checkpoint " + path +
                     " already exists; pass --resume to continue that run, or delete the file to "
                     "start over");
    }
    return std::optional<pipeline::StreamCheckpoint>();
  }
  if (!loaded->has_value()) {
    return Invalid("no checkpoint at " + path +
                   "; run without --resume to start, or give the path the earlier run used");
  }
  const pipeline::StreamCheckpoint& c = **loaded;
  if (c.operation != settings.operation || c.source != source_table || c.target != target_table) {
    return Invalid(fmt::format("checkpoint {} is for {} {} -> {}, not {} {} -> {}", path,
                               c.operation, c.source, c.target, settings.operation, source_table,
                               target_table));
  }
  return loaded;
}

aws::Status CheckSameStream(const pipeline::StreamCheckpoint& checkpoint,
                            const std::string& checkpoint_path,
                            const dynamodb::TableDescription& source) {
  if (checkpoint.stream_arn.empty() || checkpoint.stream_arn == source.latest_stream_arn) return {};
  return Invalid(fmt::format(
      "gap in the stream: checkpoint {} follows stream {}, but table {} now has stream {} (the "
      "stream was disabled and enabled again), so changes made in between are lost. Recover "
      "with a fresh snapshot: {}",
      checkpoint_path, checkpoint.stream_arn, source.table_name, source.latest_stream_arn,
      pipeline::kFreshSnapshot));
}

aws::Result<Outcome> RunReplay(const GlobalOptions& global, const Connection& src,
                               const Connection& dst, const dynamodb::TableDescription& source,
                               const dynamodb::TableDescription& target,
                               const ReplaySettings& settings, const std::atomic<bool>* stop) {
  if (aws::Status s = settings.capacity.CheckRates(
          settings.write_rate.has_value() || settings.write_percent.has_value(),
          "--write-rate or --write-percent");
      !s.ok()) {
    return std::move(s).error();
  }
  aws::Result<std::optional<pipeline::StreamCheckpoint>> resume =
      PrepareStreamCheckpoint(settings, source.table_name, target.table_name);
  if (!resume.ok()) return std::move(resume).error();

  pipeline::ReplicateOptions options;
  options.source_table = source.table_name;
  options.target_table = target.table_name;
  options.stream_arn = source.latest_stream_arn;
  options.stream_view_type = source.stream_view_type;
  options.key_schema = source.key_schema;
  options.start_at_latest = settings.start.latest;
  options.from = settings.start.text;
  options.skip_before = settings.start.skip_before;
  options.skip_ttl_deletes = settings.skip_ttl_deletes;
  options.writers = settings.writers;
  options.max_lag_seconds = settings.max_lag_seconds;
  options.until_caught_up = settings.until_caught_up;
  options.checkpoint_path = settings.checkpoint;
  options.resume = std::move(*resume);
  if (options.resume) {
    if (aws::Status s = pipeline::CheckSameTables(options.resume->source_identity, source,
                                                  options.resume->target_identity, &target,
                                                  settings.checkpoint, pipeline::kStartOverReplay);
        !s.ok()) {
      return std::move(s).error();
    }
  }
  options.source_identity = pipeline::IdentityOf(source);
  options.target_identity = pipeline::IdentityOf(target);
  if (options.resume) {
    if (aws::Status s = CheckSameStream(*options.resume, settings.checkpoint, source); !s.ok()) {
      return std::move(s).error();
    }
  }

  aws::Result<double> write_rate = pipeline::ResolveRate(
      settings.write_rate, settings.write_percent, target.write_capacity_units, "write");
  if (!write_rate.ok()) return std::move(write_rate).error();
  pipeline::RateLimiterOptions write_limit;
  write_limit.units_per_second = *write_rate;
  pipeline::RateLimiter write_limiter(write_limit, aws::Clock::Real());
  const bool write_capacity_asked = settings.capacity.writes(*write_rate > 0);
  options.consumed_capacity = write_capacity_asked;

  std::optional<EarlierDeadLetterFile> earlier;
  if (options.resume) {
    earlier = EarlierDeadLetterFile{settings.checkpoint, options.resume->dead_letter_file,
                                    options.resume->dead_lettered};
  }
  aws::Result<DeadLetterChoice> dead_letter_file =
      ChooseDeadLetterFile(settings.dead_letter, target.table_name, earlier ? &*earlier : nullptr);
  if (!dead_letter_file.ok()) return std::move(dead_letter_file).error();
  options.dead_letter_file = dead_letter_file->absolute;
  pipeline::DeadLetterFile dead_letters(dead_letter_file->path);
  dead_letters.set_earlier_file_gone(dead_letter_file->earlier_gone);
  if (aws::Status s = PrepareDeadLetterFile(
          dead_letters, settings.earlier_dead_letters.value_or(settings.resume));
      !s.ok()) {
    return std::move(s).error();
  }

  // As in copy: UnprocessedItems and throttles slow the replay down, they never end it.
  const aws::RetryPolicy& unprocessed_policy = dst.dynamodb().service_client().retry_policy();

  // Dead letters of the earlier runs of a resumed replay count toward this one's exit code.
  const uint64_t dead_earlier = options.resume ? options.resume->dead_lettered : 0;
  pipeline::ReplicateCounters counters;
  bool announced = false;
  pipeline::ReplicateContext context;
  context.streams = &src.streams();
  context.source = &src.dynamodb();
  context.target = &dst.dynamodb();
  context.write_policy = &unprocessed_policy;
  context.dead_letters = &dead_letters;
  context.write_limiter = pipeline::IfLimited(write_limiter);
  context.stop = stop;
  context.clock = aws::Clock::Real();
  context.on_caught_up = [&](double lag) {
    if (announced) return;
    announced = true;
    std::string message = settings.caught_up_message;
    const uint64_t dead = counters.items_dead_lettered.load() + dead_earlier;
    // Caught up with the stream is not a complete target while items are missing from it.
    if (dead > 0 || settings.copy_incomplete) {
      message = fmt::format(
          "caught up: {} is {{lag}} s behind {}, but it is not a complete copy: {} could not be "
          "written ({}); write them before any cut-over",
          target.table_name, source.table_name,
          settings.copy_incomplete ? std::string("items of the copy") : Counted(dead, "record"),
          DeadLetterWhere(dead_letters, counters.items_dead_lettered.load(), dead_earlier));
    } else if (settings.target_not_emptied) {
      message = fmt::format(
          "caught up: {} is {{lag}} s behind {}, but it is not an exact copy: it still holds "
          "items written to it while it was being emptied; remove those before any cut-over",
          target.table_name, source.table_name);
    } else if (settings.target_held_items) {
      message = fmt::format(
          "caught up: {} is {{lag}} s behind {}, but it is not an exact copy: it held items "
          "before the copy, and those the source lacks are still in it",
          target.table_name, source.table_name);
    }
    if (size_t at = message.find("{lag}"); at != std::string::npos) {
      message.replace(at, 5, fmt::format("{:.0f}", lag));
    }
    std::cerr << (::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "") << message << '\n';
  };

  pipeline::ProgressReporter reporter(
      [&] {
        pipeline::ProgressSample s;
        s.read_label = "records";
        s.written_label = "applied";
        s.rate_label = "records/s";
        s.read_units = "coalesced";
        s.items_read = counters.records_read.load();
        s.items_written = counters.records_applied.load();
        s.items_dead_lettered = counters.items_dead_lettered.load();
        s.read_capacity = static_cast<double>(counters.records_coalesced.load());
        s.write_capacity = counters.writes.consumed_capacity.load();
        s.write_capacity_asked = write_capacity_asked;
        s.throttles = Throttles(src, dst);
        s.retries = Retries(src, dst);
        s.extra = fmt::format("lag {}  shards open {}{}", LagText(counters.lag_seconds.load()),
                              counters.shards_reading.load(),
                              counters.caught_up.load() ? "  caught up" : "");
        return s;
      },
      stderr, ::isatty(STDERR_FILENO) == 1, aws::Clock::Real());
  const std::string banner = fmt::format(
      "replaying stream {} of {} into {} ({}{})\n", source.latest_stream_arn, source.table_name,
      target.table_name,
      // migrate's replay always starts from its state file, written before the copy.
      options.resume ? (settings.operation == "migrate" ? "from the state in " : "resuming from ") +
                           settings.checkpoint
                     : "from " + settings.start.text,
      settings.until_caught_up ? ", until caught up" : ", until stopped");
  context.on_started = [&] {
    std::cerr << banner;
    reporter.Start();
  };
  const auto started = std::chrono::steady_clock::now();
  pipeline::StreamReplicator replicator(context, std::move(options));
  aws::Result<pipeline::ReplicateResult> result = replicator.Run(&counters);
  reporter.Stop();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!result.ok()) {
    // Each side has credentials and an endpoint of its own: say whose request failed.
    aws::Error error = std::move(result).error();
    error = DescribeSideError(std::move(error), source.table_name, target.table_name);
    if (pipeline::StreamReplicator::ResumeCanRecover(error)) {
      error.AddAdvice("fix the cause and rerun with --resume");
    }
    result = std::move(error);
  }
  // A run that failed before reading anything (a gap found up front, the stream gone) has
  // nothing to summarise and saved no checkpoint: the error line says it all.
  if (!result.ok() && counters.records_read.load() == 0 &&
      !std::filesystem::exists(settings.checkpoint)) {
    return std::move(result).error();
  }
  const uint64_t applied = counters.records_applied.load();
  const uint64_t dead = counters.items_dead_lettered.load();
  const bool interrupted = result.ok() && result->interrupted;
  // Records read per second: many records may make few changes (coalesced, skipped).
  const double rate = seconds > 0 ? static_cast<double>(counters.records_read.load()) / seconds : 0;
  if (global.output == "json") {
    std::string out;
    aws::JsonWriter w(&out);
    w.BeginObject()
        .Member("SourceTable", source.table_name)
        .Member("TargetTable", target.table_name)
        .Member("StreamArn", source.latest_stream_arn)
        .MemberInt("RecordsRead", static_cast<int64_t>(counters.records_read.load()))
        .MemberInt("RecordsApplied", static_cast<int64_t>(applied))
        .MemberInt("RecordsCoalesced", static_cast<int64_t>(counters.records_coalesced.load()))
        .MemberInt("RecordsSkipped", static_cast<int64_t>(counters.records_skipped.load()))
        .MemberInt("TtlDeletes", static_cast<int64_t>(counters.ttl_deletes.load()))
        .MemberInt("ItemsLookedUp", static_cast<int64_t>(counters.records_looked_up.load()))
        .MemberInt("RecordsGoneFromSource",
                   static_cast<int64_t>(counters.records_gone_from_source.load()))
        .MemberInt("RecordsDeadLettered", static_cast<int64_t>(dead))
        .MemberInt("RecordsDeadLetteredByEarlierRuns", static_cast<int64_t>(dead_earlier))
        .MemberInt("IteratorsRenewed", static_cast<int64_t>(counters.iterators_renewed.load()))
        .MemberInt("ShardsDone", static_cast<int64_t>(counters.shards_done.load()))
        .MemberInt("Throttles", static_cast<int64_t>(Throttles(src, dst)))
        .MemberInt("Retries", static_cast<int64_t>(Retries(src, dst)))
        .Key("LagSeconds")
        .Double(counters.lag_seconds.load())
        .Key("Seconds")
        .Double(seconds)
        .Key("RecordsPerSecond")
        .Double(rate)
        .MemberBool("CaughtUp", result.ok() && result->caught_up)
        .MemberBool("Interrupted", interrupted)
        .Member("Checkpoint", settings.checkpoint);
    AddDeadLetterMembers(w, dead_letters, dead, dead_earlier);
    if (!result.ok()) w.Member("Error", result.error().ToString());
    w.EndObject();
    std::cout << out << '\n';
  } else {
    const uint64_t gone = counters.records_gone_from_source.load();
    std::cout << fmt::format(
        "{}: {} read, {} applied to {} ({} coalesced, {} skipped, {} TTL "
        "deletions{}) in {:.1f} s ({:.0f} records/s); lag {}; {} throttles, {} retries\n",
        interrupted ? "replay stopped" : (result.ok() ? "replay caught up" : "replay failed"),
        Counted(counters.records_read.load(), "record"), Counted(applied, "change"),
        target.table_name, counters.records_coalesced.load(), counters.records_skipped.load(),
        counters.ttl_deletes.load(),
        gone > 0 ? fmt::format(", {} gone from the source, left to their REMOVE records", gone)
                 : std::string(),
        seconds, rate, LagText(counters.lag_seconds.load()), Throttles(src, dst),
        Retries(src, dst));
    if (dead > 0) {
      std::cout << fmt::format("{} could not be applied; see the dead-letter file {}\n",
                               Counted(dead, "record"), dead_letters.path());
    }
    if (dead_earlier > 0) {
      std::cout << fmt::format("the earlier runs could not apply {}; {}\n",
                               Counted(dead_earlier, "record"),
                               DeadLetterWhere(dead_letters, 0, dead_earlier));
    }
    if (result.ok() || pipeline::StreamReplicator::ResumeCanRecover(result.error())) {
      std::cout << fmt::format("checkpoint: {}; continue with the same command and --resume\n",
                               settings.checkpoint);
    }
  }
  if (!result.ok()) return std::move(result).error();
  if (interrupted) return Outcome::kInterrupted;
  return dead + dead_earlier > 0 ? Outcome::kIncomplete : Outcome::kSuccess;
}

}  // namespace ddbm::commands
