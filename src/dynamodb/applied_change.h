// Whether a table's state shows a change request carried out: used when a CreateTable,
// UpdateTable or UpdateTimeToLive was sent again after an earlier sending went unanswered, and
// the service then refused it as already made. Each check is strict: a state that matches only
// in part, or that cannot be read, is "not shown", so a table is never taken for the result of
// a request it may not come from.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string_view>

#include "aws/clock.h"
#include "aws/error.h"
#include "aws/sigv4.h"
#include "dynamodb/client.h"
#include "dynamodb/types.h"

namespace ddbm::dynamodb {

// True when `error` is a service answer with one of `codes` to a request an earlier sending of
// which went unanswered (aws::Error::earlier_sending_unanswered): the request may have failed
// only because that sending was carried out.
bool MayBeRefusedAsAlreadyMade(const aws::Error& error,
                               std::initializer_list<std::string_view> codes);

// How far a service's clock may be ahead of ours and still sign requests (SigV4 refuses
// requests more than this far off); a table created this much before a CreateTable was first
// sent may still be its result.
inline constexpr std::chrono::minutes kClockSkewAllowed = aws::sigv4::kClockSkewAllowed;

// True when `table` is what the CreateTable body `request` asks for: the same name; CREATING
// or ACTIVE; the same key schema; global and local secondary indexes of the same names with the
// same key schemas; and created no earlier than kClockSkewAllowed before `first_sent`.
bool TableShowsCreate(std::string_view request, const TableDescription& table,
                      aws::Clock::WallTime first_sent);

// True when the UpdateTable body `request` only creates global secondary indexes (members
// TableName, AttributeDefinitions and GlobalSecondaryIndexUpdates, every update a "Create")
// and `table` has each of them with the same key schema, CREATING or ACTIVE. Any other
// UpdateTable is never shown.
bool TableShowsIndexesCreated(std::string_view request, const TableDescription& table);

// True when `ttl` is what UpdateTimeToLive(attribute, enabled) asks for: ENABLED or ENABLING on
// `attribute`, or DISABLED or DISABLING.
bool TimeToLiveShows(const TimeToLiveDescription& ttl, std::string_view attribute, bool enabled);

}  // namespace ddbm::dynamodb
