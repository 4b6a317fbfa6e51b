--[[ hand-back-5: return batches without an attempt (SIGTERM on a task switch or stop, or a
waiting key released). Items that failed before go to retry; the others go back to Q's right
end, in order, so they are taken next. List, lease and taken go.
KEYS[1] Q  KEYS[2] P:leases  KEYS[3] P:taken  KEYS[4] P:retry  KEYS[5] P:attempts
ARGV[1..] batch keys (together at most 1000 items)
Returns {batches, items}: batches that held items
or {negative code, detail} having written nothing. ]]
-- @include common

local k = {input = KEYS[1], leases = KEYS[2], taken = KEYS[3], retry = KEYS[4], attempts = KEYS[5]}
local batch_prefix = batch_prefix_of(k.leases)
local err = check_types({{k.input, 'list', E_INPUT}, {k.leases, 'zset', E_LEASES}, {k.taken, 'hash', E_TAKEN},
  {k.retry, 'list', E_RETRY}, {k.attempts, 'hash', E_ATTEMPTS}})
if err then return err end
for i = 1, #ARGV do
  err = check_batch_key(batch_prefix, ARGV[i])
  if err then return err end
end
local total = total_items(ARGV, 1)
if total > MAX_ITEMS then return {E_TOO_MANY, total} end
local batches, items = 0, 0
for i = 1, #ARGV do
  local moved = hand_back_batch(k, ARGV[i])
  if moved > 0 then batches, items = batches + 1, items + moved end
end
return {batches, items}
