-- Heals expired leases (take-10 and reap-7): each expired batch list with items is requeued with
-- an attempt per item, within MAX_ITEMS items per call; an empty or gone one loses its lease and
-- taken time. So does a key of another type: it holds none of our items and a lease left on it
-- would come back on every call, but the key itself is not ours to delete. Counts the requeued
-- items in stats. k = the requeue keys (leases, taken, retry, attempts, dead, stats); the caller
-- has checked their types. Returns batches, items, dead, dropped (empty, gone or foreign keys).
local function heal_expired(k, expired, max_attempts, now)
  local batches, items, dead, dropped = 0, 0, 0, 0
  for i = 1, #expired do
    local key = expired[i]
    local len = read(E_BATCH, 'LLEN', key)
    if len == nil or len == 0 then
      redis.call('ZREM', k.leases, key)
      redis.call('HDEL', k.taken, key)
      dropped = dropped + 1
    elseif items + len <= MAX_ITEMS then
      local moved, died = requeue_batch(k, key, max_attempts)
      batches, items, dead = batches + 1, items + moved, dead + died
    end
  end
  count_requeued(k.stats, items, now)
  return batches, items, dead, dropped
end
