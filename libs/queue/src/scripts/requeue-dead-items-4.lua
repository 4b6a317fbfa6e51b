--[[ requeue-dead-items-4: move the given dead items (one group of failures, issue 19) back to
the input's left end and clear their attempts and causes; an item no longer in dead is skipped.
KEYS[1] Q  KEYS[2] P:dead  KEYS[3] P:attempts  KEYS[4] P:causes
ARGV[1..] the items (at most 1000), each moved once per time it is given
Returns {moved, remaining}: remaining = LLEN dead after the call
or {negative code, detail} having written nothing. ]]
-- @include common

local input, dead, attempts, causes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if #ARGV > MAX_ITEMS then return {E_TOO_MANY, #ARGV} end
local err = check_types({{input, 'list', E_INPUT}, {dead, 'list', E_DEAD}, {attempts, 'hash', E_ATTEMPTS},
  {causes, 'hash', E_CAUSES}})
if err then return err end
local moved = {}
for i = 1, #ARGV do
  -- Push before deleting; from the tail, where the oldest dead items sit (negative rank, count).
  if redis.call('LPOS', dead, ARGV[i], 'RANK', -1) then
    redis.call('LPUSH', input, ARGV[i])
    redis.call('LREM', dead, -1, ARGV[i])
    moved[#moved + 1] = ARGV[i]
  end
end
if #moved > 0 then
  redis.call('HDEL', attempts, unpack(moved))
  redis.call('HDEL', causes, unpack(moved))
end
return {#moved, redis.call('LLEN', dead)}
