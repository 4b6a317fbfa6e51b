--[[ requeue-dead-4: move dead items back to the input (oldest first, to its left end) and clear
their attempts and causes.
KEYS[1] Q  KEYS[2] P:dead  KEYS[3] P:attempts  KEYS[4] P:causes
ARGV[1] at most this many items (1..1000)
Returns {moved, remaining}: remaining = LLEN dead after the call (call again while > 0)
or {negative code, detail} having written nothing. ]]
-- @include common

local input, dead, attempts, causes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local limit = tonumber(ARGV[1])
if limit == nil or limit < 1 or limit > MAX_ITEMS then return {E_BAD_ARG, 'limit ' .. tostring(ARGV[1])} end
local err = check_types({{input, 'list', E_INPUT}, {dead, 'list', E_DEAD}, {attempts, 'hash', E_ATTEMPTS},
  {causes, 'hash', E_CAUSES}})
if err then return err end
local items = redis.call('LRANGE', dead, -limit, -1)
if #items == 0 then return {0, 0} end
-- LRANGE gives newest..oldest of the tail; push oldest first, then trim what was pushed.
for i = #items, 1, -1 do
  redis.call('LPUSH', input, items[i])
end
redis.call('HDEL', attempts, unpack(items))
redis.call('HDEL', causes, unpack(items))
redis.call('LTRIM', dead, 0, -(#items + 1))
return {#items, redis.call('LLEN', dead)}
