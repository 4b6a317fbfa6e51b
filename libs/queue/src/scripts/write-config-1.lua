--[[ write-config-1: write P:config when a task starts (the hub), checked before writing.
KEYS[1] P:config
ARGV[1] max_attempts (integer 1..1000)
ARGV[2] lease_s (integer 1..86400)
ARGV[3] batch_timeout_s (integer, lease_s..604800)
ARGV[4] run id of the task run ([A-Za-z0-9._-]{1,64}), or '' to leave run_id as it is
  (the hub checks it on every sample: a P:config without its run id means Redis lost its data)
Returns {1}
or {negative code, detail} having written nothing. ]]
-- @include common

local config = KEYS[1]
local max_attempts, lease_s, timeout_s = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local function int_in(v, lo, hi) return v ~= nil and v == math.floor(v) and v >= lo and v <= hi end
if not int_in(max_attempts, 1, 1000) then return {E_BAD_ARG, 'max_attempts ' .. tostring(ARGV[1])} end
if not int_in(lease_s, 1, 86400) then return {E_BAD_ARG, 'lease_s ' .. tostring(ARGV[2])} end
if not int_in(timeout_s, lease_s, 604800) then return {E_BAD_ARG, 'batch_timeout_s ' .. tostring(ARGV[3])} end
local run_id = ARGV[4] or ''
if run_id ~= '' and (#run_id > 64 or string.find(run_id, '^[%w._-]+$') == nil) then
  return {E_BAD_ARG, 'run_id ' .. run_id}
end
local err = bad_type(config, 'hash', E_CONFIG)
if err then return err end
redis.call('HSET', config, 'max_attempts', max_attempts, 'lease_s', lease_s, 'batch_timeout_s', timeout_s)
if run_id ~= '' then redis.call('HSET', config, 'run_id', run_id) end
return {1}
