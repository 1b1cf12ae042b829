import { LuaScript } from '@quartet/redis';

/**
 * What the scripts share. Time is Redis's (TIME), so that leases written by replicas with
 * different clocks compare. A presence event goes out only when a user's first connection
 * comes or its last one goes, as a room in one process's memory does it.
 */
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function user_of(entry)
  return string.sub(entry, 1, string.find(entry, '\\0', 1, true) - 1)
end
local function connection_of(entry)
  return string.sub(entry, string.find(entry, '\\0', 1, true) + 1)
end
local function users_of(members)
  local users, seen = {}, {}
  for _, entry in ipairs(redis.call('ZRANGE', members, 0, -1)) do
    local name = user_of(entry)
    if not seen[name] then
      seen[name] = true
      table.insert(users, name)
    end
  end
  table.sort(users)
  return users
end
local function is_online(members, user)
  for _, entry in ipairs(redis.call('ZRANGE', members, 0, -1)) do
    if user_of(entry) == user then return true end
  end
  return false
end
-- The next seq of a room. Within one Redis run it counts on from the last; a room with no
-- counter (new, expired, or lost whole in a crash) or one written by an earlier run (Redis
-- restarted, and may have lost its last writes) starts an epoch at Redis's time in
-- milliseconds times 1024, above every seq handed out before as long as a room stores fewer
-- than 1024 posts a millisecond and no restart takes under a millisecond (it stays below
-- 2^53, exact in Lua's doubles and JSON, until the year 2248). Returns the seq and, for an
-- epoch's first, the last seq it continues from.
local EPOCH = 1024
local function next_seq(counter)
  local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
  local stored = redis.call('HMGET', counter, 'run', 'seq')
  local last = tonumber(stored[2] or '0')
  local seq, after = last + 1, nil
  if stored[1] ~= run then
    local start = now_ms() * EPOCH
    seq = math.max(start, math.ceil(last / EPOCH) * EPOCH) + 1
    after = stored[2] or '0'
  end
  local text = string.format('%.0f', seq)
  redis.call('HSET', counter, 'run', run, 'seq', text)
  return text, after
end
local function presence(channel, user, online, connection)
  redis.call('PUBLISH', channel, 'p' .. cjson.encode({user = user, online = online, connection = connection}))
end
-- Connections whose lease ran out: their replica stopped renewing them (it died or lost Redis).
local function reap(members, channel, now)
  local expired = redis.call('ZRANGE', members, '-inf', now, 'BYSCORE')
  if #expired == 0 then return end
  redis.call('ZREMRANGEBYSCORE', members, '-inf', now)
  local told = {}
  for _, entry in ipairs(expired) do
    local user = user_of(entry)
    if not told[user] and not is_online(members, user) then
      told[user] = true
      presence(channel, user, false, connection_of(entry))
    end
  end
end
`;

/**
 * Stores a post: the next seq (next_seq), the log entry (an epoch's first also records
 * `after`, the seq it continues from), the dedup record and the notification, all
 * or nothing. A client_id this user already used returns what was stored then.
 * KEYS: counter, log, dedup, acks. ARGV: user, text, time (ms), client_id, history size,
 * dedup window, TTL (s), channel. Returns {1, message} or {0, the earlier message}.
 */
export const POST = new LuaScript(`${PRELUDE}
local user, text, time, client_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local history, window, ttl, channel = ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8]
local dedup_key = nil
if client_id ~= '' and window > 0 then
  dedup_key = user .. '\\0' .. client_id
  local earlier = redis.call('HGET', KEYS[4], dedup_key)
  if earlier then return {0, earlier} end
end
local seq, after = next_seq(KEYS[1])
local message = cjson.encode({seq = seq, user = user, text = text, time = tonumber(time), clientId = client_id})
if after then
  redis.call('XADD', KEYS[2], 'MAXLEN', history, seq .. '-0', 'm', message, 'after', after)
else
  redis.call('XADD', KEYS[2], 'MAXLEN', history, seq .. '-0', 'm', message)
end
if dedup_key then
  redis.call('ZADD', KEYS[3], seq, dedup_key)
  redis.call('HSET', KEYS[4], dedup_key, message)
  local excess = redis.call('ZCARD', KEYS[3]) - window
  if excess > 0 then
    local oldest = redis.call('ZPOPMIN', KEYS[3], excess)
    for i = 1, #oldest, 2 do redis.call('HDEL', KEYS[4], oldest[i]) end
  end
  redis.call('EXPIRE', KEYS[3], ttl)
  redis.call('EXPIRE', KEYS[4], ttl)
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('PUBLISH', channel, 'm' .. message)
return {1, message}
`);

/**
 * Adds a connection to a room with a lease, unless the room has `max` connections.
 * KEYS: members, counter, log. ARGV: user, connection, lease (ms), max, channel, TTL (s).
 * Returns {1, users online, sorted} or {0} when the room is full.
 */
export const JOIN = new LuaScript(`${PRELUDE}
local user, connection, lease, max, channel, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6]
local now = now_ms()
reap(KEYS[1], channel, now)
if redis.call('ZCARD', KEYS[1]) >= max then return {0} end
local was_online = is_online(KEYS[1], user)
redis.call('ZADD', KEYS[1], now + lease, user .. '\\0' .. connection)
if not was_online then presence(channel, user, true, connection) end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
return {1, users_of(KEYS[1])}
`);

/** The users online in a room, sorted, once expired leases are out. KEYS: members. ARGV: channel. */
export const MEMBERS = new LuaScript(`${PRELUDE}
reap(KEYS[1], ARGV[1], now_ms())
return users_of(KEYS[1])
`);

/** Takes a connection out. KEYS: members. ARGV: user, connection, channel. */
export const LEAVE = new LuaScript(`${PRELUDE}
local user, connection, channel = ARGV[1], ARGV[2], ARGV[3]
if redis.call('ZREM', KEYS[1], user .. '\\0' .. connection) == 1 and not is_online(KEYS[1], user) then
  presence(channel, user, false, connection)
end
return 1
`);

/**
 * Renews this replica's connections in a room and takes out those whose lease ran out.
 * KEYS: members. ARGV: lease (ms), channel, TTL (s), then each connection as `user\0id`.
 * Returns the connections that were no longer there: their lease had run out first.
 */
export const RENEW = new LuaScript(`${PRELUDE}
local lease, channel, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local now = now_ms()
reap(KEYS[1], channel, now)
local lost = {}
for i = 4, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
redis.call('EXPIRE', KEYS[1], ttl)
return lost
`);
