//! Lua scripts for the queue steps that touch more than one key. A script runs atomically on
//! the server, so no crash or race between two workers can leave a message both requeued and
//! pending, or promoted twice. Times come from the server clock (`TIME`), so workers with
//! skewed clocks agree on when a retry is due.

use std::sync::LazyLock;

use redis::Script;

const NOW_MS: &str = "local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
";

/// One non-blocking claim step.
/// KEYS: stream, delayed. ARGV: group, consumer, visibility timeout ms, promote limit.
/// 1. moves due delayed messages into the stream (oldest due first);
/// 2. reclaims the oldest delivery idle past the visibility timeout (XPENDING IDLE + XCLAIM;
///    XCLAIM re-checks the idle time, so two reclaimers cannot both win);
/// 3. otherwise reads one new message.
///
/// Returns `{kind, id, envelope, deliveries}` with kind `reclaimed` or `new`, or
/// `{'none', '', '', ms until the next delayed message is due or -1}`.
pub(super) static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{NOW_MS}
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
for _, m in ipairs(due) do
  redis.call('XADD', KEYS[1], '*', 'e', m)
  redis.call('ZREM', KEYS[2], m)
end
local stale = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', tonumber(ARGV[3]), '-', '+', 1)
if #stale > 0 then
  local id = stale[1][1]
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), id)
  if #claimed > 0 and claimed[1] then
    return {{'reclaimed', id, claimed[1][2][2], stale[1][4] + 1}}
  end
end
local fresh = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
if fresh and fresh[1] and #fresh[1][2] > 0 then
  local e = fresh[1][2][1]
  return {{'new', e[1], e[2][2], 1}}
end
local nxt = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local wait = -1
if #nxt > 0 then wait = math.max(0, tonumber(nxt[2]) - now) end
return {{'none', '', '', wait}}"
    ))
});

/// Gives a delivery back, if `consumer` still holds it.
/// KEYS: stream, delayed, dead. ARGV: group, id, consumer, `retry`|`dead`, delay ms, payload
/// (the retry envelope, or the dead-letter record).
/// Returns 1, or 0 when the consumer no longer holds the delivery.
pub(super) static GIVE_BACK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1, ARGV[3])
if #p == 0 then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if ARGV[4] == 'retry' then
  {NOW_MS}
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[6])
else
  redis.call('XADD', KEYS[3], '*', 'd', ARGV[6])
end
return 1"
    ))
});

/// Restarts a delivery's idle time, if `consumer` still holds it (XCLAIM to itself with
/// JUSTID, which does not count as a delivery).
/// KEYS: stream. ARGV: group, id, consumer. Returns 1, or 0 when it is no longer held.
pub(super) static TOUCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1, ARGV[3])
if #p == 0 then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1",
    )
});

/// Holds a message back. KEYS: delayed. ARGV: delay ms, envelope.
pub(super) static ENQUEUE_DELAYED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{NOW_MS}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
return 1"
    ))
});
