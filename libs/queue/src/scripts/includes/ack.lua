-- Acks one batch (shared by take and ack). k = {leases=, taken=, attempts=, stats=, output=}.
-- The caller has read the batch's length `len` and checked, before any write, every key this
-- touches and that len is 0 or n. If the batch list exists: push the results (when `push`),
-- count them in stats, delete the items' attempts (only when `has_attempts`: the hash exists),
-- then delete the list. Always drop the lease and taken time.
-- Returns 1 (acked) or 2 (the list was gone: nothing pushed).
local function ack_batch(k, batch_key, len, push, node, n, results, from, has_attempts)
  if len == 0 then
    redis.call('ZREM', k.leases, batch_key)
    redis.call('HDEL', k.taken, batch_key)
    return 2
  end
  if push and n > 0 then redis.call('LPUSH', k.output, unpack(results, from, from + n - 1)) end
  redis.call('HINCRBY', k.stats, 'processed', n)
  redis.call('HINCRBY', k.stats, 'node:' .. node, n)
  if has_attempts then
    redis.call('HDEL', k.attempts, unpack(redis.call('LRANGE', batch_key, 0, -1)))
  end
  redis.call('DEL', batch_key)
  redis.call('ZREM', k.leases, batch_key)
  redis.call('HDEL', k.taken, batch_key)
  return 1
end

-- The reads an ack needs before writing (take and ack): the batch length, and the type of
-- every key the ack writes. Returns len, has_attempts, or nil, error reply.
local function check_ack(k, batch_key, push, n)
  local len, err = read(E_BATCH, 'LLEN', batch_key)
  if err then return nil, nil, err end
  local _
  _, err = read(E_LEASES, 'ZCARD', k.leases)
  if err then return nil, nil, err end
  _, err = read(E_TAKEN, 'HLEN', k.taken)
  if err then return nil, nil, err end
  if len == 0 then return 0, false end
  if len ~= n then return nil, nil, {E_RESULT_COUNT, len} end
  if push then
    _, err = read(E_OUTPUT, 'LLEN', k.output)
    if err then return nil, nil, err end
  end
  _, err = read(E_STATS, 'HLEN', k.stats)
  if err then return nil, nil, err end
  local attempts
  attempts, err = read(E_ATTEMPTS, 'HLEN', k.attempts)
  if err then return nil, nil, err end
  return len, attempts > 0
end
