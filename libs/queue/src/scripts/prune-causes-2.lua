--[[ prune-causes-2: drop the causes of items that succeeded after a failed attempt (their ack
cleared the attempts but not the cause, which take and ack do not touch): of the given fields,
those with no attempts entry left. A dead or retried item always has one, so its cause stays.
KEYS[1] P:causes  KEYS[2] P:attempts
ARGV[1..] fields of P:causes (from HSCAN; at most 1000)
Returns {pruned, left}: left = HLEN causes after the call
or {negative code, detail} having written nothing. ]]
-- @include common

local causes, attempts = KEYS[1], KEYS[2]
if #ARGV > MAX_ITEMS then return {E_TOO_MANY, #ARGV} end
local err = check_types({{causes, 'hash', E_CAUSES}, {attempts, 'hash', E_ATTEMPTS}})
if err then return err end
local gone = {}
for i = 1, #ARGV do
  if redis.call('HEXISTS', attempts, ARGV[i]) == 0 then gone[#gone + 1] = ARGV[i] end
end
if #gone > 0 then redis.call('HDEL', causes, unpack(gone)) end
return {#gone, redis.call('HLEN', causes)}
