--[[ ack-10: ack one batch by its key (SPEC §4 ack). Idempotent: a second ack of the same key,
or an ack after the batch was requeued, pushes nothing.
KEYS[1] Q  KEYS[2] P:seq  KEYS[3] P:leases  KEYS[4] P:taken  KEYS[5] P:retry  KEYS[6] P:attempts
KEYS[7] P:dead  KEYS[8] P:stats  KEYS[9] P:config  (the keys of take-10)
KEYS[10] output list (exactly-once), or Q when ARGV[2] = '0'
ARGV[1] batch key
ARGV[2] '1' push the results to KEYS[10]; '0' they were pushed already (at-least-once)
ARGV[3] node id (stats per node)
ARGV[4] n, the result count (the batch must hold exactly n items)
ARGV[5..4+n] the results in item order, when ARGV[2] = '1'
Returns {1} acked, {2} the batch list was gone: nothing pushed (lease and taken dropped anyway)
or {negative code, detail} having written nothing. ]]
-- @include common
-- @include ack

local k = {input = KEYS[1], seq = KEYS[2], leases = KEYS[3], taken = KEYS[4], retry = KEYS[5],
  attempts = KEYS[6], dead = KEYS[7], stats = KEYS[8], config = KEYS[9], output = KEYS[10]}
local batch_key, push, node, n = ARGV[1], ARGV[2] == '1', ARGV[3], tonumber(ARGV[4])
local batch_prefix = string.sub(k.seq, 1, -5) .. ':batch:'
if n == nil or n < 0 or n > MAX_ITEMS then return {E_TOO_MANY, tostring(ARGV[4])} end
if push and #ARGV ~= 4 + n then return {E_BAD_ARG, 'result count ' .. n .. ' but ' .. (#ARGV - 4) .. ' results'} end
if string.sub(batch_key, 1, #batch_prefix) ~= batch_prefix then
  return {E_BAD_ARG, 'not a batch key of this queue: ' .. batch_key}
end
local len, has_attempts, err = check_ack(k, batch_key, push, n)
if err then return err end
return {ack_batch(k, batch_key, len, push, node, n, ARGV, 5, has_attempts)}
