-- Acks one batch (shared by take and ack). k = {leases=, taken=, attempts=, stats=, output=}.
-- If the batch list exists: push the results (when `push`), count them in stats, delete the
-- items' attempts, then delete the list. Always drop the lease and taken time.
-- Returns 1 (acked), 2 (the list was gone: nothing pushed), or an error reply.
-- Types must have been checked by the caller; the result count is checked here, before writing.
local function ack_batch(k, batch_key, push, node, n, results, from)
  local len = redis.call('LLEN', batch_key)
  if len == 0 then
    redis.call('ZREM', k.leases, batch_key)
    redis.call('HDEL', k.taken, batch_key)
    return 2
  end
  if len ~= n then return {E_RESULT_COUNT, len} end
  if push and n > 0 then redis.call('LPUSH', k.output, unpack(results, from, from + n - 1)) end
  redis.call('HINCRBY', k.stats, 'processed', n)
  redis.call('HINCRBY', k.stats, 'node:' .. node, n)
  if redis.call('EXISTS', k.attempts) == 1 then
    redis.call('HDEL', k.attempts, unpack(redis.call('LRANGE', batch_key, 0, -1)))
  end
  redis.call('DEL', batch_key)
  redis.call('ZREM', k.leases, batch_key)
  redis.call('HDEL', k.taken, batch_key)
  return 1
end
